"""The JSON shapes of DESIGN.md's API contract, shared by the CLI's --json and the REST API."""

from __future__ import annotations

from typing import Any

from .types import Document, Paragraph

__all__ = ["document_summary", "document_detail", "paragraph_entry"]


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
