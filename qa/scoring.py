"""Scoring candidate quotes: one small interface (`SentenceScorer`), the hand-weighted scorer as one
implementation, so that a learned reader plugs in beside it and both can be measured in one run.

A scorer sees the question's analysis and the candidates (their text in place, and the features the
answer stage computed from the index); it returns one score per candidate and says below which best
score the archive is judged not to answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from .query import QueryAnalysis
from .config import DEFAULT_READER
from .reader.model import DEFAULT_WEIGHTS, MANIFEST, Reader, ReaderInput

__all__ = ["SentenceFeatures", "Candidate", "SentenceScorer", "Weights", "WeightedScorer", "ReaderScorer",
           "Decision", "DECISION_FEATURES", "DECISION_FILE", "LearnedScorer", "decision_rows", "load_scorer"]


@dataclass(frozen=True)
class SentenceFeatures:
    """What the index and the question's analysis say of one candidate quote."""

    dense: float  # cosine of the sentence's vector and the question's
    lexical: float  # idf-weighted share of the question's words in the sentence (its title, section, context too)
    passage: float  # its paragraph's retrieval score over the best paragraph's
    answer_type: float  # 1 when it holds the kind of words asked for (a number, a date, a name, a definition)
    counted: float  # 1 when it counts what "how many officers …" asks about ("11 police officers")
    cited: float  # 1 when the question names its paragraph ("section C paragraph 7 of the 2010 report")
    unfinished: bool  # "… said:" with nothing after it in the paragraph
    unmatched_number: bool  # the question gives a number ("in 2011") that its paragraph and context lack
    # Read by the learned decision only (not summed by the hand weights):
    paragraph_lexical: float = 0.0  # idf-weighted share of the question's words anywhere in its paragraph
    missing_rare: float = 0.0  # the rarest question word that no paragraph read holds: its idf over the largest idf


@dataclass(frozen=True)
class Candidate:
    """A possible quote: sentences `first`..`last` (rows of the index), its words in place, its features."""

    first: int
    last: int
    doc_id: str
    anchor: str
    text: str
    before: str  # the sentence before it in its document's reading order (across a paragraph's edge), or ""
    after: str  # the sentence after it, likewise, or ""
    heading: str  # the document's title and the paragraph's section
    features: SentenceFeatures


@runtime_checkable
class SentenceScorer(Protocol):
    """Scores candidate quotes for a question; the best candidate below `abstain_below` means "not found"."""

    name: str
    abstain_below: float

    def score(self, analysis: QueryAnalysis, candidates: Sequence[Candidate]) -> np.ndarray: ...


@dataclass(frozen=True)
class Weights:
    """The hand-set weights of `SentenceFeatures`, tuned on eval/questions.jsonl."""

    dense: float = 0.55
    lexical: float = 0.30
    passage: float = 0.30
    answer_type: float = 0.15  # a bonus for holding the kind of words asked for
    counted: float = 0.10  # a bonus for a number followed by what "how many officers …" counts
    cited: float = 0.30  # a paragraph the question names is what it asks about, whatever the words
    # A sentence that only introduces what follows ("… said:") and ends its paragraph answers little.
    unfinished_penalty: float = 0.8
    # A number in the question ("in 2011", "2013/14") is a condition: a paragraph without it, or its
    # document's title and date without it, does not answer.
    unmatched_number_penalty: float = 0.6


_SUMMED = tuple(f.name for f in fields(SentenceFeatures) if f.type == "float" and f.name in Weights.__dataclass_fields__)


