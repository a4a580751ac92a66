"""Ingestion speed: one process against a local Ray cluster, on a generated corpus.

    python bench/ingest.py                      # 200 documents, --workers 2
    python bench/ingest.py --documents 50 --workers 1 2

Writes a seeded corpus of generated reports (tests/synthetic_corpus.py) to a temporary folder,
then builds its index from nothing (no embedding cache) once in this process and once per
`--workers` value on a local Ray cluster, and prints documents/s and passages/s for each. The
model is loaded before the clock starts for the single-process build; the Ray figures include
starting the cluster and loading the model in every worker, which is what `qa index --workers`
costs. The load average is printed beside each line: on a shared machine it says how much of
the CPU the build had.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, whatever else is installed
sys.path.insert(0, str(ROOT / "tests"))  # the corpus generator the tests use

from qa.runtime import configure  # noqa: E402


def _build(corpus: Path, index: Path, encoder, cluster) -> tuple[float, dict]:
    from qa.indexer import refresh_index

    started = time.perf_counter()
    refresh = refresh_index(corpus, index, encoder, cluster=cluster)
    return time.perf_counter() - started, refresh.stored.manifest["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.txt")
    args = parser.parse_args()
    configure()

    from qa.embedding import load_encoder
    from qa.ray_ingest import RayCluster
    from synthetic_corpus import write_corpus

    encoder = load_encoder()
    lines = []
    with tempfile.TemporaryDirectory(prefix="qa-ingest-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        write_corpus(corpus, args.documents, seed=args.seed)
        runs = [("one process", None)] + [(f"ray --workers {n}", RayCluster(workers=n)) for n in args.workers]
        for name, cluster in runs:
            seconds, counts = _build(corpus, Path(scratch) / f"index-{len(lines)}", encoder, cluster)
            line = (f"{name:18} {counts['documents']:5} documents {counts['passages']:6} passages "
                    f"{counts['sentences']:6} sentences  {seconds:7.1f} s  "
                    f"{counts['documents'] / seconds:6.2f} documents/s  {counts['passages'] / seconds:6.1f} passages/s  "
                    f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(line, flush=True)
            lines.append(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
