"""Sentence scorers side by side, in one run: the hand weights and the trained reader (or several readers).

    python bench/reader_eval.py                                  # --reader none --reader default
    python bench/reader_eval.py --reader none --reader /path/to/export --sample 500

On four sets, for each scorer: (a) the project's eval set (eval/questions.jsonl) and the independent
dev set (../shared/eval/archive_dev.jsonl), its report and tune halves apart; (b) SQuAD questions
of ../shared/external/squad/ whose article the reader never saw in training or calibration; (c) SQuAD
2.0 questions of the reader's held-out test articles, answerable and unanswerable, asked of the same
24-article archive. Printed: answer in the top quote and top three, unanswerable refused, answerable
refused (near- and off-topic apart), multi-source recall, paraphrase hit@5 and top three, and warm
`ask` latency. The set (b) is written to bench/results/ as JSONL, so `qa eval` can read it too. Indexes are kept in
bench/results/indexes/ between runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout, whatever else is installed

from qa.evaluation import evaluate, read_questions, sample, split_half  # noqa: E402
from qa.reader.decision import squad2_questions  # noqa: E402

SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "bench" / "results"
SPLIT = ROOT / "qa" / "reader" / "split.json"
COLUMNS = ("answer_in_top_quote", "answer_in_top_three", "abstention_recall", "near_topic_refused",
           "off_topic_refused", "answerable_refused", "multi_source_recall", "paraphrase_hit@5",
           "paraphrase_top_three", "hit@5")


def write_sets(squad: Path, v2_file: Path) -> tuple[Path, list, dict]:
    """(b) held-out SQuAD v1.1 questions as a JSONL file, and (c) the SQuAD 2.0 test-article questions."""
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    seen = squad2_questions(v2_file.parent, squad / "corpus", set(split["train"]) | set(split["calibration"]))
    files_seen = {q.gold[0] for q in seen if q.gold}
    test = squad2_questions(v2_file.parent, squad / "corpus", set(split["test"]))
    rows_b = [row for row in map(json.loads, (squad / "questions.jsonl").read_text(encoding="utf-8").splitlines())
              if row["doc"] not in files_seen]
    RESULTS.mkdir(parents=True, exist_ok=True)
    held_out = RESULTS / "squad-held-out.jsonl"
    held_out.write_text("".join(json.dumps(r) + "\n" for r in rows_b), encoding="utf-8")
    about = {"held_out_files": sorted({r["doc"] for r in rows_b}), "reader_saw": sorted(files_seen),
             "test_articles": split["test"]}
    return held_out, test, about


def index_for(corpus: Path) -> Path:
    """Where the benches keep an archive's index between runs."""
    return RESULTS / "indexes" / ("project" if corpus == ROOT / "corpus" else corpus.parent.name)


def latency(archive, questions, calls: int = 60) -> tuple[float, float]:
    """p50 and p95 of warm `ask` in ms over the first `calls` questions."""
    times = []
    for q in (questions * 2)[:calls]:
        began = time.perf_counter()
        archive.ask(q.question, list(q.history))
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", action="append", dest="readers",
                        help="'none', 'default' or a reader weights folder; repeat to compare [none, default]")
    parser.add_argument("--sample", type=int, default=1000, help="questions drawn (seed 0) from each SQuAD set")
    parser.add_argument("--squad", type=Path, default=SHARED / "external" / "squad")
    parser.add_argument("--v2", type=Path, default=SHARED / "external" / "reader" / "squad2-dev-visible-half.json.gz")
    parser.add_argument("--dev", type=Path, default=SHARED / "eval" / "archive_dev.jsonl",
                        help="the independent dev set (reported by half)")
    parser.add_argument("--skip-squad", action="store_true", help="the archive's sets only")
    args = parser.parse_args()

    from qa.archive import Archive
    from qa.runtime import QUERY_THREADS, configure
    from qa.scoring import load_scorer

    configure()
    readers = args.readers or ["none", "default"]
    scorers = {choice: load_scorer(choice) for choice in readers}
    sets = {"project": (ROOT / "corpus", read_questions(ROOT / "eval" / "questions.jsonl"))}
    if args.dev.is_file():  # the independent dev set: its tune half may set a threshold, its report half judges
        dev = read_questions(args.dev)
        sets.update({f"dev {half}": (ROOT / "corpus", split_half(dev, half)) for half in ("report", "tune")})
    if not args.skip_squad:
        held_out, test, about = write_sets(args.squad, args.v2)
        print(f"(b) {held_out.relative_to(ROOT)}: articles the reader never saw: {len(about['held_out_files'])} files")
        print(f"(c) SQuAD 2.0 test articles {', '.join(about['test_articles'])}")
        sets["squad held-out"] = (args.squad / "corpus", sample(read_questions(held_out), args.sample))
        sets["squad2 test"] = (args.squad / "corpus", sample(test, args.sample))
    archives = {}
    results: dict[str, dict[str, dict]] = {}
    for name, (corpus, questions) in sets.items():
        if corpus not in archives:
            archives[corpus] = Archive.open(corpus, index_for(corpus), scorer=scorers[readers[0]], progress=True)
            configure(threads=QUERY_THREADS)
        base = archives[corpus]
        for choice, scorer in scorers.items():
            began = time.perf_counter()
            figures = evaluate(base.with_scorer(scorer), questions)
            figures["seconds"] = round(time.perf_counter() - began, 1)
            results.setdefault(name, {})[f"{choice} ({scorer.name})"] = figures
            print(f"{name} / {choice}: done in {figures['seconds']} s", flush=True)
    project = sets["project"][1]
    timing = {f"{c} ({s.name})": latency(archives[ROOT / "corpus"].with_scorer(s), project) for c, s in scorers.items()}

    print()
    for name, by_scorer in results.items():
        print(f"== {name} ({next(iter(by_scorer.values()))['questions']} questions)")
        width = max(len(label) for label in by_scorer) + 2
        print(" " * 22 + "".join(f"{label:>{width}}" for label in by_scorer))
        for column in COLUMNS:
            print(f"{column:22}" + "".join(f"{str(f[column]):>{width}}" for f in by_scorer.values()))
        print()
    print("warm Archive.ask on the project's questions, one torch thread (p50 / p95 ms):")
    for label, (p50, p95) in timing.items():
        print(f"  {label}: {p50:.1f} / {p95:.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reader_eval.json"
    out.write_text(json.dumps({"results": {n: {s: {k: v for k, v in f.items() if k != "rows"} for s, f in r.items()}
                                           for n, r in results.items()}, "latency_ms": timing}, indent=1),
                   encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
