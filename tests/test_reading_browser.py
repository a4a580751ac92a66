"""The reading page and the chat's links and export in a real browser: headless Debian Chromium driven
by Playwright, against `python app.py` (the pattern of test_browser.py)."""

from __future__ import annotations

import httpx
import pytest

from conftest import ROOT
from server_process import live_server  # noqa: F401  (a fixture)
from test_browser import ANSWER_TIMEOUT, ask, browser, page  # noqa: F401  (fixtures, and the skip when no chromium)
from test_browser import pytestmark  # noqa: F401  (slow; skipped without chromium)

SCREENSHOT = ROOT / "bench" / "results" / "reading-page.png"
QUESTION = "How many brothels are there?"


def api_answer(base_url: str, question: str) -> dict:
    answer = httpx.post(f"{base_url}/api/ask", json={"question": question}, timeout=60).json()
    assert answer["answered"] and answer["quotes"]
    return answer


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], view["height"]) <= view["height"] + 1


def farthest_quote(answer: dict) -> dict:
    """The quote deepest in its document: the one a page must scroll to."""
    return max(answer["quotes"], key=lambda q: q["start"])


def test_a_permalink_opened_cold_shows_the_paragraph_in_view_and_the_quote_marked(page, live_server):
    quote = farthest_quote(api_answer(live_server.url, QUESTION))
    page.goto(live_server.url + quote["permalink"])  # a fresh page: no chat first
    cited = page.locator(f"article.cited#{quote['anchor']}")
    assert cited.count() == 1
    assert in_viewport(page, "article.cited")
    mark = cited.locator("mark")
    assert mark.inner_text() == quote["text"] and mark.is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('article.cited')).backgroundColor") != \
        page.evaluate("getComputedStyle(document.querySelector('article:not(.cited)')).backgroundColor")
    # Deep in its document, the paragraph came into view by scrolling, not by luck.
    top = page.evaluate("document.querySelector('article.cited').offsetTop")
    assert top < page.viewport_size["height"] or page.evaluate("window.scrollY") > 0
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))  # for a person to look at (bench/results/ is not committed)


def test_a_paragraph_anchor_in_the_address_scrolls_to_that_paragraph(page, live_server):
    quote = farthest_quote(api_answer(live_server.url, QUESTION))
    paragraph = httpx.get(f"{live_server.url}/api/documents/{quote['doc_id']}/paragraphs/{quote['anchor']}").json()
    neighbour = paragraph["next"] or paragraph["prev"]
    page.goto(f"{live_server.url}/d/{quote['doc_id']}#{neighbour}")
    assert in_viewport(page, f"article#{neighbour}")
    assert page.locator("article.cited").count() == 0


def test_printing_hides_the_navigation_and_keeps_the_quote(page, live_server):
    quote = api_answer(live_server.url, QUESTION)["quotes"][0]
    page.goto(live_server.url + quote["permalink"])
    assert page.locator("nav").is_visible()
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden()
    assert page.locator("article.cited mark").is_visible()
    assert page.locator("article.cited mark").inner_text() == quote["text"]


def test_the_chat_links_each_quote_to_its_reading_page(page, live_server):
    answer = api_answer(live_server.url, "What is CONOPS?")
    first = answer["quotes"][0]
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")
    links = page.locator("#chat a", has_text="open in context")
    links.first.wait_for(timeout=ANSWER_TIMEOUT)
    assert links.count() == len(answer["quotes"])
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [q["permalink"] for q in answer["quotes"]]
    assert links.first.get_attribute("target") == "_blank"
    # The first link sits above the chat's fold: Gradio's chat scrolls itself to the bottom 300 ms after
    # each update, so a mouse click after scrolling up can land on whatever scrolled under the pointer
    # (a quote: the source panel opens, no tab). Activate the link itself, from the keyboard.
    with page.expect_popup() as opened:
        links.first.press("Enter")
    reading = opened.value
    reading.wait_for_load_state()
    assert reading.url == live_server.url + first["permalink"]
    assert reading.locator("article.cited mark").inner_text() == first["text"]
    reading.close()


def test_the_answer_exports_as_markdown_to_copy_and_to_download(page, live_server):
    answer = api_answer(live_server.url, "What is CONOPS?")
    page.goto(live_server.url)
    ask(page, "What is CONOPS?")
    page.locator("#chat a", has_text="open in context").first.wait_for(timeout=ANSWER_TIMEOUT)
    page.get_by_text("Export this answer").click()
    box = page.locator("#export-markdown textarea")
    page.wait_for_function("() => document.querySelector('#export-markdown textarea').value.length > 0")
    shown = box.input_value()
    with page.expect_download() as downloading:
        page.locator("#export-download").click()
    download = downloading.value
    assert download.suggested_filename == "answer.md"
    saved = download.path().read_text(encoding="utf-8")
    assert saved == shown
    assert saved.startswith("**Question:** What is CONOPS?")
    for quote in answer["quotes"]:
        assert "\n".join(f"> {line}" for line in quote["text"].split("\n")) in saved
        assert f"[open in context]({live_server.url}{quote['permalink']})" in saved  # absolute: the chat knows its server


def test_a_reviewer_records_verdicts_on_the_reading_page(page, live_server):
    answer = api_answer(live_server.url, QUESTION)
    first, second = answer["quotes"][:2]
    page.goto(live_server.url + first["permalink"])  # cold, with the question in `q`
    assert page.locator("#verdict q").inner_text() == QUESTION
    said = page.locator("#verdict .said")
    page.get_by_role("button", name="answers the question").click()
    said.filter(has_text="Recorded as verdict").wait_for(timeout=ANSWER_TIMEOUT)
    assert said.inner_text().endswith(": answers the question.")

    page.goto(live_server.url + second["permalink"])
    paragraph = httpx.get(f"{live_server.url}/api/documents/{second['doc_id']}/paragraphs/{second['anchor']}").json()
    right = paragraph["prev"] or paragraph["next"]
    page.locator("#verdict select").select_option(right)
    page.get_by_role("button", name="does not").click()
    said.filter(has_text="Recorded as verdict").wait_for(timeout=ANSWER_TIMEOUT)
    assert f"does not answer it; the right paragraph: {right}." in said.inner_text()

    stored = httpx.get(f"{live_server.url}/api/verdicts", params={"limit": 2}).json()
    assert [(v["question"], v["doc_id"], v["anchor"], v["start"], v["end"], v["verdict"], v["right_anchor"])
            for v in stored] == [
        (QUESTION, second["doc_id"], second["anchor"], second["start"], second["end"], "does_not_answer", right),
        (QUESTION, first["doc_id"], first["anchor"], first["start"], first["end"], "answers", None)]
    assert stored[1]["text"] == first["text"]
