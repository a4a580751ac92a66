"""From blocks to citable paragraphs: numbering, sections, footnotes, bullets, comments.

The rules follow what the archive prints (see ../shared/archive/README.md):
MPA reports number their paragraphs "16." under lettered sections ("B. Supporting
information") and sub-headings, sometimes restarting at 1 in a later section, and end with
footnotes "4. … [Back]"; the London Assembly summary numbers nothing and uses ALL-CAPS
sub-headings; the blog post ends with numbered reader comments ("1. Ross permalink").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..types import Paragraph
from .blocks import Block

__all__ = ["paragraphs_from_blocks"]

# Lines that are the page, not the document. Matched against a whole block.
_FURNITURE = re.compile(
    r"""^(?:
        You\ are\ in:|Contents|Skip\ to\ content|Feedback|Supporting\ material
      | Warning:\ This\ is\ archived\ material.*
      | See\ the\ MOPC\ website.*
      | Send\ an\ e-mail\ linking\ to\ this\ page
      | (?:Report|Date|By):\ .*                       # the MPA reports' metadata block
      | (?:MPA\ general|Media\ enquiries):\ .*
      | For\ (?:more\ )?information\ contact:
      | None
      | by\ .*\bon\ \w+\ \d{1,2},\ \d{4}               # blog byline "by on March 20, 2012"
      | Leave\ a\ Reply.*|Fill\ in\ your\ details.*|You\ are\ commenting\ using.*
      | Connecting\ to\ %s|%d\ bloggers\ like\ this:?
      | (?:Google|Twitter|Facebook)\ (?:photo|picture)
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
# After these, nothing on the page is the document's own words (reply forms, trackbacks).
_END_OF_CONTENT = re.compile(r"^(?:Trackbacks\s*&\s*Pingbacks|Leave a Reply.*)$", re.IGNORECASE)

_LETTERED = re.compile(r"^([A-Z])\.\s+(\S.{0,80})$")
_NUMBERED = re.compile(r"^(\d{1,3})(\.|\s)\s*(?=\S)")
_FOOTNOTE = re.compile(r"^(\d{1,3})\.\s*(.*?)\s*\[Back\]$", re.DOTALL)
_BULLET = re.compile(r"^(?:[-•*▪◦‣●]|–(?=\s))\s+")
_COMMENT = re.compile(r"^(\d{1,3})\.\s+(?:(.{1,60}?)\s+permalink$)?")
# "That Members" / "That the MPA notes …": MPA recommendations open this way; a lead-in, not a heading.
_LEAD_IN = re.compile(r"^That\b")
_SENTENCE_END = re.compile(r"[.!?;:,]$")


@dataclass
class _Draft:
    kind: str  # "numbered", "footnote", "text", "comment"
    start: int
    end: int
    section: str
    page: int | None
    number: int | None = None
    letter: str | None = None
    run: int | None = None
    comment: int | None = None
    author: str | None = None


@dataclass
class _State:
    major: str = ""
    minor: str = ""
    letter: str | None = None
    last_number: int = 0
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


def paragraphs_from_blocks(text: str, blocks: list[Block], title: str = "") -> tuple[Paragraph, ...]:
    """Group `blocks` of `text` into paragraphs with labels, anchors, sections and references."""
    state = _State()
    previous_page = None
    for block in blocks:
        line = text[block.start : block.end]
        if _END_OF_CONTENT.match(line):
            break
        if _FURNITURE.match(line) or _is_bare_lead_in(line):
            continue
        if block.page != previous_page and previous_page is not None and _continues_across_page(state, text, block, line):
            state.drafts[-1].end = block.end
        else:
            _take(state, text, block, line, title)
        previous_page = block.page
    return _finish(state.drafts)


def _continues_across_page(state: _State, text: str, block: Block, line: str) -> bool:
    """A PDF paragraph cut by a page break: the text on the new page finishes the last paragraph."""
    if not state.drafts or state.heading_since_paragraph or block.kind not in ("line", "text"):
        return False
    if _NUMBERED.match(line) or _BULLET.match(line) or _LETTERED.match(line):
        return False
    last = text[state.drafts[-1].start : state.drafts[-1].end].rstrip()
    return line[0].islower() or not re.search(r"[.!?:;][\"'”’)\]]*$", last)


def _take(state: _State, text: str, block: Block, line: str, title: str) -> None:
    if block.kind == "heading" or (block.kind == "line" and _LETTERED.match(line) and not _SENTENCE_END.search(line)):
        _heading(state, line, title)
        return
    if block.kind == "bullet" or _BULLET.match(line):
        _bullet(state, block)
        return
    footnote = _FOOTNOTE.match(line)
    if footnote and int(footnote.group(1)) == state.last_footnote + 1:
        state.last_footnote += 1
        start = block.start + footnote.start(2)
        end = block.start + footnote.end(2)
        if start == end:  # "13. [Back]": a footnote printed empty keeps its place, with no text
            start = end = block.start + footnote.end(1) + 1
        state.drafts.append(_Draft("footnote", start, end, "Footnotes", block.page, number=state.last_footnote))
        return
    if state.in_comments or (block.indent > 0 and _COMMENT.match(line) and "permalink" in line):
        if _comment(state, block, line):
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


def _is_bare_lead_in(line: str) -> bool:
    # "That" / "That Members" above a numbered recommendation say nothing on their own.
    return bool(_LEAD_IN.match(line)) and len(line.split()) <= 2 and not _SENTENCE_END.search(line)


def _continues_numbering(state: _State, n: int, with_stop: bool) -> bool:
    # "10 Management Board accepted …" (no full stop) occurs in the 28 January 2010 report,
    # so a bare number counts only when it is exactly the next one; "1." may start a new run.
    if n == state.last_number + 1:
        return True
    return with_stop and (n == 1 or n == state.last_number + 2)


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        len(words) <= 14
        and len(line) <= 120
        and not _SENTENCE_END.search(line)
        and ": " not in line
        and not _LEAD_IN.match(line)
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


def _comment(state: _State, block: Block, line: str) -> bool:
    """Reader comments: "1. Ross permalink" opens comment 1; indented lines are its paragraphs."""
    match = _COMMENT.match(line)
    if match and block.indent <= 2 and int(match.group(1)) == state.comment + 1:
        state.in_comments = True
        state.comment += 1
        state.author = match.group(2)
        if match.group(2):  # the author line itself holds no words of the comment
            return True
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
