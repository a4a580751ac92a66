"""Fit the learned decision (`qa.scoring.Decision`) on the product's own candidates for SQuAD questions.

The questions are SQuAD 2.0's, of articles the reader never trained on (the split's calibration
articles), asked of the SQuAD archive (`../shared/external/squad/corpus/`) through the real
retrieval and answer stages. Each answerable question is also asked with its answering paragraph
withheld: the same subject and names, no answer, as a near-topic question the archive cannot
answer looks. A candidate's label is whether it holds one of the question's answers.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ReaderError
from ..evaluation import EvalQuestion, GoldParagraph, file_blocks, normalise
from ..scoring import DECISION_FEATURES, Decision, LearnedScorer, decision_rows
from .data import V2_FILE
from .evaluate import refusal_threshold

__all__ = ["squad2_questions", "Collected", "collect", "fit"]

FALSE_REFUSALS = 0.05  # the most answerable questions the fitted threshold may refuse
SOLVER_STEPS = 2000  # lbfgs converges in far fewer on these eleven features


def squad2_questions(data: Path, corpus: Path, titles: set[str]) -> list[EvalQuestion]:
    """SQuAD 2.0 questions of the articles `titles`, as eval questions over the archive `corpus` (file,
    paragraph number); the unanswerable ones have no answers and no gold paragraph."""
    blocks: dict[str, tuple[str, int]] = {}
    for path in sorted(corpus.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for number, (start, end) in enumerate(file_blocks(text)):
            blocks[normalise(text[start:end])] = (path.name, number)
    with gzip.open(data / V2_FILE, "rt", encoding="utf-8") as handle:
        articles = [a for a in json.load(handle)["data"] if a["title"] in titles]
    if len(articles) != len(titles):
        raise ReaderError(f"{data / V2_FILE} lacks the articles {sorted(titles - {a['title'] for a in articles})}")
    questions = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            place = blocks.get(normalise(paragraph["context"]))
            if place is None:
                raise ReaderError(f"a paragraph of {article['title']} is not a paragraph of any file in {corpus}")
            for qa in paragraph["qas"]:
                answers = () if qa.get("is_impossible") else tuple(a["text"] for a in qa["answers"])
                questions.append(EvalQuestion(qa["id"], qa["question"], (), (), answers, "squad2",
                                              place if answers else None))
    return questions


@dataclass(frozen=True)
class Collected:
    """Feature rows of every shortlisted candidate, their labels, and which group (one asking) each is of."""

    rows: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    answerable: np.ndarray  # per group: whether any of its candidates holds the answer
    kinds: tuple[str, ...]  # per group: answerable, unanswerable (SQuAD 2.0's) or withheld


def collect(archive, scorer: LearnedScorer, questions: list[EvalQuestion], progress: bool = True) -> Collected:
    """Ask each question of `archive` as the product does and keep the shortlist's features and labels."""
    from tqdm.auto import tqdm

    gold = GoldParagraph(archive)
    rows, labels, groups, answerable, kinds = [], [], [], [], []
    for q in tqdm(questions, desc="decision data", disable=not progress, mininterval=5):
        analysis = archive.analyzer.analyze(q.question)
        _, candidates = archive.answerer.candidates(analysis, archive.encoder.encode([analysis.searched])[0])
        askings = [("answerable" if q.answers else "unanswerable", candidates)]
        if q.gold is not None:
            askings.append(("withheld", [c for c in candidates if not gold.holds(q.gold, archive.stored.sentences[c.first])]))
        answers = [normalise(a) for a in q.answers]
        for kind, offered in askings:
            if not offered:
                continue
            chosen, logits = scorer.shortlist(analysis, offered)
            picked = [offered[i] for i in chosen]
            held = [any(a in normalise(c.text) for a in answers) for c in picked]
            rows.append(decision_rows(picked, logits))
            labels += held
            groups += [len(kinds)] * len(picked)
            answerable.append(any(held))
            kinds.append(kind)
    return Collected(np.vstack(rows) if rows else np.zeros((0, len(DECISION_FEATURES))), np.array(labels, dtype=int),
                     np.array(groups), np.array(answerable), tuple(kinds))


def group_best(probability: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """The best candidate's probability in each group."""
    best = np.zeros(count)
    np.maximum.at(best, groups, probability)
    return best


def fit(data: Collected, shortlist: int, seed: int = 0) -> tuple[Decision, dict]:
    """A logistic regression over the candidates, and the refusal threshold; with the figures on `data`."""
    from sklearn.linear_model import LogisticRegression

    if data.labels.sum() == 0:
        raise ReaderError("no shortlisted candidate holds an answer: nothing to fit the decision on")
    model = LogisticRegression(C=1.0, max_iter=SOLVER_STEPS, random_state=seed).fit(data.rows, data.labels)
    probability = model.predict_proba(data.rows)[:, 1]
    best = group_best(probability, data.groups, len(data.kinds))
    # At most FALSE_REFUSALS of the groups whose shortlist holds the answer are refused.
    threshold = refusal_threshold(best[data.answerable], FALSE_REFUSALS)
    kinds = np.array(data.kinds)
    figures = {"groups": {kind: int((kinds == kind).sum()) for kind in sorted(set(data.kinds))},
               "candidates": int(len(data.labels)), "positives": int(data.labels.sum()),
               "abstain_below": threshold,
               "refused": {kind: round(float(np.mean(best[(kinds == kind) & ~data.answerable] < threshold)), 3)
                           for kind in sorted(set(data.kinds)) if ((kinds == kind) & ~data.answerable).any()},
               "answerable_refused": round(float(np.mean(best[data.answerable] < threshold)), 3)}
    decision = Decision(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), threshold, shortlist)
    return decision, figures
