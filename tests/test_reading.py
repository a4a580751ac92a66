"""The reading page's renderer on real parsed documents: escaping, the mark at exactly start:end,
neighbours and references, a notice for offsets outside the paragraph, windows of long documents."""

from __future__ import annotations

import json
from html import unescape

import pytest
from selectolax.lexbor import LexborHTMLParser

from conftest import REPORT_DEC_2010
from qa.documents import load_corpus
from qa.errors import NotFound
from qa.reading import SCRIPT, STYLE, Span, render_document, render_problem
from qa.results import permalink
from server_process import PAYLOAD_CATALOG, PAYLOAD_DOC, PAYLOAD_TEXT, SCRIPT_PAYLOAD


@pytest.fixture(scope="module")
def payload_document(tmp_path_factory):
    """The one-document corpus of script and markup the payload server serves, parsed for real."""
    corpus = tmp_path_factory.mktemp("payload") / "corpus"
    corpus.mkdir()
    (corpus / f"{PAYLOAD_DOC}.txt").write_text(PAYLOAD_TEXT, encoding="utf-8")
    (corpus / "catalog.json").write_text(json.dumps({f"{PAYLOAD_DOC}.txt": PAYLOAD_CATALOG}), encoding="utf-8")
    (document,) = load_corpus(corpus).documents
    return document


def parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


def test_archive_text_title_and_source_are_escaped_never_markup(payload_document):
    target = next(p for p in payload_document.paragraphs if SCRIPT_PAYLOAD in payload_document.paragraph_text(p))
    html = render_document(payload_document, target.anchor)
    tree = parse(html)
    # The only script and style are the page's own; no element came out of the archive's text.
    assert [node.text() for node in tree.css("script")] == [SCRIPT]
    assert [node.text() for node in tree.css("style")] == [STYLE]
    assert tree.css("img, iframe, b, [onerror]") == []
    assert not any(node.attributes.get("href", "").startswith("javascript") for node in tree.css("a"))
    # … and it reads exactly as written.
    assert tree.css_first("h1").text() == PAYLOAD_CATALOG["title"]
    assert PAYLOAD_CATALOG["source"] in tree.css_first(".meta").text()
    assert tree.css_first(".cited .text").text() == payload_document.paragraph_text(target)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_the_quote_is_marked_at_exactly_start_to_end(documents):
    document = documents[REPORT_DEC_2010]
    paragraph = document.paragraph("C4")
    text = document.paragraph_text(paragraph)
    cut = text.index(". ") + 2  # the second sentence on
    span = Span(paragraph.start + cut, paragraph.end - 1)
    tree = parse(render_document(document, "C4", span))
    cited = tree.css_first("article.cited")
    assert cited.attributes["id"] == "C4"
    (mark,) = tree.css("mark")
    assert mark.text() == document.text[span.start:span.end]
    # Nothing lost or added around it: the paragraph still reads verbatim, the mark just where asked.
    body = cited.css_first(".text")
    assert body.text() == text
    before, after = body.html.removeprefix('<div class="text">').removesuffix("</div>").split("<mark>")
    assert unescape(before) == text[:cut]
    assert unescape(after.split("</mark>")[1]) == text[len(text) - 1:]
    assert tree.css(".notice") == []


def test_every_paragraph_around_it_is_shown_with_its_reference_and_its_own_permalink(documents):
    document = documents[REPORT_DEC_2010]
    at = next(i for i, p in enumerate(document.paragraphs) if p.anchor == "C4")
    tree = parse(render_document(document, "C4"))
    articles = {node.attributes["id"]: node for node in tree.css("article")}
    for neighbour in document.paragraphs[at - 2: at + 3]:
        article = articles[neighbour.anchor]
        assert article.css_first(".text").text() == document.paragraph_text(neighbour)
        ref = article.css_first("a.ref")
        assert ref.text() == neighbour.reference
        assert ref.attributes["href"] == permalink(document.doc_id, neighbour.anchor)
    assert len(tree.css("article.cited")) == 1 and tree.css("mark") == []
    assert document.citation(document.paragraph("C4")) in tree.css_first(".citation").text()
    assert "§C ¶4" in articles["C4"].css_first("a.ref").text()


