"""`qa eval --half`: a set split by kind and topic into a tune and a report half, stable whatever the
rows' order, additions elsewhere or hash seed; and the refusal and paraphrase figures over the real archive."""

from __future__ import annotations

import collections
import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, QUESTIONS, ROOT, SHARED
from fixtures_archive import archive, built_index, encoder  # noqa: F401 (fixtures)
from qa.cli import main
from qa.errors import QAError
from qa.evaluation import EvalQuestion, evaluate, read_questions, split_half

DEV_SET = SHARED / "eval" / "archive_dev.jsonl"


def question(id: str, kind: str, topic: str = "") -> EvalQuestion:
    return EvalQuestion(id=id, question=f"question {id}", history=(), snippets=(), answers=(), kind=kind, topic=topic)


# Strata of odd and even sizes, one of a single row; near and off are strata of their own.
MIXED = ([question(f"s{n}", "single") for n in range(7)] + [question(f"p{n}", "paraphrase") for n in range(6)]
         + [question(f"n{n}", "unanswerable", "near") for n in range(5)]
         + [question(f"o{n}", "unanswerable", "off") for n in range(3)] + [question("m0", "multi_source")])


def halves(questions: list[EvalQuestion]) -> tuple[list[str], list[str]]:
    return [q.id for q in split_half(questions, "tune")], [q.id for q in split_half(questions, "report")]


def strata(ids: list[str], questions: list[EvalQuestion]) -> collections.Counter:
    by_id = {q.id: q for q in questions}
    return collections.Counter((by_id[i].kind, by_id[i].topic) for i in ids)


def assert_split_evenly(questions: list[EvalQuestion]) -> None:
    tune, report = halves(questions)
    assert not set(tune) & set(report)
    assert sorted(tune + report) == sorted(q.id for q in questions)
    everything = strata([q.id for q in questions], questions)
    tuned, reported = strata(tune, questions), strata(report, questions)
    for stratum, size in everything.items():
        assert abs(tuned[stratum] - reported[stratum]) <= 1, (stratum, tuned[stratum], reported[stratum])
        assert tuned[stratum] + reported[stratum] == size


def test_the_halves_are_disjoint_cover_the_set_and_split_every_stratum_within_one():
    assert_split_evenly(MIXED)
    tune, report = halves(MIXED)
    assert tune == [q.id for q in MIXED if q.id in tune]  # in the file's order


def test_the_split_ignores_the_order_of_the_rows():
    expected = [set(h) for h in halves(MIXED)]
    for seed in range(5):
        shuffled = random.Random(seed).sample(MIXED, len(MIXED))
        assert [set(h) for h in halves(shuffled)] == expected


def test_rows_added_to_other_strata_move_nothing():
    tune, report = halves(MIXED)
    grown = [question("f0", "followup"), *MIXED[:9], question("f1", "followup"), *MIXED[9:],
             question("f2", "followup")]
    grown_tune, grown_report = halves(grown)
    assert set(tune) <= set(grown_tune) and set(report) <= set(grown_report)
    assert_split_evenly(grown)


def test_rows_added_to_a_stratum_keep_it_even_and_leave_the_others_alone():
    tune, report = halves(MIXED)
    grown = (MIXED + [question(f"s{n}", "single") for n in range(7, 12)]
             + [question(f"o{n}", "unanswerable", "off") for n in range(3, 7)])
    assert_split_evenly(grown)
    grown_tune, grown_report = halves(grown)
    untouched = {q.id for q in MIXED if q.kind != "single" and q.topic != "off"}  # near questions included
    assert set(tune) & untouched == set(grown_tune) & untouched
    assert set(report) & untouched == set(grown_report) & untouched


def test_the_split_does_not_depend_on_the_hash_seed():
    script = ("import json, sys; from qa.evaluation import EvalQuestion, split_half; "
              "qs = [EvalQuestion(i, i, (), (), (), kind=k, topic=t) for i, k, t in json.loads(sys.argv[1])]; "
              "json.dump([[q.id for q in split_half(qs, h)] for h in ('tune', 'report')], sys.stdout)")
    rows = json.dumps([(q.id, q.kind, q.topic) for q in MIXED])
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", script, rows], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        assert json.loads(run.stdout) == list(halves(MIXED))


def test_only_tune_and_report_are_halves():
    with pytest.raises(QAError, match="'train'"):
        split_half(MIXED, "train")


def test_read_questions_keeps_the_topic(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "Who?", "expect": None, "kind": "unanswerable",
                                "topic": "near"}) + "\n"
                    + json.dumps({"id": "b", "question": "What?", "expect": None, "kind": "unanswerable"}) + "\n",
                    encoding="utf-8")
    assert [q.topic for q in read_questions(path)] == ["near", ""]


