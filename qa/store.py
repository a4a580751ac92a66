"""The index on disk: one generation directory per build, switched in atomically.

    index/CURRENT                 name of the live generation (replaced with os.replace)
    index/gen-<time>-<id>/        manifest.json, documents.jsonl, passages.json, sentences.json,
                                  passage_vectors.npy, sentence_vectors.npy, and the passage store:
                                  passages.faiss + bm25/ (FAISS, the default), or vocabulary.json +
                                  qdrant/ (Qdrant in process) or a collection on a Qdrant server
    index/cache/<model>/<key>.npy embeddings of one document's texts, keyed by those texts

Everything is JSON, .npy, FAISS's or Qdrant's own format: no pickle. The manifest holds the sha256 of
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

from . import chunking, stores
from .atomic import file_sha256, fsync_dir as _fsync_dir, write_atomically as _atomic_write
from .embedding import Encoder
from .errors import IndexIncompatible, IndexMissing, IndexWriteFailed
from .profile import Profile
from .stores import PassageStore, StoreInput, StoreSettings
from .shards import cache_dir, document_texts, read_shard, write_shard
from .types import Document, Dropped, Paragraph, Span

__all__ = ["FORMAT_VERSION", "APPROXIMATE_ABOVE", "StoredIndex", "build_index", "open_index", "pipeline_fingerprint",
           "read_manifest"]

# Bump when the files written here change. Changes to parsing, chunking or tokenizing need no bump:
# `pipeline_fingerprint` sees them.
FORMAT_VERSION = 7
# The code whose output an index stores (parsed documents, spans, embedded texts, BM25 tokens).
_PIPELINE_SOURCES = ("documents", "chunking.py", "lexical.py", "embedding.py", "types.py", "store.py", "profile.py",
                     "shards.py")
# Above this many passages a flat (exact) scan costs more than the 15 ms search budget on two
# cores (384-d inner products: about 1 ms per 10,000 vectors measured here), so HNSW takes over.
APPROXIMATE_ABOVE = 100_000
CURRENT = "CURRENT"


@dataclass
class StoredIndex:
    """A loaded generation: documents, spans, vectors, the passage store (vectors and BM25), the manifest."""

    path: Path
    manifest: dict[str, Any]
    documents: tuple[Document, ...]
    passages: list[Span]
    sentences: list[Span]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    store: PassageStore


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


def open_index(index_dir: Path, model: str | None = None, store: StoreSettings | None = None) -> StoredIndex:
    """Load and verify the live generation; `model` and `store`, when given, must be the ones that built it."""
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
        if not path.is_file() or file_sha256(path) != digest:
            raise IndexIncompatible(f"{path}: missing or corrupt (sha256 differs from the manifest); rebuild the index")
    documents = tuple(_document_from_json(json.loads(line)) for line in
                      (generation / "documents.jsonl").read_text(encoding="utf-8").splitlines() if line)
    passages = [Span(*row) for row in json.loads((generation / "passages.json").read_text(encoding="utf-8"))]
    sentences = [Span(*row) for row in json.loads((generation / "sentences.json").read_text(encoding="utf-8"))]
    passage_vectors = np.load(generation / "passage_vectors.npy", allow_pickle=False, mmap_mode="r")
    sentence_vectors = np.load(generation / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
    passage_store = stores.open_store(generation, manifest["store"], passage_vectors, store)
    counts = manifest["counts"]
    if (len(documents), len(passages), len(sentences), passage_store.count) != (
        counts["documents"], counts["passages"], counts["sentences"], counts["passages"]
    ):
        passage_store.close()
        raise IndexIncompatible(f"{generation}: counts disagree with the manifest; rebuild the index")
    return StoredIndex(generation, manifest, documents, passages, sentences,
                       passage_vectors, sentence_vectors, passage_store)


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
    store: StoreSettings | None = None,
) -> dict[str, Any]:
    """Write a new generation for `documents` and switch it in; returns its manifest.

    `profile` is the one the documents were parsed with (default: the neutral one): its footnote
    marker shapes the embedded texts, its spelling variants the BM25 tokens, and its fingerprint
    is recorded. Texts whose embeddings are cached (same texts, same model) are not sent to the encoder.
    `store` chooses the engine that holds the passages (default: FAISS + bm25s files).
    """
    say = on_step or (lambda message: None)
    store = store or StoreSettings()
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
        _write_vectors(staging, passage_vectors, sentence_vectors)
        data = _store_input(documents, passages, passage_vectors, encoder.dimension,
                            _bm25(passage_texts, profile), approximate_above=approximate_above, quantize=quantize)
        kind = stores.write(staging, generation.name, data, store)
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
            "store": kind,
            "counts": {"documents": len(documents), "passages": len(passages), "sentences": len(sentences)},
            "documents": {d.doc_id: {"file": d.path, "sha256": d.sha256} for d in documents},
            "files": {str(p.relative_to(staging)): file_sha256(p) for p in sorted(staging.rglob("*"))
                      if p.is_file() and p.relative_to(staging).parts[0] != stores.UNHASHED},
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
    _prune(index_dir, keep={generation.name, *_previous(index_dir, generation.name)}, cache_keys=used_keys,
           model=encoder.name, recorded=kind)
    return manifest


def _embed(documents, encoder: Encoder, index_dir: Path, progress: bool, say, profile: Profile):
    """Every document's vectors from its shard, encoding (and saving) the shards that are missing."""
    cache = cache_dir(index_dir, encoder.name)
    cache.mkdir(parents=True, exist_ok=True)
    per_document = [document_texts(document, profile, encoder.name) for document in documents]
    # Decided once: a shard written meanwhile (by a concurrent build) must not shift the rows of `fresh`.
    absent = {d.key for d in per_document if not (cache / f"{d.key}.npy").exists()}
    missing = [text for d in per_document if d.key in absent for text in d.texts]
    say(f"embedding {len(missing)} new texts ({sum(len(d.texts) for d in per_document) - len(missing)} cached)")
    fresh = encoder.encode(missing, progress=progress) if missing else np.zeros((0, encoder.dimension), np.float32)
    cursor = 0
    passage_rows, sentence_rows = [], []
    for d in per_document:
        path = cache / f"{d.key}.npy"
        if d.key not in absent:
            vectors = read_shard(path, len(d.texts), encoder.dimension)
        else:
            vectors = fresh[cursor : cursor + len(d.texts)]
            cursor += len(d.texts)
            write_shard(path, vectors)
        passage_rows.append(vectors[: len(d.passages)])
        sentence_rows.append(vectors[len(d.passages) :])
    empty = np.zeros((0, encoder.dimension), np.float32)
    passage_vectors = np.vstack(passage_rows) if passage_rows else empty
    sentence_vectors = np.vstack(sentence_rows) if sentence_rows else empty
    passages = [p for d in per_document for p in d.passages]
    passage_texts = [t for d in per_document for t in d.passage_texts]
    sentences = [s for d in per_document for s in d.sentences]
    return passages, passage_texts, sentences, passage_vectors, sentence_vectors, {d.key for d in per_document}


