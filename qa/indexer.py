"""Keeping index/ in step with corpus/: re-parse and re-embed only what changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .documents import CorpusLoad, corpus_files, doc_id_for, load_document
from .documents.catalog import read_catalog
from .embedding import Encoder
from .errors import DocumentError, IndexError_
from .store import APPROXIMATE_ABOVE, StoredIndex, build_index, open_index

__all__ = ["Refresh", "refresh_index"]


@dataclass
class Refresh:
    """The index now live, what loading the corpus reported, and whether a build happened (and why)."""

    stored: StoredIndex
    load: CorpusLoad
    rebuilt: bool
    reason: str


def refresh_index(
    corpus: Path,
    index_dir: Path,
    encoder: Encoder,
    *,
    force: bool = False,
    approximate_above: int = APPROXIMATE_ABOVE,
    quantize: bool = False,
    progress: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Refresh:
    """Open the index, rebuilding it first if it is missing, damaged, built by another model or stale."""
    say = on_step or (lambda message: None)
    try:
        old = open_index(index_dir, encoder.name)
        reason = ""
    except IndexError_ as exc:
        old, reason = None, str(exc)
    previous = {d.path: d for d in old.documents} if old else {}
    catalog = read_catalog(corpus)
    documents, errors, warnings, changed = [], [], [], []
    for path in corpus_files(corpus):
        name = str(path.relative_to(corpus))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        known = previous.get(path.name)
        entry = catalog.get(path.name)
        if known and known.sha256 == digest and (entry is None or (entry.title, entry.date, entry.origin, entry.source)
                                                 == (known.title, known.date, known.origin, known.source)):
            documents.append(known)
            continue
        try:
            document = load_document(path, entry, doc_id_for(path))
        except DocumentError as exc:
            errors.append(exc)
            continue
        documents.append(document)
        warnings.extend(document.warnings)
        changed.append(name)
    load = CorpusLoad(tuple(documents), tuple(errors), tuple(warnings))
    removed = set(previous) - {d.path for d in documents}
    if old is not None and not changed and not removed and not force:
        return Refresh(old, load, False, "up to date")
    if old is not None:
        parts = [f"{len(changed)} changed or new"] + ([f"{len(removed)} removed"] if removed else [])
        reason = "corpus changed: " + ", ".join(parts) if (changed or removed) else "rebuild forced"
    say(f"building the index ({reason})")
    build_index(documents, encoder, index_dir, approximate_above=approximate_above, quantize=quantize,
                progress=progress, on_step=say)
    return Refresh(open_index(index_dir, encoder.name), load, True, reason)
