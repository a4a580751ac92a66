"""`qa eval`: passage hit@1/hit@5/MRR@10, quote accuracy and abstention over a question set.

Two line formats. The project's (../shared/eval/'s): `{id, question, history?, expect: null |
{snippet, answer}}`, optionally `also: [{snippet, answer}]` for questions that more than one passage
answers; a passage holding a snippet is a hit. SQuAD's (../shared/external/squad/): `{id, question,
doc, para, answers}`; a passage inside paragraph `para` of file `doc` (paragraphs are the file's
blank-line-separated blocks, block 0 its title) is a hit.

`split_half` cuts a set into a `tune` and a `report` half, so that a threshold tuned on one is judged
on the other.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import QAError

__all__ = ["EvalQuestion", "HALVES", "parse_question", "read_questions", "sample", "split_half", "evaluate",
           "normalise", "file_blocks"]

HALVES = ("tune", "report")

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Curly quotes straight, white space collapsed, lower case: how snippets and answers are compared."""
    return " ".join(text.translate(_QUOTES).split()).lower()


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    history: tuple[str, ...]
    snippets: tuple[str, ...]  # empty: the archive does not answer it
    answers: tuple[str, ...]
    kind: str = ""
    gold: tuple[str, int] | None = None  # SQuAD's (file, paragraph number): where the answer is
    topic: str = ""  # an unanswerable question's: "near" (the archive's own subjects) or "off"


def parse_question(raw: dict[str, Any], number: int = 0) -> EvalQuestion:
    """One question line, in the project's format (with `expect`) or SQuAD's; KeyError/TypeError if neither."""
    return (_project_question if "expect" in raw else _squad_question)(raw, number)


def _project_question(raw: dict[str, Any], number: int) -> EvalQuestion:
    expected = [raw["expect"], *raw.get("also", [])] if raw["expect"] else []
    return EvalQuestion(
        id=str(raw.get("id", number)), question=raw["question"], history=tuple(raw.get("history", ())),
        snippets=tuple(e["snippet"] for e in expected), answers=tuple(e["answer"] for e in expected),
        kind=raw.get("kind", ""), topic=raw.get("topic", ""),
    )


def _squad_question(raw: dict[str, Any], number: int) -> EvalQuestion:
    """A SQuAD line; with no answers (SQuAD 2.0's unanswerable questions) the archive should refuse it."""
    answers = tuple(raw["answers"])
    return EvalQuestion(id=str(raw.get("id", number)), question=raw["question"], history=(), snippets=(),
                        answers=answers, kind=raw.get("kind", "squad"),
                        gold=(raw["doc"], int(raw["para"])) if answers else None)


