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
    run = _Run(plan, model, profile, cache_dir(index_dir, model), remote=cluster.address is not None)
    if run.todo:
        run.cache.mkdir(parents=True, exist_ok=True)
        with _connected(cluster) as workers:
            run.execute(workers, progress)
    return Ingested(run.corpus_load(), len(run.todo), run.embedded, run.passages, run.texts,
                    time.perf_counter() - started)


class _Run:
    """The driver's side of one ingestion: parse tasks out, embed tasks out as parses come back,
    shards written as vectors come back, tallies for the progress bar and the log."""

    def __init__(self, plan: list[CorpusFile], model: str, profile: Profile, cache: Path, remote: bool):
        self.plan, self.model, self.profile, self.cache, self.remote = plan, model, profile, cache, remote
        self.todo = [i for i, file in enumerate(plan) if file.known is None]
        self.outcomes: dict[int, Document | DocumentError] = {}
        self.embedded = self.passages = self.texts = 0
        self._queue: list[DocumentTexts] = []  # parsed, waiting for an embed task
        self._pending: dict[Any, tuple[str, list]] = {}  # task → ("parse", file numbers) or ("embed", texts)

    def execute(self, workers: int, progress: bool) -> None:
        import ray
        from tqdm.auto import tqdm

        self._parse = ray.remote(max_retries=RETRIES)(_parse_files)
        self._embed = ray.remote(max_retries=RETRIES)(_embed_texts)
        size = max(1, math.ceil(len(self.todo) / (workers * PARSE_TASKS_PER_WORKER)))
        for at in range(0, len(self.todo), size):
            batch = self.todo[at : at + size]
            # Local workers share this process's working folder; a cluster's nodes need the full path.
            files = [(str(self.plan[i].path.resolve() if self.remote else self.plan[i].path),
                      self.plan[i].entry, self.plan[i].doc_id) for i in batch]
            self._pending[self._parse.remote(files, self.profile, self.model)] = ("parse", batch)
        self._bar = tqdm(total=len(self.todo), unit="doc", desc="parse+embed", disable=not progress, smoothing=0.1)
        self._clock = time.perf_counter()
        try:
            while self._pending:
                [ref], _ = ray.wait(list(self._pending), num_returns=1)
                kind, payload = self._pending.pop(ref)
                result = _fetch(ray, ref, kind, self._names(kind, payload))
                if kind == "parse":
                    self._parsed(payload, result)
                else:
                    self._embedded(payload, result)
        finally:
            self._bar.close()

    def _parsed(self, numbers: list[int], results: list[Any]) -> None:
        for i, outcome in zip(numbers, results):
            if isinstance(outcome[0], str):  # (path, reason): the file did not parse
                self.outcomes[i] = DocumentError(*outcome)
                self._done(0)
                continue
            document, texts = outcome
            self.outcomes[i] = document
            self.texts += len(texts.texts)
            if (self.cache / f"{texts.key}.npy").exists():
                self._done(len(texts.passages))
            else:
                self._queue.append(texts)
        last = not any(kind == "parse" for kind, _ in self._pending.values())
        while self._queue and (last or sum(len(t.texts) for t in self._queue) >= EMBED_TEXTS):
            group = [self._queue.pop(0)]
            total = len(group[0].texts)
            while self._queue and total + len(self._queue[0].texts) <= EMBED_TEXTS:
                group.append(self._queue.pop(0))
                total += len(group[-1].texts)
            self._pending[self._embed.remote(self.model, [t.texts for t in group])] = ("embed", group)

    def _embedded(self, group: list[DocumentTexts], vectors: list[np.ndarray]) -> None:
        for texts, rows in zip(group, vectors):
            write_shard(self.cache / f"{texts.key}.npy", rows)
            self.embedded += 1
            self._done(len(texts.passages))

    def _done(self, passages: int) -> None:
        """One more document finished (parsed and embedded, found in the cache, or failed)."""
        self.passages += passages
        self._bar.update(1)
        rate = self.passages / max(time.perf_counter() - self._clock, 1e-9)
        self._bar.set_postfix_str(f"{self.passages} passages, {rate:.1f} passages/s", refresh=False)

    def _names(self, kind: str, payload: list) -> list[str]:
        if kind == "parse":
            return [self.plan[i].path.name for i in payload]
        return [t.passages[0].doc_id if t.passages else "?" for t in payload]

    def corpus_load(self) -> CorpusLoad:
        """The CorpusLoad `load_corpus` would give: documents, errors and warnings in file order."""
        documents, errors, warnings, parsed = [], [], [], []
        for i, file in enumerate(self.plan):
            outcome = file.known if file.known is not None else self.outcomes[i]
            if isinstance(outcome, DocumentError):
                errors.append(outcome)
                continue
            if file.known is None:
                parsed.append(file.path.name)
                warnings.extend(outcome.warnings)
            documents.append(outcome)
        return CorpusLoad(tuple(documents), tuple(errors), tuple(warnings), tuple(parsed), self.profile)


def _fetch(ray: Any, ref: Any, kind: str, names: list[str]) -> Any:
    """A task's result; a task that failed (not a bad document: a bug, or a worker dead past its
    retries) becomes one QAError naming its documents."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise QAError(f"Ray {kind} task for {shown} failed: {str(exc).strip().splitlines()[-1]}") from exc


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
            # "local": a new cluster even where RAY_ADDRESS or a `ray start` elsewhere on this machine names one.
            ray.init(address="local", num_cpus=cluster.workers, _node_ip_address="127.0.0.1", **quiet)
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

