"""What every passage store offers the retriever, and the plain data passed to and from it.

A store holds one generation's passage vectors and BM25 weights and answers three questions:
the nearest passages to a vector, the best BM25 passages for some tokens, and (where the engine
can) both fused. Filters arrive as a `Where`: a mask over passages for engines that scan arrays,
and the same filter as payload conditions (doc ids, day range) for engines that index payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from ..errors import IndexIncompatible

__all__ = ["ENGINES", "Engine", "LexicalWeights", "PassageStore", "Ranked", "StoreInput", "StoreSettings", "Where",
           "day_number", "day_range"]

Engine = Literal["faiss", "qdrant"]
ENGINES: tuple[str, ...] = ("faiss", "qdrant")
# (passage row, score), best first.
Ranked = list[tuple[int, float]]


@dataclass(frozen=True)
class StoreSettings:
    """Which engine holds the passages: FAISS + bm25s files (the default), or Qdrant.

    Qdrant runs in process on `qdrant_path` (its embedded engine; default: inside the generation
    folder) or as a server at `qdrant_url` (collections named `collection_prefix` + generation).
    """

    engine: Engine = "faiss"
    qdrant_path: Path | None = None
    qdrant_url: str | None = None
    collection_prefix: str = "qa-"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise IndexIncompatible(f"store {self.engine!r} is unknown; choose one of {', '.join(ENGINES)}")
        if self.engine == "faiss" and (self.qdrant_path or self.qdrant_url):
            raise IndexIncompatible("--qdrant-path and --qdrant-url go with --store qdrant")
        if self.qdrant_path and self.qdrant_url:
            raise IndexIncompatible("give --qdrant-path (embedded engine) or --qdrant-url (a server), not both")

    @property
    def mode(self) -> str:
        """How the manifest names it: faiss, qdrant-edge or qdrant-server."""
        if self.engine == "faiss":
            return "faiss"
        return "qdrant-server" if self.qdrant_url else "qdrant-edge"


@dataclass(frozen=True, eq=False)
class Where:
    """A filter: `mask` keeps passage rows; the payload form says the same for engines that index payloads.

    `day_from`/`day_to` are YYYYMMDD numbers: a passage passes when its document's days reach
    `day_from` and start by `day_to` (undated documents fail any date condition).
    """

    mask: np.ndarray
    doc_ids: tuple[str, ...] | None = None
    day_from: int | None = None
    day_to: int | None = None


@dataclass(frozen=True, eq=False)
class LexicalWeights:
    """BM25 as a sparse matrix: row i holds passage i's score for each vocabulary token."""

    vocabulary: dict[str, int]
    rows: Any  # scipy.sparse.csr_matrix, passages × tokens, float32

    @classmethod
    def of(cls, bm25: Any) -> "LexicalWeights":
        """The weights a fitted bm25s.BM25 holds (its scores are stored per token: a CSC matrix)."""
        from scipy.sparse import csc_matrix

        scores = bm25.scores
        matrix = csc_matrix((scores["data"], scores["indices"], scores["indptr"]),
                            shape=(scores["num_docs"], len(scores["indptr"]) - 1), dtype=np.float32)
        return cls({str(token): int(i) for token, i in bm25.vocab_dict.items()}, matrix.tocsr())

    def query(self, tokens: tuple[str, ...] | list[str]) -> tuple[list[int], list[float]]:
        """Token ids and counts of a query (unknown tokens dropped), as bm25s sums them."""
        counts: dict[int, float] = {}
        for token in tokens:
            if token in self.vocabulary:
                token_id = self.vocabulary[token]
                counts[token_id] = counts.get(token_id, 0.0) + 1.0
        ids = sorted(counts)
        return ids, [counts[i] for i in ids]


@dataclass(frozen=True, eq=False)
class StoreInput:
    """What a store is built from: one row per passage."""

    vectors: np.ndarray  # float32, passages × dimension, unit length
    doc_ids: tuple[str, ...]
    first_days: np.ndarray  # int32 YYYYMMDD of the document's first day, 0 when undated
    last_days: np.ndarray
    bm25: Any = None  # a bm25s.BM25 indexed on the passages' tokens, or None when there are none
    options: dict[str, Any] = field(default_factory=dict)  # engine tuning: approximate_above, quantize


class PassageStore(Protocol):
    """One generation's passages in one engine."""

    kind: dict[str, Any]  # recorded in the manifest: engine, index type, collection

    def dense(self, vector: np.ndarray, n: int, where: Where | None) -> Ranked: ...

    def lexical(self, tokens: tuple[str, ...], n: int, where: Where | None) -> Ranked: ...

    def hybrid(self, vector: np.ndarray, tokens: tuple[str, ...], n: int, where: Where | None,
               weight: float, rrf_k: int) -> Ranked | None:
        """Reciprocal-rank fusion inside the engine, or None where the engine has none."""
        ...

    def close(self) -> None: ...


def day_number(iso_day: str) -> int:
    """2010-12-09 → 20101209: comparable as numbers, as payload indexes want."""
    return int(iso_day.replace("-", ""))


def day_range(iso: str) -> tuple[int, int]:
    """The first and last day a (possibly partial) ISO date covers: 2012-03 → (20120301, 20120331)."""
    parts = iso.split("-")
    if len(parts) == 1:
        return day_number(f"{iso}-01-01"), day_number(f"{iso}-12-31")
    if len(parts) == 2:
        return day_number(f"{iso}-01"), day_number(f"{iso}-31")
    return day_number(iso), day_number(iso)