def read_questions(path: Path) -> list[EvalQuestion]:
    """Questions from a JSONL file; a malformed line is an error naming the file and line."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(parse_question(raw, number))
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(f"{path}:{number}: not an eval question ({exc})") from exc
    return questions


def sample(questions: list[EvalQuestion], size: int | None, seed: int = 0) -> list[EvalQuestion]:
    """`size` questions drawn with `random.Random(seed)` (all of them when `size` is None or larger)."""
    if size is None or size >= len(questions):
        return questions
    return random.Random(seed).sample(questions, size)


def split_half(questions: list[EvalQuestion], half: str) -> list[EvalQuestion]:
    """The `tune` or `report` half of `questions`, in their order.

    Each (kind, topic) stratum is sorted by the sha256 of its ids and dealt alternately: each half holds
    half of every stratum (within one question), whatever the rows' order and Python's hash seed, and a
    row added to one stratum can move only rows of that stratum."""
    if half not in HALVES:
        raise QAError(f"half must be one of {', '.join(HALVES)}, not {half!r}")
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, q in enumerate(questions):
        strata[(q.kind, q.topic)].append(position)
    chosen: set[int] = set()
    for positions in strata.values():
        dealt = sorted(positions, key=lambda p: (hashlib.sha256(questions[p].id.encode()).hexdigest(), p))
        chosen.update(dealt[0 if half == "report" else 1 :: 2])  # an odd stratum's extra row is reported on
    return [q for position, q in enumerate(questions) if position in chosen]


def file_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each blank-line-separated block of a text; SQuAD's paragraph N is block N."""
    spans, position = [], 0
    for gap in re.finditer(r"\n[ \t]*\n\s*", text):
        spans.append((position, gap.start()))
        position = gap.end()
    spans.append((position, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]


class GoldParagraph:
    """Whether a passage lies in a SQuAD question's gold paragraph, by its offsets in the file."""

    def __init__(self, archive: Any):
        self._archive = archive
        self._blocks: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    def holds(self, gold: tuple[str, int], passage: Any) -> bool:
        if passage.doc_id not in self._blocks:
            detail = self._archive.document(passage.doc_id)
            self._blocks[passage.doc_id] = (detail.file, file_blocks(detail.text))
        file, blocks = self._blocks[passage.doc_id]
        name, number = gold
        if file.replace("\\", "/").rsplit("/", 1)[-1] != name or number >= len(blocks):
            return False
        start, end = blocks[number]
        return start <= passage.start < end


def evaluate(archive: Any, questions: list[EvalQuestion], k: int = 10) -> dict[str, Any]:
    """Ask every question; return the figures and one row per question for inspection."""
    rows = []
    gold = GoldParagraph(archive)
    for q in questions:
        result = archive.ask(q.question, list(q.history), k=k)
        if q.gold is not None:
            hit = [gold.holds(q.gold, p) for p in result.passages]
        else:
            hit = [any(normalise(s) in normalise(p.text) for s in q.snippets) for p in result.passages]
        rank = next((i + 1 for i, found in enumerate(hit) if found), None)
        quotes = [normalise(x.text) for x in result.quotes]
        answers = [normalise(a) for a in q.answers]
        rows.append({
            "id": q.id, "question": q.question, "kind": q.kind, "topic": q.topic,
            "answerable": bool(q.snippets or q.gold),
            "answered": result.answered, "rank": rank,
            "top_quote": bool(quotes) and any(a in quotes[0] for a in answers),
            "top_three": any(a in quote for quote in quotes[:3] for a in answers),
            # Where several passages answer (`also`), every one of them is among the quotes.
            "all_sources": len(answers) > 1 and q.snippets != () and all(any(a in quote for quote in quotes)
                                                                           for a in answers),
            "sources": len(answers) if q.snippets else 0,
            "best": result.quotes[0].text if result.quotes else "",
            "took_ms": result.took_ms,
        })
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if not r["answered"]]
    multi = [r for r in answerable if r["sources"] > 1]
    paraphrased = [r for r in answerable if r["kind"] == "paraphrase"]
    near, off = ([r for r in unanswerable if r["topic"] == topic] for topic in ("near", "off"))

    def share(selected, total):
        return round(len(selected) / len(total), 3) if total else None

    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": share([r for r in answerable if r["rank"] == 1], answerable),
        "hit@5": share([r for r in answerable if r["rank"] and r["rank"] <= 5], answerable),
        "mrr@10": round(sum(1 / r["rank"] for r in answerable if r["rank"]) / len(answerable), 3) if answerable else None,
        "answer_in_top_quote": share([r for r in answerable if r["top_quote"]], answerable),
        "answer_in_top_three": share([r for r in answerable if r["top_three"]], answerable),
        "abstention_precision": share([r for r in refused if not r["answerable"]], refused),
        "abstention_recall": share([r for r in unanswerable if not r["answered"]], unanswerable),
        "answerable_refused": share([r for r in answerable if not r["answered"]], answerable),
        "multi_source_recall": share([r for r in multi if r["all_sources"]], multi),
        "paraphrase_hit@5": share([r for r in paraphrased if r["rank"] and r["rank"] <= 5], paraphrased),
        "paraphrase_top_three": share([r for r in paraphrased if r["top_three"]], paraphrased),
        "near_topic_refused": share([r for r in near if not r["answered"]], near),
        "off_topic_refused": share([r for r in off if not r["answered"]], off),
        "rows": rows,
    }
