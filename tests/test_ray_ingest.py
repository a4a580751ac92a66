"""Ingestion on Ray: a local cluster of two workers builds the same index as one process, a
killed run resumes from the shards it left, a killed worker's task runs again, a bad file is
one error, and without Ray nothing imports it.

The Ray builds run the real model on real files; the single-process index they are compared
with is the session's (`built_index`). Texts the driver still sends to the encoder are counted
by `CountingEncoder`; what the workers embedded is `Ingested.embedded`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from click.testing import CliRunner

from conftest import CORPUS, QUESTIONS, ROOT
from fixtures_archive import CountingEncoder, built_index, encoder  # noqa: F401  (fixtures)
from qa.archive import Archive
from qa.cli import main
from qa.documents import load_corpus
from qa.errors import QAError
from qa.evaluation import evaluate, read_questions
from qa.indexer import refresh_index
from qa.profile import load_profile
from qa.ray_ingest import RayCluster, ingest
from synthetic_corpus import write_corpus

TWO_WORKERS = RayCluster(workers=2)
# Float32 rounding: the workers encode each document's texts in batches of their own (padded to
# other lengths) on one torch thread; measured here, the largest difference is about 2e-7.
VECTOR_TOLERANCE = 1e-6


def generation(index_dir):
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def shards(index_dir, model: str) -> dict[str, tuple[int, bytes]]:
    """The cache's shards by name: modification time and bytes."""
    from qa.shards import cache_dir

    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in cache_dir(index_dir, model).glob("[!.]*.npy")}


@pytest.fixture(scope="module")
def ray_index(encoder, tmp_path_factory):  # noqa: F811  (fixture)
    """The project's corpus indexed with `--workers 2` into an empty folder."""
    path = tmp_path_factory.mktemp("ray-index") / "index"
    counting = CountingEncoder(encoder)
    refresh = refresh_index(CORPUS, path, counting, cluster=TWO_WORKERS)
    assert refresh.rebuilt and not refresh.load.errors
    assert counting.count == 0, "the workers embed everything: the build finds every text in the cache"
    return path


# --- the same index --------------------------------------------------------------------------


@pytest.mark.slow
def test_ray_build_writes_the_same_documents_spans_and_bm25_as_one_process(ray_index, built_index):  # noqa: F811
    ours, theirs = generation(ray_index), generation(built_index.path)
    for name in ("documents.jsonl", "passages.json", "sentences.json"):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    bm25 = sorted(p.relative_to(theirs / "bm25") for p in (theirs / "bm25").rglob("*") if p.is_file())
    assert bm25 and all((ours / "bm25" / p).read_bytes() == (theirs / "bm25" / p).read_bytes() for p in bm25)
    a = json.loads((ours / "manifest.json").read_text(encoding="utf-8"))
    b = json.loads((theirs / "manifest.json").read_text(encoding="utf-8"))
    for key in ("pipeline", "profile", "model", "dimension", "store", "counts", "documents"):
        assert a[key] == b[key], key


@pytest.mark.slow
def test_ray_build_vectors_equal_one_process_within_float_rounding(ray_index, built_index):  # noqa: F811
    for name in ("passage_vectors.npy", "sentence_vectors.npy"):
        ours = np.load(generation(ray_index) / name)
        theirs = np.load(generation(built_index.path) / name)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32
        assert np.abs(ours - theirs).max() <= VECTOR_TOLERANCE, name


@pytest.mark.slow
def test_ray_build_answers_the_eval_set_exactly_as_one_process(ray_index, built_index, encoder):  # noqa: F811
    questions = read_questions(QUESTIONS)
    ours = Archive.open(CORPUS, ray_index, encoder=encoder)
    theirs = Archive.open(CORPUS, built_index.path, encoder=encoder)
    assert not ours.refresh.rebuilt and not theirs.refresh.rebuilt
    vectors = encoder.encode([q.question for q in questions])
    _, our_ids = ours.refresh.stored.store.index.search(vectors, 10)
    _, their_ids = theirs.refresh.stored.store.index.search(vectors, 10)
    assert (our_ids == their_ids).all(), "FAISS ranks the same passages for every eval question"

    a, b = evaluate(ours, questions), evaluate(theirs, questions)
    drop = lambda rows: [{k: v for k, v in r.items() if k != "took_ms"} for r in rows]  # noqa: E731
    assert drop(a.pop("rows")) == drop(b.pop("rows"))
    assert a == b


# --- resuming, bad files ---------------------------------------------------------------------


