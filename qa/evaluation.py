"""`qa eval`: passage hit@1/hit@5/MRR@10, quote accuracy and abstention over a question set.

The format is ../shared/eval/'s: `{id, question, history?, expect: null | {snippet, answer}}`,
optionally `also: [{snippet, answer}]` for questions that more than one passage answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import QAError

__all__ = ["EvalQuestion", "read_questions", "evaluate", "normalise"]

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


def read_questions(path: Path) -> list[EvalQuestion]:
    """Questions from a JSONL file; a malformed line is an error naming the file and line."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            expected = [raw["expect"], *raw.get("also", [])] if raw["expect"] else []
            questions.append(EvalQuestion(
                id=str(raw.get("id", number)), question=raw["question"], history=tuple(raw.get("history", ())),
                snippets=tuple(e["snippet"] for e in expected), answers=tuple(e["answer"] for e in expected),
                kind=raw.get("kind", ""),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(f"{path}:{number}: not an eval question ({exc})") from exc
    return questions


def evaluate(archive: Any, questions: list[EvalQuestion], k: int = 10) -> dict[str, Any]:
    """Ask every question; return the figures and one row per question for inspection."""
    rows = []
    for q in questions:
        result = archive.ask(q.question, list(q.history), k=k)
        passages = [normalise(p.text) for p in result.passages]
        rank = next((i + 1 for i, text in enumerate(passages) if any(normalise(s) in text for s in q.snippets)), None)
        quotes = [normalise(x.text) for x in result.quotes]
        answers = [normalise(a) for a in q.answers]
        rows.append({
            "id": q.id, "question": q.question, "kind": q.kind, "answerable": bool(q.snippets),
            "answered": result.answered, "rank": rank,
            "top_quote": bool(quotes) and any(a in quotes[0] for a in answers),
            "top_three": any(a in quote for quote in quotes[:3] for a in answers),
            "best": result.quotes[0].text if result.quotes else "",
            "took_ms": result.took_ms,
        })
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if not r["answered"]]

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
        "rows": rows,
    }
