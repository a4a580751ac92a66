"""Hybrid retrieval: BM25 and dense search in the index's passage store, fused, filtered, one hit per paragraph."""

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
from .stores import Where, day_number
from .stores.faiss_store import EXACT_SUBSET_LIMIT

__all__ = ["Filters", "Hit", "Retriever", "fuse", "EXACT_SUBSET_LIMIT"]

Method = Literal["hybrid", "dense", "lexical"]
_RRF_K = 60  # as `fuse` uses
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
    """Searches a StoredIndex's passage store; the caller supplies the query's vector (one encoder pass per question).

    With `fusion="rrf"` a store that fuses in its engine (Qdrant) does; otherwise the two ranked
    lists are fused here."""

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

    def where(self, filters: Filters | None) -> Where | None:
        """The filter as the store takes it: a passage mask and the same as payload conditions."""
        mask = self.allowed(filters)
        if mask is None:
            return None
        low = day_number(_bounds(filters.date_from)[0]) if filters.date_from else None
        high = day_number(_bounds(filters.date_to)[1]) if filters.date_to else None
        return Where(mask, tuple(filters.doc_ids) if filters.doc_ids else None, low, high)

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
        where = self.where(filters)
        if not self.stored.passages or (where is not None and not where.mask.any()):
            return []
        n = max(self.candidates, 4 * k)
        store = self.stored.store
        fused = store.hybrid(query_vector, analysis.tokens, n, where, self.weight, _RRF_K) \
            if self.method == "hybrid" and self.fusion == "rrf" else None
        if fused is not None:
            scores, dense, lexical = dict(fused), [], []
        else:
            dense = store.dense(query_vector, n, where) if self.method != "lexical" else []
            lexical = store.lexical(analysis.tokens, n, where) if self.method != "dense" and analysis.tokens else []
            scores = fuse(dense, lexical, self.fusion, self.weight) if self.method == "hybrid" else dict(dense or lexical)
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
