"""A refusal as a person sees it, in a real browser (headless Debian Chromium, the pattern of test_browser.py):
"Not found in the archive." first, then why in one sentence, then the nearest passages folded under a
summary, each by its first words with its citation and permalink; archive text stays text throughout."""

from __future__ import annotations

import httpx

from conftest import ROOT
from server_process import PAYLOAD_CATALOG, SCRIPT_PAYLOAD, live_server, payload_server  # noqa: F401  (fixtures)
from test_browser import (ANSWER_TIMEOUT, api_answer, ask, assert_nothing_injected, browser,  # noqa: F401  (fixtures)
                          citation_button, page)
from test_browser import pytestmark  # noqa: F401  (slow; skipped without chromium)

OFF_TOPIC = "What is the capital city of Australia?"
SCREENSHOTS = ROOT / "bench" / "results"  # for a person to look at (not committed)
PREVIEW_CHARS = 200


def refusal(page):
    """The answer's one message, once it is there."""
    page.locator("#chat").get_by_text("Not found in the archive.").wait_for(timeout=ANSWER_TIMEOUT)
    answers = page.locator("#chat [data-testid=bot]")
    assert answers.count() == 1  # one message, not one a passage
    return answers.first


def visible_lines(locator) -> list[str]:
    """The rendered text, line by line, as a person reads it (a closed <details> shows only its summary)."""
    return [line.strip() for line in locator.inner_text().split("\n") if line.strip()]


def words(text: str) -> str:
    return " ".join(text.split())


def test_an_off_topic_question_says_not_found_then_why_with_the_nearest_passages_folded(page, live_server):
    expected = api_answer(live_server.url, OFF_TOPIC)
    passages = expected["passages"]
    assert not expected["answered"] and expected["reason"] and len(passages) >= 2
    page.goto(live_server.url)
    ask(page, OFF_TOPIC)
    answer = refusal(page)

    assert visible_lines(answer) == ["Not found in the archive.", expected["reason"],
                                     f"Nearest passages ({len(passages)})"]
    quoted = answer.locator("blockquote")
    assert quoted.count() == len(passages)
    assert not any(quoted.nth(i).is_visible() for i in range(len(passages)))
    assert answer.locator("details").evaluate("d => d.open") is False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "refusal-folded.png"))

    answer.locator("summary").click()
    lines = visible_lines(answer)
    assert lines[:3] == ["Not found in the archive.", expected["reason"], f"Nearest passages ({len(passages)})"]
    for number, passage in enumerate(passages, 1):
        shown = quoted.nth(number - 1)
        assert shown.is_visible()
        preview = words(shown.inner_text())
        full = words(passage["text"])
        assert len(preview) <= PREVIEW_CHARS + 2  # its first words, and "…" where it was cut
        assert preview == full or (preview.endswith(" …") and full.startswith(preview.removesuffix(" …")))
        assert f"[{number}] — {passage['citation']} · open in context ↗" in lines
        link = answer.get_by_role("link", name="open in context ↗").nth(number - 1)
        assert link.get_attribute("href").endswith(passage["permalink"])
    assert any(words(q.inner_text()).endswith(" …") for q in quoted.all())  # some paragraph was longer
    page.screenshot(path=str(SCREENSHOTS / "refusal-open.png"))

    # A passage opens whole in the source panel by its button under the answer; it is not judged.
    first = passages[0]
    citation_button(page, 1, first["citation"]).click()
    page.wait_for_function("c => document.querySelector('#citation textarea').value === c", arg=first["citation"],
                           timeout=ANSWER_TIMEOUT)
    paragraph = httpx.get(f"{live_server.url}/api/documents/{first['doc_id']}/paragraphs/{first['anchor']}",
                          timeout=60).json()
    assert words(paragraph["text"]) in words(page.locator("#source-panel blockquote").inner_text())
    assert page.locator("#verdict-answers").is_hidden()
    assert_nothing_injected(page)


def test_archive_markup_in_a_refusals_passages_shows_as_text(page, payload_server):
    expected = api_answer(payload_server.url, OFF_TOPIC)
    assert not expected["answered"] and any(SCRIPT_PAYLOAD in p["text"] for p in expected["passages"])
    page.goto(payload_server.url)
    ask(page, OFF_TOPIC)
    answer = refusal(page)
    answer.locator("summary").click()
    answer.locator("blockquote").first.wait_for(state="visible")
    text = answer.inner_text()
    assert SCRIPT_PAYLOAD in text
    assert "[a link](javascript:alert(3)) and **bold** words" in text
    assert '<b>not bold</b> &amp; <iframe src="javascript:alert(4)"></iframe>' in text
    assert PAYLOAD_CATALOG["title"] in text  # in each citation, as text
    # Only the project's own fold is markup: no tag, link or emphasis came from the archive's words.
    assert answer.locator("details").count() == 1 and answer.locator("summary").count() == 1
    assert answer.locator("b, strong").all_inner_texts() == ["Not found in the archive."]
    assert answer.locator("a").count() == len(expected["passages"])  # the permalinks, ours
    assert all(a.get_attribute("href").startswith("/d/") for a in answer.locator("a").all())
    page.wait_for_timeout(500)  # give an injected onerror time to fire
    assert_nothing_injected(page)
