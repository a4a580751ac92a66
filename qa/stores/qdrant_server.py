"""A Qdrant server or cluster through `qdrant-client`: one collection per index generation.

The same points as the embedded store (see qdrant_edge): "dense" and "lexical" vectors, a
`doc_id`/`first_day`/`last_day` payload with payload indexes; filters and fusion in the engine.
`QdrantClient(location=":memory:")` or a `path=` runs the client's own local mode (an exact
scan, no payload indexes), which is what the tests use: no registry ships the server.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import LexicalWeights, Ranked, StoreInput, Where
from .qdrant_edge import DENSE, LEXICAL, payload, sparse_row

__all__ = ["QdrantServerStore", "connect", "drop", "is_local", "write"]

_BATCH = 1_000
_APPROXIMATE_ABOVE = 100_000


def is_local(url: str) -> bool:
    """Whether `url` names the client's local mode (exact scan, no search parameters) rather than a server."""
    return url == ":memory:" or url.startswith("local:")


def connect(url: str) -> Any:
    """A client for `url` (http://host:6333), or for the client's local mode with `:memory:` / `local:DIR`."""
    from qdrant_client import QdrantClient

    if url == ":memory:":
        return QdrantClient(location=":memory:")
    if url.startswith("local:"):
        return QdrantClient(path=url.removeprefix("local:"))
    return QdrantClient(url=url, timeout=60)


def write(client: Any, collection: str, data: StoreInput) -> dict[str, Any]:
    """Create `collection` and fill it; returns the index kind for the manifest."""
    from qdrant_client import models as m

    approximate = len(data.vectors) > data.options.get("approximate_above", _APPROXIMATE_ABOVE)
    quantization = m.ScalarQuantization(scalar=m.ScalarQuantizationConfig(type=m.ScalarType.INT8, quantile=0.99,
                                                                          always_ram=True)) if approximate else None
    client.create_collection(
        collection,
        vectors_config={DENSE: m.VectorParams(size=int(data.vectors.shape[1]), distance=m.Distance.DOT,
                                              on_disk=approximate)},
        sparse_vectors_config={LEXICAL: m.SparseVectorParams()},
        quantization_config=quantization,
        on_disk_payload=True,
    )
    with warnings.catch_warnings():
        # The client's local mode (tests) has no payload indexes and says so; a server builds them.
        warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")
        client.create_payload_index(collection, "doc_id", m.PayloadSchemaType.KEYWORD)
        client.create_payload_index(collection, "first_day", m.PayloadSchemaType.INTEGER)
        client.create_payload_index(collection, "last_day", m.PayloadSchemaType.INTEGER)
    lexical = LexicalWeights.of(data.bm25) if data.bm25 is not None else None
    for start in range(0, len(data.vectors), _BATCH):
        points = []
        for row in range(start, min(start + _BATCH, len(data.vectors))):
            vector: dict[str, Any] = {DENSE: data.vectors[row].tolist()}
            indices, values = sparse_row(lexical, row)
            if indices:
                vector[LEXICAL] = m.SparseVector(indices=indices, values=values)
            points.append(m.PointStruct(id=row, vector=vector, payload=payload(data, row)))
        client.upsert(collection, points, wait=True)
    return {"engine": "qdrant", "type": "hnsw_sq8" if approximate else "exact", "M": 16, "collection": collection}


def drop(client: Any, collections: set[str]) -> None:
    """Delete the named collections where they exist (generations no longer kept)."""
    existing = {c.name for c in client.get_collections().collections}
    for name in collections & existing:
        client.delete_collection(name)


class QdrantServerStore:
    """Searches one collection of a Qdrant server."""

    def __init__(self, client: Any, collection: str, vocabulary: dict[str, int], kind: dict[str, Any],
                 local: bool = False):
        self.client = client
        self.collection = collection
        self.vocabulary = vocabulary
        self.kind = kind
        self._exact = kind.get("type") == "exact"
        self._local = local  # the client's local mode scans exactly and warns at any search parameter

    @property
    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def dense(self, vector: np.ndarray, n: int, where: Where | None) -> Ranked:
        points = self.client.query_points(self.collection, query=_floats(vector), using=DENSE, limit=n,
                                          query_filter=_filter(where), search_params=self._params(n)).points
        return [(int(p.id), float(p.score)) for p in points]

    def lexical(self, tokens: tuple[str, ...], n: int, where: Where | None) -> Ranked:
        from qdrant_client import models as m

        ids, counts = LexicalWeights(self.vocabulary, None).query(tokens)
        if not ids:
            return []
        points = self.client.query_points(self.collection, query=m.SparseVector(indices=ids, values=counts),
                                          using=LEXICAL, limit=n, query_filter=_filter(where)).points
        return [(int(p.id), float(p.score)) for p in points if p.score > 0]

    def hybrid(self, vector: np.ndarray, tokens: tuple[str, ...], n: int, where: Where | None,
               weight: float, rrf_k: int) -> Ranked | None:
        from qdrant_client import models as m

        condition = _filter(where)
        prefetch = [m.Prefetch(query=_floats(vector), using=DENSE, limit=n, filter=condition, params=self._params(n))]
        ids, counts = LexicalWeights(self.vocabulary, None).query(tokens)
        if ids:
            prefetch.append(m.Prefetch(query=m.SparseVector(indices=ids, values=counts), using=LEXICAL, limit=n,
                                       filter=condition))
        weights = [weight, 1 - weight][: len(prefetch)]
        points = self.client.query_points(self.collection, prefetch=prefetch, limit=n,
                                          query=m.RrfQuery(rrf=m.Rrf(k=rrf_k, weights=weights))).points
        return [(int(p.id), float(p.score)) for p in points]

    def close(self) -> None:
        self.client.close()

    def _params(self, n: int):
        from qdrant_client import models as m

        if self._local:
            return None
        if self._exact:
            return m.SearchParams(exact=True)
        return m.SearchParams(hnsw_ef=max(n, 128),
                              quantization=m.QuantizationSearchParams(rescore=True, oversampling=2.0))


def _floats(vector: np.ndarray) -> list[float]:
    return np.asarray(vector, dtype=np.float32).reshape(-1).tolist()


def _filter(where: Where | None):
    from qdrant_client import models as m

    if where is None:
        return None
    must: list[Any] = []
    if where.doc_ids:
        must.append(m.FieldCondition(key="doc_id", match=m.MatchAny(any=list(where.doc_ids))))
    if where.day_from is not None:
        must.append(m.FieldCondition(key="last_day", range=m.Range(gte=where.day_from)))
    if where.day_to is not None:
        must.append(m.FieldCondition(key="first_day", range=m.Range(lte=where.day_to)))
    return m.Filter(must=must) if must else None
