"""Keeping index/ in step with corpus/: re-parse and re-embed only what changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .documents import CorpusLoad, load_corpus
from .embedding import Encoder
from .errors import IndexError_
from .profile import Profile, load_profile
from .store import APPROXIMATE_ABOVE, StoredIndex, build_index, open_index

__all__ = ["Refresh", "refresh_index"]


@dataclass
class Refresh:
    """The index now live, what loading the corpus reported, and whether a build happened (and why)."""

    stored: StoredIndex
    load: CorpusLoad
    rebuilt: bool
    reason: str
    profile: Profile = Profile.default()


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
    load = load_corpus(corpus, reuse=previous)
    changed = load.parsed
    removed = set(previous) - {d.path for d in load.documents}
    if old is not None and not changed and not removed and not force:
        return Refresh(old, load, False, "up to date", load_profile(corpus))
    if old is not None:
        parts = [f"{len(changed)} changed or new"] + ([f"{len(removed)} removed"] if removed else [])
        reason = "corpus changed: " + ", ".join(parts) if (changed or removed) else "rebuild forced"
    say(f"building the index ({reason})")
    build_index(load.documents, encoder, index_dir, approximate_above=approximate_above, quantize=quantize,
                progress=progress, on_step=say)
    return Refresh(open_index(index_dir, encoder.name), load, True, reason, load_profile(corpus))
