"""The chat in a real browser: headless Debian Chromium driven by Playwright, against `python app.py`."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest

from server_process import (PAYLOAD_CATALOG, PAYLOAD_DOC, PAYLOAD_QUESTION, SCRIPT_PAYLOAD,  # noqa: F401
                            live_server, payload_server)

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_TIMEOUT = 60_000  # ms

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (no `chromium` on PATH)")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every alert/confirm/prompt a script might open."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    page.close()


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def api_answer(base_url: str, question: str) -> dict:
    return httpx.post(f"{base_url}/api/ask", json={"question": question}, timeout=60).json()


def citation_button(page, number: int, citation: str):
    return page.locator("#chat").get_by_role("button", name=f"[{number}] {citation}", exact=True)


def assert_nothing_injected(page) -> None:
    assert page.dialogs == []
    for selector in ("img[src='x']", "[onerror]", "#chat script", "#source-panel script", "iframe",
                     "#chat a[href^='javascript']", "#source-panel a[href^='javascript']"):
        assert page.locator(selector).count() == 0, selector


def test_answer_shows_quotes_and_a_citation_opens_the_paragraph_in_context(page, live_server, tmp_path):
    expected = api_answer(live_server.url, "What is CONOPS?")
    first = expected["quotes"][0]
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")

    button = citation_button(page, 1, first["citation"])
    button.wait_for(timeout=ANSWER_TIMEOUT)
    chat = page.locator("#chat")
    assert chat.locator("blockquote").filter(has_text=first["text"]).count() == 1
    assert chat.get_by_text(first["citation"]).count() >= 1

    button.click()
    cited = page.locator("#source-panel blockquote")
    cited.filter(has_text=first["text"]).wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator("#citation textarea").input_value() == first["citation"]
    paragraph = httpx.get(f"{live_server.url}/api/documents/{first['doc_id']}/paragraphs/{first['anchor']}").json()
    assert " ".join(paragraph["text"].split()) in " ".join(cited.inner_text().split())
    # Its neighbours are shown around it, not highlighted.
    before = httpx.get(f"{live_server.url}/api/documents/{first['doc_id']}/paragraphs/{paragraph['prev']}").json()
    panel = " ".join(page.locator("#source-panel").inner_text().split())
    assert " ".join(before["text"].split())[:80] in panel
    assert cited.count() == 1
    assert_nothing_injected(page)
    # The answer from its question down, beside the opened source.
    for _ in range(2):  # the chat's own autoscroll may run once more after the first
        chat.locator("[role=log]").evaluate("log => { log.scrollTop = 0; }")
        page.wait_for_timeout(300)
    page.screenshot(path=str(tmp_path / "answered.png"), full_page=True)  # kept by pytest's basetemp, for a look


def test_previous_and_next_step_through_the_document(page, live_server):
    expected = api_answer(live_server.url, "What is CONOPS?")
    first = expected["quotes"][0]
    paragraph = httpx.get(f"{live_server.url}/api/documents/{first['doc_id']}/paragraphs/{first['anchor']}").json()
    following = httpx.get(f"{live_server.url}/api/documents/{first['doc_id']}/paragraphs/{paragraph['next']}").json()
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")
    citation_button(page, 1, first["citation"]).click(timeout=ANSWER_TIMEOUT)
    citation = page.locator("#citation textarea")
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=first["citation"])

    page.locator("#source-next").click()
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=following["citation"])
    assert page.locator("#source-panel blockquote").filter(has_text=following["text"][:60]).count() == 1
    page.locator("#source-prev").click()
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=first["citation"])
    assert citation.input_value() == first["citation"]


def test_a_whole_document_can_be_read_by_its_anchors(page, live_server):
    doc_id = "2010-12-09-scd9-first-six-months"
    document = httpx.get(f"{live_server.url}/api/documents/{doc_id}").json()
    target = document["paragraphs"][5]
    wanted = httpx.get(f"{live_server.url}/api/documents/{doc_id}/paragraphs/{target['anchor']}").json()
    page.goto(live_server.url)
    page.get_by_text("Read a whole document").click()
    page.locator("#read-doc input").click()
    page.get_by_role("option", name=document["title"]).click()
    page.locator("#read-anchor input").click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(target['anchor'])} · ")).click()
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=wanted["citation"])
    assert page.locator("#source-panel blockquote").filter(has_text=wanted["text"][:60]).count() == 1


def test_unanswerable_question_says_not_found_with_nearest_passages(page, live_server):
    page.goto(live_server.url)
    ask(page, "What is the recipe for banana bread?")
    page.locator("#chat").get_by_text("Not found in the archive.").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator("#chat blockquote").count() >= 1


def test_a_script_payload_in_a_question_shows_as_text(page, live_server):
    page.goto(live_server.url)
    ask(page, SCRIPT_PAYLOAD)
    page.locator("#chat").get_by_text("Not found in the archive.").wait_for(timeout=ANSWER_TIMEOUT)
    shown = page.locator("#chat").get_by_text(SCRIPT_PAYLOAD, exact=True)
    assert shown.count() == 1 and shown.is_visible()
    assert "<script>alert(2)</script>" in page.locator("#chat").inner_text()
    page.wait_for_timeout(500)  # give an injected onerror time to fire
    assert_nothing_injected(page)


def test_a_script_payload_in_a_document_shows_as_text(page, payload_server):
    expected = api_answer(payload_server.url, PAYLOAD_QUESTION)
    quotes = expected["quotes"] or expected["passages"]
    first = next(q for q in quotes if SCRIPT_PAYLOAD in q["text"])
    assert PAYLOAD_CATALOG["title"] in first["citation"]
    page.goto(payload_server.url)
    ask(page, PAYLOAD_QUESTION)
    number = quotes.index(first) + 1
    button = citation_button(page, number, first["citation"])
    button.wait_for(timeout=ANSWER_TIMEOUT)
    chat = page.locator("#chat")
    assert chat.locator("blockquote").filter(has_text=SCRIPT_PAYLOAD).count() >= 1
    assert "[a link](javascript:alert(3)) and **bold** words" in chat.inner_text()

    button.click()
    page.locator("#source-panel blockquote").filter(has_text=SCRIPT_PAYLOAD).wait_for(timeout=ANSWER_TIMEOUT)
    panel = page.locator("#source-panel").inner_text()
    assert PAYLOAD_CATALOG["title"] in panel  # the document title, as text
    assert '<b>not bold</b> &amp; <iframe src="javascript:alert(4)"></iframe>' in panel  # a neighbour
    assert page.locator("#citation textarea").input_value() == first["citation"]
    page.wait_for_timeout(500)
    assert_nothing_injected(page)


def test_after_clearing_the_chat_citations_still_open_their_own_paragraphs(page, live_server):
    paladin = api_answer(live_server.url, "What is Operation Paladin?")["quotes"][0]
    conops = api_answer(live_server.url, "What is CONOPS?")["quotes"][0]
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")
    citation_button(page, 1, conops["citation"]).wait_for(timeout=ANSWER_TIMEOUT)
    page.locator("#chat").get_by_role("button", name="Clear").click()
    ask(page, "What is Operation Paladin?")
    citation_button(page, 1, paladin["citation"]).click(timeout=ANSWER_TIMEOUT)
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=paladin["citation"])
    assert page.locator("#source-panel blockquote").filter(has_text=paladin["text"][:60]).count() == 1


def test_a_quote_of_an_earlier_answer_opens_its_paragraph_when_clicked(page, live_server):
    """Gradio shows citation buttons under the latest answer only; earlier quotes open by a click."""
    conops = api_answer(live_server.url, "What is CONOPS?")["quotes"][0]
    paladin = api_answer(live_server.url, "What is Operation Paladin?")["quotes"][0]
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")
    citation_button(page, 1, conops["citation"]).wait_for(timeout=ANSWER_TIMEOUT)
    ask(page, "What is Operation Paladin?")
    citation_button(page, 1, paladin["citation"]).wait_for(timeout=ANSWER_TIMEOUT)
    assert citation_button(page, 1, conops["citation"]).count() == 0 or conops["citation"] == paladin["citation"]
    page.locator("#chat blockquote").filter(has_text=conops["text"][:60]).first.click()
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=conops["citation"])
    assert page.locator("#source-panel blockquote").filter(has_text=conops["text"][:60]).count() == 1
