"""Paragraph references written into a question: "paragraph 16 of the January 2010 report", "§C ¶4",
"footnote 4", "the second comment", "what did the commenter Livvy write".

Members quote the archive's own numbering back at it; a paragraph they name is looked at first,
whatever its words score.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from .types import Document

__all__ = ["References", "MAX_CITED", "REFERENCE"]

# Matches in more documents than this (say "paragraph 3" with none named) are too vague to put first.
MAX_CITED = 3

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_YEAR = re.compile(rf"\b({'|'.join(_MONTHS)})\s+((?:19|20)\d\d)\b", re.I)
_YEAR_REPORT = re.compile(r"\b((?:19|20)\d\d)\s+(?:report|document|paper|blog|post|summary)\b", re.I)
# "paragraph 16", "para 4.2" (decimal numbering, as minutes and standards print it), "¶7".
_PARA = r"(?:paragraph|para\.?|¶)\s*(\d{1,4}(?:\.\d{1,3})?)\b"
_SECTION_FIRST = re.compile(rf"(?:\bsection\s+|§\s*)([A-Z])\b,?\s*{_PARA}", re.I)
_PARA_FIRST = re.compile(rf"{_PARA}\s+(?:of|in)\s+section\s+([A-Z])\b", re.I)
_PARA_ALONE = re.compile(rf"(?<![\w§]){_PARA}", re.I)
_FOOTNOTE = re.compile(r"\b(?:footnote|fn\.?)\s*(\d{1,4})\b", re.I)
# Any such reference, to leave out where its number is not a fact ("paragraph 16", "section C, para 7").
REFERENCE = re.compile(r"(?:\bsection\s+[A-Z]\s*,?\s*)?(?:\bparagraphs?|\bparas?\.?|¶|\bfootnotes?|\bfn\.?)\s*\d+(?:\.\d+)?", re.I)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_COMMENT_NUMBER = re.compile(rf"\bcomment\s+(?:no\.?\s*)?(\d{{1,4}})\b|\b({'|'.join(_ORDINALS)})\s+comment(?:er)?\b", re.I)
_COMMENT_WORDS = re.compile(r"\b(?:comments?|commenter|commented|reader|letter|wrote|write|writes|post(?:ed)?)\b", re.I)
# How a reader's comment is printed: "comment 1 (Ross), ¶2", "comment 2".
_COMMENT_REFERENCE = re.compile(r"^comment (\d+)(?: \(([^)]+)\))?")


class References:
    """The archive's paragraphs by printed reference and by comment, to find the ones a question names."""

    def __init__(self, documents: Iterable[Document]):
        self._by_reference: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self._by_comment: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # "2" or "livvy" -> paragraphs
        for d in documents:
            for p in d.paragraphs:
                entry = (d.doc_id, p.anchor, d.date)
                self._by_reference[p.reference].append(entry)
                comment = _COMMENT_REFERENCE.match(p.reference)
                if comment:
                    self._by_comment[comment.group(1)].append(entry)
                    if comment.group(2):
                        self._by_comment[comment.group(2).lower()].append(entry)
        authors = sorted((name for name in self._by_comment if not name.isdigit()), key=len, reverse=True)
        # One pattern for every author, so that a question is read once however many comments there are.
        self._author = re.compile(rf"\b({'|'.join(map(re.escape, authors))})\b", re.I) if authors else None

    def cited(self, question: str) -> list[tuple[str, str]]:
        """(doc_id, anchor) of the paragraphs the question names; [] if none, or too many to choose."""
        found = [entry for reference in _references(question) for entry in self._by_reference.get(reference, ())]
        found += [entry for key in self._comments(question) for entry in self._by_comment.get(key, ())]
        named = [entry for entry in found if _dated(question, entry[2])]
        chosen = list(dict.fromkeys(named or found))
        if len({doc_id for doc_id, _, _ in chosen}) > MAX_CITED:
            return []
        return [(doc_id, anchor) for doc_id, anchor, _ in chosen]

    def _comments(self, question: str) -> list[str]:
        """Comments named by number ("comment 2", "the second commenter") or, beside a word like "wrote", by author."""
        keys = [number or str(_ORDINALS.index(ordinal.lower()) + 1) for number, ordinal in _COMMENT_NUMBER.findall(question)]
        if self._author is not None and _COMMENT_WORDS.search(question):
            keys += [found.group(1).lower() for found in self._author.finditer(question)]
        return keys


def _references(question: str) -> set[str]:
    """The references as the archive prints them ("para 16", "¶16", "§C ¶7", "footnote 4")."""
    wanted = {f"§{s.upper()} ¶{n}" for s, n in _SECTION_FIRST.findall(question)}
    wanted |= {f"§{s.upper()} ¶{n}" for n, s in _PARA_FIRST.findall(question)}
    if not wanted:
        for n in _PARA_ALONE.findall(question):
            wanted |= {f"para {n}", f"¶{n}"}
    wanted |= {f"footnote {n}" for n in _FOOTNOTE.findall(question)}
    return wanted


def _dated(question: str, date: str) -> bool:
    """Whether the question names the document by its month and year ("the January 2010 report") or year."""
    months = [f"{year}-{_MONTHS.index(month.lower()) + 1:02d}" for month, year in _MONTH_YEAR.findall(question)]
    return any(date.startswith(prefix) for prefix in months or _YEAR_REPORT.findall(question))
