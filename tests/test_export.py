"""An answer exported as Markdown, CSV or JSON: by `qa ask --format` on the real index, and by the
functions the chat shares with it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from conftest import CORPUS
from fixtures_archive import archive, built_index, encoder  # noqa: F401  (fixtures)
from qa.cli import main
from qa.export import CSV_COLUMNS, to_csv, to_markdown

ANSWERED = "What is CONOPS?"
REFUSED = "What is the recipe for banana bread?"
BASE = "http://127.0.0.1:7860"


def ask(built_index, *args: str) -> str:
    result = CliRunner().invoke(main, ["ask", *args, "--corpus", str(CORPUS), "--index", str(built_index.path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def block_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def test_markdown_holds_the_question_each_quote_as_a_block_quote_and_its_permalink(archive, built_index):
    expected = archive.ask(ANSWERED)
    assert expected.answered and expected.quotes
    printed = ask(built_index, ANSWERED, "--format", "markdown", "--base-url", BASE + "/")
    assert printed == to_markdown(expected, BASE)
    assert printed.startswith(f"**Question:** {ANSWERED}\n")
    at = 0
    for quote in expected.quotes:  # in rank order, each citation right after its quote
        at = printed.index(block_quote(quote.text), at)
        citation = printed.index(f"— {quote.citation} · [open in context]({BASE}{quote.permalink})", at)
        at = citation
    assert quote.permalink.startswith(f"/d/{quote.doc_id}/{quote.anchor}?start={quote.start}&end={quote.end}")


def test_markdown_of_a_refusal_says_so_and_marks_the_nearest_passages(archive, built_index):
    expected = archive.ask(REFUSED)
    assert not expected.answered and expected.passages
    printed = ask(built_index, REFUSED, "--format", "markdown")
    assert f"**{expected.message}**" in printed
    assert "The nearest passages, not an answer:" in printed
    for passage in expected.passages:
        assert f"[open in context]({passage.permalink})" in printed  # relative: no base given
        assert "?start=" not in passage.permalink


def test_csv_has_one_row_a_quote_with_the_documented_columns(archive, built_index):
    expected = archive.ask(ANSWERED)
    rows = list(csv.DictReader(io.StringIO(ask(built_index, ANSWERED, "--format", "csv"))))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(expected.quotes)
    for rank, (row, quote) in enumerate(zip(rows, expected.quotes), 1):
        assert row["rank"] == str(rank) and row["kind"] == "quote"
        assert (row["doc_id"], row["anchor"], row["text"], row["citation"], row["permalink"]) == (
            quote.doc_id, quote.anchor, quote.text, quote.citation, quote.permalink)
        assert (int(row["start"]), int(row["end"])) == (quote.start, quote.end)


def test_csv_of_a_refusal_marks_each_row_as_a_nearest_passage(archive):
    expected = archive.ask(REFUSED)
    rows = list(csv.DictReader(io.StringIO(to_csv(expected, BASE))))
    assert len(rows) == len(expected.passages)
    assert all(row["kind"].startswith("nearest passage (not an answer): Not found in the archive.") for row in rows)
    assert rows[0]["permalink"] == BASE + expected.passages[0].permalink


@pytest.mark.parametrize("flags", [["--format", "json"], ["--json"]])
def test_json_is_the_api_payload_with_permalinks(archive, built_index, flags):
    printed = json.loads(ask(built_index, ANSWERED, *flags))
    expected = archive.ask(ANSWERED)
    assert printed["answered"] and [q["text"] for q in printed["quotes"]] == [q.text for q in expected.quotes]
    assert [q["permalink"] for q in printed["quotes"]] == [q.permalink for q in expected.quotes]
    assert all(p["permalink"] == f"/d/{p['doc_id']}/{p['anchor']}" for p in printed["passages"])
