"""How to use a trained reader: the blend with the hand weights and the refusal threshold, chosen on
questions it was not trained on and that the final figures do not use.

    python bench/tune_reader.py DIR [--shortlist 8]

Tuning sets: the tune half of the independent dev set (../shared/eval/archive_dev.jsonl; its report
half is never tuned on) and the SQuAD 2.0 questions of the reader's calibration articles (answerable
and unanswerable), asked of the SQuAD archive. Every question's candidates are scored once by the hand weights and by the reader; then for
each blend the top candidate is checked for a gold answer, and the threshold that refuses at most 5%
of the answerable questions is found, with the share of unanswerable ones it refuses. The held-out
figures come from bench/reader_eval.py, on other articles.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout, whatever else is installed

from qa.evaluation import EvalQuestion, normalise, read_questions, split_half  # noqa: E402
from qa.reader.decision import squad2_questions  # noqa: E402
from qa.reader.evaluate import refusal_threshold  # noqa: E402
from reader_eval import index_for  # noqa: E402  (bench/ is on the path: this script's folder)

SHARED = ROOT.parent / "shared"
BLENDS = (0.0, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
FALSE_REFUSALS = 0.05


def calibration_questions(squad: Path, v2_file: Path) -> list[EvalQuestion]:
    split = json.loads((ROOT / "qa" / "reader" / "split.json").read_text(encoding="utf-8"))
    return squad2_questions(v2_file.parent, squad / "corpus", set(split["calibration"]))


def scored(archive, reader_scorer, questions: list[EvalQuestion]) -> list[dict]:
    """Per question: each shortlisted candidate's hand score, reader probability and whether it holds an answer."""
    rows = []
    for q in questions:
        analysis = archive.analyzer.analyze(q.question, q.history)
        vector = archive.encoder.encode([analysis.searched])[0]
        hits, candidates = archive.answerer.candidates(analysis, vector)
        chosen, hand, probability = reader_scorer.read(analysis, candidates)
        answers = [normalise(a) for a in q.answers]
        absent = bool(archive.answerer.absent_conditions(analysis, hits))
        rows.append({"answerable": bool(answers), "absent": absent,
                     "hand": hand[chosen], "reader": probability,
                     "right": np.array([any(a in normalise(candidates[i].text) for a in answers) for i in chosen])})
    return rows


def figures(rows: list[dict], blend: float) -> dict:
    answerable = [r for r in rows if r["answerable"] and len(r["hand"])]
    unanswerable = [r for r in rows if not r["answerable"]]

    def best(r):
        combined = blend * r["reader"] + (1 - blend) * r["hand"]
        return combined, int(np.argmax(combined)) if len(combined) else -1

    top = np.mean([r["right"][best(r)[1]] for r in answerable])
    top3 = np.mean([r["right"][np.argsort(-best(r)[0], kind="stable")[:3]].any() for r in answerable])
    answerable_best = np.array([best(r)[0].max() if not r["absent"] else -1.0 for r in answerable])
    threshold = refusal_threshold(answerable_best, FALSE_REFUSALS)
    refused = [(best(r)[0].max() if len(r["hand"]) else -1.0) < threshold or r["absent"] for r in unanswerable]
    return {"top_quote": round(float(top), 3), "top_three": round(float(top3), 3), "threshold": round(threshold, 4),
            "unanswerable_refused": round(float(np.mean(refused)), 3) if refused else None,
            "answerable_refused": round(float(np.mean(answerable_best < threshold)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reader", type=Path, help="the reader's weights folder")
    parser.add_argument("--shortlist", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of each set (quick trials)")
    parser.add_argument("--squad", type=Path, default=SHARED / "external" / "squad")
    parser.add_argument("--v2", type=Path, default=SHARED / "external" / "reader" / "squad2-dev-visible-half.json.gz")
    args = parser.parse_args()

    from qa.archive import Archive
    from qa.reader.model import Reader
    from qa.runtime import QUERY_THREADS, configure
    from qa.scoring import ReaderScorer

    configure()
    scorer = ReaderScorer(Reader.load(args.reader), abstain_below=0.0, shortlist=args.shortlist)
    project = Archive.open(ROOT / "corpus", index_for(ROOT / "corpus"), scorer=scorer)
    squad = Archive.open(args.squad / "corpus", index_for(args.squad / "corpus"), scorer=scorer)
    configure(threads=QUERY_THREADS)
    dev = split_half(read_questions(SHARED / "eval" / "archive_dev.jsonl"), "tune")
    sets = {"dev tune half": scored(project, scorer, dev[: args.limit]),
            "squad2 calibration": scored(squad, scorer, calibration_questions(args.squad, args.v2)[: args.limit])}
    for name, rows in sets.items():
        print(f"== {name}: {sum(r['answerable'] for r in rows)} answerable, {sum(not r['answerable'] for r in rows)} "
              f"unanswerable; shortlist {args.shortlist}; threshold: at most {FALSE_REFUSALS:.0%} answerable refused")
        for blend in BLENDS:
            print(f"  blend {blend:<4}  {figures(rows, blend)}")


if __name__ == "__main__":
    main()
