"""`qa documents` and `qa show` on the real corpus, through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import CORPUS, REPORT_DEC_2010
from qa.cli import main


def run(*args):
    return CliRunner().invoke(main, [*args, "--corpus", str(CORPUS)])


def test_documents_lists_one_row_per_document():
    result = run("documents")
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()
    assert len(rows) == 5
    assert any(REPORT_DEC_2010 in r and "2010-12-09" in r and "86 ¶" in r for r in rows)


def test_documents_json_is_the_api_listing():
    rows = json.loads(run("documents", "--json").stdout)
    assert {tuple(sorted(r)) for r in rows} == {("date", "doc_id", "origin", "paragraphs", "title")}
    assert {r["date"] for r in rows} == {"2009-07-16", "2010-01-28", "2010-12-09", "2012-03", "2012-03-20"}


def test_show_json_is_the_document_payload_and_its_offsets_hold():
    payload = json.loads(run("show", REPORT_DEC_2010, "--json").stdout)
    assert payload["doc_id"] == REPORT_DEC_2010
    c4 = next(p for p in payload["paragraphs"] if p["anchor"] == "C4")
    assert set(c4) == {"anchor", "label", "section", "start", "end", "page"} and c4["page"] is None  # not a PDF
    assert payload["text"][c4["start"] : c4["end"]].startswith("There is ongoing legal debate")


def test_show_prints_the_paragraph_table():
    result = run("show", REPORT_DEC_2010)
    line = next(line for line in result.stdout.splitlines() if line.startswith("B16 "))
    assert "Data of cases" in line and "Data provided from the MPS" in line


def test_show_unknown_document_names_it_and_fails():
    result = run("show", "no-such-report")
    assert result.exit_code == 1
    assert "no document 'no-such-report'" in result.stderr
