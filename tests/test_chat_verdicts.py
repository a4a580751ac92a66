"""Verdicts from the chat, in a real browser (headless Debian Chromium, the pattern of test_browser.py):
a reviewer opens a quote's citation, says whether it answers the question, and the verdict is stored
as POST /api/verdicts stores it, listed by GET /api/verdicts and exported by `qa verdicts export`."""

from __future__ import annotations

import json

import httpx
from click.testing import CliRunner

from conftest import ROOT
from qa.cli import main
from qa.evaluation import read_questions
from server_process import live_server  # noqa: F401  (a fixture)
from test_browser import ANSWER_TIMEOUT, api_answer, ask, browser, citation_button, page  # noqa: F401  (fixtures)
from test_browser import pytestmark  # noqa: F401  (slow; skipped without chromium)

QUESTION = "What is CONOPS?"
SAID = "#verdict-said textarea"
SCREENSHOT = ROOT / "bench" / "results" / "chat-verdict.png"


def said_text(page) -> str:
    """The verdict box's reply, once the server has answered."""
    page.wait_for_function(f"() => /^(Recorded|Not recorded)/.test(document.querySelector({SAID!r})?.value || '')",
                           timeout=ANSWER_TIMEOUT)
    return page.locator(SAID).input_value()


def open_quote(page, number: int, quote: dict) -> None:
    button = citation_button(page, number, quote["citation"])
    button.wait_for(timeout=ANSWER_TIMEOUT)
    button.click()
    page.locator("#verdict-heading").filter(has_text=f"Review quote [{number}]").wait_for(timeout=ANSWER_TIMEOUT)


def newest_verdicts(base_url: str, limit: int) -> list[dict]:
    return httpx.get(f"{base_url}/api/verdicts", params={"limit": limit}, timeout=60).json()


def test_a_reviewer_judges_quotes_from_the_chat_and_the_export_has_them(page, live_server, tmp_path):
    answer = api_answer(live_server.url, QUESTION)
    assert answer["answered"] and len(answer["quotes"]) >= 2
    first, second = answer["quotes"][:2]
    page.goto(live_server.url)
    ask(page, QUESTION)
    assert page.locator("#verdict-answers").is_hidden()  # no quote open yet

    open_quote(page, 1, first)
    assert QUESTION in page.locator("#verdict-heading").inner_text()
    page.locator("#verdict-answers").click()
    accepted = said_text(page)
    stored = newest_verdicts(live_server.url, 1)[0]
    assert accepted == f"Recorded as verdict {stored['id']} ({stored['created_at']}): answers the question."
    assert (stored["question"], stored["doc_id"], stored["anchor"], stored["start"], stored["end"], stored["text"],
            stored["verdict"], stored["right_anchor"]) == (
        QUESTION, first["doc_id"], first["anchor"], first["start"], first["end"], first["text"], "answers", None)

    # The second quote, judged wrong, with the right paragraph picked from its document's paragraphs.
    open_quote(page, 2, second)
    assert page.locator(SAID).input_value() == ""  # a fresh box for the newly opened quote
    paragraph = httpx.get(f"{live_server.url}/api/documents/{second['doc_id']}/paragraphs/{second['anchor']}",
                          timeout=60).json()
    right = paragraph["next"] or paragraph["prev"]
    page.locator("#verdict-right input").click()
    page.get_by_role("option", name=f"{right} · ").first.click()
    page.locator("#verdict-does-not").click()
    rejected = said_text(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))  # for a person to look at (bench/results/ is not committed)
    assert rejected.endswith(f": does not answer it; the right paragraph: {right}.")
    newest = newest_verdicts(live_server.url, 2)
    assert [(v["doc_id"], v["anchor"], v["start"], v["end"], v["verdict"], v["right_anchor"]) for v in newest] == [
        (second["doc_id"], second["anchor"], second["start"], second["end"], "does_not_answer", right),
        (first["doc_id"], first["anchor"], first["start"], first["end"], "answers", None)]

    exported = tmp_path / "verdicts.jsonl"
    run = CliRunner().invoke(main, ["verdicts", "export", "--index", str(live_server.log.parent / "index"),
                                    "--out", str(exported)])
    assert run.exit_code == 0, run.output
    lines = {line["id"]: line for line in map(json.loads, exported.read_text(encoding="utf-8").splitlines())}
    line = lines[f"verdict-{stored['id']}"]
    assert (line["question"], line["expect"], line["kind"]) == (
        QUESTION, {"snippet": first["text"], "answer": first["text"]}, "verdict")
    right_text = httpx.get(f"{live_server.url}/api/documents/{second['doc_id']}/paragraphs/{right}", timeout=60).json()
    assert right_text["text"].startswith(lines[f"verdict-{newest[0]['id']}"]["expect"]["snippet"])
    assert QUESTION in [q.question for q in read_questions(exported)]  # what `qa eval` reads


def test_the_passages_of_a_refusal_get_no_verdict_buttons(page, live_server):
    question = "What is the recipe for banana bread?"
    answer = api_answer(live_server.url, question)
    assert not answer["answered"] and answer["passages"]
    page.goto(live_server.url)
    ask(page, question)
    button = citation_button(page, 1, answer["passages"][0]["citation"])
    button.wait_for(timeout=ANSWER_TIMEOUT)
    button.click()
    page.locator("#source-panel blockquote").wait_for(timeout=ANSWER_TIMEOUT)  # the passage is open
    assert page.locator("#verdict-answers").is_hidden()