class WeightedScorer:
    """A weighted sum of the features, with penalties for unfinished sentences and unmet number conditions."""

    name = "weighted"

    def __init__(self, weights: Weights = Weights(), abstain_below: float = 0.60):
        self.weights = weights
        # Calibrated on eval/questions.jsonl + the dev set: just below their lowest-scoring answerable
        # question (0.603); 0.8% of a SQuAD sample is refused. It catches off-topic questions and those
        # whose numbers ("in 2011") the archive lacks; other near-topic ones score like answerable ones.
        self.abstain_below = abstain_below
        self._vector = np.array([getattr(weights, name) for name in _SUMMED])

    def score(self, analysis: QueryAnalysis, candidates: Sequence[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        values = np.array([[getattr(c.features, name) for name in _SUMMED] for c in candidates]) @ self._vector
        return values * np.array([self.penalty(c.features) for c in candidates])

    def penalty(self, features: SentenceFeatures) -> float:
        """The factor a candidate's score is multiplied by: 1, less for an unfinished lead-in or an unmet number."""
        factor = 1.0
        if features.unfinished:
            factor *= self.weights.unfinished_penalty
        if features.unmatched_number:
            factor *= self.weights.unmatched_number_penalty
        return factor


class ReaderScorer:
    """The project's trained reader on the weighted scorer's best candidates, optionally blended with it.

    The reader is a cross-encoder (about 10 ms a pair on one thread), so it reads only the
    `shortlist` candidates the hand features rank best; the others score 0. A candidate's score is
    `blend · p + (1 − blend) · weighted`, where p is the reader's calibrated probability that the
    sentence answers; the same penalties apply (an unmet number condition, an unfinished lead-in).
    With blend 1 the reader alone decides, and `abstain_below` is a probability.
    """

    def __init__(self, reader: Reader, abstain_below: float, shortlist: int = 8, blend: float = 1.0,
                 weighted: WeightedScorer | None = None):
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must be between 0 and 1, not {blend}")
        self.reader = reader
        self.abstain_below = abstain_below
        self.shortlist = shortlist
        self.blend = blend
        self.weighted = weighted or WeightedScorer()
        self.name = "reader" if blend == 1.0 else f"reader{blend:g}+weighted"

    def score(self, analysis: QueryAnalysis, candidates: Sequence[Candidate]) -> np.ndarray:
        chosen, hand, probability = self.read(analysis, candidates)
        scores = np.zeros(len(candidates))
        scores[chosen] = self.blend * probability + (1.0 - self.blend) * hand[chosen]
        return scores

    def read(self, analysis: QueryAnalysis,
             candidates: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shortlist (indices into `candidates`), every candidate's hand score, and the reader's
        probability for each shortlisted one with the hand scorer's penalties applied."""
        hand = self.weighted.score(analysis, candidates)
        chosen, inputs = _shortlist(hand, candidates, self.shortlist)
        if not len(chosen):
            return chosen, hand, np.zeros(0)
        probability = self.reader.score(analysis.searched, inputs).astype(float)
        return chosen, hand, probability * np.array([self.weighted.penalty(candidates[i].features) for i in chosen])


def _shortlist(hand: np.ndarray, candidates: Sequence[Candidate], size: int) -> tuple[np.ndarray, list[ReaderInput]]:
    """The `size` candidates the hand scores rank best (indices, best first) and the reader's input for each."""
    chosen = np.argsort(-hand, kind="stable")[:size]
    return chosen, [ReaderInput(candidates[i].text, candidates[i].before, candidates[i].after, candidates[i].heading)
                    for i in chosen]


# What the learned decision reads of a candidate, in this order: the reader's logit, then SentenceFeatures.
DECISION_FEATURES = ("reader", "dense", "lexical", "passage", "answer_type", "counted", "cited", "unfinished",
                     "unmatched_number", "paragraph_lexical", "missing_rare")
DECISION_FILE = "decision.json"


@dataclass(frozen=True)
class Decision:
    """A logistic model fitted on SQuAD (`qa fit-decision`): P(a candidate holds the answer) from
    DECISION_FEATURES; the best candidate below `abstain_below` means "not found"."""

    coefficients: tuple[float, ...]
    intercept: float
    abstain_below: float
    shortlist: int = 8

    @classmethod
    def load(cls, path: Path) -> Decision:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if tuple(raw.get("features", ())) != DECISION_FEATURES:
            raise ValueError(f"{path}: fitted on features {raw.get('features')}, this version reads {DECISION_FEATURES}; "
                             "fit it again with `qa fit-decision`")
        return cls(tuple(float(c) for c in raw["coefficients"]), float(raw["intercept"]),
                   float(raw["abstain_below"]), int(raw.get("shortlist", 8)))

    def to_json(self) -> dict:
        return {"features": list(DECISION_FEATURES), "coefficients": list(self.coefficients),
                "intercept": self.intercept, "abstain_below": self.abstain_below, "shortlist": self.shortlist}


def decision_rows(candidates: Sequence[Candidate], logits: np.ndarray) -> np.ndarray:
    """One row of DECISION_FEATURES a candidate (the fitting and the scoring read the same rows)."""
    return np.array([[float(logit), *(float(getattr(c.features, name)) for name in DECISION_FEATURES[1:])]
                     for c, logit in zip(candidates, logits)], dtype=np.float64).reshape(len(candidates), len(DECISION_FEATURES))


class LearnedScorer:
    """The reader on the hand features' best candidates, its logit and their features weighed by a fitted
    logistic model (`Decision`): no hand-set weight decides; a candidate outside the shortlist scores 0."""

    name = "learned"
    # Its scores are probabilities, far apart where the model is sure: the answer stage keeps the next
    # best shortlisted candidates as further quotes, not only those within 0.7 of the best (the hand sums' rule).
    keep_ratio = 0.0

    def __init__(self, reader: Reader, decision: Decision, weighted: WeightedScorer | None = None):
        self.reader = reader
        self.decision = decision
        self.abstain_below = decision.abstain_below
        self.weighted = weighted or WeightedScorer()
        self._coefficients = np.array(decision.coefficients)

    def shortlist(self, analysis: QueryAnalysis, candidates: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        """The shortlisted candidates (indices, the hand features' best first) and the reader's logit of each."""
        chosen, inputs = _shortlist(self.weighted.score(analysis, candidates), candidates, self.decision.shortlist)
        return chosen, (self.reader.logits(analysis.searched, inputs) if inputs else np.zeros(0))

    def score(self, analysis: QueryAnalysis, candidates: Sequence[Candidate]) -> np.ndarray:
        scores = np.zeros(len(candidates))
        if not candidates:
            return scores
        chosen, logits = self.shortlist(analysis, candidates)
        z = decision_rows([candidates[i] for i in chosen], logits) @ self._coefficients + self.decision.intercept
        scores[chosen] = 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))
        return scores


def load_scorer(choice: str = DEFAULT_READER) -> SentenceScorer:
    """The scorer `choice` names: "none" the hand weights; a folder that reader's weights (checked against
    their sha256); "default" the reader shipped in qa/reader/weights/ when it is there, else the hand weights.

    A reader's folder says, in its `reader.json` under "scorer", how it is used: `abstain_below`,
    `shortlist`, `blend` and `int8`, chosen on questions apart from the held-out ones when it was adopted.
    """
    if choice == "none" or (choice == DEFAULT_READER and not (DEFAULT_WEIGHTS / MANIFEST).is_file()):
        return WeightedScorer()
    folder = DEFAULT_WEIGHTS if choice == DEFAULT_READER else Path(choice)
    use = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("scorer", {}) \
        if (folder / MANIFEST).is_file() else {}
    reader = Reader.load(folder, int8=bool(use.get("int8", False)))
    if (folder / DECISION_FILE).is_file():
        return LearnedScorer(reader, Decision.load(folder / DECISION_FILE))
    return ReaderScorer(reader, abstain_below=float(use.get("abstain_below", 0.5)),
                        shortlist=int(use.get("shortlist", 8)), blend=float(use.get("blend", 1.0)))
