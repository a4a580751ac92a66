"""Tokens for BM25 and lexical overlap: lower-cased words, English stop words out, stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["tokenize", "tokens"]


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


# Unit codes are printed both ways ("SCD 9" and "SCD9" in the same report): one token for both.
_SPACED_CODE = re.compile(r"\b([A-Z]{2,6}) (\d{1,3})\b")


def tokenize(texts: list[str]) -> list[list[str]]:
    """One token list per text, as BM25 indexes and queries them."""
    import bm25s

    texts = [_SPACED_CODE.sub(r"\1\2", text) for text in texts]
    return bm25s.tokenize(texts, stopwords=_stopwords(), stemmer=_stemmer().stemWords, return_ids=False,
                          show_progress=False)


def tokens(text: str) -> list[str]:
    return tokenize([text])[0]
