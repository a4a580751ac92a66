"""Proof of generality: a second archive, in other domains and layouts, with its own profile.

The test writes it in a temporary folder: a town council's minutes (.txt, items "Item 4" with
sub-paragraphs "4.2", an attendance block and page footers of its own), a clinical guideline
(.md, "[^N]" footnotes in the default style, a back link) and a library web page (.html, with a
breadcrumb, a feedback widget and a print link inside the content). Nothing here is in the
project's archive, and nothing in `qa/` knows these documents: only their `profile.toml` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures_archive import encoder  # noqa: F401  (fixture)
from qa.chunking import paragraph_contexts, split_sentences
from qa.documents import load_corpus
from qa.profile import load_profile

MINUTES_ID = "2023-03-14-full-council-minutes"
GUIDELINE_ID = "vaccine-cold-storage"
LENDING_ID = "lending-policy"

MINUTES = """RIVERTON TOWN COUNCIL
Minutes of the Full Council meeting
Meeting: Full Council
Held: 14 March 2023, Riverton Town Hall
Clerk: J. Okafor
Present: Cllr A. Patel (Chair), Cllr B. Lindqvist, Cllr C. Moreau

Item 1 Apologies for absence
1.1 Apologies were received from Cllr D. Fenwick, who was attending a flood resilience workshop.

Item 2 Declarations of interest
2.1 Cllr Lindqvist declared an interest in item 4 as a member of the allotment society.

Item 3 Minutes of the previous meeting
3.1 The minutes of the meeting held on 14 February 2023 were approved as a correct record.

Item 4 Allotments
4.1 The clerk reported that the waiting list for allotment plots had grown to 63 households.
4.2 The council agreed to convert the disused bowling green on Mill Lane into 18 new half-size plots, at a cost not exceeding £12,400.
4.3 Plots will be let from 1 June 2023, subject to a satisfactory soil survey.

Item 5 Street lighting
5.1 Residents of Quarry Road reported that three lamp columns beside the A 1101 had been dark since January.
5.2 The county council had promised in 2021 to replace every sodium lamp in the parish with LED units; members resolved to ask the county for a firm date.
Clerk: to write to the county highways team before 31 March.
Page 1 of 2

Item 6 Date of next meeting
6.1 The next Full Council meeting will be held on 11 April 2023 at 7pm in the Town Hall.

Riverton Town Council · Registered office: Town Hall, Market Square, Riverton
Page 2 of 2
"""

GUIDELINE = """# Guideline on the cold storage of vaccines

Version 3, approved by the Clinical Governance Group in September 2022.

## Scope

This guideline applies to every clinic that receives, stores or administers vaccines.[^1]

## Storage temperature

Vaccines must be kept between +2°C and +8°C at all times, in a pharmaceutical refrigerator that is not used for food or specimens.[^2]

A minimum and maximum thermometer reading must be recorded twice each working day, at the start and at the end of the session.

## Cold chain breaches

If the refrigerator has gone outside that range, quarantine the affected stock and label it "Do not use" until the manufacturer has been consulted.[^3]

Never discard vaccines before the pharmacist has assessed the breach: many products remain usable after a short excursion.

