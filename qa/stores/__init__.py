"""Passage stores: where one generation's vectors and BM25 weights live and are searched.

`write` fills the chosen engine while a generation is staged and returns what the manifest
records under "store"; `open_store` opens it again (refusing a store other than the one asked
for); `prune` drops what a discarded generation left in an engine outside its folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexIncompatible
from .base import ENGINES, LexicalWeights, PassageStore, Ranked, StoreInput, StoreSettings, Where, day_number, day_range

__all__ = ["ENGINES", "LexicalWeights", "PassageStore", "Ranked", "StoreInput", "StoreSettings", "Where",
           "day_number", "day_range", "open_store", "prune", "write", "UNHASHED"]

# The embedded Qdrant shard's folder inside a generation: the engine rewrites its files as it
# loads, so the manifest's sha256 list leaves it out (Qdrant checks its own segments).
UNHASHED = "qdrant"
_VOCABULARY = "vocabulary.json"


def write(staging: Path, generation: str, data: StoreInput, settings: StoreSettings) -> dict[str, Any]:
    """Build the store of the generation being staged in `staging`; returns the manifest's "store"."""
    return {**_write(staging, generation, data, settings), "mode": settings.mode}


def _write(staging: Path, generation: str, data: StoreInput, settings: StoreSettings) -> dict[str, Any]:
    if settings.engine == "faiss":
        from . import faiss_store

        return faiss_store.write(staging, data)
    vocabulary = LexicalWeights.of(data.bm25).vocabulary if data.bm25 is not None else {}
    (staging / _VOCABULARY).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    if settings.qdrant_url:
        from . import qdrant_server

        client = qdrant_server.connect(settings.qdrant_url)
        try:
            kind = qdrant_server.write(client, settings.collection_prefix + generation, data)
        finally:
            client.close()
        return {**kind, "url": settings.qdrant_url}
    from . import qdrant_edge

    if settings.qdrant_path:
        kind = qdrant_edge.write(Path(settings.qdrant_path) / generation, data)
        return {**kind, "path": str(Path(settings.qdrant_path).resolve())}
    return qdrant_edge.write(staging / UNHASHED, data)


def open_store(generation: Path, recorded: dict[str, Any], vectors: np.ndarray,
               settings: StoreSettings | None = None) -> PassageStore:
    """Open the store the manifest records; `settings`, when given, must name that same store."""
    engine = recorded.get("engine", "faiss")
    if settings is not None:
        _check_same(generation, recorded, settings)
    if engine == "faiss":
        from .faiss_store import FaissStore

        return FaissStore.open(generation, vectors, recorded)
    vocabulary = json.loads((generation / _VOCABULARY).read_text(encoding="utf-8"))
    if recorded.get("url"):
        from . import qdrant_server

        client = qdrant_server.connect(recorded["url"])
        collection = recorded["collection"]
        if not client.collection_exists(collection):
            client.close()
            raise IndexIncompatible(f"{recorded['url']}: collection {collection} is gone; rebuild the index")
        return qdrant_server.QdrantServerStore(client, collection, vocabulary, recorded,
                                               local=qdrant_server.is_local(recorded["url"]))
    from .qdrant_edge import QdrantEdgeStore

    shard = Path(recorded["path"]) / generation.name if recorded.get("path") else generation / UNHASHED
    if not (shard / "edge_config.json").is_file():
        raise IndexIncompatible(f"{shard}: no Qdrant shard there; rebuild the index")
    return QdrantEdgeStore.open(shard, vocabulary, recorded)


def prune(recorded: dict[str, Any], dropped: set[str], prefix: str = StoreSettings.collection_prefix) -> None:
    """Drop the shards or collections of `dropped` generations kept outside the index folder."""
    import shutil

    if recorded.get("path"):
        for name in dropped:
            shutil.rmtree(Path(recorded["path"]) / name, ignore_errors=True)
    elif recorded.get("url"):
        from . import qdrant_server

        client = qdrant_server.connect(recorded["url"])
        try:
            qdrant_server.drop(client, {prefix + name for name in dropped})
        finally:
            client.close()


def _check_same(generation: Path, recorded: dict[str, Any], settings: StoreSettings) -> None:
    engine = recorded.get("engine", "faiss")
    same = engine == settings.engine
    if same and engine == "qdrant":
        asked_path = str(Path(settings.qdrant_path).resolve()) if settings.qdrant_path else None
        same = recorded.get("url") == settings.qdrant_url and recorded.get("path") == asked_path
    if not same:
        where = recorded.get("url") or recorded.get("path") or "in the index folder"
        raise IndexIncompatible(f"{generation}: built for the {engine} store ({where}), "
                                f"not the {settings.mode} store asked for; rebuild it")
