"""HTML parsing: the visible text of a page's body as blocks, one per block element.

Page chrome (navigation, headers, footers, forms, scripts) and hidden elements are
dropped whole. Block elements become blocks; inline elements flow into their block.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from qa.documents.blocks import Block, Kind

__all__ = ["read_html", "BLOCK_SEPARATOR"]

BLOCK_SEPARATOR = "\n\n"

# Dropped with everything inside them: not the document's prose.
_DROPPED = frozenset(
    "script style noscript template nav header footer aside form iframe svg button select"
    " textarea option datalist canvas object video audio".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements that end the text before them and start a block of their own. Containers
# (div, ul, table ...) are here so that text directly inside them is a block too.
_BLOCKS = frozenset(
    "p li blockquote pre dt dd td th figcaption caption div section article main body html"
    " ul ol dl table thead tbody tfoot tr figure address details summary fieldset legend"
    " hr center dialog menu hgroup".split()
) | _HEADINGS
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)


def read_html(raw: str) -> tuple[str, list[Block]]:
    """The canonical text of an HTML page (its blocks joined by a blank line) and its blocks.

    Within a block, runs of white space (`&nbsp;` included) become one space.
    """
    tree = LexborHTMLParser(raw)
    root = tree.body or tree.root
    builder = _Builder()
    if root is not None:
        builder.walk(root)
    return BLOCK_SEPARATOR.join(builder.texts), builder.blocks


def _is_dropped(node: LexborNode) -> bool:
    if node.tag in _DROPPED:
        return True
    attributes = node.attributes
    if "hidden" in attributes:
        return True
    if (attributes.get("aria-hidden") or "").strip().lower() == "true":
        return True
    return bool(_DISPLAY_NONE.search(attributes.get("style") or ""))


class _Builder:
    """Collects blocks while walking the tree; iterative, so deep nesting cannot overflow."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.blocks: list[Block] = []
        self._pieces: list[str] = []
        self._offset = 0

    def walk(self, root: LexborNode) -> None:
        # The stack holds nodes to visit and, as strings, the kinds of the blocks being
        # left: reaching one of those closes the block that an element opened.
        stack: list[LexborNode | str] = [root]
        kinds: list[Kind] = ["line"]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                self._flush(kinds.pop())
                continue
            if item.is_text_node:
                self._pieces.append(item.text_content or "")
                continue
            if not item.is_element_node or _is_dropped(item):
                continue
            tag = item.tag
            if tag == "br":
                self._pieces.append(" ")
            elif tag in _BLOCKS:
                self._flush(kinds[-1])
                kinds.append(_kind(tag, kinds[-1]))
                stack.append(tag)
            stack.extend(reversed(list(item.iter(include_text=True))))
        self._flush(kinds[-1])

    def _flush(self, kind: Kind) -> None:
        text = " ".join("".join(self._pieces).split())
        self._pieces.clear()
        if not text:
            return
        if self.texts:
            self._offset += len(BLOCK_SEPARATOR)
        self.blocks.append(Block(self._offset, self._offset + len(text), kind))
        self.texts.append(text)
        self._offset += len(text)


def _kind(tag: str, enclosing: Kind) -> Kind:
    """h1-h6 are headings, li a bullet; a <p> or <div> inside a list item stays a bullet."""
    if tag in _HEADINGS:
        return "heading"
    if tag == "li":
        return "bullet"
    return "bullet" if enclosing == "bullet" else "line"
