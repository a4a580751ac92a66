"""Embedding shards: one document's vectors in `index/cache/<model>/<key>.npy`, keyed by its texts.

A shard holds the rows of one document's embedded texts, its passages first, then its sentences,
float32, one `.npy` (no pickle). The key is the sha256 of the model name and those texts, so a
shard is valid for exactly the texts it was computed from: an index build reads the shards it
finds and encodes only what has none, whoever wrote them (this process, or workers on Ray).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import chunking
from .errors import IndexIncompatible
from .profile import Profile
from .types import Document, Span

__all__ = ["DocumentTexts", "document_texts", "cache_dir", "read_shard", "write_shard"]


@dataclass(frozen=True)
class DocumentTexts:
    """What the encoder sees of one document: passage texts, then sentence texts; `key` names its shard."""

    passages: tuple[Span, ...]
    sentences: tuple[Span, ...]
    texts: tuple[str, ...]
    key: str

    @property
    def passage_texts(self) -> tuple[str, ...]:
        return self.texts[: len(self.passages)]


def document_texts(document: Document, profile: Profile, model: str) -> DocumentTexts:
    """Chunk `document` and build the texts `model` embeds for it (passages with their context)."""
    by_anchor = {p.anchor: p for p in document.paragraphs}
    passages = chunking.passages(document)
    sentences = chunking.sentences(document)
    contexts = chunking.paragraph_contexts(document, profile.footnotes.marker)
    texts = [chunking.embedding_text(document, by_anchor[p.anchor], p.start, p.end, contexts.get(p.anchor, ""))
             for p in passages]
    texts += [document.text[s.start : s.end] for s in sentences]
    key = hashlib.sha256("\x00".join([model, *texts]).encode("utf-8")).hexdigest()
    return DocumentTexts(tuple(passages), tuple(sentences), tuple(texts), key)


def cache_dir(index_dir: Path, model: str) -> Path:
    """The folder of `model`'s shards under `index_dir`."""
    return index_dir / "cache" / _slug(model)


def read_shard(path: Path, rows: int, dimension: int) -> np.ndarray:
    """The vectors in `path`; IndexIncompatible if they are not `rows` × `dimension`."""
    vectors = np.load(path, allow_pickle=False)
    if vectors.shape != (rows, dimension):
        raise IndexIncompatible(f"{path}: cached embeddings have shape {vectors.shape}; delete index/cache")
    return vectors


def write_shard(path: Path, vectors: np.ndarray) -> None:
    """Save `vectors` as float32 under a temporary name, then rename: a shard is whole or absent."""
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:6]}.npy")
    np.save(temporary, np.ascontiguousarray(vectors, np.float32), allow_pickle=False)
    os.replace(temporary, path)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-80:]