[Return to top](#top)

[^1]: Including school immunisation sessions and outreach clinics held in community venues.
[^2]: Domestic refrigerators do not hold a stable temperature and must never be used.
[^3]: Manufacturers publish stability data on request, usually within one working day.
"""

LENDING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lending policy | Riverton Libraries</title></head>
<body>
<nav><a href="/">Home</a> <a href="/catalogue">Catalogue</a> <a href="/events">Events</a></nav>
<div class="crumbs">Home › Services › Lending policy</div>
<main>
<h1>Lending policy</h1>
<p class="updated">Last updated: 2 May 2024</p>
<h2>Loan periods</h2>
<p>Books may be borrowed for three weeks and renewed twice, online or at any branch, unless another member has reserved them.</p>
<p>DVDs and video games are lent for one week and cannot be renewed.</p>
<h2>Overdue items</h2>
<p>The library charges no fines on children's books; adult items accrue 25p per day, capped at £6 per item.</p>
<p>Was this page helpful? Yes No</p>
<h2>Lost or damaged items</h2>
<p>A lost item is charged at its replacement cost plus an administration fee of £2.50.</p>
<p><a href="#" onclick="window.print()">Print this page</a></p>
</main>
<footer>© Riverton Libraries · Accessibility · Privacy</footer>
</body></html>
"""

CATALOG = {
    "2023-03-14-full-council-minutes.txt": {
        "title": "Minutes of the Full Council meeting", "date": "2023-03-14",
        "origin": "Riverton Town Council", "source": "Full Council, 14 March 2023"},
    "vaccine-cold-storage.md": {
        "title": "Guideline on the cold storage of vaccines", "date": "2022-09",
        "origin": "Clinical Governance Group", "source": "Guideline, version 3"},
    "lending-policy.html": {
        "title": "Lending policy", "date": "2024-05-02",
        "origin": "Riverton Libraries", "source": "Library web page"},
}

PROFILE = r"""# The profile of a made-up archive: a town council's minutes, a clinical guideline, a library page.

[furniture]
lines = [
    'Page \d+ of \d+',                                  # the minutes' page footer
    'Riverton Town Council · Registered office: .*',   # the minutes' letterhead footer
    '\[Return to top\]\(#top\)',                       # the guideline's back link
    'Home › .*',                                        # the library site's breadcrumb
    'Was this page helpful\? Yes No',                   # the library's feedback widget
    'Print this page',
]
# The minutes' attendance block and the library page's date stamp, before the first paragraph only.
header = ['Meeting: .*', 'Held: .*', 'Clerk: .*', 'Present: .*', 'Last updated: .*']

[vocabulary]
titles = ["Cllr", "Mr", "Mrs", "Ms", "Dr"]
referring_nouns = ["the council", "the clerk"]
place_nouns = ["parish", "ward", "town"]
# Road numbers are printed "A 1101" and "A1101".
variants = [{ pattern = '\b([AB]) (\d{3,4})\b', replacement = '\1\2' }]
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("second-archive") / "corpus"
    folder.mkdir()
    (folder / "2023-03-14-full-council-minutes.txt").write_text(MINUTES, encoding="utf-8")
    (folder / "vaccine-cold-storage.md").write_text(GUIDELINE, encoding="utf-8")
    (folder / "lending-policy.html").write_text(LENDING, encoding="utf-8")
    (folder / "catalog.json").write_text(json.dumps(CATALOG), encoding="utf-8")
    (folder / "profile.toml").write_text(PROFILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def docs(corpus):
    load = load_corpus(corpus)
    assert not load.errors and not load.warnings
    return {d.doc_id: d for d in load.documents}


def rows(document):
    return [(p.anchor, p.label, p.section, p.reference, document.paragraph_text(p)) for p in document.paragraphs]


def dropped(document):
    return [(document.text[d.start : d.end], d.rule) for d in document.dropped]


# --- the minutes: decimal sub-paragraphs under "Item N" headings ------------------------------


def test_minutes_paragraphs_are_cited_by_their_printed_numbers(docs):
    minutes = docs[MINUTES_ID]
    assert [(a, label, section, reference) for a, label, section, reference, _ in rows(minutes)] == [
        ("n1.1", "1.1", "Item 1 Apologies for absence", "para 1.1"),
        ("n2.1", "2.1", "Item 2 Declarations of interest", "para 2.1"),
        ("n3.1", "3.1", "Item 3 Minutes of the previous meeting", "para 3.1"),
        ("n4.1", "4.1", "Item 4 Allotments", "para 4.1"),
        ("n4.2", "4.2", "Item 4 Allotments", "para 4.2"),
        ("n4.3", "4.3", "Item 4 Allotments", "para 4.3"),
        ("n5.1", "5.1", "Item 5 Street lighting", "para 5.1"),
        ("n5.2", "5.2", "Item 5 Street lighting", "para 5.2"),
        ("p1", "¶1", "Item 5 Street lighting", "¶1"),
        ("n6.1", "6.1", "Item 6 Date of next meeting", "para 6.1"),
    ]
    n42 = minutes.paragraph("n4.2")
    assert minutes.paragraph_text(n42).startswith("The council agreed to convert the disused bowling green")
    assert minutes.citation(n42) == "Minutes of the Full Council meeting (Full Council, 14 March 2023), para 4.2"


def test_minutes_attendance_block_is_dropped_but_a_clerk_action_in_the_body_is_kept(docs):
    minutes = docs[MINUTES_ID]
    assert dropped(minutes) == [
        ("Meeting: Full Council", "furniture.header[0]"),
        ("Held: 14 March 2023, Riverton Town Hall", "furniture.header[1]"),
        ("Clerk: J. Okafor", "furniture.header[2]"),
        ("Present: Cllr A. Patel (Chair), Cllr B. Lindqvist, Cllr C. Moreau", "furniture.header[3]"),
        ("Page 1 of 2", "furniture.lines[0]"),
        ("Riverton Town Council · Registered office: Town Hall, Market Square, Riverton", "furniture.lines[1]"),
        ("Page 2 of 2", "furniture.lines[0]"),
    ]
    assert minutes.paragraph_text(minutes.paragraph("p1")) == "Clerk: to write to the county highways team before 31 March."


# --- the guideline: Markdown headings and "[^N]" footnotes --------------------------------------


def test_guideline_sections_and_footnotes_as_printed(docs):
    guideline = docs[GUIDELINE_ID]
    assert [(a, label, section) for a, label, section, _, _ in rows(guideline)] == [
        ("p1", "¶1", ""),
        ("p2", "¶2", "Scope"),
        ("p3", "¶3", "Storage temperature"),
        ("p4", "¶4", "Storage temperature"),
        ("p5", "¶5", "Cold chain breaches"),
        ("p6", "¶6", "Cold chain breaches"),
        ("fn1", "fn 1", "Footnotes"),
        ("fn2", "fn 2", "Footnotes"),
        ("fn3", "fn 3", "Footnotes"),
    ]
    assert guideline.paragraph_text(guideline.paragraph("fn2")) == (
        "Domestic refrigerators do not hold a stable temperature and must never be used.")
    assert guideline.citation(guideline.paragraph("fn2")) == (
        "Guideline on the cold storage of vaccines (Guideline, version 3), footnote 2")
    assert dropped(guideline) == [("[Return to top](#top)", "furniture.lines[2]")]


def test_guideline_footnote_markers_stay_with_their_sentence_and_give_the_footnote_its_context(docs, corpus):
    guideline = docs[GUIDELINE_ID]
    p5 = guideline.paragraph("p5")
    assert [guideline.text[s:e] for s, e in split_sentences(guideline.text, p5.start, p5.end)] == [
        'If the refrigerator has gone outside that range, quarantine the affected stock and label it "Do not use"'
        " until the manufacturer has been consulted.[^3]"
    ]
    contexts = paragraph_contexts(guideline, load_profile(corpus).footnotes.marker)
    assert contexts["fn2"] == "not used for food or specimens.", contexts
    assert set(contexts) == {"fn1", "fn2", "fn3"}


# --- the library page: its own furniture inside <main> -----------------------------------------


def test_library_page_keeps_its_prose_and_drops_its_widgets(docs):
    page = docs[LENDING_ID]
    assert [(a, section, text) for a, _, section, _, text in rows(page)] == [
        ("p1", "Loan periods", "Books may be borrowed for three weeks and renewed twice, online or at any branch, "
                               "unless another member has reserved them."),
        ("p2", "Loan periods", "DVDs and video games are lent for one week and cannot be renewed."),
        ("p3", "Overdue items", "The library charges no fines on children's books; adult items accrue 25p per day, "
                                "capped at £6 per item."),
        ("p4", "Lost or damaged items", "A lost item is charged at its replacement cost plus an administration fee of £2.50."),
    ]
    assert dropped(page) == [
        ("Home › Services › Lending policy", "furniture.lines[3]"),
        ("Last updated: 2 May 2024", "furniture.header[4]"),
        ("Was this page helpful? Yes No", "furniture.lines[4]"),
        ("Print this page", "furniture.lines[5]"),
    ]


def test_without_its_profile_the_second_archive_loses_nothing_that_is_text(corpus, tmp_path):
    bare = tmp_path / "corpus"
    bare.mkdir()
    for path in corpus.iterdir():
        if path.name != "profile.toml":
            (bare / path.name).write_bytes(path.read_bytes())
    load = load_corpus(bare)
    assert all(d.dropped == () for d in load.documents)
    minutes = next(d for d in load.documents if d.doc_id == MINUTES_ID)
    texts = {minutes.paragraph_text(p) for p in minutes.paragraphs}
    assert {"Clerk: J. Okafor", "Present: Cllr A. Patel (Chair), Cllr B. Lindqvist, Cllr C. Moreau",
            "Riverton Town Council · Registered office: Town Hall, Market Square, Riverton"} <= texts


# --- search over the second archive, with the real model and a real index -----------------------


@pytest.fixture(scope="module")
def second(corpus, encoder, tmp_path_factory):
    from qa.archive import Archive

    index = tmp_path_factory.mktemp("second-index") / "index"
    archive = Archive.open(corpus, index, encoder=encoder)
    assert archive.refresh.rebuilt and archive.refresh.profile == load_profile(corpus)
    return archive


@pytest.mark.parametrize(("query", "doc_id", "anchor"), [
    ("How many households are on the waiting list for an allotment?", MINUTES_ID, "n4.1"),
    ("At what temperature must vaccines be stored?", GUIDELINE_ID, "p3"),
    ("How long can DVDs be borrowed for?", LENDING_ID, "p2"),
    ("How much is the fee for a lost item?", LENDING_ID, "p4"),
    ("When is the next council meeting?", MINUTES_ID, "n6.1"),
    ("lamp columns dark beside the A1101", MINUTES_ID, "n5.1"),  # "A 1101" in the text: one token by the profile
])
def test_search_finds_the_paragraph_that_answers(second, query, doc_id, anchor):
    top = second.search(query, k=3).passages[0]
    assert (top.doc_id, top.anchor) == (doc_id, anchor), second.search(query, k=3).passages


def test_the_index_of_the_second_archive_records_its_profile_and_dropped_lines(second, corpus, docs):
    assert second.stored.manifest["profile"] == load_profile(corpus).fingerprint
    assert {d.doc_id: d.dropped for d in second.stored.documents} == {i: d.dropped for i, d in docs.items()}


# --- answers and refusals on the second archive, with its own profile ---------------------------


@pytest.mark.parametrize(("question", "doc_id", "anchor", "words", "citation"), [
    ("How many households are waiting for an allotment?", MINUTES_ID, "n4.1", "63 households", "para 4.1"),
    ("When will the new plots be let?", MINUTES_ID, "n4.3", "1 June 2023", "para 4.3"),
    ("How long can DVDs be borrowed for?", LENDING_ID, "p2", "one week", "¶2"),
    ("What is the administration fee for a lost item?", LENDING_ID, "p4", "£2.50", "¶4"),
    ("Between which temperatures must vaccines be kept?", GUIDELINE_ID, "p3", "+2°C and +8°C", "¶3"),
    ("Why must domestic refrigerators never be used?", GUIDELINE_ID, "fn2", "stable temperature", "footnote 2"),
    ("What does paragraph 5.2 of the minutes say?", MINUTES_ID, "n5.2", "sodium lamp", "para 5.2"),
])
def test_the_second_archive_is_answered_in_its_own_words_and_numbering(second, question, doc_id, anchor, words,
                                                                     citation):
    result = second.ask(question)
    assert result.answered, result.message
    top = result.quotes[0]
    assert (top.doc_id, top.anchor) == (doc_id, anchor), [(q.anchor, q.text) for q in result.quotes]
    assert words in top.text
    assert top.citation.endswith(citation)
    assert second.document(doc_id).text[top.start:top.end] == top.text


def test_a_follow_up_on_the_second_archive_is_read_with_the_question_before_it(second):
    result = second.ask("How much will they cost?", history=["How many new allotment plots will there be?"])
    assert result.searched.startswith("How many new allotment plots")
    assert result.answered and "£12,400" in result.quotes[0].text


@pytest.mark.parametrize(("question", "why"), [
    ("What is the library's Wi-Fi password?", "closely enough"),
    ("Who won the football world cup?", "closely enough"),
    ("How many households were on the allotment waiting list in 2019?", 'mentions "2019"'),
])
def test_what_the_second_archive_does_not_hold_is_refused(second, question, why):
    result = second.ask(question)
    assert not result.answered and result.quotes == () and result.passages
    assert why in result.message


def test_a_decimal_number_before_a_short_title_is_a_heading_not_a_paragraph(tmp_path):
    from qa.documents import load_document

    path = tmp_path / "study.txt"
    path.write_text("Study\n\n2.1 Background\n\nWe measured the river.\n\n2.2 Method\n\nWe used a gauge.\n", encoding="utf-8")
    document = load_document(path)
    assert [(p.label, p.section, document.paragraph_text(p)) for p in document.paragraphs] == [
        ("¶1", "2.1 Background", "We measured the river."),
        ("¶2", "2.2 Method", "We used a gauge."),
    ]
