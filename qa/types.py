"""Plain data passed between the stages: documents, paragraphs, spans (passages, sentences), quotes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Paragraph", "Dropped", "Document", "Span", "Quote"]


@dataclass(frozen=True)
class Paragraph:
    """One citable paragraph: `text == document.text[start:end]`.

    `label` is the number as printed ("16", "fn 4") or an ordinal ("¶7"); `anchor` is unique in
    its document and stable across re-indexing (B16, C4, fn4, p7, c1-2); `reference` is how a
    citation names it ("para 16", "§C ¶4", "footnote 4", "comment 1 (Ross)", "¶7").
    """

    anchor: str
    label: str
    section: str
    start: int
    end: int
    reference: str
    page: int | None = None


@dataclass(frozen=True)
class Dropped:
    """A span of the canonical text left out of the paragraphs, and the profile rule that did it
    (e.g. "furniture.header[1]"): nothing is dropped silently."""

    start: int
    end: int
    rule: str


@dataclass(frozen=True)
class Document:
    """A parsed file: its canonical text, catalog facts and paragraphs in reading order."""

    doc_id: str
    path: str
    title: str
    date: str
    origin: str
    source: str
    text: str
    sha256: str
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...] = ()
    dropped: tuple[Dropped, ...] = ()

    def paragraph_text(self, paragraph: Paragraph) -> str:
        return self.text[paragraph.start : paragraph.end]

    def paragraph(self, anchor: str) -> Paragraph | None:
        for p in self.paragraphs:
            if p.anchor == anchor:
                return p
        return None

    def citation(self, paragraph: Paragraph) -> str:
        """The reference a reviewer checks, e.g. "Title (Report 9, 9 December 2010), §C ¶4"."""
        where = paragraph.reference
        if paragraph.page is not None:
            where += f", page {paragraph.page}"
        source = f" ({self.source})" if self.source else ""
        return f"{self.title}{source}, {where}"


@dataclass(frozen=True)
class Span:
    """Offsets into a document's canonical text, inside one paragraph (`anchor`).

    A passage (a whole paragraph, or a window of a long one) and a sentence are both spans.
    """

    doc_id: str
    anchor: str
    start: int
    end: int


@dataclass(frozen=True)
class Quote:
    """Verbatim words of the archive: `document.text[start:end]`, one or more whole sentences."""

    doc_id: str
    anchor: str
    start: int
    end: int
    score: float