@pytest.mark.shared("eval/archive_dev.jsonl")
def test_the_dev_set_splits_evenly_by_kind_and_topic():
    questions = read_questions(DEV_SET)
    assert collections.Counter(q.topic for q in questions if q.kind == "unanswerable") == {"near": 30, "off": 5}
    assert_split_evenly(questions)
    tune, report = halves(questions)
    assert (len(tune), len(report)) == (53, 54)  # the odd stratum's extra row is reported on


# ------------------------------------------------------------------ figures over the real archive

# Two rows of every kind (and topic), so each half holds one: rows of eval/questions.jsonl, and two
# general-knowledge questions the archive cannot answer.
FROM_QUESTIONS = {"q001": "single", "q017": "single", "q087": "followup", "q088": "followup",
                  "q011": "paraphrase", "q012": "paraphrase", "q101": "multi_source", "q103": "multi_source",
                  "q110": "near", "q111": "near"}
OFF_TOPIC = ["What is the capital of Australia?", "At what temperature does water boil at sea level?"]


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    rows = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        label = FROM_QUESTIONS.get(row["id"])
        if label == "near":
            rows.append({**row, "topic": "near"})
        elif label:
            rows.append({**row, "kind": label})
    rows += [{"id": f"off{n}", "question": text, "expect": None, "kind": "unanswerable", "topic": "off"}
             for n, text in enumerate(OFF_TOPIC)]
    path = tmp_path_factory.mktemp("eval") / "small.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def eval_cli(small_set: Path, index: Path, *options: str):
    run = CliRunner().invoke(main, ["eval", str(small_set), "--corpus", str(CORPUS), "--index", str(index), *options])
    assert run.exit_code == 0, run.output
    return run.stdout


def share(rows: list[dict], passes) -> float:
    return round(sum(1 for r in rows if passes(r)) / len(rows), 3)


def test_eval_reports_the_half_and_its_figures_as_json(small_set, built_index):
    figures = json.loads(eval_cli(small_set, built_index.path, "--half", "report", "--json"))
    expected = split_half(read_questions(small_set), "report")
    assert figures["half"] == "report" and figures["questions"] == len(expected) == 6
    rows = figures["rows"]
    assert [r["id"] for r in rows] == [q.id for q in expected]
    assert [r["topic"] for r in rows] == [q.topic for q in expected]
    assert {"hit@1", "hit@5", "mrr@10", "answer_in_top_three", "abstention_recall", "multi_source_recall",
            "paraphrase_hit@5"} <= set(figures)  # the figures there were before

    paraphrased = [r for r in rows if r["kind"] == "paraphrase"]
    near = [r for r in rows if r["topic"] == "near"]
    off = [r for r in rows if r["topic"] == "off"]
    assert len(paraphrased) == len(near) == len(off) == 1
    assert figures["paraphrase_top_three"] == share(paraphrased, lambda r: r["top_three"])
    assert figures["near_topic_refused"] == share(near, lambda r: not r["answered"])
    assert figures["off_topic_refused"] == share(off, lambda r: not r["answered"])


def test_eval_prints_the_half_and_the_new_figures(small_set, built_index):
    lines = eval_cli(small_set, built_index.path, "--half", "tune").splitlines()
    figures = dict(line.split(maxsplit=1) for line in lines if not line.startswith(" "))
    assert figures["half"] == "tune" and figures["questions"] == "6"
    for name in ("paraphrase_top_three", "near_topic_refused", "off_topic_refused", "multi_source_recall"):
        assert figures[name] != "None", name


def test_refusal_figures_are_none_without_unanswerable_questions(small_set, archive):
    paraphrased = [q for q in read_questions(small_set) if q.kind == "paraphrase"]
    figures = evaluate(archive, paraphrased)
    assert figures["near_topic_refused"] is None and figures["off_topic_refused"] is None
    assert figures["paraphrase_top_three"] == share(figures["rows"], lambda r: r["top_three"])
    assert figures["answer_in_top_three"] == figures["paraphrase_top_three"]  # every row a paraphrase


def test_a_question_without_topic_is_in_neither_refusal_figure(archive):
    unlabelled = replace(question("u", "unanswerable"), question="What is the capital of Australia?")
    figures = evaluate(archive, [unlabelled])
    assert figures["unanswerable"] == 1 and figures["rows"][0]["topic"] == ""
    assert figures["near_topic_refused"] is None and figures["off_topic_refused"] is None
