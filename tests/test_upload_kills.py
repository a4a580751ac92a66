"""Crash trials of a live upload: the server SIGKILLed while it stores and indexes a new document.

Each trial uploads a new text file to the real server and kills the server part-way through
(delays spread over a reference upload's duration, the first at once, before the file can reach
the corpus). On disk the live generation then holds the documents before the upload, or those
and the new one, never a part, and `qa verify` passes. The restarted server (which indexes a file
that reached the corpus) serves one whole generation: without the new document ("old") it answers
fixed questions exactly as the live server did just before the kill, and the new document's
question not from it; with it ("new") it answers exactly as a clean in-process build of the same
corpus does, and quotes the new document's sentence. The restarted server is the next trial's.
QA_UPLOAD_KILLS sets the number of kills (default 5: each costs a server start).
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from app_process import start_server, stop_server
from conftest import BLOG, BOFF_SUMMARY, CORPUS
from qa import config
from qa.archive import Archive
from qa.cli import main
from qa.embedding import load_encoder
from qa.scoring import load_scorer
from qa.store import read_manifest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # a server start per kill

KILLS = int(os.environ.get("QA_UPLOAD_KILLS", "5"))
TOKEN = "upload-kill-token-0123456789abcdef"
KEPT = (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml")
# Fixed questions asked before each kill and after the restart: two of the archive's, one on the
# first upload (whose statistics every later upload shifts).
QUESTIONS = ("How much more likely are sex workers to be murdered?", "What was discussed at the BoF session?",
             "How many ships passed Beacon Rock 0?")


def _document(n: int) -> tuple[str, bytes, str]:
    """The n-th upload: a file name, its text, and a question only it answers."""
    # Sixty paragraphs, so that indexing it (embedding about 120 texts) takes long enough for the
    # kills to land in each phase of the update, not only before it.
    filler = "".join(f"{k}. On day {k} of watch {n} the keeper wrote {k * 7 + n} words about the weather "
                     f"and the state of lamp {k}.\n\n" for k in range(2, 62))
    text = (f"Lighthouse log {n}\n\n1. The lighthouse keeper recorded {1000 + n} ships passing "
            f"Beacon Rock {n} in the spring.\n\n{filler}")
    return f"lighthouse-{n}.txt", text.encode(), f"How many ships passed Beacon Rock {n}?"


def _ask(url: str, question: str) -> dict:
    response = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)
    response.raise_for_status()
    return response.json()


def _answers(url: str, questions: tuple[str, ...]) -> list[list[tuple[str, str, int, int]]]:
    return [_quotes(_ask(url, q)) for q in questions]


def _quotes(answer: dict) -> list[tuple[str, str, int, int]]:
    return [(q["doc_id"], q["anchor"], q["start"], q["end"]) for q in answer["quotes"]]


def _upload(url: str, n: int, outcome: list) -> None:
    name, data, _ = _document(n)
    try:
        response = httpx.post(f"{url}/api/documents", files={"file": (name, io.BytesIO(data))},
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)
        outcome.append(response.status_code)
    except httpx.HTTPError as exc:
        outcome.append(type(exc).__name__)


def _phase(corpus: Path, index: Path, n: int) -> str:
    """Where the n-th upload stood when the server died: not yet in the corpus, in it but not yet
    in the live generation (the index update), or live."""
    if _holds(index, n):
        return "indexed"
    return "index update" if any(_is_upload(p.name, n) for p in corpus.iterdir()) else "before the corpus"


def _holds(index: Path, n: int) -> bool:
    """Whether the live generation holds the n-th upload (stored as lighthouse-n-<hash>.txt)."""
    return any(_is_upload(Path(entry["file"]).name, n) for entry in read_manifest(index)["documents"].values())


def _is_upload(file_name: str, n: int) -> bool:
    return file_name.startswith(f"lighthouse-{n}-")


def _clean_answers(corpus: Path, workdir: Path, questions: tuple[str, ...], encoder, scorer) -> list:
    """The answers of a clean in-process build over a copy of `corpus` as it stands."""
    copy = workdir / "corpus"
    shutil.copytree(corpus, copy, ignore=lambda _, names: [n for n in names if n.startswith(".")])
    archive = Archive.open(copy, workdir / "index", encoder=encoder, scorer=scorer)
    return [_quotes(dataclasses.asdict(archive.ask(question))) for question in questions]


def test_server_killed_during_uploads_keeps_one_whole_generation(tmp_path):
    encoder = load_encoder(config.model_name(None))
    scorer = load_scorer(config.reader_choice(None))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in KEPT:
        shutil.copyfile(CORPUS / name, corpus / name)
    index = tmp_path / "index"
    start = lambda n: start_server(corpus, index, tmp_path / f"server-{n}.log",  # noqa: E731
                                   env={"QA_ADMIN_TOKEN": TOKEN, "QA_AUTH": ""})
    server = start(0)
    try:
        began = time.monotonic()
        reference: list = []
        _upload(server.url, 0, reference)
        duration = time.monotonic() - began
        assert reference == [201]
        outcomes, states = [], []
        for trial in range(1, KILLS + 1):
            own_question = _document(trial)[2]
            questions = (*QUESTIONS, own_question)
            before = set(read_manifest(index)["documents"])
            old = _answers(server.url, questions)  # the live generation's answers, just before the kill
            done: list = []
            uploading = threading.Thread(target=_upload, args=(server.url, trial, done))
            uploading.start()
            time.sleep(delay := (trial - 1) / KILLS * duration)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=60)
            uploading.join(timeout=120)

            after = set(read_manifest(index)["documents"])
            assert after >= before and len(after - before) <= 1, f"trial {trial}: live generation {sorted(after)}"
            phase = _phase(corpus, index, trial)
            verified = CliRunner().invoke(main, ["verify", "--corpus", str(corpus), "--index", str(index)])
            assert verified.exit_code == 0, verified.output

            # A file that reached the corpus but not the live generation is indexed on the restart.
            server = start(trial)
            state = "new" if _holds(index, trial) else "old"
            served = _answers(server.url, questions)
            quoted = [q for q in _ask(server.url, own_question)["quotes"] if f"{1000 + trial} ships" in q["text"]]
            if state == "old":
                assert served == old, f"trial {trial}: the old generation answers differently after the restart"
                assert not quoted, f"trial {trial}: old generation live, yet the upload is quoted: {quoted}"
            else:
                clean = _clean_answers(corpus, tmp_path / f"clean-{trial}", questions, encoder, scorer)
                assert served == clean, f"trial {trial}: new generation live, answers differ from a clean build"
                assert quoted, f"trial {trial}: new generation live, yet the upload's sentence is not quoted"
            states.append(state)
            outcomes.append(f"kill {trial} at {delay:.2f} s: {phase}, "
                            f"{state} live after restart (client saw {done or ['nothing']})")
        print(f"\n{len(outcomes)} server kills during uploads survived (upload took {duration:.1f} s); "
              f"old {states.count('old')}, new {states.count('new')}:\n  " + "\n  ".join(outcomes))
        assert "old" in states, "no kill landed before the upload was live: the trials test nothing about 'old'"
    finally:
        stop_server(server)
