"""Tokens for BM25 and lexical overlap: lower-cased words, English stop words out, stemmed."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["tokenize", "tokens"]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """One token list per text, as BM25 indexes and queries them."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer().stemWords, return_ids=False, show_progress=False)


def tokens(text: str) -> list[str]:
    return tokenize([text])[0]
