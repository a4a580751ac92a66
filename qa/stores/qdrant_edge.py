"""Qdrant's engine in process (PyPI `qdrant-edge-py`): one shard folder per index generation.

Points are passage rows. Each holds a dense vector ("dense", dot product on unit vectors), the
passage's BM25 weights as a sparse vector ("lexical": a query's score is the sum of its tokens'
weights, exactly what bm25s computes), and a payload with payload indexes: `doc_id` (keyword),
`first_day`/`last_day` (integers YYYYMMDD, absent when the document is undated). Filters and
reciprocal-rank fusion run in the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .base import LexicalWeights, Ranked, StoreInput, Where

__all__ = ["DENSE", "LEXICAL", "QdrantEdgeStore", "write"]

DENSE, LEXICAL = "dense", "lexical"
_BATCH = 2_000
# Above this many passages the HNSW graph answers, over SQ8 codes kept in memory with the float
# vectors on disk, rescored from them (4× less memory); at or below it every search is exact, as
# the FAISS store's flat index is.
_APPROXIMATE_ABOVE = 100_000
_OVERSAMPLING = 2.0


def write(path: Path, data: StoreInput) -> dict[str, Any]:
    """Create the shard at `path` and fill it; returns the index kind for the manifest."""
    import qdrant_edge as q

    approximate = len(data.vectors) > data.options.get("approximate_above", _APPROXIMATE_ABOVE)
    quantization = q.ScalarQuantizationConfig(q.ScalarType.Int8, quantile=0.99, memory=q.Memory.Pinned) \
        if approximate else None
    dense = q.EdgeVectorParams(size=int(data.vectors.shape[1]), distance=q.Distance.Dot,
                               memory=q.Memory.Cold if approximate else None, quantization_config=quantization)
    config = q.EdgeConfig(vectors={DENSE: dense}, sparse_vectors={LEXICAL: q.EdgeSparseVectorParams()},
                          hnsw_config=q.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10_000),
                          # 0: no HNSW graph at all where every search is exact anyway (a graph costs minutes).
                          optimizers=None if approximate else q.EdgeOptimizersConfig(indexing_threshold=0),
                          payload_memory=q.Memory.Cold, wal_enabled=False)
    shard = q.EdgeShard.create(str(path), config)
    try:
        shard.update(q.UpdateOperation.create_field_index("doc_id", q.PayloadSchemaType.Keyword))
        shard.update(q.UpdateOperation.create_field_index("first_day", q.PayloadSchemaType.Integer))
        shard.update(q.UpdateOperation.create_field_index("last_day", q.PayloadSchemaType.Integer))
        lexical = LexicalWeights.of(data.bm25) if data.bm25 is not None else None
        for start in range(0, len(data.vectors), _BATCH):
            rows = range(start, min(start + _BATCH, len(data.vectors)))
            shard.update(q.UpdateOperation.upsert_points([_point(q, data, lexical, row) for row in rows]))
        shard.optimize()
        shard.flush()
    finally:
        shard.close()
    return {"engine": "qdrant", "type": "hnsw_sq8" if approximate else "exact", "M": 16}


def payload(data: StoreInput, row: int) -> dict[str, Any]:
    """A passage's payload: its document and, when dated, the document's first and last day."""
    values: dict[str, Any] = {"doc_id": data.doc_ids[row]}
    if data.first_days[row]:
        values["first_day"] = int(data.first_days[row])
        values["last_day"] = int(data.last_days[row])
    return values


def sparse_row(lexical: LexicalWeights | None, row: int) -> tuple[list[int], list[float]]:
    if lexical is None:
        return [], []
    start, end = lexical.rows.indptr[row], lexical.rows.indptr[row + 1]
    return lexical.rows.indices[start:end].tolist(), lexical.rows.data[start:end].tolist()


def _point(q, data: StoreInput, lexical: LexicalWeights | None, row: int):
    vector: dict[str, Any] = {DENSE: data.vectors[row].tolist()}
    indices, values = sparse_row(lexical, row)
    if indices:
        vector[LEXICAL] = q.SparseVector(indices, values)
    return q.Point(row, vector, payload(data, row))


class QdrantEdgeStore:
    """Searches one shard; `vocabulary` maps BM25 tokens to the sparse vector's dimensions."""

    def __init__(self, shard: Any, vocabulary: dict[str, int], kind: dict[str, Any]):
        self.shard = shard
        self.vocabulary = vocabulary
        self.kind = kind
        self._exact = kind.get("type") == "exact"

    @classmethod
    def open(cls, path: Path, vocabulary: dict[str, int], kind: dict[str, Any]) -> "QdrantEdgeStore":
        import qdrant_edge as q

        return cls(q.EdgeShard.load(str(path)), vocabulary, kind)

    @property
    def count(self) -> int:
        return int(self.shard.info().points_count)

    def dense(self, vector: np.ndarray, n: int, where: Where | None) -> Ranked:
        import qdrant_edge as q

        request = q.QueryRequest(limit=n, query=q.Query.Nearest(_floats(vector), using=DENSE),
                                 filter=_filter(q, where), params=self._params(q, n))
        return [(int(p.id), float(p.score)) for p in self.shard.query(request)]

    def lexical(self, tokens: tuple[str, ...], n: int, where: Where | None) -> Ranked:
        import qdrant_edge as q

        ids, counts = LexicalWeights(self.vocabulary, None).query(tokens)
        if not ids:
            return []
        request = q.QueryRequest(limit=n, query=q.Query.Nearest(q.SparseVector(ids, counts), using=LEXICAL),
                                 filter=_filter(q, where))
        return [(int(p.id), float(p.score)) for p in self.shard.query(request) if p.score > 0]

    def hybrid(self, vector: np.ndarray, tokens: tuple[str, ...], n: int, where: Where | None,
               weight: float, rrf_k: int) -> Ranked | None:
        """Dense and BM25 candidates fused by weighted reciprocal rank, all in the engine."""
        import qdrant_edge as q

        condition = _filter(q, where)
        prefetches = [q.Prefetch(n, query=q.Query.Nearest(_floats(vector), using=DENSE), filter=condition,
                                 params=self._params(q, n))]
        ids, counts = LexicalWeights(self.vocabulary, None).query(tokens)
        if ids:
            prefetches.append(q.Prefetch(n, query=q.Query.Nearest(q.SparseVector(ids, counts), using=LEXICAL),
                                         filter=condition))
        weights = [weight, 1 - weight][: len(prefetches)]
        request = q.QueryRequest(limit=n, prefetches=prefetches, query=q.Fusion.Rrf(k=rrf_k, weights=weights))
        return [(int(p.id), float(p.score)) for p in self.shard.query(request)]

    def close(self) -> None:
        self.shard.close()

    def _params(self, q, n: int):
        if self._exact:
            return q.SearchParams(exact=True)
        return q.SearchParams(hnsw_ef=max(n, 128),
                              quantization=q.QuantizationSearchParams(rescore=True, oversampling=_OVERSAMPLING))


def _floats(vector: np.ndarray) -> list[float]:
    return np.asarray(vector, dtype=np.float32).reshape(-1).tolist()


def _filter(q, where: Where | None):
    """The `Where` as payload conditions (the mask is for array engines)."""
    if where is None:
        return None
    must = []
    if where.doc_ids:
        must.append(q.FieldCondition("doc_id", match=q.MatchAny(list(where.doc_ids))))
    if where.day_from is not None:
        must.append(q.FieldCondition("last_day", range=q.RangeFloat(gte=where.day_from)))
    if where.day_to is not None:
        must.append(q.FieldCondition("first_day", range=q.RangeFloat(lte=where.day_to)))
    return q.Filter(must=must) if must else None
