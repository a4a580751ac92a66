"""Reader inference speed: one thread, one question, a batch of 14 real candidate sentences.

    PYTHONPATH=. python bench/reader_speed.py [WEIGHTS_DIR] [--data ../shared/external/reader]

Prints the median and 90th percentile of `Reader.score` over 30 calls (after 3 warm-up calls),
per call and per pair. The candidates are the 14 sentences best ranked by BM25 for held-out
SQuAD 2.0 questions (what the product's scorer would see), with their context.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("weights", nargs="?", default=None)
    parser.add_argument("--data", default="../shared/external/reader")
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)  # the app's setting: one thread per request
    from qa.reader.data import V2_FILE, Corpus, load_split, load_squad
    from qa.reader.model import DEFAULT_WEIGHTS, Reader

    reader = Reader.load(Path(args.weights) if args.weights else DEFAULT_WEIGHTS)
    corpus = Corpus(*load_squad(Path(args.data) / V2_FILE, set(load_split()["test"]))).sample(args.calls + 3, seed=1)
    batches = []
    for q in corpus.questions:
        article = corpus.articles[q.article]
        cands = [article.candidate(p, s) for p in corpus.top_paragraphs(q, 5) for s in range(len(article.paragraphs[p]))]
        batches.append((q.text, (cands * 14)[:14]))
    times = []
    for i, (question, cands) in enumerate(batches):
        start = time.perf_counter()
        reader.score(question, cands)
        if i >= 3:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p90 = statistics.median(times), times[int(0.9 * (len(times) - 1))]
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"reader, 1 thread, 14 candidates: p50 {p50:.1f} ms ({p50 / 14:.2f} ms/pair), p90 {p90:.1f} ms "
          f"over {len(times)} calls; max_length {reader.max_length}; load average {load}")


if __name__ == "__main__":
    main()
