"""Chunking: a document's paragraphs as passages (retrieval units) and sentences (quote units).

Everything is offsets into `Document.text`; nothing here copies or rewrites archive text,
except `embedding_text`, which is what the encoder sees and is never quoted.
"""

from __future__ import annotations

import re

from .documents.blocks import strip_span
from .profile import Footnotes
from .types import Document, Paragraph, Span

__all__ = ["split_sentences", "passage_spans", "passages", "sentences", "embedding_text", "paragraph_contexts"]

# A candidate sentence end: terminal punctuation (".", "?", "!", "…", "..."), then closing
# quotes or brackets ('said.” Next'), then bracketed notes that follow the full stop and belong
# to the sentence before: note markers ("… in 2009. [4] Next", "… as above.[ii]", "….[^3]") and
# one-word back-links or asides ("… as above. [Top]", "… agreed. [Applause]"); markers before the
# stop, "… Public Safety [5]." and "… sexual services” [4].", need no rule. Then white space.
_CANDIDATE = re.compile(
    r"(?P<punct>(?:\.{3}|…|[.!?])+)"
    r"[”’\"')\]»]*"
    r"(?:[ \t\u00a0]*\[\^?(?:\d{1,3}[a-z]{0,3}|[ivx]{1,4}|[A-Za-z]{2,12})\][.”’\"')]*)*"
    r"(?=\s|$)"
)

# Abbreviations after which a full stop never ends a sentence: titles before a name
# ("Dr. Smith", "Capt. O'Brien", "St. Pancras"; many texts write them without stops) and
# Latin or scholarly short forms ("e.g.", "i.e.", "vs.", "approx.", "cf.").
_NEVER_END = frozenset(
    "mr mrs ms dr prof rev hon st cmdr supt insp sgt det capt lt col gen sir "
    "e.g i.e vs v cf viz approx ca incl esp".split()
)
# Abbreviations that do not end a sentence when a number follows ("No. 9", "para. 16").
_BEFORE_NUMBER = frozenset("no nos para paras p pp art arts vol ch sec fig figs ref tel".split())
# Lower-case abbreviations that may end a sentence: they break before a capital ("officers
# etc. The raid", blog comment 1) but not before lower case ("each person etc. not to mention").
_MAY_END = frozenset("etc govt dept misc est al cont max min kg km hrs yrs".split())

# Words that usually open a sentence: after an initial or a dotted acronym they mean the
# full stop ended one after all ("… held in the U.K. The team …", but "J. Smith").
_OPENERS = frozenset("The This That These Those There It Its They We He She In On However But".split())