@pytest.mark.slow
def test_killed_run_keeps_its_shards_and_the_rerun_embeds_only_the_rest(tmp_path, encoder):  # noqa: F811
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, 40, seed=14)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    (corpus / "empty.txt").write_bytes(b"")
    log = open(tmp_path / "first-run.log", "wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Its own session, so that the driver and everything Ray started beside it die with one signal.
    first = subprocess.Popen([sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus), "--index", str(index),
                              "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not shards(index, encoder.name) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        log.close()
    kept = shards(index, encoder.name)
    assert 0 < len(kept) < 40, f"the run was killed part-way ({len(kept)} shards of 40); log: {tmp_path / 'first-run.log'}"
    assert not (index / "CURRENT").exists()

    ingested = ingest(corpus, index, encoder.name, TWO_WORKERS, profile=load_profile(corpus))
    assert (ingested.parsed, ingested.embedded) == (42, 40 - len(kept))
    after = shards(index, encoder.name)
    assert len(after) == 40 and all(after[name] == kept[name] for name in kept), "kept shards are not rewritten"

    single = load_corpus(corpus)
    assert ingested.load.documents == single.documents
    assert [str(e) for e in ingested.load.errors] == [str(e) for e in single.errors]
    assert sorted(e.path.rsplit("/", 1)[-1] for e in ingested.load.errors) == ["broken.pdf", "empty.txt"]

    counting = CountingEncoder(encoder)
    refresh = refresh_index(corpus, index, counting)
    assert refresh.rebuilt and counting.count == 0
    assert refresh.stored.manifest["counts"]["documents"] == 40


@pytest.mark.slow
def test_a_worker_killed_while_embedding_has_its_task_run_again(tmp_path, encoder):  # noqa: F811
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, 12, seed=21)
    killed: list[int] = []
    over = threading.Event()

    def kill_an_embedding_worker() -> None:
        """SIGKILL the first Ray worker seen running an embed task (a descendant of this process)."""
        while not killed and not over.is_set():
            for child in psutil.Process().children(recursive=True):
                try:
                    if child.cmdline()[:1] and child.cmdline()[0].startswith("ray::_embed_texts"):
                        child.kill()
                        killed.append(child.pid)
                        return
                except psutil.Error:
                    continue
            time.sleep(0.05)

    killer = threading.Thread(target=kill_an_embedding_worker)
    killer.start()
    try:
        ingested = ingest(corpus, index, encoder.name, TWO_WORKERS, profile=load_profile(corpus))
    finally:
        over.set()
        killer.join()
    assert killed, "no worker was seen embedding"
    assert (ingested.parsed, ingested.embedded, len(ingested.load.errors)) == (12, 12, 0)
    assert len(shards(index, encoder.name)) == 12


@pytest.mark.slow
def test_up_to_date_index_does_not_start_ray(tmp_path, encoder):  # noqa: F811
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, 2, seed=3)
    built = refresh_index(corpus, index, encoder).stored
    # An address where no cluster listens: joining it would fail, so passing shows Ray was not started.
    ingested = ingest(corpus, index, encoder.name, RayCluster(address="ray://127.0.0.1:1"), profile=load_profile(corpus),
                      reuse={d.path: d for d in built.documents})
    assert (ingested.parsed, ingested.embedded, len(ingested.load.documents)) == (0, 0, 2)


@pytest.mark.slow
def test_without_workers_ray_is_never_imported(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 2, seed=5)
    script = ("import sys; from click.testing import CliRunner; from qa.cli import main; "
              f"r = CliRunner().invoke(main, ['index', '--corpus', {str(corpus)!r}, '--index', {str(tmp_path / 'index')!r}]); "
              "print(r.exit_code, 'ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=600)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stdout + done.stderr


@pytest.mark.slow
def test_index_joins_an_existing_cluster_by_address(tmp_path, encoder):  # noqa: F811
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, 4, seed=7)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "head.log"
    log = open(log_path, "wb")
    # A head node of its own, in its own session: one signal ends it and every process it started.
    head = subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
                             f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                             "--node-ip-address=127.0.0.1", "--disable-usage-stats"],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while b"Ray runtime started" not in log_path.read_bytes():
            assert head.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.2)
        result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(index),
                                           "--ray", f"127.0.0.1:{port}"])
    finally:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        log.close()
        # `ray start` names its cluster in /tmp/ray/ray_current_cluster for later `ray.init()`s: not a dead one.
        current = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()
    assert result.exit_code == 0, result.output
    assert "ray: parsed 4 files, embedded 4 documents" in result.output
    assert len(shards(index, encoder.name)) == 4


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [{}, {"workers": 2, "address": "auto"}, {"workers": 0}])
def test_cluster_needs_workers_or_an_address(settings):
    with pytest.raises(QAError, match="workers|address"):
        RayCluster(**settings)


def test_index_refuses_workers_and_ray_together(tmp_path):
    result = CliRunner().invoke(main, ["index", "--corpus", str(CORPUS), "--index", str(tmp_path / "index"),
                                       "--workers", "2", "--ray", "auto"])
    assert result.exit_code == 2 and "not both" in result.output
