"""Tokens for BM25 and lexical overlap: lower-cased words, English stop words out, stemmed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .profile import Variant

__all__ = ["tokenize", "spelled_as_one"]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# English stop words plus the words that only make a question a question.
_QUESTION_WORDS = ["what", "which", "who", "whom", "whose", "when", "where", "why", "how", "many", "much",
                   "does", "did", "do", "according", "say", "says", "said"]


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return sorted(set(STOPWORDS_EN_PLUS) | set(_QUESTION_WORDS))


def spelled_as_one(text: str, variants: Sequence[Variant] = ()) -> str:
    """`text` with the profile's spelling variants rewritten to their one form ("G 7" as "G7")."""
    for variant in variants:
        text = variant.pattern.sub(variant.replacement, text)
    return text


def tokenize(texts: list[str], variants: Sequence[Variant] = ()) -> list[list[str]]:
    """One token list per text, as BM25 indexes and queries them.

    `variants` (the profile's `vocabulary.variants`) rewrite spellings to one form first; the
    index and the queries must be tokenized with the same ones.
    """
    import bm25s

    texts = [spelled_as_one(text, variants) for text in texts]
    return bm25s.tokenize(texts, stopwords=_stopwords(), stemmer=_stemmer().stemWords, return_ids=False,
                          show_progress=False)
