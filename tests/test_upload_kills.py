"""Crash trials of a live upload: the server SIGKILLed while it stores and indexes a new document.

Each trial uploads a new text file to the real server and kills the server part-way through
(delays spread over a reference upload's duration). On disk the live generation then holds the
documents before the upload, or those and the new one, never a part; `qa verify` passes; the
restarted server answers the archive's question as before, and the new document's question
from the new document or not at all. The restarted server is the next trial's.
QA_UPLOAD_KILLS sets the number of kills (default 5: each costs a server start).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import threading
import time

import httpx
import pytest
from click.testing import CliRunner

from app_process import start_server, stop_server
from conftest import BLOG, BOFF_SUMMARY, CORPUS
from qa.cli import main
from qa.store import read_manifest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # a server start per kill

KILLS = int(os.environ.get("QA_UPLOAD_KILLS", "5"))
TOKEN = "upload-kill-token-0123456789abcdef"
KEPT = (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml")
BASE_QUESTION = "How much more likely are sex workers to be murdered?"


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


def test_server_killed_during_uploads_keeps_one_whole_generation(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in KEPT:
        shutil.copyfile(CORPUS / name, corpus / name)
    index = tmp_path / "index"
    start = lambda n: start_server(corpus, index, tmp_path / f"server-{n}.log",  # noqa: E731
                                   env={"QA_ADMIN_TOKEN": TOKEN, "QA_AUTH": ""})
    server = start(0)
    try:
        baseline = _quotes(_ask(server.url, BASE_QUESTION))
        began = time.monotonic()
        reference: list = []
        _upload(server.url, 0, reference)
        duration = time.monotonic() - began
        assert reference == [201]
        outcomes = []
        for trial in range(1, KILLS + 1):
            before = set(read_manifest(index)["documents"])
            done: list = []
            uploading = threading.Thread(target=_upload, args=(server.url, trial, done))
            uploading.start()
            time.sleep((trial - 0.5) / KILLS * duration)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=60)
            uploading.join(timeout=120)

            after = set(read_manifest(index)["documents"])
            new = after - before
            assert after >= before and len(new) <= 1, f"trial {trial}: live generation {sorted(after)}"
            verified = CliRunner().invoke(main, ["verify", "--corpus", str(corpus), "--index", str(index)])
            assert verified.exit_code == 0, verified.output
            outcomes.append(f"{'new' if new else 'old'} live after the kill (client saw {done or ['nothing']})")

            server = start(trial)
            assert _quotes(_ask(server.url, BASE_QUESTION)) == baseline
            answer = _ask(server.url, _document(trial)[2])
            holds = any(p.startswith(f"lighthouse-{trial}-") for p in set(read_manifest(index)["documents"]))
            quoted = [q for q in answer["quotes"] if f"{1000 + trial} ships" in q["text"]]
            assert bool(quoted) == holds, f"trial {trial}: index holds it: {holds}, quoted: {answer['quotes']}"
        print(f"\n{len(outcomes)} server kills during uploads survived (upload took {duration:.1f} s): "
              + "; ".join(outcomes))
    finally:
        stop_server(server)
