"""Held-out measures of a sentence scorer on SQuAD articles, and the reader's calibration.

For each question the candidates are the sentences of its own paragraph ("gold paragraph")
and, harder, those of the article's best BM25 paragraphs, which may miss the gold one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .data import Corpus
from .model import ReaderInput

__all__ = ["Measures", "measure", "cosine_scorer", "fit_calibration", "refusal_recall", "refusal_threshold",
           "format_table"]

Scorer = Callable[[str, Sequence[ReaderInput]], np.ndarray]


@dataclass(frozen=True)
class Measures:
    """Right sentence at top for answerable questions, and how well the best score separates
    answerable from unanswerable questions, over gold-paragraph and BM25 candidates."""

    answerable: int
    unanswerable: int
    top1_gold_paragraph: float
    top1_bm25: float
    auc_gold_paragraph: float
    auc_bm25: float
    refusal_at_5_gold_paragraph: float
    refusal_at_5_bm25: float


def refusal_threshold(answerable: np.ndarray, false_rate: float = 0.05) -> float:
    """The highest threshold on the best score that refuses at most `false_rate` of the answerable questions."""
    return float(np.quantile(answerable, false_rate, method="lower"))


def refusal_recall(answerable: np.ndarray, unanswerable: np.ndarray, false_rate: float = 0.05) -> float:
    """Share of unanswerable questions refused when at most `false_rate` of answerable ones are."""
    return float(np.mean(unanswerable < refusal_threshold(answerable, false_rate)))


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.r_[np.ones(len(positive)), np.zeros(len(negative))], np.r_[positive, negative]))


def candidates(corpus: Corpus, q, bm25_paragraphs: int) -> tuple[list[tuple[int, int]], int, set[int]]:
    """(paragraph, sentence) of the question's candidates, how many are of its own paragraph,
    and the BM25 paragraphs."""
    article = corpus.articles[q.article]
    own = [(q.paragraph, s) for s in range(len(article.paragraphs[q.paragraph]))]
    top = set(corpus.top_paragraphs(q, bm25_paragraphs)) if bm25_paragraphs else set()
    extra = [(p, s) for p in sorted(top - {q.paragraph}) for s in range(len(article.paragraphs[p]))]
    return own + extra, len(own), top


def scored(corpus: Corpus, score: Scorer, bm25_paragraphs: int = 3, progress: bool = True) -> list[tuple]:
    """Per question: (question, candidates, scores, own count, BM25 paragraphs)."""
    from tqdm.auto import tqdm

    rows = []
    for q in tqdm(corpus.questions, desc="scoring", unit="q", disable=not progress, mininterval=10):
        cands, own, top = candidates(corpus, q, bm25_paragraphs)
        article = corpus.articles[q.article]
        values = np.asarray(score(q.text, [article.candidate(p, s) for p, s in cands]), dtype=np.float64)
        rows.append((q, cands, values, own, top))
    return rows


def measure(rows: list[tuple]) -> Measures:
    """The held-out measures of one scorer's rows (see `scored`)."""
    top_gold, top_bm25, best = [], [], {"gold": ([], []), "bm25": ([], [])}
    for q, cands, values, own, top in rows:
        in_top = np.array([p in top for p, _ in cands])
        gold_values = values[:own]
        bm25_values = values[in_top] if in_top.any() else np.array([-np.inf])
        answerable = bool(q.gold)
        best["gold"][0 if answerable else 1].append(gold_values.max())
        best["bm25"][0 if answerable else 1].append(bm25_values.max())
        if answerable:
            top_gold.append(int(np.argmax(gold_values)) in q.gold)
            if in_top.any():
                p, s = [c for c, t in zip(cands, in_top) if t][int(np.argmax(bm25_values))]
                top_bm25.append(p == q.paragraph and s in q.gold)
            else:
                top_bm25.append(False)
    arrays = {k: (np.array(a), np.array(u)) for k, (a, u) in best.items()}
    with_bm25 = any(top for *_, top in rows)  # rows scored without BM25 candidates: those measures are nan
    nan = float("nan")
    return Measures(
        answerable=len(top_gold), unanswerable=len(arrays["gold"][1]),
        top1_gold_paragraph=float(np.mean(top_gold)), top1_bm25=float(np.mean(top_bm25)) if with_bm25 else nan,
        auc_gold_paragraph=_auc(*arrays["gold"]), auc_bm25=_auc(*arrays["bm25"]) if with_bm25 else nan,
        refusal_at_5_gold_paragraph=refusal_recall(*arrays["gold"]),
        refusal_at_5_bm25=refusal_recall(*arrays["bm25"]) if with_bm25 else nan)


def cosine_scorer(encoder) -> Scorer:
    """The baseline: cosine of the question's and the sentence's embeddings (the bi-encoder)."""
    cache: dict[str, np.ndarray] = {}

    def score(question: str, inputs: Sequence[ReaderInput]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in [question, *(i.sentence for i in inputs)] if t not in cache))
        if missing:
            cache.update(zip(missing, encoder.encode(missing)))
        return np.array([float(cache[question] @ cache[i.sentence]) for i in inputs])

    return score


def fit_calibration(rows: list[tuple], false_rate: float = 0.05) -> dict:
    """Platt scaling of raw logits on gold-paragraph candidates (label: holds the answer), and the
    calibrated refusal threshold at `false_rate` false refusals, both on the rows given."""
    from sklearn.linear_model import LogisticRegression

    x, y, best = [], [], []
    for q, _, values, own, _ in rows:
        x += list(values[:own])
        y += [int(s in q.gold) for s in range(own)]
        if q.gold:
            best.append(values[:own].max())
    fit = LogisticRegression(C=1e4).fit(np.array(x)[:, None], np.array(y))
    scale, bias = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    logit = float(np.quantile(np.array(best), false_rate, method="lower"))
    return {"method": "platt", "scale": scale, "bias": bias,
            "refusal_threshold": float(1 / (1 + np.exp(-(scale * logit + bias)))),
            "fitted_on": f"{len(rows)} questions, {len(x)} gold-paragraph pairs"}


def format_table(columns: dict[str, Measures]) -> str:
    """The measures side by side, one row each."""
    names = list(columns)
    lines = [f"{'measure':32}" + "".join(f"{n:>14}" for n in names)]
    for field in Measures.__dataclass_fields__:
        values = [asdict(columns[n])[field] for n in names]
        cells = "".join(f"{v:>14}" if isinstance(v, int) else f"{v:>14.3f}" for v in values)
        lines.append(f"{field:32}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.reader.evaluate [WEIGHTS] [--data DIR] [--questions N]`: the reader beside
    the cosine on the test articles of the split."""
    import argparse
    from pathlib import Path

    from ..config import DEFAULT_MODEL
    from ..embedding import load_encoder
    from .data import V2_FILE, load_split, load_squad
    from .model import DEFAULT_WEIGHTS, Reader

    parser = argparse.ArgumentParser(prog="python -m qa.reader.evaluate")
    parser.add_argument("weights", nargs="?", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--data", type=Path, default=Path("../shared/external/reader"))
    parser.add_argument("--questions", type=int, default=None, help="a seeded sample of N questions")
    args = parser.parse_args(argv)
    corpus = Corpus(*load_squad(args.data / V2_FILE, set(load_split()["test"]))).sample(args.questions)
    reader = Reader.load(args.weights)
    table = {"reader": measure(scored(corpus, reader.logits)),
             "cosine": measure(scored(corpus, cosine_scorer(load_encoder(DEFAULT_MODEL))))}
    print(format_table(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