def _write_vectors(staging: Path, passage_vectors, sentence_vectors) -> None:
    np.save(staging / "passage_vectors.npy", np.ascontiguousarray(passage_vectors, np.float32), allow_pickle=False)
    np.save(staging / "sentence_vectors.npy", np.ascontiguousarray(sentence_vectors, np.float32), allow_pickle=False)


def _bm25(passage_texts: list[str], profile: Profile) -> Any:
    """BM25 over the same texts the encoder saw (title, section, passage), with the profile's variants."""
    import bm25s

    if not passage_texts:
        return None
    from .lexical import tokenize

    retriever = bm25s.BM25()
    retriever.index(tokenize(passage_texts, profile.vocabulary.variants), show_progress=False)
    return retriever


def _store_input(documents, passages: list[Span], vectors, dimension: int, bm25: Any, **options: Any) -> StoreInput:
    """One row per passage: its vector, document and the document's days (0 when undated)."""
    days = {d.doc_id: stores.day_range(d.date) if d.date else (0, 0) for d in documents}
    first = np.array([days[p.doc_id][0] for p in passages], np.int32)
    last = np.array([days[p.doc_id][1] for p in passages], np.int32)
    matrix = np.ascontiguousarray(vectors, np.float32).reshape(-1, dimension)
    return StoreInput(matrix, tuple(p.doc_id for p in passages), first, last, bm25, options)


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


def _prune(index_dir: Path, keep: set[str], cache_keys: set[str], model: str, recorded: dict[str, Any]) -> None:
    """Drop generations other than the live and the previous one (in the store's engine too), and unused embeddings."""
    dropped = set()
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith(("gen-", ".gen-")) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            dropped.add(path.name)
    if dropped:
        stores.prune(recorded, dropped)
    cache = cache_dir(index_dir, model)
    for path in cache.glob("*.npy"):
        if path.stem not in cache_keys:
            path.unlink(missing_ok=True)




def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for directory in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(directory)



def _manifest_checksum(manifest: dict[str, Any]) -> str:
    """The sha256 of the manifest's content but its own checksum: a flipped bit anywhere in it shows."""
    body = {key: value for key, value in manifest.items() if key != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

