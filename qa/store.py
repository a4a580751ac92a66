"""The index on disk: one generation directory per build, switched in atomically.

    index/CURRENT                 name of the live generation (replaced with os.replace)
    index/gen-<time>-<id>/        manifest.json, documents.jsonl, passages.json, sentences.json,
                                  passages.faiss, passage_vectors.npy, sentence_vectors.npy, bm25/
    index/cache/<model>/<key>.npy embeddings of one document's texts, keyed by those texts

Everything is JSON, .npy or FAISS's own format: no pickle. The manifest holds the sha256 of
every file (and its own, `checksum`); loading checks them, the format version, the pipeline fingerprint (a hash of the
parsing and chunking code) and the model, and refuses a mismatch
with IndexIncompatible rather than answer from a damaged or foreign index. It also records the
fingerprint of the corpus profile the documents were parsed and tokenized with (`profile`),
which the indexer checks against the corpus's profile of now.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import chunking
from .atomic import fsync_dir as _fsync_dir, write_atomically as _atomic_write
from .embedding import Encoder
from .errors import IndexIncompatible, IndexMissing, IndexWriteFailed
from .profile import Profile
from .types import Document, Dropped, Paragraph, Span

__all__ = ["FORMAT_VERSION", "APPROXIMATE_ABOVE", "StoredIndex", "build_index", "open_index", "pipeline_fingerprint",
           "read_manifest"]

# Bump when the files written here change. Changes to parsing, chunking or tokenizing need no bump:
# `pipeline_fingerprint` sees them.
FORMAT_VERSION = 6
# The code whose output an index stores (parsed documents, spans, embedded texts, BM25 tokens).
_PIPELINE_SOURCES = ("documents", "chunking.py", "lexical.py", "embedding.py", "types.py", "store.py", "profile.py")
# Above this many passages a flat (exact) scan costs more than the 15 ms search budget on two
# cores (384-d inner products: about 1 ms per 10,000 vectors measured here), so HNSW takes over.
APPROXIMATE_ABOVE = 100_000
CURRENT = "CURRENT"


@dataclass
class StoredIndex:
    """A loaded generation: documents, spans, vectors, the FAISS and BM25 indexes, the manifest."""

    path: Path
    manifest: dict[str, Any]
    documents: tuple[Document, ...]
    passages: list[Span]
    sentences: list[Span]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_index: Any
    bm25: Any


@functools.cache
def pipeline_fingerprint() -> str:
    """A short hash of the code that turns files into what an index stores: an index built by other code is stale."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for name in _PIPELINE_SOURCES:
        root = package / name
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The live generation's manifest; IndexMissing if nothing was built, IndexIncompatible if unreadable."""
    path = _live_generation(index_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexIncompatible(f"{path}: manifest unreadable ({exc}); run `qa index` to rebuild") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexIncompatible(f"{path}: not an index manifest (no table of files); run `qa index` to rebuild")
    return manifest


def open_index(index_dir: Path, model: str | None = None) -> StoredIndex:
    """Load and verify the live generation; `model`, when given, must be the one that built it."""
    import bm25s
    import faiss

    generation = _live_generation(index_dir)
    manifest = read_manifest(index_dir)
    where = generation / "manifest.json"  # what the refusals below are about
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexIncompatible(
            f"{where}: index format {manifest.get('format_version')}, this program reads {FORMAT_VERSION}; rebuild it"
        )
    if manifest.get("pipeline") != pipeline_fingerprint():
        raise IndexIncompatible(
            f"{where}: built by other parsing or chunking code (pipeline {manifest.get('pipeline')}, "
            f"this program {pipeline_fingerprint()}); rebuild it"
        )
    if model is not None and manifest.get("model") != model:
        raise IndexIncompatible(f"{where}: built with model {manifest.get('model')!r}, not {model!r}; rebuild it")
    if manifest.get("checksum") != _manifest_checksum(manifest):
        raise IndexIncompatible(f"{where}: damaged (its checksum does not match its content); "
                                "rebuild the index")
    for name, digest in manifest["files"].items():
        path = generation / name
        if not path.is_file() or _sha256(path) != digest:
            raise IndexIncompatible(f"{path}: missing or corrupt (sha256 differs from the manifest); rebuild the index")
    documents = tuple(_document_from_json(json.loads(line)) for line in
                      (generation / "documents.jsonl").read_text(encoding="utf-8").splitlines() if line)
    passages = [Span(*row) for row in json.loads((generation / "passages.json").read_text(encoding="utf-8"))]
    sentences = [Span(*row) for row in json.loads((generation / "sentences.json").read_text(encoding="utf-8"))]
    passage_vectors = np.load(generation / "passage_vectors.npy", allow_pickle=False, mmap_mode="r")
    sentence_vectors = np.load(generation / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
    faiss_index = faiss.read_index(str(generation / "passages.faiss"))
    bm25 = bm25s.BM25.load(str(generation / "bm25"), allow_pickle=False, show_progress=False) if passages else None
    counts = manifest["counts"]
    if (len(documents), len(passages), len(sentences), faiss_index.ntotal) != (
        counts["documents"], counts["passages"], counts["sentences"], counts["passages"]
    ):
        raise IndexIncompatible(f"{generation}: counts disagree with the manifest; rebuild the index")
    return StoredIndex(generation, manifest, documents, passages, sentences,
                       passage_vectors, sentence_vectors, faiss_index, bm25)


def build_index(
    documents: tuple[Document, ...] | list[Document],
    encoder: Encoder,
    index_dir: Path,
    *,
    approximate_above: int = APPROXIMATE_ABOVE,
    quantize: bool = False,
    progress: bool = False,
    on_step: Callable[[str], None] | None = None,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """Write a new generation for `documents` and switch it in; returns its manifest.

    `profile` is the one the documents were parsed with (default: the neutral one): its footnote
    marker shapes the embedded texts, its spelling variants the BM25 tokens, and its fingerprint
    is recorded. Texts whose embeddings are cached (same texts, same model) are not sent to the encoder.
    """
    say = on_step or (lambda message: None)
    profile = profile if profile is not None else Profile.default()
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = index_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    staging = index_dir / f".{generation.name}.partial"
    staging.mkdir()
    try:
        passages, passage_texts, sentences, passage_vectors, sentence_vectors, used_keys = _embed(
            documents, encoder, index_dir, progress, say, profile
        )
        say(f"writing {len(passages)} passages and {len(sentences)} sentences")
        kind = _write_vectors(staging, passage_vectors, sentence_vectors, encoder.dimension, approximate_above, quantize)
        _write_bm25(staging, passage_texts, profile)
        _write_json(staging / "passages.json", [list(asdict(p).values()) for p in passages])
        _write_json(staging / "sentences.json", [list(asdict(s).values()) for s in sentences])
        with open(staging / "documents.jsonl", "w", encoding="utf-8") as out:
            for document in documents:
                out.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")
        manifest = {
            "format_version": FORMAT_VERSION,
            "pipeline": pipeline_fingerprint(),
            "profile": profile.fingerprint,
            "model": encoder.name,
            "dimension": encoder.dimension,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "faiss": kind,
            "counts": {"documents": len(documents), "passages": len(passages), "sentences": len(sentences)},
            "documents": {d.doc_id: {"file": d.path, "sha256": d.sha256} for d in documents},
            "files": {str(p.relative_to(staging)): _sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()},
        }
        manifest["checksum"] = _manifest_checksum(manifest)
        _write_json(staging / "manifest.json", manifest)
        _fsync_tree(staging)
        os.rename(staging, generation)
        _switch(index_dir, generation.name)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        free = shutil.disk_usage(index_dir).free // 1024  # numpy's short-write error drops the errno
        raise IndexWriteFailed(f"{index_dir}: cannot write the new index ({exc.strerror or exc}; {free} KiB free "
                               f"on its disk); the index built before stays live") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, keep={generation.name, *_previous(index_dir, generation.name)}, cache_keys=used_keys, model=encoder.name)
    return manifest


def _embed(documents, encoder: Encoder, index_dir: Path, progress: bool, say, profile: Profile):
    cache = index_dir / "cache" / _slug(encoder.name)
    cache.mkdir(parents=True, exist_ok=True)
    passages: list[Span] = []
    passage_texts: list[str] = []
    sentences: list[Span] = []
    per_document: list[tuple[Path, list[str], int]] = []
    missing: list[str] = []
    for document in documents:
        by_anchor = {p.anchor: p for p in document.paragraphs}
        doc_passages = chunking.passages(document)
        doc_sentences = chunking.sentences(document)
        contexts = chunking.paragraph_contexts(document, profile.footnotes.marker)
        texts = [chunking.embedding_text(document, by_anchor[p.anchor], p.start, p.end, contexts.get(p.anchor, ""))
                 for p in doc_passages]
        texts += [document.text[s.start : s.end] for s in doc_sentences]
        key = hashlib.sha256("\x00".join([encoder.name, *texts]).encode("utf-8")).hexdigest()
        path = cache / f"{key}.npy"
        per_document.append((path, texts, len(doc_passages)))
        if not path.exists():
            missing.extend(texts)
        passages.extend(doc_passages)
        passage_texts.extend(texts[: len(doc_passages)])
        sentences.extend(doc_sentences)
    say(f"embedding {len(missing)} new texts ({sum(len(t) for _, t, _ in per_document) - len(missing)} cached)")
    fresh = encoder.encode(missing, progress=progress) if missing else np.zeros((0, encoder.dimension), np.float32)
    cursor = 0
    passage_rows, sentence_rows = [], []
    for path, texts, n_passages in per_document:
        if path.exists():
            vectors = np.load(path, allow_pickle=False)
        else:
            vectors = fresh[cursor : cursor + len(texts)]
            cursor += len(texts)
            _atomic_save_npy(path, vectors)
        if vectors.shape != (len(texts), encoder.dimension):
            raise IndexIncompatible(f"{path}: cached embeddings have shape {vectors.shape}; delete index/cache")
        passage_rows.append(vectors[:n_passages])
        sentence_rows.append(vectors[n_passages:])
    empty = np.zeros((0, encoder.dimension), np.float32)
    passage_vectors = np.vstack(passage_rows) if passage_rows else empty
    sentence_vectors = np.vstack(sentence_rows) if sentence_rows else empty
    used_keys = {p.stem for p, _, _ in per_document}
    return passages, passage_texts, sentences, passage_vectors, sentence_vectors, used_keys


def _write_vectors(staging: Path, passage_vectors, sentence_vectors, dimension: int, approximate_above: int, quantize: bool):
    import faiss

    np.save(staging / "passage_vectors.npy", np.ascontiguousarray(passage_vectors, np.float32), allow_pickle=False)
    np.save(staging / "sentence_vectors.npy", np.ascontiguousarray(sentence_vectors, np.float32), allow_pickle=False)
    if len(passage_vectors) > approximate_above:
        if quantize:
            index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
            index.train(np.ascontiguousarray(passage_vectors, np.float32))
            kind = {"type": "hnsw_sq8", "M": 32}
        else:
            index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            kind = {"type": "hnsw", "M": 32}
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dimension)
        kind = {"type": "flat"}
    if len(passage_vectors):
        index.add(np.ascontiguousarray(passage_vectors, np.float32))
    faiss.write_index(index, str(staging / "passages.faiss"))
    return kind


def _write_bm25(staging: Path, passage_texts: list[str], profile: Profile) -> None:
    """BM25 over the same texts the encoder saw (title, section, passage), with the profile's variants."""
    import bm25s

    if not passage_texts:
        return
    from .lexical import tokenize

    retriever = bm25s.BM25()
    retriever.index(tokenize(passage_texts, profile.vocabulary.variants), show_progress=False)
    retriever.save(str(staging / "bm25"), show_progress=False)


def _document_from_json(raw: dict[str, Any]) -> Document:
    raw["paragraphs"] = tuple(Paragraph(**p) for p in raw["paragraphs"])
    raw["warnings"] = tuple(raw.get("warnings", ()))
    raw["dropped"] = tuple(Dropped(**d) for d in raw.get("dropped", ()))
    return Document(**raw)


def _live_generation(index_dir: Path) -> Path:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexMissing(f"{index_dir}: no index built yet; run `qa index`")
    name = pointer.read_text(encoding="utf-8").strip()
    generation = index_dir / name
    if not re.fullmatch(r"gen-[\w-]+", name) or not generation.is_dir():
        raise IndexIncompatible(f"{pointer}: names generation {name!r}, which is not there; rebuild the index")
    return generation


def _switch(index_dir: Path, name: str) -> None:
    """Point CURRENT at `name` atomically, remembering the previous generation in PREVIOUS."""
    pointer = index_dir / CURRENT
    if pointer.exists():
        _atomic_write(index_dir / "PREVIOUS", pointer.read_bytes())
    _atomic_write(pointer, name.encode("utf-8"))


def _previous(index_dir: Path, current: str) -> set[str]:
    path = index_dir / "PREVIOUS"
    previous = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    return {previous} if previous and previous != current else set()


def _prune(index_dir: Path, keep: set[str], cache_keys: set[str], model: str) -> None:
    """Drop generations other than the live and the previous one, and embeddings nothing uses."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith(("gen-", ".gen-")) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    cache = index_dir / "cache" / _slug(model)
    for path in cache.glob("*.npy"):
        if path.stem not in cache_keys:
            path.unlink(missing_ok=True)


def _atomic_save_npy(path: Path, array: np.ndarray) -> None:
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:6]}.npy")
    np.save(temporary, np.ascontiguousarray(array, np.float32), allow_pickle=False)
    os.replace(temporary, path)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for directory in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(directory)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    """The sha256 of the manifest's content but its own checksum: a flipped bit anywhere in it shows."""
    body = {key: value for key, value in manifest.items() if key != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-80:]
