"""Plain text and Markdown files: decoding to the canonical text, then one block per line."""

from __future__ import annotations

import re

from ..errors import DocumentError
from .blocks import Block, line_blocks

__all__ = ["decode", "read_text"]

# No "^": `match(text, pos)` anchors at `pos`, where "^" would match only at the start of the text.
_MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+")


def decode(path: str, raw: bytes) -> tuple[str, list[str]]:
    """The canonical text of `raw`: UTF-8 (or cp1252, with a warning), newlines as "\\n"."""
    if not raw.strip():
        raise DocumentError(path, "empty file")
    if b"\x00" in raw[:8192]:
        raise DocumentError(path, "binary data, not text (it holds NUL bytes)")
    warnings = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DocumentError(path, f"neither UTF-8 nor cp1252 text ({exc.reason} at byte {exc.start})") from exc
        warnings.append(f"{path}: not UTF-8; read as Windows-1252 (cp1252)")
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > 0.05 * min(len(text), 8192):
        raise DocumentError(path, "binary data, not text (too many control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def read_text(text: str, markdown: bool = False) -> list[Block]:
    """Blocks of a text file; in Markdown, "# Heading" lines are headings (without the hashes)."""
    blocks = line_blocks(text)
    if not markdown:
        return blocks
    result = []
    for block in blocks:
        hashes = _MARKDOWN_HEADING.match(text, block.start)
        if hashes and hashes.end() < block.end:
            result.append(Block(hashes.end(), block.end, "heading", block.page, block.indent))
        else:
            result.append(block)
    return result
