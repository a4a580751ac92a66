"""What a question asks, read once: the text to search, the paragraphs it names, the kind of answer it
wants and the numbers it gives. Retrieval and scoring both take a `QueryAnalysis`; neither re-reads
the question.

Everything here is English question grammar; words particular to one collection (titles such as
ranks, nouns a follow-up refers back with, name prefixes, spelling variants) come from its profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Literal

from .lexical import spelled_as_one, tokenize
from .profile import Profile
from .references import REFERENCE, References
from .types import Document

__all__ = ["AnswerKind", "QuestionNumber", "QueryAnalysis", "QueryAnalyzer", "numbers_in"]


class AnswerKind(str, Enum):
    """What kind of words an answer holds, read from how the question opens."""

    AMOUNT = "amount"
    TIME = "time"
    AUTHOR = "author"
    PERSON = "person"
    PLACE = "place"
    DEFINITION = "definition"


NumberRole = Literal["condition", "count"]


@dataclass(frozen=True)
class QuestionNumber:
    """A number the question gives. A `condition` ("in 2011", "2013/14", "100 metres") must hold where the
    answer is; a `count` ("the 3 recommendations") says how many things the answer lists and need not
    be printed beside them. Digits inside a name ("A12", "G7") and paragraph references are not numbers here."""

    text: str
    role: NumberRole


@dataclass(frozen=True)
class QueryAnalysis:
    """One question, analysed once."""

    question: str  # as asked
    searched: str  # what retrieval searches: the question, joined to the one before when it refers back
    tokens: tuple[str, ...]  # the searched text's search tokens (stemmed, stop words out)
    named: tuple[tuple[str, str], ...]  # (doc_id, anchor) of the paragraphs the question names
    kind: AnswerKind | None
    # The words an answer of that kind holds ("how many …": a number; "when …": a date; "what is X": X defined).
    expects: re.Pattern[str] | None
    # What "how many officers …" counts: a number followed by "officers"; a sum for money; a percentage.
    counted: re.Pattern[str] | None
    numbers: tuple[QuestionNumber, ...]
    definition_term: str | None = None  # X of "What is X?"

    @property
    def conditions(self) -> frozenset[str]:
        """The numbers that must be where the answer is."""
        return frozenset(n.text for n in self.numbers if n.role == "condition")


# -- question grammar (English) ---------------------------------------------------------------

_PRONOUNS = r"it|its|it's|they|them|their|theirs|this|that|these|those|he|she|his|her|there|the report|the same"
_ASKS_AMOUNT = re.compile(r"^\W*(how (many|much|long|far|often|large|big)|what (percentage|proportion|number|amount|level)|what share)\b", re.I)
_ASKS_TIME = re.compile(r"^\W*(when|what (date|year|month|day))\b|\bsince when\b", re.I)
_ASKS_AUTHOR = re.compile(r"^\W*who\s+(?:wrote|authored|writes|is the author|was the author)\b", re.I)
_ASKS_PERSON = re.compile(r"^\W*(who|whom|whose)\b", re.I)
_ASKS_DEFINITION = re.compile(r"^\W*what\s+(?:is|are|was|were)\s+(?:the\s+|an?\s+)?(?P<term>[^?]{2,60}?)\s*\??\s*$", re.I)
_AMOUNT = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|half|quarters?|none|all|no)\b", re.I)
_TIME = re.compile(r"\b(1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|October|November|December|months?|years?)\b")
_AUTHOR = re.compile(r"\bauthor(?![a-z])|\bwritten by\b", re.I)
_PLACE = re.compile(r"\b(in|from|at|to) [A-Z][a-z]+")
_FULL_NAME = r"\b[A-Z][a-z]+ [A-Z][a-z]+\b"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?"
_MONEY = frozenset("money funding fund budget cost spend spending grant income".split())
_CURRENCY = re.compile(r"[£$€]\s?\d")
_PERCENT = re.compile(r"\d\s*%|\bper ?cent\b", re.I)
_PEOPLE = "people|person|staff|officer|member|employee"
_NOT_COUNTED = frozenset("did does do is are was were has have had will would can could should the".split())
_NUMBER = re.compile(r"(?<![\w.,/])\d+(?:[,.]\d+)*(?:/\d+)?(?![\w/])")  # not the 7 of "G7"
# "the 3 recommendations": a small number (one or two digits, so never a year) before the plural noun it counts.
_COUNT = re.compile(r"\b(?:the|its|their|these|those|all|top|first|last|main)\s+(\d{1,2})\s+(?:[a-z]+\s+)?[a-z]+s\b", re.I)
# A capitalised word after the first, a run of capitals ("NATO"), or a word with a digit: the question names its subject.
_NAMED = r"\b(?:[A-Z]{2,}\d*|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+|\w*\d\w*)\b"


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of literal words or phrases, longest first (so "Vice President" beats "Vice")."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class QueryAnalyzer:
    """Analyses questions against one archive: its paragraph references and its profile's vocabulary."""

    def __init__(self, documents: Iterable[Document], profile: Profile):
        self.profile = profile
        vocabulary = profile.vocabulary
        self._variants = vocabulary.variants
        self._references = References(documents)
        referring = _alternatives(vocabulary.referring_nouns)
        self._anaphora = re.compile(rf"\b(?:{_PRONOUNS}{'|' + referring if referring else ''})\b", re.I)
        prefixes = _alternatives(vocabulary.name_prefixes)
        self._named = re.compile(_NAMED + (rf"|\b(?:{prefixes})\s+\w+" if prefixes else ""))
        titles = _alternatives(vocabulary.titles)
        self._person = re.compile((rf"\b(?:{titles})\b|" if titles else "") + _FULL_NAME)
        places = _alternatives([*vocabulary.place_nouns, *(f"{n}s" for n in vocabulary.place_nouns), "country",
                                "countries", "city", "cities", "area", "areas"])
        self._asks_place = re.compile(rf"^\W*(?:where|which (?:{places}))\b", re.I)

    def analyze(self, question: str, history: Iterable[str] = ()) -> QueryAnalysis:
        """Read `question` (and, for a follow-up, the last of `history`) once for every later stage."""
        searched = self.resolve(question, list(history))
        definition = _ASKS_DEFINITION.match(question)
        term = definition.group("term") if definition else None
        kind = AnswerKind.DEFINITION if term is not None else self._kind(question)
        return QueryAnalysis(
            question=question,
            searched=searched,
            tokens=tuple(tokenize([searched], self._variants)[0]),
            named=tuple(self._references.cited(question)),
            kind=kind,
            expects=self._expects(kind, term),
            counted=_counted(question),
            numbers=self._numbers(question),
            definition_term=term,
        )

    def resolve(self, question: str, history: list[str]) -> str:
        """The text to search for: the question, joined to the last earlier one when it refers back to it.

        A self-contained question (it names its subject) is searched alone, whatever came before.
        """
        earlier = [h for h in history if h and h.strip()]
        if not earlier:
            return question
        refers_back = bool(self._anaphora.search(question))
        names_subject = bool(self._named.search(question[1:]))  # the first word is capitalised anyway
        short = len(question.split()) <= 4
        if (refers_back and not names_subject) or (short and not names_subject):
            return f"{earlier[-1].strip()} {question}"
        return question

    def _kind(self, question: str) -> AnswerKind | None:
        """The kind of answer a question that is not "What is X?" asks for, from how it opens."""
        for asks, kind in ((_ASKS_AMOUNT, AnswerKind.AMOUNT), (_ASKS_TIME, AnswerKind.TIME),
                           (_ASKS_AUTHOR, AnswerKind.AUTHOR), (_ASKS_PERSON, AnswerKind.PERSON),
                           (self._asks_place, AnswerKind.PLACE)):
            if asks.search(question):
                return kind
        return None

    def _expects(self, kind: AnswerKind | None, term: str | None) -> re.Pattern[str] | None:
        if kind is AnswerKind.DEFINITION:
            term = re.escape(term)
            return re.compile(rf"\({term}\)|\b{term}\s+(?:is|are|was|were|comprises|aims|means)\b", re.I)
        return {AnswerKind.AMOUNT: _AMOUNT, AnswerKind.TIME: _TIME, AnswerKind.AUTHOR: _AUTHOR,
                AnswerKind.PERSON: self._person, AnswerKind.PLACE: _PLACE, None: None}[kind]

    def _numbers(self, question: str) -> tuple[QuestionNumber, ...]:
        text = spelled_as_one(question, self._variants)
        counts = {m.group(1) for m in _COUNT.finditer(text)}
        return tuple(QuestionNumber(n, "count" if n in counts else "condition") for n in sorted(numbers_in(text)))


