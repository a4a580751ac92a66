"""Session fixtures shared by the index, retrieval and answer tests: one model, one built index.

The model is the real bundled MiniLM, loaded once; the index is the real archive, built once
into a session temporary folder. Tests that change an index work on a copy of it
(`copy_index`) or on a fresh folder seeded with its embedding cache (`seed_cache`), so the
shared one is never written after it is built.

Import what you need, with what it depends on: `from fixtures_archive import archive,
built_index, encoder` (pytest finds fixtures, and their own fixtures, by the names imported
into a test module). Pytest makes a separate
fixture of each import, so a session fixture imported into three modules would run three
times; `_once` memoises the expensive values for the whole process instead.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from conftest import CORPUS

__all__ = [
    "CountingEncoder",
    "FailingEncoder",
    "BuiltIndex",
    "SimulatedCrash",
    "encoder",
    "built_index",
    "archive",
    "copy_corpus",
    "copy_index",
    "seed_cache",
]


class CountingEncoder:
    """A real encoder that counts the texts sent to it; `name` may differ to pose as another model."""

    def __init__(self, inner, name: str | None = None):
        self.inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []

    @property
    def count(self) -> int:
        return len(self.texts)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, progress=False)


class SimulatedCrash(RuntimeError):
    """Raised by FailingEncoder part-way through an encoding job."""


class FailingEncoder(CountingEncoder):
    """A real encoder that encodes in small batches and fails once `fail_after` texts are done:
    a crash in the middle of a build, injected at the encoder seam."""

    def __init__(self, inner, fail_after: int, batch: int = 16):
        super().__init__(inner)
        self.fail_after = fail_after
        self.batch = batch

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        rows = []
        for at in range(0, len(texts), self.batch):
            if self.count >= self.fail_after:
                raise SimulatedCrash(f"encoder died after {self.count} texts")
            rows.append(super().encode(texts[at : at + self.batch]))
        return np.vstack(rows) if rows else np.zeros((0, self.dimension), np.float32)


@dataclass(frozen=True)
class BuiltIndex:
    """The session's index of the real archive, and how many texts its build encoded."""

    path: Path
    encoded: int


_SESSION: dict[str, Any] = {}


def _once(key: str, make: Callable[[], Any]) -> Any:
    if key not in _SESSION:
        _SESSION[key] = make()
    return _SESSION[key]


@pytest.fixture(scope="session")
def encoder():
    """The bundled MiniLM, loaded once per session."""
    from qa.embedding import load_encoder

    return _once("encoder", load_encoder)


def _build(encoder, tmp_path_factory) -> BuiltIndex:
    from qa.indexer import refresh_index

    path = tmp_path_factory.mktemp("archive-index") / "index"
    counting = CountingEncoder(encoder)
    refresh = refresh_index(CORPUS, path, counting)
    assert refresh.rebuilt
    return BuiltIndex(path, counting.count)


@pytest.fixture(scope="session")
def built_index(encoder, tmp_path_factory) -> BuiltIndex:
    """The real archive indexed once, with the real model, in a session temporary folder."""
    return _once("built_index", lambda: _build(encoder, tmp_path_factory))


def _open(encoder, built: BuiltIndex):
    from qa.archive import Archive

    opened = Archive.open(CORPUS, built.path, encoder=encoder)
    assert not opened.refresh.rebuilt, opened.refresh.reason
    return opened


@pytest.fixture(scope="session")
def archive(encoder, built_index):
    """`Archive.open` over the real corpus and the session's index (up to date: nothing is rebuilt)."""
    return _once("archive", lambda: _open(encoder, built_index))


def copy_corpus(destination: Path, skip: tuple[str, ...] = ()) -> Path:
    """A writable copy of the archive's files (and catalog) at `destination`."""
    destination.mkdir(parents=True)
    for path in sorted(CORPUS.iterdir()):
        if path.is_file() and path.name not in skip:
            (destination / path.name).write_bytes(path.read_bytes())
    return destination


def copy_index(built: BuiltIndex, destination: Path) -> Path:
    """A private copy of the session's index (generations, CURRENT and embedding cache)."""
    shutil.copytree(built.path, destination)
    return destination


def seed_cache(built: BuiltIndex, destination: Path) -> Path:
    """A fresh index folder holding only the session index's embedding cache: building the
    archive there writes a new generation without sending a text to the encoder."""
    shutil.copytree(built.path / "cache", destination / "cache")
    return destination
