"""Checks on the evaluation question set ``eval/questions.jsonl``.

These tests read the archive's files in corpus/ directly (not the project code), so they
validate the gold data itself: every answerable question must point at exactly one line
(paragraph) of exactly one archive file, and its answer must be in that same line.
"""

from __future__ import annotations

import collections
import json
import re

import pytest

from conftest import CORPUS, DEV_QUESTIONS, QUESTIONS

# A question's `doc` is the file's name in the archive as received; corpus/ holds the same
# bytes under names that say what each is. Each document's minimum count of questions beside it.
DOCS = {
    "000_97c713e8026b6e0c.txt": ("2009-07-16-womens-safety-olympics.txt", 10),
    "001_80f158e11b9b012f.txt": ("2010-01-28-mps-human-trafficking-response.txt", 10),
    "002_049084e40b1f6c32.txt": ("2010-12-09-scd9-first-six-months.txt", 10),
    "003_2ba0d98c8884d469.txt": ("2012-03-boff-report-executive-summary.txt", 8),
    "004_16f7a19a11461a84.txt": ("2012-03-20-blog-boff-report.txt", 8),
}
KIND_MINIMUMS = {
    "lexical": 1,
    "paraphrase": 15,
    "number": 1,
    "footnote": 6,
    "section_c": 1,
    "comment": 4,
    "followup": 6,
    "topic_switch": 4,
    "multi_source": 3,
    "unanswerable": 15,
}
KINDS = set(KIND_MINIMUMS)
ALLOWED_KEYS = {"id", "question", "history", "expect", "kind", "doc", "also"}

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def norm(text: str) -> str:
    """Curly quotes to straight, NBSP to space, collapse whitespace, lower-case."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().lower()


def _load_lines() -> list[str]:
    return QUESTIONS.read_text(encoding="utf-8").splitlines()


def _load_questions() -> list[dict]:
    return [json.loads(line) for line in _load_lines() if line.strip()]


QS = _load_questions()
ANSWERABLE = [q for q in QS if q.get("expect") is not None]


@pytest.fixture(scope="module")
def archive_lines() -> dict[str, list[str]]:
    out = {}
    for name, (file, _) in DOCS.items():
        text = (CORPUS / file).read_text(encoding="utf-8")
        out[name] = [norm(line) for line in text.split("\n")]
    return out


def _locate(archive_lines: dict[str, list[str]], snippet: str) -> list[tuple[str, int]]:
    s = norm(snippet)
    return [(doc, i) for doc, lines in archive_lines.items() for i, line in enumerate(lines) if s in line]


# ---------------------------------------------------------------- file-level checks


def test_every_line_parses():
    lines = _load_lines()
    assert lines, "questions.jsonl is empty"
    for n, line in enumerate(lines, 1):
        assert line.strip(), f"blank line {n}"
        obj = json.loads(line)
        assert isinstance(obj, dict), f"line {n} is not an object"


def test_at_least_80_questions():
    assert len(QS) >= 80


def test_ids_unique():
    ids = [q["id"] for q in QS]
    dupes = [i for i, c in collections.Counter(ids).items() if c > 1]
    assert not dupes, dupes


def test_kind_counts():
    counts = collections.Counter(q["kind"] for q in QS)
    for kind, minimum in KIND_MINIMUMS.items():
        assert counts[kind] >= minimum, f"{kind}: {counts[kind]} < {minimum}"


def test_document_counts():
    counts = collections.Counter(q["doc"] for q in QS if q["doc"])
    for doc, (_, minimum) in DOCS.items():
        assert counts[doc] >= minimum, f"{doc}: {counts[doc]} < {minimum}"


@pytest.mark.shared("eval/dev_questions.jsonl")
def test_questions_not_copied_from_dev_set():
    dev = {norm(json.loads(line)["question"]) for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()}
    copied = [q["id"] for q in QS if norm(q["question"]) in dev]
    assert not copied, copied


def test_questions_distinct():
    seen = collections.Counter((norm(q["question"]), tuple(norm(h) for h in q.get("history", []))) for q in QS)
    assert all(c == 1 for c in seen.values()), [k for k, c in seen.items() if c > 1]


# ---------------------------------------------------------------- per-question checks


@pytest.mark.parametrize("q", QS, ids=[q["id"] for q in QS])
def test_schema(q):
    assert set(q) <= ALLOWED_KEYS, set(q) - ALLOWED_KEYS
    assert re.fullmatch(r"q\d{3}", q["id"])
    assert isinstance(q["question"], str) and q["question"].strip()
    assert q["kind"] in KINDS
    history = q.get("history", [])
    assert isinstance(history, list) and all(isinstance(h, str) and h.strip() for h in history)
    if q["kind"] == "unanswerable":
        assert q["expect"] is None
        assert q["doc"] is None
        assert "also" not in q
    else:
        assert isinstance(q["expect"], dict)
        assert set(q["expect"]) == {"snippet", "answer"}
        assert q["doc"] in DOCS
        assert q["expect"]["answer"].strip()
    if q["kind"] in ("followup", "topic_switch"):
        assert history, "follow-ups and topic switches need a non-empty history"
    if q["kind"] == "multi_source":
        assert q.get("also"), "multi_source questions need an 'also' list"
    else:
        assert "also" not in q


@pytest.mark.parametrize("q", ANSWERABLE, ids=[q["id"] for q in ANSWERABLE])
def test_snippet_and_answer_in_one_line(q, archive_lines):
    snippet, answer = q["expect"]["snippet"], q["expect"]["answer"]
    assert 8 <= len(snippet.split()) <= 20, f"snippet should be 8-20 words: {snippet!r}"
    hits = _locate(archive_lines, snippet)
    assert len(hits) == 1, f"snippet must occur in exactly one line of one file, found {hits}"
    doc, i = hits[0]
    assert doc == q["doc"], f"snippet found in {doc}, not {q['doc']}"
    assert norm(answer) in archive_lines[doc][i], f"answer {answer!r} not in the snippet's line"


@pytest.mark.parametrize(
    "q", [q for q in QS if q.get("also")], ids=[q["id"] for q in QS if q.get("also")]
)
def test_also_entries(q, archive_lines):
    main_doc = q["doc"]
    other_docs = set()
    for entry in q["also"]:
        assert {"snippet", "answer"} <= set(entry) <= {"snippet", "answer", "doc"}
        assert 8 <= len(entry["snippet"].split()) <= 20, entry["snippet"]
        hits = _locate(archive_lines, entry["snippet"])
        assert len(hits) == 1, f"'also' snippet must occur in exactly one line, found {hits}"
        doc, i = hits[0]
        if "doc" in entry:
            assert entry["doc"] == doc, f"'also' snippet found in {doc}, not {entry['doc']}"
        assert norm(entry["answer"]) in archive_lines[doc][i], entry["answer"]
        other_docs.add(doc)
    assert other_docs - {main_doc}, "a multi_source question needs an answer in a second document"