def numbers_in(text: str, variants: tuple = ()) -> set[str]:
    """The numbers written in `text` ("2013/14", "1,000" as "1000"), leaving out paragraph references and
    digits inside names ("G7", or "G 7" where the profile joins it)."""
    text = REFERENCE.sub(" ", spelled_as_one(text, variants))
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _counted(question: str) -> re.Pattern[str] | None:
    """What an amount question counts: "how many officers …" a number followed within a few words by
    "officer", a question about money a sum, one about a percentage a percentage; else None."""
    asked = re.search(r"\bhow (?:many|much) (?:more |fewer |of the )?([a-z]{3,})", question, re.I)
    if asked and asked.group(1).lower() not in _NOT_COUNTED:
        noun = re.sub(r"(?:es|s)$", "", asked.group(1).lower())
        if noun in _MONEY:
            return _CURRENCY
        noun = _PEOPLE if noun in _PEOPLE.split("|") else re.escape(noun)
        return re.compile(rf"(?:\d[\d,.]*|\b(?:{_NUMBER_WORDS}))\b(?:\W+\w+){{0,3}}?\W+(?:{noun})", re.I)
    if re.search(r"\b(percentage|per ?cent)\b", question, re.I):
        return _PERCENT
    if _ASKS_AMOUNT.search(question) and any(word.lower().rstrip("s") in _MONEY for word in re.findall(r"\w+", question)):
        return _CURRENCY  # "How large is the budget …", "How far has funding fallen?"
    return None
