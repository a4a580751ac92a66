"""The JSON shapes of DESIGN.md's API contract, shared by the CLI's --json and the REST API."""

from __future__ import annotations

from typing import Any

from .types import Document, Paragraph

__all__ = ["document_summary", "document_detail", "paragraph_entry", "passage_payload"]


def document_summary(document: Document) -> dict[str, Any]:
    """`GET /api/documents` row: `{doc_id, title, date, origin, paragraphs}` (a count)."""
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "date": document.date,
        "origin": document.origin,
        "paragraphs": len(document.paragraphs),
    }


def paragraph_entry(paragraph: Paragraph) -> dict[str, Any]:
    """`{anchor, label, section, start, end}`, plus `page` for a paragraph of a PDF."""
    entry: dict[str, Any] = {
        "anchor": paragraph.anchor,
        "label": paragraph.label,
        "section": paragraph.section,
        "start": paragraph.start,
        "end": paragraph.end,
    }
    if paragraph.page is not None:
        entry["page"] = paragraph.page
    return entry


def document_detail(document: Document) -> dict[str, Any]:
    """`GET /api/documents/{doc_id}`: metadata, the canonical `text` and every paragraph's offsets."""
    return {
        **document_summary(document),
        "source": document.source,
        "file": document.path,
        "sha256": document.sha256,
        "text": document.text,
        "paragraphs": [paragraph_entry(p) for p in document.paragraphs],
    }


def passage_payload(document: Document, paragraph: Paragraph, score: float,
                    start: int | None = None, end: int | None = None) -> dict[str, Any]:
    """A `Passage` (or, with a sub-span, a `Quote`): `document.text[start:end] == text`, always."""
    start = paragraph.start if start is None else start
    end = paragraph.end if end is None else end
    payload: dict[str, Any] = {
        "doc_id": document.doc_id,
        "title": document.title,
        "date": document.date,
        "section": paragraph.section,
        "paragraph": paragraph.label,
        "anchor": paragraph.anchor,
        "text": document.text[start:end],
        "start": start,
        "end": end,
        "score": round(float(score), 4),
        "citation": document.citation(paragraph),
    }
    if paragraph.page is not None:
        payload["page"] = paragraph.page
    return payload
