"""Blocks: the format-neutral units a parser hands to the structurer.

A block is a run of the canonical text (offsets, never a copy) with a hint of what it is.
Parsers know their format (a text line, an HTML <li>, a PDF line); the structurer
(`structure.py`) knows the archive's conventions (numbered paragraphs, footnotes, comments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Block", "Kind", "line_blocks", "strip_span"]

# "line": kind unknown, the structurer decides (heading, numbered paragraph, text ...);
# "heading" / "bullet" / "text": the format said so (HTML tags, for instance).
Kind = Literal["line", "heading", "bullet", "text"]


@dataclass(frozen=True)
class Block:
    """`text[start:end]` of the canonical text, stripped of surrounding white space."""

    start: int
    end: int
    kind: Kind = "line"
    page: int | None = None
    indent: int = 0


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink `[start, end)` so that it neither begins nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_SENTENCE_END = re.compile(r"[.!?:;)\]\"”’]$")


def line_blocks(text: str, offset: int = 0, page: int | None = None, merge_wrapped: bool = True) -> list[Block]:
    """One block per non-blank line of `text`, whose first character sits at `offset`.

    With `merge_wrapped`, a line that does not end a sentence joins the line right below it
    when that begins in lower case: hard-wrapped prose becomes one block, while the
    archive's one-line paragraphs and headings stay apart.
    """
    blocks: list[Block] = []
    pos = 0
    previous_line_had_text = False
    for line in text.split("\n"):
        start, end = strip_span(text, pos, pos + len(line))
        if start < end:
            last = blocks[-1] if blocks else None
            if (
                merge_wrapped
                and previous_line_had_text
                and last is not None
                and not _SENTENCE_END.search(text[last.start - offset : last.end - offset])
                and text[start].islower()
            ):
                blocks[-1] = Block(last.start, end + offset, last.kind, last.page, last.indent)
            else:
                blocks.append(Block(start + offset, end + offset, "line", page, start - pos))
        previous_line_had_text = start < end
        pos += len(line) + 1
    return blocks
