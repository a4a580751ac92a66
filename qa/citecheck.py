"""Citation checks: is a saved quote still where it was cited, after the archive changed?

A quote as the API gave it (`doc_id`, `anchor`, `start`, `end`, `text`, `sha256`) is looked for:

- `ok`: the same text at the same offsets, in the same paragraph.
- `moved`: the same words elsewhere: at other offsets or under another anchor of the same document,
  with white space that differs only (re-flowed text: the words, not their spacing, are what is
  quoted), or, when the document itself is gone, verbatim in another document (a renamed or
  re-catalogued file). The new place and its citation are returned.
- `changed`: the document is there but the words are not; the nearest paragraph is returned, with
  the share of the quote's characters it still holds, in order (difflib), as `similarity`.
- `unknown_document`: no document has that id, and no document holds the words.

Within a document, the occurrence nearest the old offsets wins; across documents, the first in
the archive's order. Matches count only inside a paragraph (never in dropped page furniture).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping

from .types import Document, Paragraph

__all__ = ["QuoteRef", "CheckResult", "VerifyResult", "check_quote", "check_quotes", "read_saved_quotes"]

# Read by pydantic (and so FastAPI) when it builds a schema, as in qa.results.
_DOCSTRINGS = {"use_attribute_docstrings": True}
# Paragraphs compared in full (difflib) for a changed quote, after a cheap first sort.
_SHORTLIST = 12

Status = Literal["ok", "moved", "changed", "unknown_document"]


@dataclass(frozen=True)
class QuoteRef:
    """A quote to check, as /api/ask or /api/search gave it; other fields it carried are ignored."""

    __pydantic_config__ = _DOCSTRINGS

    doc_id: str
    anchor: str
    start: int
    end: int
    text: str
    """The quote as it was given: verbatim document.text[start:end] then."""
    sha256: str | None = None
    """The document's content hash when the quote was given, when known."""


@dataclass(frozen=True)
class CheckResult:
    """Where a quote stands now. The place fields are null for `unknown_document`."""

    __pydantic_config__ = _DOCSTRINGS

    status: Status
    """ok: still at doc_id/anchor/start:end; moved: the same words elsewhere (see the fields);
    changed: the words are gone, the fields give the nearest paragraph; unknown_document."""
    detail: str
    """What was found, in a sentence."""
    doc_id: str | None
    """The document the words are in now (for `changed`: the nearest paragraph's)."""
    anchor: str | None
    start: int | None
    end: int | None
    text: str | None
    """Verbatim document.text[start:end] now: the quote (ok, moved) or the nearest paragraph (changed)."""
    citation: str | None
    similarity: float | None
    """1.0 when the words are found; for `changed`, the share of the quote's characters the nearest
    paragraph holds in order (0 to 1)."""
    document_changed: bool | None
    """Whether the document's sha256 differs from the one sent; null when none was sent or the document is gone."""


@dataclass(frozen=True)
class VerifyResult:
    """`POST /api/verify`: one result a quote, in the order they were sent."""

    __pydantic_config__ = _DOCSTRINGS

    results: tuple[CheckResult, ...]


def check_quotes(documents: Mapping[str, Document], quotes: Iterable[QuoteRef]) -> VerifyResult:
    """Each quote checked against `documents` (by doc_id), in order."""
    return VerifyResult(tuple(check_quote(documents, quote) for quote in quotes))


def check_quote(documents: Mapping[str, Document], quote: QuoteRef) -> CheckResult:
    document = documents.get(quote.doc_id)
    if document is None:
        return _elsewhere(documents, quote)
    changed = None if quote.sha256 is None else quote.sha256 != document.sha256
    text = document.text
    if 0 <= quote.start < quote.end <= len(text) and text[quote.start : quote.end] == quote.text:
        paragraph = _paragraph_at(document, quote.start, quote.end)
        if paragraph is not None and paragraph.anchor == quote.anchor:
            return _found(document, paragraph, quote.start, quote.end, "ok", changed,
                          "The quoted words are still at the cited place.")
    found = _find(document, quote)
    if found is not None:
        paragraph, start, end = found
        how = "the same words" if text[start:end] == quote.text else "the same words, with different white space,"
        where = f"paragraph {paragraph.anchor}" + ("" if paragraph.anchor == quote.anchor else
                                                   f" (was {quote.anchor})")
        return _found(document, paragraph, start, end, "moved", changed,
                      f"{how[0].upper()}{how[1:]} are now at {start}-{end} (was {quote.start}-{quote.end}), {where}.")
    return _nearest(document, quote, changed)


def _found(document: Document, paragraph: Paragraph, start: int, end: int, status: Status,
           changed: bool | None, detail: str) -> CheckResult:
    if changed:
        detail += " The document changed since the quote was given (sha256 differs)."
    return CheckResult(status, detail, document.doc_id, paragraph.anchor, start, end, document.text[start:end],
                       document.citation(paragraph), 1.0, changed)


