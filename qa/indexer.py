"""Keeping index/ in step with corpus/: re-parse and re-embed only what changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .documents import CorpusLoad, load_corpus
from .embedding import Encoder
from .errors import IndexError_
from .profile import Profile, load_profile
from .store import APPROXIMATE_ABOVE, StoredIndex, build_index, open_index
from .stores import StoreSettings

if TYPE_CHECKING:
    from .ray_ingest import RayCluster

__all__ = ["Refresh", "refresh_index"]


@dataclass
class Refresh:
    """The index now live, what loading the corpus reported, and whether a build happened (and why)."""

    stored: StoredIndex
    load: CorpusLoad
    rebuilt: bool
    reason: str

    @property
    def profile(self) -> Profile:
        """The corpus's profile: the index was built with it, and queries must be read with it."""
        return self.load.profile


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
    store: StoreSettings | None = None,
    cluster: RayCluster | None = None,
) -> Refresh:
    """Open the index, rebuilding it first if it is missing, damaged, built by another model or stale.

    A changed `profile.toml` makes every document stale (parsed anew; embeddings of texts that
    did not change still come from the cache). An index held in another store than `store`
    (default: FAISS) is rebuilt into it. With `cluster`, new and changed files are parsed
    and embedded on Ray (`qa.ray_ingest`); the build then finds their embeddings in the cache.
    """
    store = store or StoreSettings()
    say = on_step or (lambda message: None)
    profile = load_profile(corpus)
    try:
        old = open_index(index_dir, encoder.name, store)
        reason = ""
    except IndexError_ as exc:
        old, reason = None, str(exc)
    if old is not None and old.manifest.get("profile") != profile.fingerprint:
        old, reason = None, f"the corpus profile ({profile.source or 'the default'}) changed since the index was built"
    previous = {d.path: d for d in old.documents} if old else {}
    if cluster is None:
        load = load_corpus(corpus, reuse=previous, profile=profile)
    else:
        from .ray_ingest import describe, ingest

        ingested = ingest(corpus, index_dir, encoder.name, cluster, reuse=previous, profile=profile, progress=progress)
        if ingested.parsed:
            say(describe(ingested))
        load = ingested.load
    changed = load.parsed
    removed = set(previous) - {d.path for d in load.documents}
    if old is not None and not changed and not removed and not force:
        return Refresh(old, load, False, "up to date")
    if old is not None:
        parts = [f"{len(changed)} changed or new"] + ([f"{len(removed)} removed"] if removed else [])
        reason = "corpus changed: " + ", ".join(parts) if (changed or removed) else "rebuild forced"
    say(f"building the index ({reason})")
    build_index(load.documents, encoder, index_dir, approximate_above=approximate_above, quantize=quantize,
                progress=progress, on_step=say, profile=profile, store=store)
    if old is not None:
        old.store.close()
    return Refresh(open_index(index_dir, encoder.name, store), load, True, reason)
