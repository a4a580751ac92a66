"""SQuAD as reader training data: articles split into the product's sentences, questions
with their gold sentences, and groups of (question, candidates, labels) for one step."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..chunking import split_sentences
from ..errors import ReaderError
from .model import ReaderInput

__all__ = ["Article", "Question", "Group", "Corpus", "load_squad", "load_split", "SPLIT_FILE",
           "V1_FILE", "V2_FILE"]

V1_FILE = "squad-train-v1.1.json.gz"
V2_FILE = "squad2-dev-visible-half.json.gz"
SPLIT_FILE = Path(__file__).resolve().parent / "split.json"


@dataclass(frozen=True)
class Article:
    """One article: its title and each paragraph's sentences (the project's splitter)."""

    title: str
    paragraphs: tuple[tuple[str, ...], ...]

    def candidate(self, paragraph: int, sentence: int) -> ReaderInput:
        """The sentence with its neighbours in reading order: across a paragraph's edge too, where a
        sentence that points forward or back ("There is a group …" / "The group referred to …") finds its other half."""
        at = self.position[(paragraph, sentence)]
        before = self.flat[at - 1] if at > 0 else None
        after = self.flat[at + 1] if at + 1 < len(self.flat) else None
        return ReaderInput(sentence=self.paragraphs[paragraph][sentence],
                           before=self.paragraphs[before[0]][before[1]] if before else "",
                           after=self.paragraphs[after[0]][after[1]] if after else "",
                           heading=self.title)

    @cached_property
    def position(self) -> dict[tuple[int, int], int]:
        """Where each (paragraph, sentence) stands in `flat`."""
        return {key: i for i, key in enumerate(self.flat)}

    @cached_property
    def flat(self) -> tuple[tuple[int, int], ...]:
        """(paragraph, sentence) of every sentence, in reading order."""
        return tuple((p, s) for p, sentences in enumerate(self.paragraphs) for s in range(len(sentences)))


@dataclass(frozen=True)
class Question:
    """A question on one paragraph; `gold` are the indices of its answer's sentences (empty: unanswerable)."""

    qid: str
    text: str
    article: int
    paragraph: int
    gold: tuple[int, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """What one question contributes to a step: candidates and 1/0 labels."""

    question: str
    inputs: tuple[ReaderInput, ...]
    labels: tuple[int, ...]


def _gold_sentences(spans: list[tuple[int, int]], answers: list[dict]) -> tuple[int, ...]:
    gold = set()
    for answer in answers:
        start = int(answer["answer_start"])
        end = start + len(answer["text"])
        gold.update(i for i, (s, e) in enumerate(spans) if s < end and start < e)
    return tuple(sorted(gold))


def load_squad(path: Path, titles: set[str] | None = None) -> tuple[list[Article], list[Question]]:
    """Articles and questions of a SQuAD JSON(.gz) file, only `titles` if given."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise ReaderError(f"{path}: not a readable SQuAD file ({exc})") from exc
    articles: list[Article] = []
    questions: list[Question] = []
    for entry in data:
        if titles is not None and entry["title"] not in titles:
            continue
        paragraphs = []
        for p, paragraph in enumerate(entry["paragraphs"]):
            context = paragraph["context"]
            spans = split_sentences(context)
            paragraphs.append(tuple(context[s:e] for s, e in spans))
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                gold = _gold_sentences(spans, answers)
                if answers and not gold:
                    continue  # an answer offset outside the context: unusable
                questions.append(Question(qa["id"], qa["question"], len(articles), p, gold,
                                          tuple(a["text"] for a in answers)))
        articles.append(Article(entry["title"].replace("_", " "), tuple(paragraphs)))
    return articles, questions


def load_split(path: Path = SPLIT_FILE) -> dict[str, list[str]]:
    """The recorded article split of the SQuAD 2.0 half: train, calibration, test."""
    split = json.loads(path.read_text(encoding="utf-8"))
    for key in ("train", "calibration", "test"):
        if not isinstance(split.get(key), list):
            raise ReaderError(f"{path}: field {key!r} must be a list of article titles")
    return split


class Corpus:
    """Articles and questions, with a BM25 index per article for hard negatives and candidates."""

    def __init__(self, articles: list[Article], questions: list[Question]):
        self.articles = articles
        self.questions = questions
        self._sentence_bm25: dict[int, object] = {}
        self._paragraph_bm25: dict[int, object] = {}

    def sample(self, n: int | None, seed: int = 0) -> Corpus:
        """The same articles with `n` of the questions, drawn with `seed` (all if `n` is None)."""
        if n is None or n >= len(self.questions):
            return self
        keep = np.sort(np.random.default_rng(seed).choice(len(self.questions), n, replace=False))
        return Corpus(self.articles, [self.questions[i] for i in keep])

    def _index(self, cache: dict, article: int, texts: list[str]):
        if article not in cache:
            import bm25s

            from ..lexical import tokenize

            retriever = bm25s.BM25()
            retriever.index(tokenize(texts), show_progress=False)
            cache[article] = retriever
        return cache[article]

    def _rank(self, retriever, question: str, size: int, k: int) -> list[int]:
        from ..lexical import tokenize

        tokens = tokenize([question])
        if not tokens[0]:
            return []
        ids, _ = retriever.retrieve(tokens, k=min(k, size), show_progress=False)
        return [int(i) for i in ids[0]]

    def hard_negatives(self, q: Question, k: int) -> list[tuple[int, int]]:
        """The best-BM25 sentences of the article outside the question's paragraph, not holding its answer."""
        article = self.articles[q.article]
        texts = [article.paragraphs[p][s] for p, s in article.flat]
        retriever = self._index(self._sentence_bm25, q.article, texts)
        found = []
        answers = [a.lower() for a in q.answers]
        for i in self._rank(retriever, q.text, len(texts), 4 * k + 4):
            p, s = article.flat[i]
            text = texts[i].lower()
            if p != q.paragraph and not any(a in text for a in answers):
                found.append((p, s))
            if len(found) == k:
                break
        return found

    def top_paragraphs(self, q: Question, k: int) -> list[int]:
        """The article's `k` best-BM25 paragraphs for the question."""
        article = self.articles[q.article]
        retriever = self._index(self._paragraph_bm25, q.article, [" ".join(p) for p in article.paragraphs])
        return self._rank(retriever, q.text, len(article.paragraphs), k)

    def withheld(self, q: Question, k: int) -> Group:
        """A near-topic unanswerable group: the question asked of its article with the paragraph that
        answers it withheld. The candidates are the article's best-BM25 sentences elsewhere that do not
        hold its answer (same subject, same names, no answer); every label is 0."""
        article = self.articles[q.article]
        picked = self.hard_negatives(q, k)
        return Group(q.text, tuple(article.candidate(p, s) for p, s in picked), tuple(0 for _ in picked))

    def group(self, q: Question, rng: np.random.Generator, paragraph_negatives: int = 6,
              hard: int = 2) -> Group:
        """The question's gold sentences, some of its paragraph's others, and hard negatives."""
        article = self.articles[q.article]
        others = [s for s in range(len(article.paragraphs[q.paragraph])) if s not in q.gold]
        if len(others) > paragraph_negatives:
            others = sorted(rng.choice(others, paragraph_negatives, replace=False).tolist())
        picked = [(q.paragraph, s, 1) for s in q.gold] + [(q.paragraph, s, 0) for s in others]
        if q.gold and hard:
            picked += [(p, s, 0) for p, s in self.hard_negatives(q, hard)]
        return Group(q.text, tuple(article.candidate(p, s) for p, s, _ in picked),
                     tuple(label for _, _, label in picked))
