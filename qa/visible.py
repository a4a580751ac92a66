"""Text shown to a person with nothing hidden and nothing reordered.

Archive text and questions may hold characters that change how the rest displays without
showing themselves: bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069),
zero-width characters, other format controls, NUL and other C0/C1 controls. The parsed text
keeps them (a quote must equal `document.text[start:end]`); whatever renders text for reading
passes it through `reveal`, which names each such character in place ("[U+202E]").
"""

from __future__ import annotations

import unicodedata

__all__ = ["reveal", "is_hidden"]

# Kept as they are: line structure, and the soft hyphen, which only marks where a word may break.
_KEPT = frozenset("\n\t\u00ad")


def is_hidden(ch: str) -> bool:
    """A character that is invisible or rearranges its neighbours: format (Cf), control (Cc), line/paragraph separators."""
    return ch not in _KEPT and unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")


def reveal(text: str) -> str:
    """`text` with every hidden character replaced by its code point in brackets: "abc[U+202E]def"."""
    if text.isprintable():  # the common case: no control, format or separator character at all
        return text
    return "".join(f"[U+{ord(ch):04X}]" if is_hidden(ch) else ch for ch in text)
