"""`POST /api/verify` and `qa verify-quotes`: saved quotes checked after the archive changed.

A small corpus is written to tmp_path and served; the answers' quotes are saved; then one file
gets a paragraph inserted before the quote, one has the quoted sentence rewritten, one is deleted,
one renamed, one re-flowed (white space only), one left alone; the archive is re-indexed and
served again, and every saved quote is checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from click.testing import CliRunner

from qa.limits import MAX_VERIFY_QUOTES
from server_process import Server, start_server, stop_server

pytestmark = pytest.mark.slow  # real server processes

FILES = {
    "2011-04-02-harbour.txt": "Harbour works\n\n1. The harbour committee met in March to discuss the year's budget.\n\n"
                              "2. The harbour wall was repaired in 2011 at a cost of forty thousand pounds. "
                              "The repair took six weeks.\n\n3. The committee thanked the engineers for their work.\n",
    "2014-06-10-library.txt": "Library report\n\n1. The library opened a new reading room for children in 2014. "
                              "It seats forty readers.\n\n2. Opening hours were extended to eight in the evening.\n",
    "2015-08-20-ferry.txt": "Ferry timetable\n\n1. The ferry to the island carries three hundred passengers on each "
                            "crossing.\n\n2. Crossings are cancelled when the wind is too strong.\n",
    "2016-02-11-market.txt": "Market survey\n\n1. The covered market has eighty-five stalls selling food and crafts."
                             "\n\n2. Most stalls open on Saturdays only.\n",
    "2017-09-30-school.txt": "School news\n\n1. The school choir won the regional singing contest in 2016.\n\n"
                             "2. A new science laboratory was built beside the gym.\n\n"
                             "3. The school garden grows vegetables for the kitchen every summer.\n",
}
QUESTIONS = {
    "moved": ("When was the harbour wall repaired?", "The harbour wall was repaired in 2011"),
    "changed": ("When did the library open a reading room for children?", "The library opened a new reading room"),
    "unknown": ("How many passengers does the ferry carry on each crossing?", "carries three hundred passengers"),
    "renamed": ("How many stalls does the covered market have?", "The covered market has eighty-five stalls"),
    "ok": ("Which contest did the school choir win?", "The school choir won the regional singing contest"),
    "reflowed": ("What does the school garden grow?", "The school garden grows vegetables"),
}
INSERTED = "2. A paragraph added after the answers were saved, about the harbour lights.\n\n"
REWRITTEN = "The reading room was closed and its books were given away."


def edit(corpus: Path) -> None:
    harbour = corpus / "2011-04-02-harbour.txt"
    text = harbour.read_text(encoding="utf-8")
    harbour.write_text(text.replace("2. The harbour wall", INSERTED + "3. The harbour wall")
                       .replace("3. The committee", "4. The committee"), encoding="utf-8")
    library = corpus / "2014-06-10-library.txt"
    library.write_text(library.read_text(encoding="utf-8").replace(
        "The library opened a new reading room for children in 2014.", REWRITTEN), encoding="utf-8")
    (corpus / "2015-08-20-ferry.txt").unlink()
    (corpus / "2016-02-11-market.txt").rename(corpus / "2016-02-11-covered-market.txt")
    school = corpus / "2017-09-30-school.txt"
    school.write_text(school.read_text(encoding="utf-8").replace("grows vegetables for", "grows\nvegetables  for"),
                      encoding="utf-8")


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Iterator[tuple[Server, dict[str, dict], dict[str, dict], Path, Path]]:
    """(the server after the edits, the saved quotes by role, the saved answers by role, corpus, index)."""
    folder = tmp_path_factory.mktemp("citecheck")
    corpus, index = folder / "corpus", folder / "index"
    corpus.mkdir()
    for name, text in FILES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    server = start_server(corpus, index, folder / "before.log")
    try:
        answers = {role: httpx.post(f"{server.url}/api/ask", json={"question": q}, timeout=120).json()
                   for role, (q, _) in QUESTIONS.items()}
    finally:
        stop_server(server)
    quotes = {}
    for role, (_, words) in QUESTIONS.items():
        assert answers[role]["answered"], answers[role]
        quotes[role] = answers[role]["quotes"][0]
        assert words in quotes[role]["text"], (role, quotes[role]["text"])
    edit(corpus)
    server = start_server(corpus, index, folder / "after.log")
    yield server, quotes, answers, corpus, index
    stop_server(server)


@pytest.fixture(scope="module")
def results(checked) -> dict[str, dict]:
    server, quotes, *_ = checked
    roles = list(quotes)
    response = httpx.post(f"{server.url}/api/verify", json={"quotes": [quotes[r] for r in roles]}, timeout=120)
    assert response.status_code == 200, response.text
    found = response.json()["results"]
    assert len(found) == len(roles)
    return dict(zip(roles, found))


def test_an_untouched_quote_is_ok(checked, results):
    quote, result = checked[1]["ok"], results["ok"]
    assert result["status"] == "ok" and result["similarity"] == 1.0 and result["document_changed"] is True
    assert (result["doc_id"], result["anchor"], result["start"], result["end"], result["text"]) == (
        quote["doc_id"], quote["anchor"], quote["start"], quote["end"], quote["text"])
    assert "still at the cited place" in result["detail"] and "sha256 differs" in result["detail"]


def test_a_paragraph_inserted_before_moves_the_quote(checked, results):
    quote, result = checked[1]["moved"], results["moved"]
    assert result["status"] == "moved" and result["doc_id"] == quote["doc_id"] and result["text"] == quote["text"]
    assert result["start"] == quote["start"] + len(INSERTED) and result["end"] == quote["end"] + len(INSERTED)
    assert result["anchor"] != quote["anchor"] and result["citation"] != quote["citation"]  # renumbered: 2 → 3
    assert f"was {quote['start']}-{quote['end']}" in result["detail"]


def test_a_rewritten_sentence_is_changed_with_the_nearest_paragraph(checked, results):
    quote, result = checked[1]["changed"], results["changed"]
    assert result["status"] == "changed" and result["doc_id"] == quote["doc_id"]
    assert REWRITTEN in result["text"] and result["anchor"] == quote["anchor"]
    assert 0 < result["similarity"] < 1 and result["document_changed"] is True
    assert result["citation"] and "nearest paragraph" in result["detail"]


def test_a_deleted_document_is_unknown(results):
    result = results["unknown"]
    assert result["status"] == "unknown_document"
    assert result["doc_id"] is None and result["text"] is None and result["similarity"] is None


def test_a_renamed_file_moves_the_quote_to_its_new_document(checked, results):
    quote, result = checked[1]["renamed"], results["renamed"]
    assert result["status"] == "moved" and result["doc_id"] == "2016-02-11-covered-market"
    assert result["text"] == quote["text"] and "is gone" in result["detail"]


def test_re_flowed_text_is_moved_not_changed(checked, results):
    quote, result = checked[1]["reflowed"], results["reflowed"]
    assert result["status"] == "moved" and result["start"] == quote["start"]
    assert result["text"] != quote["text"] and result["text"].split() == quote["text"].split()
    assert "white space" in result["detail"]


def test_a_quote_with_no_sha256_has_no_document_changed(checked):
    server, quotes, *_ = checked
    quote = {k: v for k, v in quotes["ok"].items() if k != "sha256"}
    (result,) = httpx.post(f"{server.url}/api/verify", json={"quotes": [quote]}).json()["results"]
    assert result["status"] == "ok" and result["document_changed"] is None


def test_bad_verify_bodies_are_refused_naming_the_field(checked):
    server, quotes, *_ = checked
    url = f"{server.url}/api/verify"

    def detail(body) -> str:
        response = httpx.post(url, json=body)
        assert response.status_code == 422, response.text
        return response.json()["detail"]

    short = {k: quotes["ok"][k] for k in ("doc_id", "anchor", "start", "end", "text")}
    assert "quotes.0.text is required" in detail({"quotes": [{k: v for k, v in short.items() if k != "text"}]})
    assert "quotes.1.start" in detail({"quotes": [short, {**short, "start": "first"}]})
    assert "quotes[0].text is empty" in detail({"quotes": [{**short, "text": "  "}]})
    assert "quotes has too many items" in detail({"quotes": [short] * (MAX_VERIFY_QUOTES + 1)})
    assert "unknown field 'quote'" in detail({"quote": short})
    assert httpx.post(url, json={"quotes": [short] * MAX_VERIFY_QUOTES}).status_code == 200


def test_verify_quotes_command_checks_a_file_of_quotes_and_answers(checked, tmp_path):
    from qa.cli import main

    _, quotes, answers, corpus, index = checked
    lines = [json.dumps(quotes["ok"]), json.dumps(answers["moved"]), "{not json", json.dumps({"doc_id": "x"}),
             json.dumps(quotes["unknown"])]
    saved = tmp_path / "saved.jsonl"
    saved.write_text("\n".join(lines) + "\n", encoding="utf-8")
    arguments = ["verify-quotes", str(saved), "--corpus", str(corpus), "--index", str(index)]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1, result.output
    printed = result.stdout.splitlines()
    assert printed[0].startswith("1: ok ") and printed[1].startswith("2: moved ")
    assert printed[-1].startswith("5: unknown_document: ")
    assert f"{saved}:3: not JSON" in result.stderr and f"{saved}:4: anchor is required" in result.stderr
    as_json = CliRunner().invoke(main, [*arguments, "--json"])
    assert as_json.exit_code == 1
    rows = json.loads(as_json.stdout)
    assert [(r["line"], r["result"]["status"]) for r in rows] == [(1, "ok"), (2, "moved"), (5, "unknown_document")]
