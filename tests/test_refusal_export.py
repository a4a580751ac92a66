"""A refusal and a weak match as a reviewer keeps them: `reason` and `low_confidence` on the answer,
and the Markdown, CSV and JSON exports saying what the chat says (on the real index and model)."""

from __future__ import annotations

import csv
import io
import json

from fixtures_archive import archive, built_index, encoder  # noqa: F401  (fixtures)
from qa.archive import LOW_CONFIDENCE_MARGIN, NOT_FOUND
from qa.export import CSV_COLUMNS, WEAK_MATCH, to_csv, to_json, to_markdown

OFF_TOPIC = "What is the capital city of Australia?"
NUMBER_ABSENT = "How many sex workers were murdered in London in 2011?"
# Answered, its best quote (0.65 with the hand weights) only just above the refusal threshold (0.60).
WEAK = "Will moving trafficking work into SCD9 cost extra money?"
STRONG = "What is CONOPS?"
BASE = "http://127.0.0.1:7860"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_refusal_has_its_reason_as_one_sentence_and_the_message_is_not_found_then_it(archive):
    refused = archive.ask(OFF_TOPIC)
    assert not refused.answered and not refused.low_confidence and not refused.quotes
    assert refused.reason == "No passage answers this closely enough."
    assert refused.message == f"{NOT_FOUND} {refused.reason}"
    absent = archive.ask(NUMBER_ABSENT)
    assert absent.reason == 'None of the nearest passages mentions "2011".'
    assert absent.message == f"{NOT_FOUND} {absent.reason}"
    answered = archive.ask(STRONG)
    assert answered.answered and answered.reason == "" and answered.message == ""


def test_low_confidence_is_an_answer_whose_best_quote_is_within_the_margin_above_the_threshold(archive):
    threshold = archive.answerer.scorer.abstain_below
    seen = set()
    for question in (WEAK, STRONG, OFF_TOPIC, NUMBER_ABSENT, "What gadget helps officers give advice to trafficked "
                     "women who do not speak English?", "What is Operation Paladin?", "When was SCD9 set up?"):
        result = archive.ask(question)
        expected = result.answered and result.quotes[0].score < threshold + LOW_CONFIDENCE_MARGIN
        assert result.low_confidence is expected, (question, result.quotes[:1])
        seen.add((result.answered, result.low_confidence))
    assert seen == {(True, True), (True, False), (False, False)}  # the questions cover each case


def test_the_export_of_a_refusal_says_not_found_why_and_marks_the_whole_nearest_passages(archive):
    refused = archive.ask(OFF_TOPIC)
    assert refused.passages
    markdown = to_markdown(refused, BASE)
    assert markdown.split("\n\n")[:3] == [f"**Question:** {OFF_TOPIC}", f"**{NOT_FOUND} {refused.reason}**",
                                         "The nearest passages, not an answer:"]
    for passage in refused.passages:  # whole paragraphs here, not the chat's first words
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in passage.text.split("\n"))
        assert f"{quoted}\n\n— {passage.citation} · [open in context]({BASE}{passage.permalink})" in markdown
    assert WEAK_MATCH not in markdown

    table = rows(to_csv(refused, BASE))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == len(refused.passages)
    assert {row["kind"] for row in table} == {f"nearest passage (not an answer): {NOT_FOUND} {refused.reason}"}
    assert [row["text"] for row in table] == [p.text for p in refused.passages]

    payload = json.loads(to_json(refused))
    assert (payload["answered"], payload["low_confidence"], payload["quotes"]) == (False, False, [])
    assert payload["reason"] == refused.reason and payload["message"] == f"{NOT_FOUND} {refused.reason}"


def test_the_export_of_a_weak_match_warns_before_its_quotes(archive):
    weak = archive.ask(WEAK)
    assert weak.answered and weak.low_confidence and weak.quotes
    markdown = to_markdown(weak, BASE)
    assert markdown.split("\n\n")[:2] == [f"**Question:** {WEAK}", f"**{WEAK_MATCH}**"]
    assert {row["kind"] for row in rows(to_csv(weak, BASE))} == {f"quote: {WEAK_MATCH}"}
    payload = json.loads(to_json(weak))
    assert (payload["answered"], payload["low_confidence"], payload["reason"], payload["message"]) == (
        True, True, "", "")

    strong = archive.ask(STRONG)
    assert strong.answered and not strong.low_confidence
    assert WEAK_MATCH not in to_markdown(strong, BASE)
    assert {row["kind"] for row in rows(to_csv(strong, BASE))} == {"quote"}
    assert json.loads(to_json(strong))["low_confidence"] is False
