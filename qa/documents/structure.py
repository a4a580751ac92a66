"""From blocks to citable paragraphs: numbering, sections, footnotes, bullets, comments.

The conventions are those documents commonly print: paragraphs numbered "16." (sometimes
restarting at 1 in a later lettered section, "B. Supporting information"), sub-headings
(some in ALL CAPS), bullets that belong to the paragraph introducing them, footnotes at the
end, numbered reader comments. What one collection prints differently (page furniture, how
a footnote or a comment's author line looks, lead-in lines) comes from its `Profile`; every
block the profile drops is recorded as a `Dropped` with the rule that matched.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..profile import Profile
from ..types import Dropped, Paragraph
from .blocks import Block

__all__ = ["Structure", "paragraphs_from_blocks"]

_LETTERED = re.compile(r"^([A-Z])\.\s+(\S.{0,80})$")
_NUMBERED = re.compile(r"^(\d{1,3})(\.|\s)\s*(?=\S)")
# Two-level numbering, as minutes and standards print it: "4.2 The committee agreed …".
_DECIMAL = re.compile(r"^(\d{1,3})\.(\d{1,3})\.?\s+(?=\S)")
_BULLET = re.compile(r"^(?:[-•*▪◦‣●]|–(?=\s))\s+")
# A numbered comment printed without an author line: "2. Great to see …" (the text follows the number).
_NUMBERED_COMMENT = re.compile(r"^(\d{1,3})\.\s+")
_SENTENCE_END = re.compile(r"[.!?;:,]$")
# Note markers after a line's last full stop ("… away from the food.[^2]", "… as above. [4]").
_TRAILING_NOTE = re.compile(r"(?:\s*\[\^?\w{1,12}\])+$")


@dataclass(frozen=True)
class Structure:
    """A document's paragraphs in reading order and the spans its profile left out."""

    paragraphs: tuple[Paragraph, ...]
    dropped: tuple[Dropped, ...]


@dataclass
class _Draft:
    kind: str  # "numbered", "decimal", "footnote", "text", "comment"
    start: int
    end: int
    section: str
    page: int | None
    number: int | None = None
    letter: str | None = None
    run: int | None = None
    sub: int | None = None  # the second number of a decimal label ("4.2")
    comment: int | None = None
    author: str | None = None


@dataclass
class _State:
    major: str = ""
    minor: str = ""
    letter: str | None = None
    last_number: int = 0
    last_decimal: tuple[int, int] = (0, 0)
    run: int = 0
    last_footnote: int = 0
    in_comments: bool = False
    comment: int = 0
    author: str | None = None
    heading_since_paragraph: bool = True
    drafts: list[_Draft] = field(default_factory=list)

    @property
    def section(self) -> str:
        return " › ".join(part for part in (self.major, self.minor) if part)


def paragraphs_from_blocks(text: str, blocks: list[Block], profile: Profile, title: str = "") -> Structure:
    """Group `blocks` of `text` into paragraphs with labels, anchors, sections and references.

    `profile.furniture.header` applies only in the document's head: before its first paragraph
    after the printed title (web pages often put a summary above the title and the metadata
    block below it), or before its first paragraph where the title is not printed.
    """
    furniture = profile.furniture
    state = _State()
    dropped: list[Dropped] = []
    title_at = _printed_title(text, blocks, title)
    in_head = True
    previous_page = None
    for i, block in enumerate(blocks):
        line = text[block.start : block.end]
        rule = _rule(furniture.end_of_content, "furniture.end_of_content", line)
        if rule:
            dropped.append(Dropped(block.start, blocks[-1].end, rule))
            break
        rule = (_rule(furniture.lines, "furniture.lines", line)
                or (in_head and _rule(furniture.header, "furniture.header", line))
                or _rule(furniture.lead_ins, "furniture.lead_ins", line))
        if rule:
            dropped.append(Dropped(block.start, block.end, rule))
            continue
        drafts = len(state.drafts)
        if block.page != previous_page and previous_page is not None and _continues_across_page(state, text, block, line):
            state.drafts[-1].end = block.end
        else:
            _take(state, text, block, line, title, profile)
        if in_head and i > title_at and len(state.drafts) > drafts:
            in_head = False
        previous_page = block.page
    return Structure(_finish(state.drafts), tuple(dropped))


