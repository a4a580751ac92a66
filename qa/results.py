"""What the facade returns, defined once: the REST API serves these (`response_model`), the CLI's
`--json` prints `dataclasses.asdict` of them, and the UI reads their attributes.

Each field's docstring becomes its description in /openapi.json (`use_attribute_docstrings`),
so the schema a client reads is written here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .types import Document, Dropped, Paragraph

__all__ = ["permalink", "Cited", "SearchResult", "AskResult", "DocumentSummary", "ParagraphEntry", "DocumentDetail",
           "ParagraphDetail", "IndexInfo", "Health"]

# Read by pydantic (and so FastAPI) when it builds a schema; a plain dict keeps pydantic out of this import.
_DOCSTRINGS = {"use_attribute_docstrings": True}


def permalink(doc_id: str, anchor: str | None = None, start: int | None = None, end: int | None = None,
              question: str | None = None) -> str:
    """The reading page's path: `/d/{doc_id}/{anchor}?start=S&end=E&q=…`, each part URL-encoded.

    No anchor: the whole document; no start/end: the whole paragraph; `question` (a quote's, as `q`)
    lets a reviewer record on the page whether the quote answers it."""
    path = f"/d/{quote(doc_id, safe='')}"
    if anchor is not None:
        path += f"/{quote(anchor, safe='')}"
        if start is not None and end is not None:
            path += f"?start={int(start)}&end={int(end)}"
            if question:
                path += f"&q={quote(question, safe='')}"
    return path


@dataclass(frozen=True)
class Cited:
    """Verbatim words of a document with their citation: a passage (a whole paragraph) or a quote
    (one or more whole sentences of it). Always `document.text[start:end] == text`."""

    __pydantic_config__ = _DOCSTRINGS

    doc_id: str
    title: str
    date: str
    """The document's date, ISO 8601: 2010-12-09, or 2012-03 where only the month is known."""
    section: str
    """The heading the paragraph sits under ("" before the first heading)."""
    paragraph: str
    """The paragraph's label as printed: 16, fn 4, ¶7."""
    anchor: str
    """Stable id of the paragraph in its document: B16, C4, fn4, p7."""
    text: str
    """Verbatim: document.text[start:end]."""
    start: int
    end: int
    score: float
    """The ranking score: comparable within one response, not across questions."""
    citation: str
    """How a reviewer finds it: title (source), section and paragraph reference."""
    page: int | None
    """The PDF page the paragraph is on; null for other files."""
    sha256: str
    """The document's content hash (of its file's bytes): keep it with a saved answer, and
    POST /api/verify tells whether the document changed since."""
    permalink: str
    """The reading page, a path relative to the server: the paragraph in its document, highlighted, and for
    a quote its words marked: /d/{doc_id}/{anchor}?start=S&end=E (start and end for quotes only; a quote
    from /api/ask adds &q=the question, so that a reviewer can record a verdict there)."""

    @classmethod
    def of(cls, document: Document, paragraph: Paragraph, score: float,
           start: int | None = None, end: int | None = None, question: str | None = None) -> "Cited":
        """The whole `paragraph`, or its sub-span `start:end` (a quote, given for `question`)."""
        link = permalink(document.doc_id, paragraph.anchor, start, end, question)
        start = paragraph.start if start is None else start
        end = paragraph.end if end is None else end
        return cls(document.doc_id, document.title, document.date, paragraph.section, paragraph.label,
                   paragraph.anchor, document.text[start:end], start, end, round(float(score), 4),
                   document.citation(paragraph), paragraph.page, document.sha256, link)


@dataclass(frozen=True)
class SearchResult:
    """`POST /api/search`: the best passages for a query, best first."""

    __pydantic_config__ = _DOCSTRINGS

    query: str
    took_ms: float
    """Time spent answering, in milliseconds, on the server."""
    passages: tuple[Cited, ...]


@dataclass(frozen=True)
class AskResult:
    """`POST /api/ask`: quotes that answer the question, or `answered: false` and the nearest passages."""

    __pydantic_config__ = _DOCSTRINGS

    question: str
    answered: bool
    """False when the archive holds no good answer."""
    low_confidence: bool
    """True when answered by a weak match: the best quote scores only just above the scorer's refusal
    threshold, so check the quotes against their paragraphs. False when refused."""
    took_ms: float
    message: str
    """When `answered` is false, "Not found in the archive." followed by `reason`; empty otherwise."""
    reason: str
    """Why nothing answered, as one sentence ("No passage answers this closely enough."); empty when answered."""
    searched: str
    """What was searched: the question, with context from `history` for a follow-up."""
    quotes: tuple[Cited, ...]
    """Empty when `answered` is false."""
    passages: tuple[Cited, ...]


@dataclass(frozen=True)
class DocumentSummary:
    """`GET /api/documents` row."""

    __pydantic_config__ = _DOCSTRINGS

    doc_id: str
    title: str
    date: str
    """ISO 8601: 2010-12-09, or 2012-03 where only the month is known."""
    origin: str
    paragraphs: int
    """How many paragraphs."""

    @classmethod
    def of(cls, document: Document) -> "DocumentSummary":
        return cls(document.doc_id, document.title, document.date, document.origin, len(document.paragraphs))


@dataclass(frozen=True)
class ParagraphEntry:
    """Where one paragraph lies in its document's canonical text."""

    __pydantic_config__ = _DOCSTRINGS

    anchor: str
    """Stable id of the paragraph in its document: B16, C4, fn4, p7."""
    label: str
    """The reference as printed: 16, fn 4, ¶7."""
    section: str
    start: int
    end: int
    page: int | None
    """The PDF page the paragraph is on; null for other files."""

    @classmethod
    def of(cls, paragraph: Paragraph) -> "ParagraphEntry":
        return cls(paragraph.anchor, paragraph.label, paragraph.section, paragraph.start, paragraph.end,
                   paragraph.page)


@dataclass(frozen=True)
class DocumentDetail:
    """`GET /api/documents/{doc_id}`: metadata, the canonical text and every paragraph's offsets."""

    __pydantic_config__ = _DOCSTRINGS

    doc_id: str
    title: str
    date: str
    origin: str
    source: str
    """The document as its publisher names it, e.g. a report number and date; may be empty."""
    file: str
    """The file in the corpus folder it was read from."""
    sha256: str
    """Of that file's bytes: what `qa verify` checks."""
    text: str
    """The canonical text every offset refers to."""
    paragraphs: tuple[ParagraphEntry, ...]
    dropped: tuple[Dropped, ...]
    """Spans of the text left out of the paragraphs (page furniture), each with the profile rule that dropped it."""

    @classmethod
    def of(cls, document: Document) -> "DocumentDetail":
        return cls(document.doc_id, document.title, document.date, document.origin, document.source,
                   document.path, document.sha256, document.text,
                   tuple(ParagraphEntry.of(p) for p in document.paragraphs), document.dropped)


@dataclass(frozen=True)
class ParagraphDetail(ParagraphEntry):
    """`GET /api/documents/{doc_id}/paragraphs/{anchor}`: one paragraph, its citation and neighbours."""

    doc_id: str
    text: str
    """Verbatim: document.text[start:end]."""
    citation: str
    prev: str | None
    """Anchor of the paragraph before, or null."""
    next: str | None
    """Anchor of the paragraph after, or null."""

    @classmethod
    def at(cls, document: Document, position: int) -> "ParagraphDetail":
        """The paragraph at `position` in `document`'s reading order."""
        paragraphs = document.paragraphs
        paragraph = paragraphs[position]
        return cls(paragraph.anchor, paragraph.label, paragraph.section, paragraph.start, paragraph.end,
                   paragraph.page, document.doc_id, document.paragraph_text(paragraph), document.citation(paragraph),
                   paragraphs[position - 1].anchor if position > 0 else None,
                   paragraphs[position + 1].anchor if position + 1 < len(paragraphs) else None)


@dataclass(frozen=True)
class IndexInfo:
    """The index generation in use."""

    __pydantic_config__ = _DOCSTRINGS

    built_at: str
    version: int
    """The index format version."""
    faiss: str
    """The vector index type: flat or exact (every search exact), hnsw or hnsw_sq8 (approximate)."""
    store: str = "faiss"
    """Where the passages are held and searched: faiss, qdrant-edge (in process) or qdrant-server."""


@dataclass(frozen=True)
class Health:
    """`GET /api/health`: the index in use, its model and the sentence scorer."""

    __pydantic_config__ = _DOCSTRINGS

    status: str
    documents: int
    passages: int
    model: str
    """The sentence-transformers model that embedded the index and embeds queries."""
    scorer: str
    """The sentence scorer that picks quotes."""
    index: IndexInfo

    @classmethod
    def of(cls, manifest: dict[str, Any], documents: int, scorer: str) -> "Health":
        """From an index manifest (see `store.build_index`)."""
        return cls("ok", documents, manifest["counts"]["passages"], manifest["model"], scorer,
                   IndexInfo(manifest["built_at"], manifest["format_version"], manifest["store"]["type"],
                             manifest["store"].get("mode", "faiss")))
