"""The default store: FAISS for vectors, bm25s for BM25, both plain files in the generation folder.

    passages.faiss   flat (exact) up to `approximate_above` passages, HNSW (optionally SQ8) above
    bm25/            bm25s's own arrays and JSON (no pickle)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .base import Ranked, StoreInput, Where

__all__ = ["EXACT_SUBSET_LIMIT", "FaissStore", "write"]

# A filter keeping at most this many passages is scored exactly (a matrix product over the
# subset: under a millisecond); HNSW with an ID selector loses most of the true best
# passages when a filter keeps a small share of the graph.
EXACT_SUBSET_LIMIT = 20_000


def write(folder: Path, data: StoreInput) -> dict[str, Any]:
    """Write passages.faiss and bm25/ into `folder`; returns the index kind for the manifest."""
    import faiss

    dimension = data.vectors.shape[1]
    vectors = np.ascontiguousarray(data.vectors, np.float32)
    if len(vectors) > data.options.get("approximate_above", 100_000):
        if data.options.get("quantize"):
            index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
            kind = {"engine": "faiss", "type": "hnsw_sq8", "M": 32}
        else:
            index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            kind = {"engine": "faiss", "type": "hnsw", "M": 32}
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dimension)
        kind = {"engine": "faiss", "type": "flat"}
    if len(vectors):
        index.add(vectors)
    faiss.write_index(index, str(folder / "passages.faiss"))
    if data.bm25 is not None:
        data.bm25.save(str(folder / "bm25"), show_progress=False)
    return kind


class FaissStore:
    """Dense search in FAISS (exact over small filtered subsets), BM25 in bm25s; fusion is left to the caller."""

    def __init__(self, index: Any, bm25: Any, vectors: np.ndarray, kind: dict[str, Any]):
        self.index = index
        self.bm25 = bm25
        self.vectors = vectors
        self.kind = kind

    @classmethod
    def open(cls, folder: Path, vectors: np.ndarray, kind: dict[str, Any]) -> "FaissStore":
        """Load passages.faiss and bm25/ from `folder`; `vectors` (often memory-mapped) serve exact subsets."""
        import bm25s
        import faiss

        bm25 = bm25s.BM25.load(str(folder / "bm25"), allow_pickle=False, show_progress=False) \
            if (folder / "bm25").is_dir() else None
        return cls(faiss.read_index(str(folder / "passages.faiss")), bm25, vectors, kind)

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def dense(self, vector: np.ndarray, n: int, where: Where | None) -> Ranked:
        """Inner-product search; exact over a small filtered subset, a bitmap selector otherwise."""
        import faiss

        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        index = self.index
        if where is None:
            # HNSW's default beam (16) is narrower than the candidates asked for and misses true best ones.
            params = faiss.SearchParametersHNSW(efSearch=max(n, 64)) if isinstance(index, faiss.IndexHNSW) else None
            scores, ids = index.search(query, min(n, index.ntotal), params=params)
        else:
            mask = where.mask
            subset = np.flatnonzero(mask)
            if len(subset) <= EXACT_SUBSET_LIMIT or isinstance(index, faiss.IndexFlat):
                subset_scores = np.asarray(self.vectors[subset]) @ query[0]
                top = top_rows(subset_scores, n)
                return [(int(subset[i]), float(subset_scores[i])) for i in top]
            # The selector holds a bare pointer to the bitmap: keep the array alive until the search is done.
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
            # The selector leaves the graph walk fewer eligible nodes: widen it in proportion.
            ef = int(min(4096, max(64, n / max(mask.mean(), 1e-6))))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=ef)
            scores, ids = index.search(query, min(n, len(subset)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical(self, tokens: tuple[str, ...], n: int, where: Where | None) -> Ranked:
        """BM25 over passages (title and section words included), masked by the filter."""
        if not tokens or self.bm25 is None:
            return []
        weights = None if where is None else where.mask.astype(np.float32)
        scores = self.bm25.get_scores(list(tokens), weight_mask=weights)
        top = top_rows(scores, n)
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def hybrid(self, vector, tokens, n, where, weight, rrf_k) -> Ranked | None:
        return None  # fused by the retriever

    def close(self) -> None:
        pass


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the `n` highest scores, best first (ties in row order)."""
    if len(scores) > n:
        part = np.argpartition(-scores, n - 1)[:n]
    else:
        part = np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]
