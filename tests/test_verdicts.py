"""Reviewers' verdicts: recorded through the API into SQLite beside the index, kept across restarts
and rebuilds, listed newest first, exported as eval questions; bad verdicts get a 422 naming the field."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from click.testing import CliRunner

from conftest import CORPUS
from qa.cli import main
from qa.evaluation import read_questions
from qa.limits import MAX_VERDICTS_PAGE
from server_process import Server, start_server, stop_server

pytestmark = pytest.mark.slow  # real server processes

QUESTION = "Which group is far more likely to be murdered?"


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    """A server on the real archive with an index of its own (and so a verdicts database of its own)."""
    folder = tmp_path_factory.mktemp("verdicts")
    server = start_server(CORPUS, folder / "index", folder / "server.log")
    yield server, folder / "index"
    stop_server(server)


@pytest.fixture(scope="module")
def answer(review) -> dict:
    body = httpx.post(f"{review[0].url}/api/ask", json={"question": QUESTION}, timeout=120).json()
    assert body["answered"] and len(body["passages"]) >= 2
    return body


def verdict_body(quote: dict, verdict: str, **extra) -> dict:
    return {"question": QUESTION, "doc_id": quote["doc_id"], "anchor": quote["anchor"], "start": quote["start"],
            "end": quote["end"], "text": quote["text"], "verdict": verdict, **extra}


def private_index(review, destination: Path) -> Path:
    """A copy of the module server's index without its verdicts: a second server reuses it, no rebuild."""
    shutil.copytree(review[1], destination, ignore=shutil.ignore_patterns("verdicts.sqlite3*"))
    return destination


def test_a_verdict_is_stored_and_survives_a_restart(review, answer, tmp_path):
    index = private_index(review, tmp_path / "index")
    quote = answer["quotes"][0]
    other = next(p for p in answer["passages"] if (p["doc_id"], p["anchor"]) != (quote["doc_id"], quote["anchor"]))
    server = start_server(CORPUS, index, tmp_path / "first.log")
    try:
        # The reviewer names the paragraph after the quote's as the one that answers.
        neighbour = httpx.get(f"{server.url}/api/documents/{quote['doc_id']}/paragraphs/{quote['anchor']}").json()
        right = neighbour["next"] or neighbour["prev"]
        accepted = httpx.post(f"{server.url}/api/verdicts", json=verdict_body(quote, "answers", reviewer="ana"))
        rejected = httpx.post(f"{server.url}/api/verdicts", json=verdict_body(
            other, "does_not_answer", right_doc_id=quote["doc_id"], right_anchor=right, note="see the next"))
    finally:
        stop_server(server)
    assert accepted.status_code == 201, accepted.text
    assert rejected.status_code == 201, rejected.text
    first = accepted.json()
    assert first["verdict"] == "answers" and first["reviewer"] == "ana" and first["text"] == quote["text"]
    assert first["created_at"].endswith("+00:00") and len(first["sha256"]) == 64
    assert rejected.json()["id"] > first["id"]

    server = start_server(CORPUS, index, tmp_path / "second.log")
    try:
        listed = httpx.get(f"{server.url}/api/verdicts").json()
        page = httpx.get(f"{server.url}/api/verdicts", params={"limit": 1, "offset": 1}).json()
    finally:
        stop_server(server)
    assert [v["id"] for v in listed] == [rejected.json()["id"], first["id"]]  # newest first
    assert listed[1] == first and listed[0]["right_anchor"] == right
    assert [v["id"] for v in page] == [first["id"]]

    with sqlite3.connect(index / "verdicts.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert not list(index.glob("gen-*/verdicts.sqlite3*"))  # beside the generations, not inside one

    exported = tmp_path / "verdicts.jsonl"
    run = CliRunner().invoke(main, ["verdicts", "export", "--index", str(index), "--out", str(exported)])
    assert run.exit_code == 0, run.output
    assert "exported 2 questions" in run.stderr
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [set(line) for line in lines] == [{"id", "question", "expect", "kind", "doc"}] * 2
    assert lines[0]["expect"] == {"snippet": quote["text"], "answer": quote["text"]}
    assert paragraph_text(review, quote["doc_id"], right).startswith(lines[1]["expect"]["snippet"])
    questions = read_questions(exported)
    assert [q.question for q in questions] == [QUESTION, QUESTION] and all(q.snippets for q in questions)

    rebuilt = CliRunner().invoke(main, ["index", "--force", "--corpus", str(CORPUS), "--index", str(index)])
    assert rebuilt.exit_code == 0 and "index built" in rebuilt.stdout, rebuilt.output
    listing = CliRunner().invoke(main, ["verdicts", "list", "--index", str(index), "--json"])
    assert json.loads(listing.stdout) == listed  # the rebuild left them alone

    figures = CliRunner().invoke(main, ["eval", str(exported), "--corpus", str(CORPUS), "--index", str(index),
                                        "--json"])
    assert figures.exit_code == 0, figures.output
    report = json.loads(figures.stdout)
    assert (report["verdict_questions"], report["top_accepted"], report["top_not_rejected"]) == (1, 1.0, 1.0)


def paragraph_text(review, doc_id: str, anchor: str) -> str:
    return httpx.get(f"{review[0].url}/api/documents/{doc_id}/paragraphs/{anchor}").json()["text"]


def test_concurrent_verdicts_are_all_kept(review, answer):
    server, _ = review
    before = len(httpx.get(f"{server.url}/api/verdicts", params={"limit": MAX_VERDICTS_PAGE}).json())
    quote = answer["quotes"][0]
    statuses: list[int] = []

    def post(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            for n in range(5):
                body = verdict_body(quote, "answers", reviewer=f"reviewer {worker}", note=f"note {n}")
                statuses.append(client.post("/api/verdicts", json=body).status_code)

    threads = [threading.Thread(target=post, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 40
    listed = httpx.get(f"{server.url}/api/verdicts", params={"limit": MAX_VERDICTS_PAGE}).json()
    assert len(listed) == before + 40
    assert len({v["id"] for v in listed}) == len(listed)
    mine = {(v["reviewer"], v["note"]) for v in listed if (v["reviewer"] or "").startswith("reviewer ")}
    assert mine == {(f"reviewer {w}", f"note {n}") for w in range(8) for n in range(5)}


def detail_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def test_bad_verdicts_are_refused_naming_the_field(review, answer):
    url = f"{review[0].url}/api/verdicts"
    quote = answer["quotes"][0]
    good = verdict_body(quote, "answers")
    cases = {
        "verdict": {**good, "verdict": "maybe"},
        "question": {**good, "question": "   "},
        "doc_id": {**good, "doc_id": "no-such-document"},
        "anchor": {**good, "anchor": "Z99"},
        "text": {**good, "text": quote["text"] + " and more"},
        "start": {**good, "start": quote["start"] + 1},
        "right_anchor": {**verdict_body(quote, "does_not_answer"), "right_anchor": "Z99"},
        "colour": {**good, "colour": "red"},
    }
    for field, body in cases.items():
        assert field in detail_of(httpx.post(url, json=body)), field
    missing = dict(good)
    del missing["verdict"]
    assert "verdict is required" in detail_of(httpx.post(url, json=missing))
    assert "right_anchor" in detail_of(httpx.post(url, json={**good, "right_anchor": quote["anchor"]}))
    assert "limit" in detail_of(httpx.get(url, params={"limit": MAX_VERDICTS_PAGE + 1}))
    assert "limit" in detail_of(httpx.get(url, params={"limit": 0}))
    assert "offset" in detail_of(httpx.get(url, params={"offset": -1}))
