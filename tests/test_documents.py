"""Ingestion of the real archive: paragraphs, the references printed in them, exact offsets."""

from __future__ import annotations

import hashlib
import re

import pytest

from conftest import BLOG, BOFF_SUMMARY, CORPUS, REPORT_2009, REPORT_DEC_2010, REPORT_JAN_2010, SHARED


def texts(document, prefix_pattern):
    return {p.anchor: document.paragraph_text(p) for p in document.paragraphs if re.fullmatch(prefix_pattern, p.anchor)}


def test_the_whole_archive_loads_without_errors(corpus_load):
    assert corpus_load.errors == ()
    assert len(corpus_load.documents) == 5


@pytest.mark.shared("archive")
def test_corpus_files_are_the_archive_byte_for_byte(documents):
    shared = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (SHARED / "archive").glob("*.txt")}
    assert {d.sha256 for d in documents.values()} == shared


def test_every_paragraph_offset_holds_in_every_document(documents):
    for document in documents.values():
        canonical = (CORPUS / document.path).read_bytes().decode("utf-8").replace("\r\n", "\n")
        assert document.text == canonical
        anchors = [p.anchor for p in document.paragraphs]
        assert len(anchors) == len(set(anchors)), document.doc_id
        for p in document.paragraphs:
            text = canonical[p.start : p.end]
            assert text == text.strip(), (document.doc_id, p.anchor)
            assert p.start <= p.end
        starts = [p.start for p in document.paragraphs]
        assert starts == sorted(starts), document.doc_id


def test_dec_2010_report_has_b_1_to_50_c_1_to_10_and_footnotes_1_to_23(documents):
    document = documents[REPORT_DEC_2010]
    assert list(texts(document, r"B\d+")) == [f"B{n}" for n in range(1, 51)]
    assert list(texts(document, r"C\d+")) == [f"C{n}" for n in range(1, 11)]
    assert list(texts(document, r"fn\d+")) == [f"fn{n}" for n in range(1, 24)]


def test_paragraph_b16_is_the_one_printed_16_under_its_sub_heading(documents):
    document = documents[REPORT_DEC_2010]
    b16 = document.paragraph("B16")
    assert document.paragraph_text(b16).startswith("Data provided from the MPS Crime Recording System")
    assert b16.label == "16"
    assert b16.reference == "para 16"
    assert b16.section == "B. Supporting information › Data of cases SCD9 have investigated"


def test_restarted_numbering_gets_section_anchor_and_citation(documents):
    document = documents[REPORT_DEC_2010]
    b4, c4 = document.paragraph("B4"), document.paragraph("C4")
    assert document.paragraph_text(b4).startswith("The unit holds the policy lead")
    assert document.paragraph_text(c4).startswith("There is ongoing legal debate")
    assert (b4.label, c4.label) == ("4", "4")
    assert c4.reference == "§C ¶4"
    assert document.citation(c4) == (
        "SCD9 performance and practice in the first six months (MPA Report 9, 9 December 2010), §C ¶4"
    )
    assert c4.section.startswith("C. Other organisational and community implications")


def test_footnote_is_cited_as_a_footnote_without_its_back_marker(documents):
    document = documents[REPORT_DEC_2010]
    fn4 = document.paragraph("fn4")
    text = document.paragraph_text(fn4)
    assert "five convictions" in text
    assert "[Back]" not in text
    assert (fn4.label, fn4.reference) == ("fn 4", "footnote 4")
    assert not any("[Back]" in document.paragraph_text(p) for p in document.paragraphs)


def test_july_2009_report_runs_1_to_41_across_sections_with_footnotes_1_to_24(documents):
    document = documents[REPORT_2009]
    numbered = [p for p in document.paragraphs if re.fullmatch(r"[B-D]\d+", p.anchor)]
    assert [p.label for p in numbered] == [str(n) for n in range(1, 42)]
    assert {p.section.split(" ›")[0] for p in numbered} == {
        "B. Supporting information", "C. Race and equality impact", "D. Financial implications",
    }
    assert all(p.reference == f"para {p.label}" for p in numbered)
    assert list(texts(document, r"fn\d+")) == [f"fn{n}" for n in range(1, 25)]


def test_recommendation_items_are_paragraphs_of_section_a(documents):
    a1 = documents[REPORT_2009].paragraph("A1")
    assert a1.section == "A. Recommendation"
    assert documents[REPORT_2009].paragraph_text(a1).startswith("invite the MPS to provide a paper")
    assert a1.reference == "§A ¶1"


def test_bullets_belong_to_the_paragraph_that_introduces_them(documents):
    document = documents[REPORT_JAN_2010]
    text = document.paragraph_text(document.paragraph("B9"))
    assert text.startswith("As previously reported to the Authority")
    for item in ("should move to CO14 Clubs and Vice", "should move to SCD.", "single ACPO lead",
                 "transition oversight group should be created"):
        assert item in text


def test_numbering_without_a_full_stop_is_still_a_paragraph(documents):
    document = documents[REPORT_JAN_2010]
    assert document.paragraph_text(document.paragraph("B10")).startswith("Management Board accepted")
    assert [p.anchor for p in document.paragraphs if p.anchor.startswith(("C", "D"))] == ["C1", "C2", "D1", "D2", "D3"]


def test_unnumbered_document_gets_ordinals_and_all_caps_headings_as_sections(documents):
    document = documents[BOFF_SUMMARY]
    assert [p.label for p in document.paragraphs] == [f"¶{n}" for n in range(1, len(document.paragraphs) + 1)]
    first = document.paragraphs[0]
    assert document.paragraph_text(first).startswith("There is a group in London who are at least 12 times")
    olympics = [p for p in document.paragraphs if p.section.endswith("THE OLYMPICS")]
    assert olympics and olympics[0].section == "Policing of sex trafficking › THE OLYMPICS"
    assert document.paragraph_text(olympics[1]).startswith("However, I found no strong evidence")


def test_blog_comments_are_sections_with_rosss_letter_first(documents):
    document = documents[BLOG]
    ross = [p for p in document.paragraphs if p.section == "Comment 1 (Ross)"]
    assert document.paragraph_text(ross[0]).startswith("I post below a copy of a letter")
    assert any("Dear Mr Boff" in document.paragraph_text(p) for p in ross)
    assert ross[0].anchor == "c1-1" and ross[0].reference == "comment 1 (Ross), ¶1"
    sections = [p.section for p in document.paragraphs if p.section.startswith("Comment")]
    assert sorted(set(sections)) == ["Comment 1 (Ross)", "Comment 2", "Comment 3 (Livvy)"]
    article = [p for p in document.paragraphs if not p.section]
    assert document.paragraph_text(article[0]).startswith("A NEW report harshly critical")


@pytest.mark.parametrize(
    "furniture",
    ["Skip to content", "Send an e-mail linking to this page", "Feedback", "Leave a Reply", "Fill in your details",
     "You are commenting using", "bloggers like this", "Warning: This is archived material",
     "See the MOPC website", "Trackbacks", "Femination", "Media enquiries", "You are in:"],
)
def test_page_furniture_is_not_indexed(documents, furniture):
    for document in documents.values():
        for p in document.paragraphs:
            assert furniture not in document.paragraph_text(p), (document.doc_id, p.anchor)


def test_catalog_gives_title_date_and_origin(documents):
    document = documents[BOFF_SUMMARY]
    assert document.date == "2012-03"
    assert document.origin.startswith("London Assembly")
    assert documents[REPORT_DEC_2010].date == "2010-12-09"
