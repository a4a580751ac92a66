"""Extractive answers (issue 5): verbatim whole-sentence quotes with citations, several sources,
follow-ups, "not in the archive", bad input, and the CLI's `qa ask` / `qa search` payloads."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOG, BOFF_SUMMARY, CORPUS, REPORT_2009, REPORT_DEC_2010, eval_files
# `archive` needs `built_index` and `encoder` in scope too: pytest finds fixtures by name here.
from fixtures_archive import archive, built_index, encoder  # noqa: F401  (fixtures)
from qa.chunking import split_sentences
from qa.cli import main
from qa.errors import QueryError
from qa.limits import MAX_HISTORY, MAX_K, MAX_QUESTION_CHARS, MIN_K
from qa.results import AskResult, Cited

EVAL_FILES = eval_files()
PASSAGE_FIELDS = {"doc_id", "title", "date", "section", "paragraph", "anchor", "text", "start", "end", "score",
                  "citation"}


def read_eval(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


EVAL = [(f"{path.stem}/{row['id']}", row) for path in EVAL_FILES for row in read_eval(path)]


@pytest.fixture(scope="module")
def eval_answers(archive) -> dict[str, AskResult]:
    """Every eval question asked once, with its history."""
    return {key: archive.ask(row["question"], row.get("history", [])) for key, row in EVAL}


def all_quotes(eval_answers) -> list[Cited]:
    return [q for result in eval_answers.values() for q in result.quotes]


def spans(result) -> list[tuple[str, int, int]]:
    return [(q.doc_id, q.start, q.end) for q in result.quotes]


# --- every quote is the archive's own words, in whole sentences ----------------------------


def test_eval_set_is_all_there():
    assert sum(key.startswith("questions/") for key, _ in EVAL) >= 125
    assert len({key for key, _ in EVAL}) == len(EVAL)


@pytest.mark.parametrize("key", [key for key, _ in EVAL])
def test_every_quote_is_verbatim_whole_sentences_of_its_paragraph(archive, eval_answers, key):
    result = eval_answers[key]
    assert result.answered == bool(result.quotes)
    for quote in result.quotes:
        document = archive.document(quote.doc_id)
        text = document.text
        assert text[quote.start : quote.end] == quote.text
        [paragraph] = [p for p in document.paragraphs if p.anchor == quote.anchor]
        assert paragraph.start <= quote.start < quote.end <= paragraph.end
        sentences = split_sentences(text, paragraph.start, paragraph.end)
        assert quote.start in {s for s, _ in sentences}, f"quote starts mid-sentence: {quote.text[:60]!r}"
        assert quote.end in {e for _, e in sentences}, f"quote ends mid-sentence: {quote.text[-60:]!r}"
        cited = archive.paragraph(quote.doc_id, quote.anchor)
        assert (quote.citation, quote.paragraph) == (cited.citation, cited.label)
    for passage in result.passages:
        assert archive.document(passage.doc_id).text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize("key", [key for key, _ in EVAL])
def test_at_most_two_quotes_from_one_paragraph_and_none_repeated(eval_answers, key):
    quotes = eval_answers[key].quotes
    per_paragraph = Counter((q.doc_id, q.anchor) for q in quotes)
    assert max(per_paragraph.values(), default=0) <= 2
    assert len({q.text for q in quotes}) == len(quotes)
    taken: list[tuple[str, int, int]] = []
    for doc_id, start, end in spans(eval_answers[key]):
        assert not any(d == doc_id and start < e and s < end for d, s, e in taken), "overlapping quotes"
        taken.append((doc_id, start, end))


# --- several sources -----------------------------------------------------------------------


def test_olympics_question_quotes_police_figures_and_the_report_that_found_no_strong_evidence(archive):
    result = archive.ask("Did trafficking increase because of the Olympics?")
    assert result.answered
    quotes = result.quotes
    assert len({q.doc_id for q in quotes}) >= 2
    assert any(q.doc_id == BOFF_SUMMARY and "no strong evidence" in q.text for q in quotes)


# --- follow-ups ----------------------------------------------------------------------------


def test_follow_up_is_answered_about_the_subject_of_the_question_before(archive):
    staff = "6 police officers and 2 border agency staff"
    result = archive.ask("How many staff does it have?", ["What is Operation Paladin?"])
    assert result.answered
    top = result.quotes[0]
    assert staff in top.text and (top.doc_id, top.anchor) == (REPORT_2009, "B25")
    # Without the history "it" is nothing in particular: the history is what found Paladin.
    assert not any(staff in q.text for q in archive.ask("How many staff does it have?").quotes)


def test_self_contained_question_is_not_pulled_off_course_by_history(archive):
    after = archive.ask("What is CONOPS?", ["What is Operation Paladin?"])
    alone = archive.ask("What is CONOPS?")
    assert after.answered
    assert spans(after) == spans(alone)
    assert any("Concept of Operations (CONOPS)" in q.text for q in after.quotes)
    assert not any("Paladin" in q.text for q in after.quotes)


TOPIC_SWITCHES = [(key, row) for key, row in EVAL if row.get("kind") == "topic_switch"]


@pytest.mark.parametrize(("key", "row"), TOPIC_SWITCHES, ids=[key for key, _ in TOPIC_SWITCHES])
def test_eval_topic_switches_answer_as_if_asked_first(archive, eval_answers, key, row):
    assert row["history"]
    assert spans(eval_answers[key]) == spans(archive.ask(row["question"]))


# --- what the question asks for -----------------------------------------------------------


def test_how_many_officers_quotes_the_number_of_officers_not_another_count(archive):
    # "14 operations" and "21 occasions" are numbers about the same team; "11 police officers" counts officers.
    quote = top_quote(archive, "How many officers did the Human Trafficking Team have?")
    assert "11 police officers" in quote.text


def test_a_question_about_money_quotes_the_sum(archive):
    quote = top_quote(archive, "How large is the main Clubs and Vice Unit budget being transferred to SCD for 2010/11?")
    assert "£6,226k" in quote.text


def test_who_wrote_quotes_the_author_line(archive):
    quote = top_quote(archive, "Who wrote the report on SCD9's first six months?")
    assert "Richard Martin" in quote.text and quote.doc_id == REPORT_DEC_2010


def test_what_is_a_term_quotes_the_footnote_on_it(archive):
    # Footnote 21 never names Operation Caiman; the body's "under Operation Caiman [21]" does.
    quote = top_quote(archive, "What is Operation Caiman?")
    assert (quote.doc_id, quote.anchor) == (REPORT_DEC_2010, "fn21")


def test_words_after_a_lead_in_are_found_by_who_says_them(archive):
    # "Georgina Perry … said:" is its own paragraph; what she said, in the next, never names her.
    result = archive.ask("How does Georgina Perry describe sex workers' trust in the police?")
    assert any("all time high" in q.text for q in result.quotes)
    assert any(q.anchor == "p6" and q.doc_id == BLOG for q in result.quotes)


def test_a_commenter_named_in_the_question_is_quoted(archive):
    quote = top_quote(archive, "What did the commenter Livvy write?")
    assert (quote.doc_id, quote.anchor) == (BLOG, "c3-1") and "comment 3 (Livvy)" in quote.citation


@pytest.mark.parametrize(("question", "doc_id", "anchor", "words"), [
    ("What does section C paragraph 7 of the December 2010 report say about how stretched SCD9 is?",
     REPORT_DEC_2010, "C7", "close to capacity"),
    ("What does paragraph 16 of the January 2010 report say?", "2010-01-28-mps-human-trafficking-response", "B16",
     "uncertainty of external funding"),
    ("What does footnote 4 of the December 2010 report say?", REPORT_DEC_2010, "fn4", "Asylum and Immigration Act"),
])
def test_a_paragraph_named_in_the_question_is_quoted(archive, question, doc_id, anchor, words):
    quotes = archive.ask(question).quotes
    assert (quotes[0].doc_id, quotes[0].anchor) == (doc_id, anchor)
    assert any(words in q.text for q in quotes if q.anchor == anchor)


# --- not in the archive --------------------------------------------------------------------


@pytest.mark.parametrize(("question", "number"), [
    ("How many sex workers were murdered in London in 2011?", "2011"),  # the archive has no 2011 figures
    ("How much money will SCD9 receive in the 2013/14 financial year?", "2013/14"),
])
def test_a_number_the_question_gives_must_be_where_the_answer_is(archive, question, number):
    result = archive.ask(question)
    assert result.answered is False and result.quotes == () and result.passages
    assert f'mentions "{number}"' in result.message


def test_a_refusal_without_such_a_number_says_the_evidence_is_weak(archive):
    assert "closely enough" in archive.ask("What is a good recipe for banana bread?").message


def test_the_numbers_a_question_gives_leave_out_names_and_paragraph_references():
    from qa.query import numbers_in

    question = "Did SCD9 and CO14 (see paragraph 16, footnote 4) arrest 1,000 people in 2011 or in 2013/14, 24th May?"
    assert numbers_in(question) == {"1000", "2011", "2013/14"}


@pytest.mark.parametrize(("question", "conditions", "counts"), [
    ("What are the 3 recommendations to the committee?", set(), {"3"}),
    ("What were its two main aims in 2011?", {"2011"}, set()),
    ("Name the 2 main reasons given in 2010", {"2010"}, {"2"}),
    ("Who won the 100 metres?", {"100"}, set()),  # too many to be a count of what the answer lists
    ("How many arrests did SCD9 make in 2013/14?", {"2013/14"}, set()),
])
def test_a_question_number_is_a_condition_unless_it_counts_what_the_answer_lists(archive, question, conditions, counts):
    numbers = archive.analyzer.analyze(question).numbers
    assert {n.text for n in numbers if n.role == "condition"} == conditions
    assert {n.text for n in numbers if n.role == "count"} == counts


def test_a_count_in_the_question_is_no_reason_to_refuse(archive):
    with_count = archive.ask("What are the 3 recommendations to the MPA?")
    without = archive.ask("What are the recommendations to the MPA?")
    assert with_count.answered and without.answered
    assert with_count.quotes[0].text == without.quotes[0].text


def test_a_number_the_archive_holds_is_answered(archive):
    quote = top_quote(archive, "By how much did trafficking victims rise around the 2004 Olympics?")
    assert "95%" in quote.text



def test_question_the_archive_cannot_answer_is_refused_with_the_nearest_passages(archive):
    result = archive.ask("What is the capital of France?")
    assert result.answered is False
    assert result.quotes == ()
    assert result.passages
    assert result.message


def test_filter_that_keeps_nothing_is_refused_without_passages(archive):
    result = archive.ask("What is Operation Paladin?", date_from="2030")
    assert (result.answered, result.quotes, result.passages) == (False, (), ())
    assert result.message


# --- citations -----------------------------------------------------------------------------


def top_quote(archive, question: str) -> Cited:
    result = archive.ask(question)
    assert result.answered, question
    return result.quotes[0]


def test_section_c_quote_cites_section_and_paragraph(archive):
    quote = top_quote(archive, "When is the civil trial on the duty to investigate Article 3 and 4 breaches due?")
    assert (quote.doc_id, quote.anchor) == (REPORT_DEC_2010, "C4")
    assert quote.citation == (
        "SCD9 performance and practice in the first six months (MPA Report 9, 9 December 2010), §C ¶4")


def test_footnote_quote_cites_the_footnote(archive):
    quote = top_quote(archive, "What are R18 films?")
    assert (quote.doc_id, quote.anchor) == (REPORT_DEC_2010, "fn17")
    assert quote.citation.endswith(", footnote 17")


def test_blog_comment_quote_cites_the_comment_and_its_author(archive):
    quote = top_quote(archive, "How much tax did the Euston parlour pay each year?")
    assert quote.doc_id == BLOG and quote.anchor.startswith("c1-")
    assert "comment 1 (Ross)" in quote.citation


def test_every_quote_of_the_eval_set_cites_section_c_footnotes_and_comments_by_their_kind(eval_answers):
    seen = Counter()
    for quote in all_quotes(eval_answers):
        anchor, citation = quote.anchor, quote.citation
        if quote.doc_id == REPORT_DEC_2010 and (m := re.fullmatch(r"C(\d+)", anchor)):
            assert citation.endswith(f", §C ¶{m[1]}"), citation
            seen["section C"] += 1
        elif m := re.fullmatch(r"fn(\d+)", anchor):
            assert citation.endswith(f", footnote {m[1]}"), citation
            seen["footnote"] += 1
        elif quote.doc_id == BLOG and anchor.startswith("c1-"):
            assert ", comment 1 (Ross)" in citation, citation
            seen["comment"] += 1
    assert set(seen) == {"section C", "footnote", "comment"}, seen


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "says"), [
    ({"question": ""}, "empty"),
    ({"question": "   \n"}, "empty"),
    ({"question": "x" * (MAX_QUESTION_CHARS + 1)}, str(MAX_QUESTION_CHARS)),
    ({"question": "What is CONOPS?", "k": MIN_K - 1}, "k must"),
    ({"question": "What is CONOPS?", "k": MAX_K + 1}, "k must"),
    ({"question": "What is CONOPS?", "history": ["What is Operation Paladin?"] * (MAX_HISTORY + 1)}, "history"),
], ids=["empty", "blank", "2001-chars", "k=0", "k=101", "21-history"])
def test_unusable_question_is_a_query_error_saying_why(archive, arguments, says):
    with pytest.raises(QueryError, match=says):
        archive.ask(**arguments)


def test_limits_themselves_are_accepted(archive):
    archive.ask("What is Operation Paladin? " + "x" * (MAX_QUESTION_CHARS - 27))
    archive.ask("What is CONOPS?", ["What is Operation Paladin?"] * MAX_HISTORY, k=MAX_K)
    archive.ask("What is CONOPS?", k=MIN_K)


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def run(built_index, monkeypatch):
    for name in ("QA_MODEL", "QA_CORPUS", "QA_INDEX"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--corpus", str(CORPUS), "--index", str(built_index.path)])

    return invoke


def assert_passage_shape(item: dict) -> None:
    assert set(item) - {"page", "sha256", "permalink"} == PASSAGE_FIELDS and len(item["sha256"]) == 64
    assert item["permalink"].startswith(f"/d/{item['doc_id']}/{item['anchor']}")
    assert isinstance(item["start"], int) and isinstance(item["end"], int) and isinstance(item["score"], float)


def test_qa_ask_json_is_the_api_ask_payload(run):
    result = run("ask", "How many staff does it have?", "--history", "What is Operation Paladin?", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"question", "answered", "took_ms", "quotes", "passages"} <= set(payload)
    assert payload["question"] == "How many staff does it have?"
    assert payload["answered"] is True and isinstance(payload["took_ms"], (int, float))
    assert payload["quotes"] and len(payload["passages"]) == 3
    for item in payload["quotes"] + payload["passages"]:
        assert_passage_shape(item)
    assert "6 police officers and 2 border agency staff" in payload["quotes"][0]["text"]


def test_qa_search_json_is_the_api_search_payload(run):
    result = run("search", "Operation Golf", "-k", "4", "--doc", "2010-01-28-mps-human-trafficking-response", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"query", "took_ms", "passages"}
    assert payload["query"] == "Operation Golf" and len(payload["passages"]) == 4
    for item in payload["passages"]:
        assert_passage_shape(item)
        assert item["doc_id"] == "2010-01-28-mps-human-trafficking-response"
    assert payload["passages"][0]["anchor"] == "B16"


def test_qa_ask_prints_quotes_as_block_quotes_with_citations(run):
    result = run("ask", "What are R18 films?")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("> R18 films are those adult films")
    assert "— SCD9 performance and practice in the first six months (MPA Report 9, 9 December 2010), footnote 17" \
        in result.stdout


def test_qa_search_bad_date_fails_with_one_line_naming_it(run):
    result = run("search", "trafficking", "--from", "2010-13-45")
    assert result.exit_code != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "2010-13-45" in line
