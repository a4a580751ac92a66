"""An answer as a reviewer keeps it: Markdown (quotes as block quotes, citations with permalinks), CSV
(one row a quote) or the API's JSON. The chat's export and `qa ask --format` both call these.

A refusal exports too: its message, and the nearest passages marked as not an answer. A weak match
(`low_confidence`) says so, as the chat does.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from .results import AskResult, Cited

__all__ = ["to_markdown", "to_csv", "to_json", "CSV_COLUMNS", "FORMATS", "WEAK_MATCH"]

CSV_COLUMNS = ("rank", "doc_id", "title", "date", "section", "paragraph", "anchor", "start", "end", "score",
               "citation", "permalink", "text", "kind")
FORMATS = ("text", "markdown", "json", "csv")
NEAREST = "nearest passage (not an answer)"
# Said before the quotes of a `low_confidence` answer, in the chat and in every export.
WEAK_MATCH = "A weak match: check the quotes against their paragraphs."


def _items(result: AskResult) -> tuple[tuple[Cited, ...], str]:
    """What the answer shows and what each item is: its quotes, or for a refusal the nearest passages."""
    return (result.quotes, "quote") if result.answered else (result.passages, NEAREST)


def _link(item: Cited, base_url: str) -> str:
    return base_url.rstrip("/") + item.permalink


def to_markdown(result: AskResult, base_url: str = "") -> str:
    """The question, each quote as a block quote followed by its citation and permalink (absolute when
    `base_url`, e.g. http://127.0.0.1:7860, is given; else relative to the server)."""
    question = " ".join(result.question.split())
    parts = [f"**Question:** {question}"]
    items, _ = _items(result)
    if not result.answered:
        parts.append(f"**{result.message}**")
        if items:
            parts.append("The nearest passages, not an answer:")
    elif result.low_confidence:
        parts.append(f"**{WEAK_MATCH}**")
    for item in items:
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in item.text.split("\n"))
        parts.append(f"{quoted}\n\n— {item.citation} · [open in context]({_link(item, base_url)})")
    return "\n\n".join(parts) + "\n"


def to_csv(result: AskResult, base_url: str = "") -> str:
    """One row a quote (or nearest passage), with the columns of CSV_COLUMNS; `kind` says which, followed for
    a refusal by its message and for a weak match by WEAK_MATCH."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    items, kind = _items(result)
    if not result.answered:
        kind = f"{kind}: {result.message}"
    elif result.low_confidence:
        kind = f"{kind}: {WEAK_MATCH}"
    for rank, item in enumerate(items, 1):
        writer.writerow([rank, item.doc_id, item.title, item.date, item.section, item.paragraph, item.anchor,
                         item.start, item.end, item.score, item.citation, _link(item, base_url), item.text, kind])
    return out.getvalue()


def to_json(result: AskResult) -> str:
    """The `POST /api/ask` payload, as `qa ask --json` prints it."""
    return json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2)
