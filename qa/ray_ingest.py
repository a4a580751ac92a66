"""Ingestion on Ray: the corpus's new and changed files parsed and embedded as Ray tasks.

Parse tasks read and parse a batch of files (a PDF still in its sandboxed child process) and
return the documents with the texts the encoder would see; the driver keeps every document
whose shard (`qa.shards`) is already in the cache and sends the texts of the others to embed
tasks, writing each shard as its vectors come back. The index build then finds every shard in
the cache and encodes nothing: a run killed part-way leaves whole shards behind, and the
next run embeds only the documents that have none. Ray retries a task whose worker died.

Ray is imported here only, when a build asks for it (`qa index --workers N` or `--ray ADDRESS`).
Workers read the corpus files by path and need this package installed: on a cluster of several
machines, the corpus must be at the same path on every node.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .documents import CorpusFile, CorpusLoad, load_document, plan_corpus
from .errors import DocumentError, QAError
from .profile import Profile
from .shards import DocumentTexts, cache_dir, document_texts, write_shard
from .types import Document

__all__ = ["RayCluster", "Ingested", "ingest", "describe"]

# Texts per embed task: enough for a few full encoder batches (64), small enough that a killed
# run loses little and the progress bar moves.
EMBED_TEXTS = 256
# Parse tasks per worker: a few, so that one slow file does not hold up the rest.
PARSE_TASKS_PER_WORKER = 4
# A task whose worker process died is run again this many times before the build fails.
RETRIES = 3


@dataclass(frozen=True)
class RayCluster:
    """Where ingestion runs: a local cluster of `workers` CPUs started for the build, or the
    existing cluster at `address` ("auto", "ray://host:10001", "host:6379")."""

    workers: int | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if (self.workers is None) == (self.address is None):
            raise QAError("give either a number of local workers or the address of a Ray cluster, not both")
        if self.workers is not None and self.workers < 1:
            raise QAError(f"--workers must be at least 1, got {self.workers}")


@dataclass(frozen=True)
class Ingested:
    """What loading on Ray gave, and what it cost: files parsed, shards embedded (the others
    were in the cache already), passages and texts of the parsed files."""

    load: CorpusLoad
    parsed: int
    embedded: int
    passages: int
    texts: int
    seconds: float


def ingest(
    corpus: Path,
    index_dir: Path,
    model: str,
    cluster: RayCluster,
    *,
    reuse: Mapping[str, Document] | None = None,
    profile: Profile,
    progress: bool = False,
) -> Ingested:
    """Load the corpus as `load_corpus` does, parsing and embedding the files not in `reuse` on Ray.

    Afterwards every parsed document's shard is in `index_dir`'s cache for `model`. Ray is not
    started when nothing needs parsing.
    """
    started = time.perf_counter()
    plan = plan_corpus(corpus, reuse)
    todo = [i for i, file in enumerate(plan) if file.known is None]
    outcomes: dict[int, Document | DocumentError] = {}
    counts = {"embedded": 0, "passages": 0, "texts": 0}
    if todo:
        cache = cache_dir(index_dir, model)
        cache.mkdir(parents=True, exist_ok=True)
        with _connected(cluster) as workers:
            _run(plan, todo, workers, model, profile, cache, outcomes, counts, progress)
    load = _corpus_load(plan, outcomes, profile)
    return Ingested(load, len(todo), counts["embedded"], counts["passages"], counts["texts"],
                    time.perf_counter() - started)


def _run(plan: list[CorpusFile], todo: list[int], workers: int, model: str, profile: Profile, cache: Path,
         outcomes: dict[int, Document | DocumentError], counts: dict[str, int], progress: bool) -> None:
    """Submit parse tasks, then embed tasks as parses come back; write shards as vectors come back."""
    import ray
    from tqdm.auto import tqdm

    parse = ray.remote(max_retries=RETRIES)(_parse_files)
    embed = ray.remote(max_retries=RETRIES)(_embed_texts)
    size = max(1, math.ceil(len(todo) / (workers * PARSE_TASKS_PER_WORKER)))
    pending: dict[Any, tuple[str, list]] = {}
    for at in range(0, len(todo), size):
        batch = todo[at : at + size]
        files = [(str(plan[i].path), plan[i].entry, plan[i].doc_id) for i in batch]
        pending[parse.remote(files, profile, model)] = ("parse", batch)
    queue: list[tuple[int, DocumentTexts]] = []
    bar = tqdm(total=len(todo), unit="doc", desc="parse+embed", disable=not progress, smoothing=0.1)
    clock = time.perf_counter()

    def finished(documents: int, passages: int) -> None:
        counts["passages"] += passages
        bar.update(documents)
        rate = counts["passages"] / max(time.perf_counter() - clock, 1e-9)
        bar.set_postfix_str(f"{counts['passages']} passages, {rate:.1f} passages/s", refresh=False)

    def flush(final: bool) -> None:
        while queue and (final or sum(len(t.texts) for _, t in queue) >= EMBED_TEXTS):
            group, total = [], 0
            while queue and (not group or total + len(queue[0][1].texts) <= EMBED_TEXTS):
                group.append(queue.pop(0))
                total += len(group[-1][1].texts)
            pending[embed.remote(model, [t.texts for _, t in group])] = ("embed", group)

    try:
        while pending:
            [ref], _ = ray.wait(list(pending), num_returns=1)
            kind, payload = pending.pop(ref)
            result = _fetch(ray, ref, kind, payload, plan)
            if kind == "parse":
                for i, outcome in zip(payload, result):
                    if isinstance(outcome[0], str):  # (path, reason): the file did not parse
                        outcomes[i] = DocumentError(*outcome)
                        finished(1, 0)
                        continue
                    document, texts = outcome
                    outcomes[i] = document
                    counts["texts"] += len(texts.texts)
                    if (cache / f"{texts.key}.npy").exists():
                        finished(1, len(texts.passages))
                    else:
                        queue.append((i, texts))
                flush(final=not any(k == "parse" for k, _ in pending.values()))
            else:
                for (_, texts), vectors in zip(payload, result):
                    write_shard(cache / f"{texts.key}.npy", vectors)
                    counts["embedded"] += 1
                    finished(1, len(texts.passages))
    finally:
        bar.close()


def _fetch(ray: Any, ref: Any, kind: str, payload: list, plan: list[CorpusFile]) -> Any:
    """A task's result; a task that failed (not a bad document: a bug, or a worker dead past its
    retries) becomes one QAError naming its files."""
    try:
        return ray.get(ref)
    except (ray.exceptions.RayTaskError, ray.exceptions.WorkerCrashedError) as exc:
        names = [plan[i if kind == "parse" else i[0]].path.name for i in payload]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise QAError(f"Ray {kind} task for {shown} failed: {str(exc).strip().splitlines()[-1]}") from exc


def _corpus_load(plan: list[CorpusFile], outcomes: Mapping[int, Document | DocumentError], profile: Profile) -> CorpusLoad:
    """The CorpusLoad `load_corpus` would give: documents, errors and warnings in file order."""
    documents, errors, warnings, parsed = [], [], [], []
    for i, file in enumerate(plan):
        outcome = file.known if file.known is not None else outcomes[i]
        if isinstance(outcome, DocumentError):
            errors.append(outcome)
            continue
        if file.known is None:
            parsed.append(file.path.name)
            warnings.extend(outcome.warnings)
        documents.append(outcome)
    return CorpusLoad(tuple(documents), tuple(errors), tuple(warnings), tuple(parsed), profile)


# --- what runs on the workers --------------------------------------------------------------


def _parse_files(files: list[tuple[str, Any, str]], profile: Profile, model: str) -> list[Any]:
    """Each file as (document, its texts for `model`), or as the (path, reason) of its DocumentError
    (sent as plain strings: the exception's own arguments do not survive pickling)."""
    results: list[Any] = []
    for path, entry, doc_id in files:
        try:
            document = load_document(Path(path), entry, doc_id, profile)
        except DocumentError as exc:
            results.append((exc.path, exc.reason))
            continue
        results.append((document, document_texts(document, profile, model)))
    return results


def _embed_texts(model: str, groups: list[tuple[str, ...]]) -> list[np.ndarray]:
    """One array of unit vectors per group of texts, encoded by this worker's copy of `model`."""
    from .embedding import load_encoder
    from .runtime import configure

    configure(threads=1)  # one task a CPU: a second torch thread would only contend with the next worker
    encoder = load_encoder(model)  # cached: once per worker process
    vectors = encoder.encode([text for group in groups for text in group])
    bounds = np.cumsum([0, *(len(group) for group in groups)])
    return [vectors[bounds[k] : bounds[k + 1]] for k in range(len(groups))]


# --- the cluster ---------------------------------------------------------------------------


@contextmanager
def _connected(cluster: RayCluster) -> Iterator[int]:
    """Ray started (or joined) for the block; yields the number of CPUs it offers."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # read when Ray starts: no usage report
    import ray

    # A new local cluster turns token auth on (good) and says so in a warning on every build (noise).
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)

    if ray.is_initialized():  # a caller's own session: use it, leave it running
        yield int(ray.cluster_resources().get("CPU", 1))
        return
    quiet: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    try:
        if cluster.address is not None:
            ray.init(address=cluster.address, **quiet)
        else:
            ray.init(num_cpus=cluster.workers, _node_ip_address="127.0.0.1", **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = cluster.address or f"a local cluster of {cluster.workers} workers"
        raise QAError(f"cannot start Ray on {where}: {str(exc).strip().splitlines()[0]}") from exc
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()


def describe(ingested: Ingested) -> str:
    """One line for the build log: files, shards embedded and cached, rates."""
    seconds = max(ingested.seconds, 1e-9)
    cached = ingested.parsed - len(ingested.load.errors) - ingested.embedded
    return (f"ray: parsed {ingested.parsed} files, embedded {ingested.embedded} documents ({cached} from the cache), "
            f"{ingested.parsed / seconds:.2f} documents/s, {ingested.passages / seconds:.1f} passages/s")

