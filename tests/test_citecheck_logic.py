"""qa.citecheck on documents parsed from files in tmp_path (no model, no server): the fast tier's
check of each outcome, of which occurrence wins, and of reading a file of saved quotes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from qa.citecheck import QuoteRef, check_quotes, read_saved_quotes
from qa.documents import load_document

BEFORE = ("Council minutes\n\n1. The bridge was closed for repairs in May.\n\n"
          "2. The council agreed to plant forty trees along the river. The work starts in spring.\n\n"
          "3. The meeting ended at nine.\n")


def parsed(folder: Path, name: str, text: str):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return load_document(folder / name)


def saved(document, words: str) -> QuoteRef:
    start = document.text.index(words)
    paragraph = next(p for p in document.paragraphs if p.start <= start < p.end)
    return QuoteRef(document.doc_id, paragraph.anchor, start, start + len(words), words, document.sha256)


def check(documents, quote):
    (result,) = check_quotes({d.doc_id: d for d in documents}, [quote]).results
    return result


def test_each_outcome_on_edited_files(tmp_path):
    old = parsed(tmp_path / "old", "2020-01-01-minutes.txt", BEFORE)
    quote = saved(old, "The council agreed to plant forty trees along the river.")
    assert check([old], quote).status == "ok"

    inserted = parsed(tmp_path / "inserted", "2020-01-01-minutes.txt",
                      BEFORE.replace("2. The council", "2. A new paragraph.\n\n3. The council").replace("3. The meeting",
                                                                                                       "4. The meeting"))
    moved = check([inserted], quote)
    assert (moved.status, moved.text, moved.start - quote.start) == ("moved", quote.text, len("2. A new paragraph.\n\n"))
    assert moved.anchor != quote.anchor and moved.document_changed is True

    rewritten = parsed(tmp_path / "rewritten", "2020-01-01-minutes.txt",
                       BEFORE.replace("agreed to plant forty trees", "refused to plant any trees"))
    changed = check([rewritten], quote)
    assert changed.status == "changed" and changed.anchor == quote.anchor
    assert 0.5 < changed.similarity < 1 and "refused to plant any trees" in changed.text

    renamed = parsed(tmp_path / "renamed", "2020-01-01-council-minutes.txt", BEFORE)
    elsewhere = check([renamed], quote)
    assert (elsewhere.status, elsewhere.doc_id, elsewhere.document_changed) == ("moved", renamed.doc_id, None)
    assert check([replace(rewritten, doc_id="other")], quote).status == "unknown_document"


def test_white_space_only_differences_are_moved_not_changed(tmp_path):
    old = parsed(tmp_path / "old", "2020-01-01-minutes.txt", BEFORE)
    quote = saved(old, "The council agreed to plant forty trees along the river.")
    reflowed = parsed(tmp_path / "new", "2020-01-01-minutes.txt", BEFORE.replace("forty trees", "forty\u00a0 trees"))
    result = check([reflowed], quote)
    assert result.status == "moved" and result.start == quote.start and result.end == quote.end + 1
    assert result.text.split() == quote.text.split() and "white space" in result.detail


def test_the_occurrence_in_the_cited_paragraph_wins_then_the_nearest(tmp_path):
    text = ("Notes\n\n1. The gate is locked at night.\n\n2. Visitors sign in. The gate is locked at night.\n\n"
            "3. The gate is locked at night.\n")
    document = parsed(tmp_path / "d", "2020-02-02-notes.txt", text)
    second = document.paragraphs[1]
    start = document.text.index("The gate", second.start)
    quote = QuoteRef(document.doc_id, second.anchor, start + 5, start + 5 + len("The gate is locked at night."),
                     "The gate is locked at night.")
    result = check([document], quote)
    assert result.status == "moved" and (result.anchor, result.start) == (second.anchor, start)


def test_saved_quote_lines_name_the_line_and_field_of_each_problem():
    quote = {"doc_id": "d", "anchor": "p1", "start": 0, "end": 4, "text": "Some", "title": "ignored"}
    answer = {"question": "q", "quotes": [quote, {**quote, "end": "4"}]}
    lines = [json.dumps(quote), "", "[1, 2]", json.dumps(answer), "{", json.dumps({**quote, "text": " "}),
             json.dumps({**quote, "sha256": 5})]
    quotes, problems = read_saved_quotes(lines)
    assert [(n, q.text) for n, q in quotes] == [(1, "Some"), (4, "Some")]
    assert [n for n, _ in problems] == [3, 4, 5, 6, 7]
    assert "quotes[1].end must be a whole number" in problems[1][1] and problems[2][1].startswith("not JSON")
    assert "text is empty" in problems[3][1] and "sha256 must be a string" in problems[4][1]
