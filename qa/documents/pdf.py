"""PDF parsing: pypdf's text, page by page, cut into paragraph blocks.

pypdf has a long history of hangs and memory blow-ups on malformed files, so it runs in a
child process (`_pdf_worker`) with a wall-clock timeout and an address-space limit; the
child sends back plain JSON. Every failure becomes a one-line `DocumentError`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from qa.documents.blocks import Block, strip_span
from qa.documents.child import run_parser
from qa.errors import DocumentError
from qa.limits import PARSER_MEMORY, PARSER_SECONDS

__all__ = ["read_pdf", "extract_pages", "page_blocks"]

PAGE_SEPARATOR = "\n\n"

_WORKER = str(Path(__file__).resolve().with_name("_pdf_worker.py"))
# Runs the worker file as a script: the child imports pypdf and the standard library only,
# not the `qa` package, and does not put the working directory on sys.path.
# (Run as `python _pdf_worker.py`, its own folder would come first and html.py there would
# shadow the standard library's html.)
_BOOTSTRAP = (
    "import sys; sys.path = [p for p in sys.path if p]; "
    "import runpy; runpy.run_path(sys.argv.pop(1), run_name='__main__')"
)


def read_pdf(
    path: Path, *, timeout: float = PARSER_SECONDS, memory_limit: int = PARSER_MEMORY
) -> tuple[str, list[Block]]:
    """The canonical text of the PDF at `path` (pages joined by a blank line) and its blocks.

    Each block is a paragraph of one page and carries that page's 1-based number. Raises
    `DocumentError` with a one-line reason when the file cannot be read.
    """
    pages = extract_pages(path, timeout=timeout, memory_limit=memory_limit)
    if not any(page.strip() for page in pages):
        reason = "no extractable text (scanned images?)" if pages else "no pages"
        raise DocumentError(str(path), reason)
    blocks: list[Block] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        blocks += page_blocks(page, offset, number)
        offset += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), blocks


def extract_pages(path: Path, *, timeout: float = PARSER_SECONDS, memory_limit: int = PARSER_MEMORY) -> list[str]:
    """Each page's text as pypdf extracts it (newlines normalised), parsed in a child process."""
    where = str(path)
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise DocumentError(where, f"cannot read the file ({exc.strerror or exc})") from None
    if size == 0:
        raise DocumentError(where, "empty file")
    command = [sys.executable, "-c", _BOOTSTRAP, _WORKER, os.fspath(path), str(int(memory_limit))]
    result = run_parser(command, where, "PDF parser", timeout)
    if "pages" in result:
        return [page.replace("\r\n", "\n").replace("\r", "\n") for page in result["pages"]]
    error, detail = result.get("error"), result.get("detail", "")
    if error == "encrypted":
        raise DocumentError(where, "encrypted (needs a password)")
    if error == "memory":
        raise DocumentError(where, "PDF parser exceeded the memory limit")
    raise DocumentError(where, f"not a readable PDF: {detail}")



# A line that begins an item: "16. ", "3) ", "(a) ", "C. " (lettered section), "iv. ".
_ITEM = re.compile(r"(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,6})[.)]\s|\((?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,6})\)\s")
_BULLET = re.compile(r"[•▪●◦■‣⁃►]|[-–—*]\s")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
# Page furniture on a line of its own: "12", "- 12 -", "Page 3 of 9".
_PAGE_NUMBER = re.compile(r"(?:[-–]\s*)?\d{1,4}(?:\s*[-–])?|(?i:page)\s+\d{1,4}(?:\s+of\s+\d{1,4})?")

# A line ending a sentence and shorter than this share of the page's typical line ends
# its paragraph; a line not ending a sentence must be shorter still (a heading, say).
_SHORT_SENTENCE_LINE = 0.8
_SHORT_OTHER_LINE = 0.6


def page_blocks(page: str, offset: int, number: int) -> list[Block]:
    """Paragraph blocks of one page's text, whose first character sits at `offset`.

    PDF text comes as physical lines. Wrapped lines of one paragraph join into one block;
    a new block starts at a blank line, at a numbered item or a bullet, and after a line
    clearly shorter than the page's typical line that ends a sentence (or, shorter still,
    is followed by a capitalised line: a heading).
    """
    spans: list[tuple[int, int, int] | None] = []  # (start, end, indent) or None for blank
    pos = 0
    for line in page.split("\n"):
        start, end = strip_span(page, pos, pos + len(line))
        spans.append((start, end, start - pos) if start < end else None)
        pos += len(line) + 1
    typical = _typical_length([s[1] - s[0] for s in spans if s is not None])

    paragraphs: list[list[tuple[int, int, int]]] = []  # the line spans of each block
    previous: str | None = None  # the line before, None after a blank line
    for span in spans:
        if span is None:
            previous = None
            continue
        line = page[span[0] : span[1]]
        if previous is None or _starts_block(line) or _ends_block(previous, line, typical):
            paragraphs.append([])
        paragraphs[-1].append(span)
        previous = line
    return [
        Block(
            lines[0][0] + offset,
            lines[-1][1] + offset,
            "bullet" if _BULLET.match(page, lines[0][0]) else "line",
            number,
            lines[0][2],
        )
        for lines in paragraphs
    ]


def _typical_length(lengths: list[int]) -> int:
    """The length of a full line on this page: a high percentile, robust to a few long ones."""
    if not lengths:
        return 0
    ordered = sorted(lengths)
    return ordered[int(0.8 * (len(ordered) - 1))]


def _starts_block(line: str) -> bool:
    return bool(_ITEM.match(line) or _BULLET.match(line) or _PAGE_NUMBER.fullmatch(line))


def _ends_block(previous: str, line: str, typical: int) -> bool:
    """Whether `previous` ends its paragraph, `line` being the next line on the page."""
    if _PAGE_NUMBER.fullmatch(previous):
        return True
    if _SENTENCE_END.search(previous):
        return len(previous) < _SHORT_SENTENCE_LINE * typical
    return len(previous) < _SHORT_OTHER_LINE * typical and (line[0].isupper() or line[0].isdigit())
