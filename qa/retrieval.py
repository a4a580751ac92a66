"""Hybrid retrieval: BM25 and dense (FAISS) search, fused, filtered, one hit per paragraph."""

from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import QueryError
from .limits import MAX_DATE_CHARS, MAX_DOC_IDS, MAX_ID_CHARS
from .query import QueryAnalysis
from .store import StoredIndex

__all__ = ["Filters", "Hit", "Retriever", "fuse", "EXACT_SUBSET_LIMIT"]

Method = Literal["hybrid", "dense", "lexical"]
# A filter keeping at most this many passages is scored exactly (a matrix product over the
# subset: under a millisecond); HNSW with an ID selector loses most of the true best
# passages when a filter keeps a small share of the graph.
EXACT_SUBSET_LIMIT = 20_000
_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some documents and/or a date range (ISO: 2010, 2010-12 or 2010-12-09)."""

    doc_ids: tuple[str, ...] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        if self.doc_ids is not None and len(self.doc_ids) > MAX_DOC_IDS:
            raise QueryError(f"doc_ids lists {len(self.doc_ids)} documents; the limit is {MAX_DOC_IDS}")
        for doc_id in self.doc_ids or ():
            if not isinstance(doc_id, str) or not 1 <= len(doc_id) <= MAX_ID_CHARS:
                raise QueryError(f"doc_ids holds {str(doc_id)[:40]!r}; an id is text of 1 to {MAX_ID_CHARS} characters")
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > MAX_DATE_CHARS or not _is_date(value)):
                raise QueryError(f"{name} {value!r} is not a date; write it as 2010-12-09, 2010-12 or 2010")
        if self.date_from and self.date_to and _bounds(self.date_from)[0] > _bounds(self.date_to)[1]:
            raise QueryError(f"date_from {self.date_from} is after date_to {self.date_to}")

    @property
    def active(self) -> bool:
        return bool(self.doc_ids) or bool(self.date_from) or bool(self.date_to)


@dataclass(frozen=True)
class Hit:
    """A paragraph found for a query, with the fused score and what each method gave it."""

    doc_id: str
    anchor: str
    score: float
    dense: float | None
    lexical: float | None
    cited: bool = False  # the question names this paragraph ("section C paragraph 7"): set by the answer stage


def fuse(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], method: str = "rrf",
         weight: float = 0.5, rrf_k: int = 60) -> dict[int, float]:
    """Combine two ranked lists of (id, score), best first; `weight` is the dense share.

    "rrf": weight/(k+rank) summed over lists; "convex": weight·dense + (1-weight)·lexical on
    scores scaled to [0, 1] by each list's maximum.
    """
    fused: dict[int, float] = {}
    if method == "rrf":
        for share, ranked in ((weight, dense), (1 - weight, lexical)):
            for rank, (item, _) in enumerate(ranked):
                fused[item] = fused.get(item, 0.0) + share / (rrf_k + rank + 1)
        return fused
    if method == "convex":
        for share, ranked in ((weight, dense), (1 - weight, lexical)):
            top = max((score for _, score in ranked), default=0.0)
            for item, score in ranked:
                fused[item] = fused.get(item, 0.0) + share * (max(score, 0.0) / top if top > 0 else 0.0)
        return fused
    raise ValueError(f"unknown fusion method {method!r}")


class Retriever:
    """Searches a StoredIndex; the caller supplies the query's vector (one encoder pass per question)."""

    def __init__(self, stored: StoredIndex, method: Method = "hybrid", fusion: str = "convex",
                 weight: float = 0.5, candidates: int = 100):
        self.stored = stored
        self.method = method
        self.fusion = fusion
        self.weight = weight
        self.candidates = candidates
        documents = stored.documents
        self._doc_ids = [d.doc_id for d in documents]
        self._doc_row = {d.doc_id: i for i, d in enumerate(documents)}
        self._doc_bounds = [_bounds(d.date) if d.date else None for d in documents]
        self._passage_doc = np.array([self._doc_row[p.doc_id] for p in stored.passages], dtype=np.int32)

    def allowed(self, filters: Filters | None) -> np.ndarray | None:
        """A boolean mask over passages, or None when nothing is filtered."""
        if filters is None or not filters.active:
            return None
        keep = np.ones(len(self._doc_ids), dtype=bool)
        if filters.doc_ids:
            unknown = [d for d in filters.doc_ids if d not in self._doc_row]
            if unknown:
                raise QueryError(f"unknown doc_ids {unknown}; known: {', '.join(self._doc_ids)}")
            keep[:] = False
            keep[[self._doc_row[d] for d in filters.doc_ids]] = True
        low = _bounds(filters.date_from)[0] if filters.date_from else None
        high = _bounds(filters.date_to)[1] if filters.date_to else None
        if low or high:
            for row, bounds in enumerate(self._doc_bounds):
                if bounds is None or (low and bounds[1] < low) or (high and bounds[0] > high):
                    keep[row] = False
        return keep[self._passage_doc]

    def search(self, analysis: QueryAnalysis, query_vector: np.ndarray, k: int = 10,
               filters: Filters | None = None) -> list[Hit]:
        """The `k` best paragraphs for the analysed question, best first (windows of one paragraph collapse)."""
        mask = self.allowed(filters)
        if not self.stored.passages or (mask is not None and not mask.any()):
            return []
        n = max(self.candidates, 4 * k)
        dense = self.dense(query_vector, n, mask) if self.method != "lexical" else []
        lexical = self.lexical(analysis.tokens, n, mask) if self.method != "dense" else []
        if self.method == "hybrid":
            scores = fuse(dense, lexical, self.fusion, self.weight)
        else:
            scores = dict(dense or lexical)
        dense_of, lexical_of = dict(dense), dict(lexical)
        best: dict[tuple[str, str], Hit] = {}
        for item, score in sorted(scores.items(), key=lambda pair: -pair[1]):
            if len(best) >= k:
                break
            passage = self.stored.passages[item]
            key = (passage.doc_id, passage.anchor)
            if key not in best:
                best[key] = Hit(passage.doc_id, passage.anchor, float(score), dense_of.get(item), lexical_of.get(item))
        return list(best.values())[:k]

    def dense(self, query_vector: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Inner-product search; exact over a small filtered subset, a bitmap selector otherwise."""
        import faiss

        query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        index = self.stored.faiss_index
        if mask is None:
            # HNSW's default beam (16) is narrower than the candidates asked for and misses true best ones.
            params = faiss.SearchParametersHNSW(efSearch=max(n, 64)) if isinstance(index, faiss.IndexHNSW) else None
            scores, ids = index.search(query, min(n, index.ntotal), params=params)
        else:
            subset = np.flatnonzero(mask)
            if len(subset) <= EXACT_SUBSET_LIMIT or isinstance(index, faiss.IndexFlat):
                subset_scores = np.asarray(self.stored.passage_vectors[subset]) @ query[0]
                top = _top(subset_scores, n)
                return [(int(subset[i]), float(subset_scores[i])) for i in top]
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(np.packbits(mask, bitorder="little")))
            # The selector leaves the graph walk fewer eligible nodes: widen it in proportion.
            ef = int(min(4096, max(64, n / max(mask.mean(), 1e-6))))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=ef)
            scores, ids = index.search(query, min(n, len(subset)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical(self, query_tokens: tuple[str, ...], n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """BM25 over passages (title and section words included), masked by the filter."""
        if not query_tokens or self.stored.bm25 is None:
            return []
        weights = None if mask is None else mask.astype(np.float32)
        scores = self.stored.bm25.get_scores(list(query_tokens), weight_mask=weights)
        top = _top(scores, n)
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    if len(scores) > n:
        part = np.argpartition(-scores, n - 1)[:n]
    else:
        part = np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


def _is_date(value: str) -> bool:
    """A real calendar date, month or year in ISO form (2010-02-30 is not)."""
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(_bounds(value)[0])
    except ValueError:
        return False
    return True


def _bounds(value: str) -> tuple[str, str]:
    """The first and last day a (possibly partial) ISO date covers, as comparable strings."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-01-01", f"{value}-12-31"
    if len(parts) == 2:
        return f"{value}-01", f"{value}-31"
    return value, value