def _rule(patterns: tuple[re.Pattern[str], ...], key: str, line: str) -> str:
    """The name of the first pattern that matches the whole `line` ("furniture.lines[3]"), or ""."""
    for i, pattern in enumerate(patterns):
        if pattern.fullmatch(line):
            return f"{key}[{i}]"
    return ""


def _printed_title(text: str, blocks: list[Block], title: str) -> int:
    """The index of the block that prints the document's title, or -1."""
    wanted = title.strip().casefold()
    if wanted:
        for i, block in enumerate(blocks):
            if text[block.start : block.end].strip().casefold() == wanted:
                return i
    return -1


def _continues_across_page(state: _State, text: str, block: Block, line: str) -> bool:
    """A PDF paragraph cut by a page break: the text on the new page finishes the last paragraph."""
    if not state.drafts or state.heading_since_paragraph or block.kind not in ("line", "text"):
        return False
    if _NUMBERED.match(line) or _DECIMAL.match(line) or _BULLET.match(line) or _LETTERED.match(line):
        return False
    last = text[state.drafts[-1].start : state.drafts[-1].end].rstrip()
    return line[0].islower() or not re.search(r"[.!?:;][\"'”’)\]]*$", last)


def _take(state: _State, text: str, block: Block, line: str, title: str, profile: Profile) -> None:
    if block.kind == "heading" or (block.kind == "line" and _LETTERED.match(line) and not _SENTENCE_END.search(line)):
        _heading(state, line, title)
        return
    if block.kind == "bullet" or _BULLET.match(line):
        _bullet(state, block)
        return
    footnote = profile.footnotes.line.fullmatch(line)
    if footnote and int(footnote.group(1)) == state.last_footnote + 1:
        state.last_footnote += 1
        # A footnote printed empty keeps its place, with no text, where its text would start.
        start = block.start + footnote.start(2)
        end = block.start + footnote.end(2)
        state.drafts.append(_Draft("footnote", start, end, "Footnotes", block.page, number=state.last_footnote))
        return
    author_line = profile.comments.author_line
    if author_line is not None and (state.in_comments or (block.indent > 0 and author_line.fullmatch(line))):
        if _comment(state, block, line, author_line):
            return
    decimal = _DECIMAL.match(line)
    if decimal and block.kind == "line" and _looks_like_heading(line):  # "2.1 Background" heads a section
        _heading(state, line, title)
        return
    if decimal and _continues_decimal(state, int(decimal.group(1)), int(decimal.group(2))):
        state.last_decimal = (int(decimal.group(1)), int(decimal.group(2)))
        state.drafts.append(_Draft("decimal", block.start + decimal.end(), block.end, state.section, block.page,
                                   number=state.last_decimal[0], sub=state.last_decimal[1]))
        state.heading_since_paragraph = False
        return
    number = _NUMBERED.match(line)
    if number and _continues_numbering(state, int(number.group(1)), number.group(2) == "."):
        n = int(number.group(1))
        if n != state.last_number + 1:
            state.run += 1
        state.last_number = n
        state.drafts.append(
            _Draft("numbered", block.start + number.end(), block.end, state.section, block.page,
                   number=n, letter=state.letter, run=state.run)
        )
        state.heading_since_paragraph = False
        return
    if block.kind == "line" and _looks_like_heading(line):
        _heading(state, line, title)
        return
    state.drafts.append(_Draft("text", block.start, block.end, state.section, block.page))
    state.heading_since_paragraph = False


def _continues_numbering(state: _State, n: int, with_stop: bool) -> bool:
    # "10 Management Board accepted …" (a number without its full stop) does occur, so a bare
    # number counts only when it is exactly the next one; "1." may start a new run.
    if n == state.last_number + 1:
        return True
    return with_stop and (n == 1 or n == state.last_number + 2)


def _continues_decimal(state: _State, major: int, minor: int) -> bool:
    # The next sub-item of the same item, or the first of a later one: a line that merely opens
    # with a decimal ("2.5 million people …") seldom fits the sequence.
    last_major, last_minor = state.last_decimal
    return (major == last_major and minor == last_minor + 1) or (major > last_major and minor == 1)


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        len(words) <= 14
        and len(line) <= 120
        and not _SENTENCE_END.search(_TRAILING_NOTE.sub("", line))
        and ": " not in line
        and (line[0].isupper() or line[0].isdigit())
    )