# A list label at the start of a line: "1. invite the committee …", "  1. Ross wrote",
# "A. Recommendation", "(ii) …". The full stop after it is not a sentence end.
_LIST_LABEL = re.compile(r"\d{1,3}|[A-Za-z]|x{0,3}(?:ix|iv|v?i{0,3})|\(\w{1,4}\)")
# Lines that begin a bullet or a numbered item ("- That the board …", "- HR", "  • Costs for …",
# "3. The transition …").
_BULLET = re.compile(r"[ \t\u00a0]*[-•●▪◦*·–][ \t\u00a0]")
_ITEM = re.compile(r"[ \t\u00a0]*(?:\d{1,3}[.)]|[a-z][.)]|\(\w{1,4}\))[ \t\u00a0]")
_INDENT = " \t\u00a0-•●▪◦*·–"  # what may stand before a list label on its line


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The sentences of `text[start:end]` as absolute `(s, e)` offsets, stripped of white space.

    Together they cover every non-space character of the span, in order, without overlap.
    """
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is outside a text of {len(text)} characters")
    cuts = {m.end() for m in _CANDIDATE.finditer(text, start, end) if _ends_sentence(text, m, start, end)}
    cuts.update(_line_breaks(text, start, end))
    spans: list[tuple[int, int]] = []
    previous = start
    for cut in sorted(cuts) + [end]:
        s, e = strip_span(text, previous, cut)
        if s < e:
            spans.append((s, e))
        previous = cut
    return spans


def _ends_sentence(text: str, m: re.Match[str], start: int, end: int) -> bool:
    """Whether the candidate `m` really ends a sentence, judged by the words either side."""
    after = _next_char(text, m.end(), end)
    if after is None:
        return True
    punct = m.group("punct")
    if punct != ".":
        # "?", "!", "…": a lower-case continuation ("a busy weekend shift? as I’m sure")
        # or an ellipsis inside a quotation ("… article… and") stays in the sentence.
        return not after.islower()
    word_start = m.start()
    while word_start > start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : m.start()].lstrip("([“‘\"'")
    low = word.lower()
    if low in _NEVER_END or (after.isdigit() and low in _BEFORE_NUMBER):
        return False
    line_start = word_start
    while line_start > start and text[line_start - 1] in _INDENT:
        line_start -= 1
    if word and _LIST_LABEL.fullmatch(word) and (line_start == start or text[line_start - 1] == "\n"):
        return False  # "1. The responsibility …", "B. Supporting information", "13. Ibid."
    if re.fullmatch(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]", word) and not after.islower():
        # Initials and dotted acronyms ("J. Smith", "the U.K. Government") continue the
        # sentence unless a word that usually opens one follows ("… in the U.K. The team").
        following = re.match(r"\w+", text[m.end() : min(end, m.end() + 40)].lstrip())
        return following is not None and following.group() in _OPENERS
    if after.islower():
        # Lower case after a full stop usually continues the sentence (abbreviations, "£1.8m"
        # is already safe); a full stop after an ordinary word still ends it, as in blog
        # comment 1: "paid tax on. my bank accounts …".
        return word.isalpha() and word.islower() and len(word) > 1 and low not in _MAY_END
    return True


def _line_breaks(text: str, start: int, end: int) -> set[int]:
    """Line ends that end a sentence although no punctuation says so.

    A blank line always does; so does a line break before a bullet or numbered item, and
    after a bullet line unless the next line continues it in lower case (hard-wrapped PDF
    text). The 2010 report's "- HTT" abbreviation list and the budget bullets need these.
    """
    cuts: set[int] = set()
    line_start = start
    while (newline := text.find("\n", line_start, end)) != -1:
        nxt = newline + 1
        while nxt < end and text[nxt] in " \t\u00a0\r":
            nxt += 1
        following = text[nxt : min(nxt + 1, end)]  # one character; "" at the end of the span
        if (
            following == "\n"
            or _BULLET.match(text, newline + 1, end)
            or _ITEM.match(text, newline + 1, end)
            or (_BULLET.match(text, line_start, newline) and not following.islower())
        ):
            cuts.add(newline)
        line_start = newline + 1
    return cuts


def _next_char(text: str, pos: int, end: int) -> str | None:
    while pos < end and text[pos].isspace():
        pos += 1
    return text[pos] if pos < end else None


def passage_spans(
    text: str, start: int, end: int, max_chars: int = 1200, overlap_sentences: int = 1
) -> list[tuple[int, int]]:
    """The passages of one paragraph: the whole (stripped) span if it fits in `max_chars`,
    else windows of whole sentences, each at most `max_chars` long unless one sentence is
    longer, consecutive windows sharing `overlap_sentences` sentences, together covering it.
    """
    if max_chars < 1 or overlap_sentences < 0:
        raise ValueError("max_chars must be positive and overlap_sentences not negative")
    s, e = strip_span(text, start, end)
    if s == e:
        return []
    if e - s <= max_chars:
        return [(s, e)]
    sents = split_sentences(text, s, e)
    windows: list[tuple[int, int]] = []
    first, last_done = 0, -1
    while last_done < len(sents) - 1:
        last = first
        while last + 1 < len(sents) and sents[last + 1][1] - sents[first][0] <= max_chars:
            last += 1
        if last <= last_done:  # the overlap alone fills the window: start afresh after it
            first = last_done + 1
            continue
        windows.append((sents[first][0], sents[last][1]))
        last_done = last
        first = max(last + 1 - overlap_sentences, first + 1)
    return windows


def passages(document: Document, max_chars: int = 1200, overlap_sentences: int = 1) -> list[Span]:
    """Every passage of every non-blank paragraph, in reading order."""
    return [
        Span(document.doc_id, p.anchor, s, e)
        for p in document.paragraphs
        for s, e in passage_spans(document.text, p.start, p.end, max_chars, overlap_sentences)
    ]


def sentences(document: Document) -> list[Span]:
    """Every sentence of every non-blank paragraph, in reading order."""
    return [
        Span(document.doc_id, p.anchor, s, e)
        for p in document.paragraphs
        for s, e in split_sentences(document.text, p.start, p.end)
    ]


def embedding_text(document: Document, paragraph: Paragraph, start: int, end: int, context: str = "") -> str:
    """What the encoder sees for a passage: "title | section | context", a newline, the verbatim text.

    The header only helps retrieval (a paragraph that says "the unit" gains the unit's name
    from the title);
    quotes and passages returned to users are always `document.text[start:end]`. `context` is
    the paragraph's entry in `paragraph_contexts(document)`.
    """
    parts = (document.title, paragraph.section, context)
    header = " | ".join(_shorten(part) for part in parts if part.strip())
    return f"{header}\n{document.text[start:end]}" if header else document.text[start:end]


def paragraph_contexts(
    document: Document, marker: re.Pattern[str] = Footnotes.marker, footnote_words: int = 6, lead_in_chars: int = 300
) -> dict[str, str]:
    """Words from elsewhere that each paragraph is read with, by anchor (only those that have any).

    A footnote is read with the few words its marker (`marker`, the profile's `footnotes.marker`,
    group 1 the number) follows in the body: footnote 21 of the December 2010 report defines a
    name it never prints, but the words before its marker "[21]" hold it; only a few words, so
    that a short footnote does not pass for the whole sentence. A paragraph right after a lead-in ending in a colon is read with that
    sentence: "Commenting in the Guardian, Georgina Perry, … said:" is its own paragraph, and the
    words she said, in the next one, never name her.
    """
    text = document.text
    contexts: dict[str, str] = {}
    marked: dict[str, str] = {}  # footnote number -> the words before its first marker in the body
    before: Paragraph | None = None
    for paragraph in document.paragraphs:
        number = paragraph.anchor[2:] if paragraph.anchor.startswith("fn") else None
        if number is not None:
            if number in marked:
                contexts[paragraph.anchor] = marked[number]
            continue
        if before is not None and before.section == paragraph.section and \
                text[before.start : before.end].rstrip().endswith(":"):
            last = split_sentences(text, before.start, before.end)[-1]
            contexts[paragraph.anchor] = text[last[0] : last[1]].strip()[-lead_in_chars:]
        markers = list(marker.finditer(text, paragraph.start, paragraph.end))
        if markers:
            sentences = split_sentences(text, paragraph.start, paragraph.end)
            for found in markers:
                s = next((s for s, e in sentences if s <= found.start() < e), paragraph.start)
                words = marker.sub(" ", text[s : found.start()]).split()
                marked.setdefault(str(int(found.group(1))), " ".join(words[-footnote_words:]))
        before = paragraph
    return contexts


def _shorten(value: str, limit: int = 120) -> str:
    """`value` on one line, cut at a word if longer than `limit` (the catalog's titles all fit)."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0] + " …"
