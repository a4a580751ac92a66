"""With login on, the reading page's verdict buttons work for a reviewer logged in to the chat (its login
cookie is accepted on /api/verdicts, from this site only); without a login the verdict POST is a 401."""

from __future__ import annotations

import httpx
import pytest

from test_browser import ANSWER_TIMEOUT, CHROMIUM, browser, page  # noqa: F401  (fixtures)
from test_browser import ask as ask_in_chat
from test_chat_verdicts import open_quote, said_text
from test_live_server import PASSWORD, login_server  # noqa: F401  (login_server: a fixture)
from test_reading_login import QUESTION, quote  # noqa: F401  (quote: a fixture)

pytestmark = pytest.mark.slow  # a real server process


def verdict_body(quote: dict) -> dict:
    return {"question": QUESTION, "doc_id": quote["doc_id"], "anchor": quote["anchor"], "start": quote["start"],
            "end": quote["end"], "text": quote["text"], "verdict": "answers"}


def newest(server, token: str) -> dict:
    listed = httpx.get(f"{server.url}/api/verdicts", params={"limit": 1},
                       headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert listed.status_code == 200
    return listed.json()[0]


def log_in(page, server) -> None:
    page.goto(server.url)
    page.locator("input[type=password]").wait_for(timeout=ANSWER_TIMEOUT)  # the chat's login form
    page.locator("input[type=text]").first.fill("reader1")
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for(timeout=ANSWER_TIMEOUT)  # logged in: the chat itself


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (no `chromium` on PATH)")


@needs_chromium
def test_a_reviewer_logged_in_to_the_chat_records_a_verdict_on_the_reading_page(page, login_server, quote):
    server, token = login_server
    log_in(page, server)

    page.goto(server.url + quote["permalink"])
    said = page.locator("#verdict .said")
    page.get_by_role("button", name="answers the question").click()
    said.filter(has_text="Recorded as verdict").wait_for(timeout=ANSWER_TIMEOUT)
    stored = newest(server, token)
    assert said.inner_text().startswith(f"Recorded as verdict {stored['id']} ")
    assert (stored["question"], stored["doc_id"], stored["anchor"], stored["start"], stored["end"], stored["verdict"]) \
        == (QUESTION, quote["doc_id"], quote["anchor"], quote["start"], quote["end"], "answers")


@needs_chromium
def test_a_verdict_from_the_chat_names_the_logged_in_reviewer(page, login_server, quote):
    server, token = login_server
    log_in(page, server)
    ask_in_chat(page, QUESTION)
    open_quote(page, 1, quote)
    page.locator("#verdict-answers").click()
    said = said_text(page)
    stored = newest(server, token)
    assert said.startswith(f"Recorded as verdict {stored['id']} ")
    assert (stored["reviewer"], stored["doc_id"], stored["start"], stored["end"]) == (
        "reader1", quote["doc_id"], quote["start"], quote["end"])


def test_without_a_login_the_verdict_post_is_a_401(login_server, quote):
    server, token = login_server
    url = f"{server.url}/api/verdicts"
    before = newest(server, token)["id"] if httpx.get(url, headers={"Authorization": f"Bearer {token}"},
                                                       timeout=60).json() else None
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "access-token-unsecure-x=forged"}):
        assert httpx.post(url, json=verdict_body(quote), headers=headers, timeout=60).status_code == 401
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.post("/login", data={"username": "reader1", "password": PASSWORD}).status_code == 200
        # The login cookie spent by a page of another site is refused; from this site it is accepted.
        assert client.post("/api/verdicts", json=verdict_body(quote),
                            headers={"Origin": "http://elsewhere.example"}).status_code == 401
        assert client.post("/api/ask", json={"question": QUESTION}).status_code == 401  # the cookie opens verdicts only
        recorded = client.post("/api/verdicts", json=verdict_body(quote), headers={"Origin": server.url})
    assert recorded.status_code == 201
    assert newest(server, token)["id"] == recorded.json()["id"] != before