@pytest.mark.parametrize("offsets", [(0, 10), (10**8, 10**8 + 5), "reversed", "past the end"])
def test_offsets_outside_the_paragraph_leave_it_whole_with_a_notice(documents, offsets):
    document = documents[REPORT_DEC_2010]
    paragraph = document.paragraph("C4")
    span = {"reversed": Span(paragraph.start + 20, paragraph.start + 10),
            "past the end": Span(paragraph.start, paragraph.end + 1)}.get(offsets) or Span(*offsets)
    tree = parse(render_document(document, "C4", span))
    notice = tree.css_first(".notice").text()
    assert f"{span.start}–{span.end} is not inside this paragraph" in notice
    assert tree.css("mark") == []
    assert tree.css_first("article.cited .text").text() == document.paragraph_text(paragraph)


def test_an_unknown_anchor_is_not_found(documents):
    with pytest.raises(NotFound, match="no paragraph 'Z99'"):
        render_document(documents[REPORT_DEC_2010], "Z99")


def test_a_long_document_shows_a_window_and_links_to_the_whole(documents):
    document = documents[REPORT_DEC_2010]
    at = 40
    anchor = document.paragraphs[at].anchor
    tree = parse(render_document(document, anchor, long_document=20, window=3))
    shown = [node.attributes["id"] for node in tree.css("article")]
    assert shown == [p.anchor for p in document.paragraphs[at - 3: at + 4]]
    earlier, later = (node.css_first("a").attributes["href"] for node in tree.css(".more"))
    assert earlier == f"{permalink(document.doc_id)}#{document.paragraphs[at - 4].anchor}"
    assert later == f"{permalink(document.doc_id)}#{document.paragraphs[at + 4].anchor}"


def test_the_whole_document_page_highlights_nothing(documents):
    document = documents[REPORT_DEC_2010]
    tree = parse(render_document(document))
    assert len(tree.css("article")) == len(document.paragraphs)
    assert tree.css("article.cited, mark, .notice, .citation") == []


def test_a_problem_page_escapes_what_it_echoes():
    tree = parse(render_problem("Not found", f"no document {SCRIPT_PAYLOAD!r}"))
    assert SCRIPT_PAYLOAD in tree.css_first(".notice").text()
    assert tree.css("img") == [] and [node.text() for node in tree.css("script")] == [SCRIPT]



def test_a_quote_with_its_question_gets_the_verdict_buttons_and_nothing_else_does(documents, payload_document):
    document = documents[REPORT_DEC_2010]
    paragraph = document.paragraph("C4")
    span = Span(paragraph.start, paragraph.start + 30)
    panel = parse(render_document(document, "C4", span, "What did the review find?")).css_first("#verdict")
    assert panel.attributes["data-question"] == "What did the review find?"
    assert (panel.attributes["data-doc"], panel.attributes["data-anchor"]) == (REPORT_DEC_2010, "C4")
    assert (int(panel.attributes["data-start"]), int(panel.attributes["data-end"])) == (span.start, span.end)
    assert [b.text() for b in panel.css("button")] == ["answers the question", "does not"]
    choices = [o.attributes["value"] for o in panel.css("option")]
    assert choices[0] == "" and "C4" not in choices and len(choices) == len(document.paragraphs)
    # No question, no span, or a span that no longer fits: nothing to judge.
    assert parse(render_document(document, "C4", span)).css("#verdict") == []
    assert parse(render_document(document, "C4", None, "What?")).css("#verdict") == []
    assert parse(render_document(document, "C4", Span(0, 5), "What?")).css("#verdict") == []
    # A question holding markup stays text, in the attribute and on the page.
    target = next(p for p in payload_document.paragraphs if SCRIPT_PAYLOAD in payload_document.paragraph_text(p))
    tree = parse(render_document(payload_document, target.anchor, Span(target.start, target.end), SCRIPT_PAYLOAD))
    assert tree.css_first("#verdict").attributes["data-question"] == SCRIPT_PAYLOAD
    assert tree.css_first("#verdict q").text() == SCRIPT_PAYLOAD
    assert tree.css("img, [onerror]") == [] and len(tree.css("script")) == 1