def _heading(state: _State, line: str, title: str) -> None:
    state.in_comments = False
    state.heading_since_paragraph = True
    if title and line.strip().casefold() == title.strip().casefold():
        return
    lettered = _LETTERED.match(line)
    if lettered:
        state.major, state.minor, state.letter = line, "", lettered.group(1)
    elif line.isupper() or state.letter:
        state.minor = line
    else:
        state.major, state.minor = line, ""


def _bullet(state: _State, block: Block) -> None:
    """A bullet belongs to the paragraph that introduces it; a list after a heading is one paragraph."""
    last = state.drafts[-1] if state.drafts else None
    if last is not None and not state.heading_since_paragraph and last.kind != "footnote":
        last.end = block.end
        return
    state.drafts.append(_Draft("text", block.start, block.end, state.section, block.page))
    state.heading_since_paragraph = False


def _comment(state: _State, block: Block, line: str, author_line: re.Pattern[str]) -> bool:
    """Reader comments: the profile's author line ("1. Ann wrote") opens comment 1, and so does
    the next number with the comment's words after it; indented lines are its paragraphs."""
    if block.indent <= 2:
        match = author_line.fullmatch(line)
        if match and int(match.group(1)) == state.comment + 1:
            state.in_comments = True
            state.comment += 1
            state.author = match.group(2)  # the author line itself holds no words of the comment
            return True
    match = _NUMBERED_COMMENT.match(line)
    if state.in_comments and match and block.indent <= 2 and int(match.group(1)) == state.comment + 1:
        state.comment += 1
        state.author = None
        start = block.start + match.end()
        state.drafts.append(_comment_draft(state, start, block.end, block.page))
        return True
    if state.in_comments and block.indent > 2:
        state.drafts.append(_comment_draft(state, block.start, block.end, block.page))
        return True
    return False


def _comment_draft(state: _State, start: int, end: int, page: int | None) -> _Draft:
    who = f" ({state.author})" if state.author else ""
    section = f"Comment {state.comment}{who}"
    return _Draft("comment", start, end, section, page, comment=state.comment, author=state.author)


def _finish(drafts: list[_Draft]) -> tuple[Paragraph, ...]:
    run_sizes = Counter(d.run for d in drafts if d.kind == "numbered")
    main_run = run_sizes.most_common(1)[0][0] if run_sizes else None
    comment_sizes = Counter(d.comment for d in drafts if d.kind == "comment")
    seen: set[str] = set()
    ordinal = 0
    within_comment: Counter[int] = Counter()
    result = []
    for d in drafts:
        if d.kind == "numbered":
            anchor = f"{d.letter or 'n'}{d.number}"
            label = str(d.number)
            if d.run == main_run:
                reference = f"para {d.number}"
            elif d.letter:  # numbering restarted in a lettered section: "§C ¶4"
                reference = f"§{d.letter} ¶{d.number}"
            else:
                reference = f"para {d.number} (list {d.run})"
        elif d.kind == "decimal":
            label = f"{d.number}.{d.sub}"
            anchor, reference = f"n{label}", f"para {label}"
        elif d.kind == "footnote":
            anchor, label, reference = f"fn{d.number}", f"fn {d.number}", f"footnote {d.number}"
        elif d.kind == "comment":
            within_comment[d.comment] += 1
            j = within_comment[d.comment]
            anchor, label = f"c{d.comment}-{j}", f"¶{j}"
            who = f" ({d.author})" if d.author else ""
            reference = f"comment {d.comment}{who}" + (f", ¶{j}" if comment_sizes[d.comment] > 1 else "")
        else:
            ordinal += 1
            anchor, label, reference = f"p{ordinal}", f"¶{ordinal}", f"¶{ordinal}"
        unique = anchor
        suffix = 2
        while unique in seen:
            unique = f"{anchor}-{suffix}"
            suffix += 1
        seen.add(unique)
        result.append(Paragraph(unique, label, d.section, d.start, d.end, reference, d.page))
    return tuple(result)
