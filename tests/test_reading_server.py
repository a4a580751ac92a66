"""Permalinks over a real `python app.py`: every quote's link opens a reading page with the quote marked;
bad, unknown and traversal-looking addresses get 404/422 pages, never a file."""

from __future__ import annotations

from html import escape
from urllib.parse import quote as quote_url

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from conftest import REPORT_DEC_2010
from server_process import PAYLOAD_QUESTION, SCRIPT_PAYLOAD, live_server, payload_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow  # a real server process

QUESTIONS = ["What is CONOPS?", "What is Operation Paladin?", "How many brothels are there?",
             "What did the report recommend?"]


@pytest.fixture(scope="module")
def api(live_server):
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def page_of(response: httpx.Response) -> LexborHTMLParser:
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    return LexborHTMLParser(response.text)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_permalink_opens_a_page_with_the_quote_marked_and_the_paragraph_reference(api, question):
    answer = api.post("/api/ask", json={"question": question}).json()
    assert answer["answered"] and answer["quotes"]
    for quote in answer["quotes"]:
        assert quote["permalink"] == (f"/d/{quote['doc_id']}/{quote['anchor']}?start={quote['start']}&end={quote['end']}"
                                      f"&q={quote_url(question, safe='')}")
        response = api.get(quote["permalink"])
        assert response.status_code == 200
        assert f"<mark>{escape(quote['text'], quote=True)}</mark>" in response.text
        tree = page_of(response)
        cited = tree.css_first("article.cited")
        assert cited.attributes["id"] == quote["anchor"] and cited.css_first("mark").text() == quote["text"]
        reference = cited.css_first("a.ref").text()
        assert reference and quote["citation"].endswith(reference)  # "…, para 6": the paragraph's own reference
        assert tree.css_first(".citation").text() == f"Cited: {quote['citation']}"
        assert tree.css_first("h1").text() == quote["title"]
        assert tree.css_first("#verdict q").text() == question  # the reviewer sees what was asked


def test_a_passage_permalink_opens_its_paragraph_highlighted_without_a_mark(api):
    passages = api.post("/api/search", json={"query": "trafficking", "k": 3}).json()["passages"]
    for passage in passages:
        assert passage["permalink"] == f"/d/{passage['doc_id']}/{passage['anchor']}"
        tree = page_of(api.get(passage["permalink"]))
        assert tree.css_first("article.cited").css_first(".text").text() == passage["text"]
        assert tree.css("mark") == []


def test_the_whole_document_and_an_anchor_in_it(api):
    document = api.get(f"/api/documents/{REPORT_DEC_2010}").json()
    tree = page_of(api.get(f"/d/{REPORT_DEC_2010}"))
    assert [a.attributes["id"] for a in tree.css("article")] == [p["anchor"] for p in document["paragraphs"]]


def test_offsets_outside_the_paragraph_render_with_a_notice(api):
    response = api.get(f"/d/{REPORT_DEC_2010}/C4?start=0&end=12")
    assert response.status_code == 200
    tree = page_of(response)
    assert "0–12 is not inside this paragraph" in tree.css_first(".notice").text() and tree.css("mark") == []


@pytest.mark.parametrize(("query", "named"), [
    ("start=abc&end=12", "start"), ("start=-1&end=12", "start"), ("start=12", "both start and end"),
    ("end=12", "both start and end"), ("start=1e3&end=2000", "start"), ("start=%00&end=3", "start"),
    ("start=5&end=99999999999", "end"), ("start=1&end=12&q=" + "x" * 2001, "q (the question)"),
], ids=["letters", "negative", "start only", "end only", "exponent", "NUL", "huge", "long question"])
def test_garbage_in_the_address_is_a_422_page_naming_the_problem(api, query, named):
    response = api.get(f"/d/{REPORT_DEC_2010}/C4?{query}")
    assert response.status_code == 422
    assert named in page_of(response).css_first(".notice").text()


@pytest.mark.parametrize("path", [
    "/d/no-such-document", "/d/no-such-document/C4", f"/d/{REPORT_DEC_2010}/Z99",
    "/d/%2e%2e/%2e%2e", "/d/%2e%2e", "/d/..%2f..%2fetc%2fpasswd", "/d/..%2F..%2Fpyproject.toml/C4",
    "/d/%00", f"/d/{REPORT_DEC_2010}%00/C4", f"/d/{REPORT_DEC_2010}/C4%00", "/d/catalog.json",
    "/d/" + "x" * 5000, f"/d/{REPORT_DEC_2010}/" + "y" * 5000,
])
def test_unknown_and_traversal_looking_addresses_are_404_never_a_file(api, path):
    response = api.get(path)
    assert response.status_code in (404, 422)
    assert "[project]" not in response.text and "root:" not in response.text
    if response.headers["content-type"].startswith("text/html"):
        assert "has no" in page_of(response).css_first(".notice").text()
        assert len(response.text) < 20_000  # what it echoes is cut short


def test_the_chat_at_root_does_not_shadow_the_reading_page(api):
    assert "Archive QA" in api.get("/").text  # the chat is still served at /
    assert page_of(api.get(f"/d/{REPORT_DEC_2010}/C4")).css_first("article.cited").attributes["id"] == "C4"


def test_a_script_payload_in_a_document_reaches_the_page_as_text(payload_server):
    answer = httpx.post(f"{payload_server.url}/api/ask", json={"question": PAYLOAD_QUESTION}, timeout=60).json()
    item = next(q for q in answer["quotes"] or answer["passages"] if SCRIPT_PAYLOAD in q["text"])
    response = httpx.get(payload_server.url + item["permalink"], timeout=60)
    tree = page_of(response)
    assert len(tree.css("script")) == 1 and tree.css("img, iframe, [onerror]") == []
    assert SCRIPT_PAYLOAD in tree.css_first("article.cited").text()