def _elsewhere(documents: Mapping[str, Document], quote: QuoteRef) -> CheckResult:
    """The document is gone: the same words in another one are the quote, moved."""
    for document in documents.values():
        found = _find(document, quote)
        if found is not None:
            paragraph, start, end = found
            return CheckResult("moved", f"Document {quote.doc_id!r} is gone; the same words are in "
                               f"{document.doc_id!r}, paragraph {paragraph.anchor}.", document.doc_id,
                               paragraph.anchor, start, end, document.text[start:end], document.citation(paragraph),
                               1.0, None)
    return CheckResult("unknown_document", f"No document {quote.doc_id!r}, and no document holds the quoted words.",
                       None, None, None, None, None, None, None, None)


def _find(document: Document, quote: QuoteRef) -> tuple[Paragraph, int, int] | None:
    """The occurrence of the quote's words (verbatim, else with any white space between them) that lies
    inside a paragraph, nearest to the old start; None if there is none."""
    words = quote.text.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    spans = [(m.start(), m.end()) for m in pattern.finditer(document.text)]
    exact = [(s, e) for s, e in spans if document.text[s:e] == quote.text]
    for group in (exact, spans):
        placed = [(p, s, e) for s, e in group if (p := _paragraph_at(document, s, e)) is not None]
        if placed:
            return min(placed, key=lambda found: (found[0].anchor != quote.anchor, abs(found[1] - quote.start)))
    return None


def _paragraph_at(document: Document, start: int, end: int) -> Paragraph | None:
    return next((p for p in document.paragraphs if p.start <= start and end <= p.end), None)


def _nearest(document: Document, quote: QuoteRef, changed: bool | None) -> CheckResult:
    """`changed`: the paragraph holding most of the quote's characters in order."""
    if not document.paragraphs:
        return CheckResult("changed", f"Document {document.doc_id!r} no longer holds the quoted words, "
                           "and has no paragraphs.", document.doc_id, None, None, None, None, None, 0.0, changed)
    wanted = " ".join(quote.text.split())
    words = set(wanted.lower().split())

    def shared_words(paragraph: Paragraph) -> float:
        return len(words & set(document.paragraph_text(paragraph).lower().split())) / max(len(words), 1)

    def held(paragraph: Paragraph) -> float:
        matcher = difflib.SequenceMatcher(None, wanted, " ".join(document.paragraph_text(paragraph).split()),
                                          autojunk=False)
        return sum(block.size for block in matcher.get_matching_blocks()) / max(len(wanted), 1)

    # Words in common first (cheap), then characters in order for the few that share most.
    shortlist = sorted(document.paragraphs, key=lambda p: (-shared_words(p), p.anchor != quote.anchor))[:_SHORTLIST]
    best = max(shortlist, key=lambda p: (held(p), p.anchor == quote.anchor))
    similarity = round(held(best), 3)
    return CheckResult("changed", f"The document changed and the quoted words are gone; the nearest paragraph "
                       f"is {best.anchor}, holding {similarity:.0%} of them.", document.doc_id, best.anchor,
                       best.start, best.end, document.paragraph_text(best), document.citation(best), similarity,
                       changed)


def read_saved_quotes(lines: Iterable[str]) -> tuple[list[tuple[int, QuoteRef]], list[tuple[int, str]]]:
    """Quotes from JSONL lines, each a quote or a whole /api/ask response (its `quotes` are taken):
    (line number, quote) pairs, and (line number, problem naming the field) for lines that are not usable."""
    quotes: list[tuple[int, QuoteRef]] = []
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            problems.append((number, f"not JSON ({exc})"))
            continue
        if isinstance(raw, dict) and isinstance(raw.get("quotes"), list):
            items = [(f"quotes[{i}].", item) for i, item in enumerate(raw["quotes"])]
        else:
            items = [("", raw)]
        for prefix, item in items:
            try:
                quotes.append((number, _quote_ref(item, prefix)))
            except ValueError as exc:
                problems.append((number, str(exc)))
    return quotes, problems


def _quote_ref(raw: object, prefix: str) -> QuoteRef:
    if not isinstance(raw, dict):
        raise ValueError(f"{prefix or 'the line'} is not a JSON object with doc_id, anchor, start, end and text")
    for field, kind in (("doc_id", str), ("anchor", str), ("start", int), ("end", int), ("text", str)):
        if field not in raw:
            raise ValueError(f"{prefix}{field} is required")
        if not isinstance(raw[field], kind) or isinstance(raw[field], bool):
            raise ValueError(f"{prefix}{field} must be {'a whole number' if kind is int else 'a string'}")
    if not raw["text"].strip():
        raise ValueError(f"{prefix}text is empty")
    sha256 = raw.get("sha256")
    if sha256 is not None and not isinstance(sha256, str):
        raise ValueError(f"{prefix}sha256 must be a string")
    return QuoteRef(raw["doc_id"], raw["anchor"], raw["start"], raw["end"], raw["text"], sha256)
