"""Scale bench: each passage store on generated passages at 100k and 1M.

    python bench/scale.py --sizes 100000 1000000 --stores faiss qdrant
    python bench/scale.py --sizes 20000 --queries 50          # a quick look

Passages are generated, seeded: 384-d unit vectors drawn around 2,000 cluster centres of
unequal spread (so neighbours are clustered, as sentence embeddings are, and recall means
something), 100 passages per document, one date per document (consecutive days), and 12
tokens per passage (half from the cluster's own words, half from a Zipf vocabulary) for BM25.
Queries are fresh draws around the same centres.

Each store is built through the product's own path (`qa.stores.write`, then `open_store`), the
build and the searches each in a forked child process so that one's memory does not count in
the other's. Printed per size and store: build and load time, RSS delta of the loaded store
after the searches, size on disk (the float vectors' .npy, which every generation keeps, is
counted apart), dense search p50/p95 (the retriever's 100 candidates), recall@10 against exact
search, hybrid (dense + BM25) p50, and filtered recall@10 for filters selecting 50% and 5% of
passages (date range, as `date_from`/`date_to` do) and 0.2% (a list of doc ids, as `doc_ids` does).
Targets at 1M: p50 ≤ 5 ms, recall@10 ≥ 0.97, filtered recall ≥ 0.99, ≤ 1 GB per million vectors.
Output also goes to bench/results/scale.txt.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from qa.stores import StoreInput, StoreSettings, Where, day_number, open_store, write  # noqa: E402

DIMENSION = 384
CLUSTERS = 2_000
PER_DOCUMENT = 100
TOKENS = 12
VOCABULARY = 50_000
CANDIDATES = 100
FIRST_DAY = datetime.date(1990, 1, 1)


def generate(size: int, queries: int, seed: int = 0):
    """Vectors, per-passage documents and days, token ids, and query vectors, all seeded."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((CLUSTERS, DIMENSION), dtype=np.float32))
    spread = rng.uniform(0.6, 1.4, CLUSTERS).astype(np.float32)
    cluster = rng.integers(0, CLUSTERS, size)
    vectors = np.empty((size, DIMENSION), np.float32)
    for start in range(0, size, 100_000):
        rows = slice(start, min(start + 100_000, size))
        noise = rng.standard_normal((rows.stop - rows.start, DIMENSION), dtype=np.float32) / np.sqrt(DIMENSION)
        vectors[rows] = _unit(centres[cluster[rows]] + noise * spread[cluster[rows], None] * 1.2)
    documents = np.arange(size) // PER_DOCUMENT
    days = np.array([day_number((FIRST_DAY + datetime.timedelta(days=int(d))).isoformat())
                     for d in range(documents[-1] + 1)], np.int32)
    topical = (cluster[:, None] * 8 + rng.integers(0, 8, (size, TOKENS // 2))) % VOCABULARY
    general = np.minimum(rng.zipf(1.3, (size, TOKENS - TOKENS // 2)), VOCABULARY - 1)
    tokens = np.hstack([topical, general]).astype(np.int32)
    query_cluster = rng.integers(0, CLUSTERS, queries)
    noise = rng.standard_normal((queries, DIMENSION), dtype=np.float32) / np.sqrt(DIMENSION)
    query_vectors = _unit(centres[query_cluster] + noise * spread[query_cluster, None] * 1.2)
    query_tokens = (query_cluster[:, None] * 8 + rng.integers(0, 8, (queries, 3))) % VOCABULARY
    return vectors, documents, days, tokens, query_vectors, query_tokens


def filters(size: int, documents: np.ndarray, days: np.ndarray) -> dict[str, Where]:
    """Filters keeping 50% and 5% of passages by date range, and 0.2% by doc ids."""
    count = documents[-1] + 1
    half = Where(documents < count // 2, day_to=int(days[count // 2 - 1]))
    low, high = int(count * 0.40), int(count * 0.40) + max(1, count // 20)
    window = Where((documents >= low) & (documents < high), day_from=int(days[low]), day_to=int(days[high - 1]))
    rng = np.random.default_rng(1)
    chosen = np.sort(rng.choice(count, max(1, count // 500), replace=False))
    ids = Where(np.isin(documents, chosen), doc_ids=tuple(f"doc{d}" for d in chosen))
    return {"50%": half, "5%": window, "0.2%": ids}


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """The true top-k rows for each query (blockwise, to bound memory)."""
    best_scores = np.full((len(queries), k), -np.inf, np.float32)
    best_rows = np.zeros((len(queries), k), np.int64)
    for start in range(0, len(vectors), 200_000):
        block = vectors[start : start + 200_000]
        scores = queries @ block.T
        if mask is not None:
            scores[:, ~mask[start : start + 200_000]] = -np.inf
        rows = np.arange(start, start + len(block))
        scores = np.hstack([best_scores, scores])
        rows = np.hstack([best_rows, np.broadcast_to(rows, (len(queries), len(block)))])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, top, 1)
        best_rows = np.take_along_axis(rows, top, 1)
    return best_rows


def build_child(folder: Path, data: StoreInput, settings: StoreSettings, out) -> None:
    began = time.perf_counter()
    np.save(folder / "passage_vectors.npy", data.vectors, allow_pickle=False)
    kind = write(folder, folder.name, data, settings)
    out.put({"build_s": time.perf_counter() - began, "kind": kind})


def search_child(folder: Path, kind: dict, settings: StoreSettings, queries, query_tokens, truth, wheres, out) -> None:
    from qa.runtime import QUERY_THREADS, configure

    configure(threads=QUERY_THREADS)  # as the server does before its first query
    rss = _rss_mb()
    began = time.perf_counter()
    vectors = np.load(folder / "passage_vectors.npy", mmap_mode="r", allow_pickle=False)
    store = open_store(folder, kind, vectors, settings)
    load_s = time.perf_counter() - began
    for vector in queries[:10]:
        store.dense(vector, CANDIDATES, None)
    timings, found = [], []
    for vector in queries:
        began = time.perf_counter()
        ranked = store.dense(vector, CANDIDATES, None)
        timings.append(time.perf_counter() - began)
        found.append([row for row, _ in ranked[:10]])
    hybrid = []
    for vector, tokens in zip(queries, query_tokens):
        words = tuple(f"w{t}" for t in tokens)
        began = time.perf_counter()
        fused = store.hybrid(vector, words, CANDIDATES, None, 0.5, 60)
        if fused is None:
            store.dense(vector, CANDIDATES, None), store.lexical(words, CANDIDATES, None)
        hybrid.append(time.perf_counter() - began)
    filtered = {}
    for name, (where, expected) in wheres.items():
        started = time.perf_counter()
        rows = [[row for row, _ in store.dense(vector, CANDIDATES, where)[:10]] for vector in queries]
        filtered[name] = (_recall(rows, expected), (time.perf_counter() - started) / len(queries))
    out.put({"load_s": load_s, "rss_mb": _rss_mb() - rss, "p50": np.percentile(timings, 50) * 1000,
             "p95": np.percentile(timings, 95) * 1000, "recall": _recall(found, truth),
             "hybrid_p50": np.percentile(hybrid, 50) * 1000, "filtered": filtered})
    store.close()


def run(size: int, stores: list[str], queries: int, root: Path, say) -> None:
    import bm25s

    began = time.perf_counter()
    vectors, documents, days, tokens, query_vectors, query_tokens = generate(size, queries)
    vocabulary = {f"w{i}": i for i in range(VOCABULARY)}
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenization.Tokenized(ids=tokens.tolist(), vocab=vocabulary), show_progress=False)
    data = StoreInput(vectors, tuple(f"doc{d}" for d in documents), days[documents], days[documents], bm25)
    truth = exact_top(vectors, query_vectors, 10)
    wheres = {name: (where, exact_top(vectors, query_vectors, 10, where.mask))
              for name, where in filters(size, documents, days).items()}
    say(f"\n{size:,} passages, {documents[-1] + 1:,} documents, {queries} queries "
        f"(generated in {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.1f})")
    say(f"{'store':8} {'index':9} {'build s':>8} {'load s':>7} {'RSS MB':>7} {'disk MB':>8} {'+npy MB':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'rec@10':>7} {'hyb p50':>8}  filtered recall@10 (ms/query)")
    context = multiprocessing.get_context("fork")
    for engine in stores:
        folder = root / f"gen-{engine}-{size}"
        folder.mkdir()
        settings = StoreSettings(engine)
        built = _in_child(context, build_child, folder, data, settings)
        disk = _du_mb(folder)
        npy = (folder / "passage_vectors.npy").stat().st_size / 1e6
        result = _in_child(context, search_child, folder, built["kind"], settings, query_vectors, query_tokens,
                           truth, wheres)
        shown = "  ".join(f"{name} {recall:.3f} ({ms * 1000:.1f})" for name, (recall, ms) in result["filtered"].items())
        say(f"{engine:8} {built['kind']['type']:9} {built['build_s']:8.1f} {result['load_s']:7.2f} "
            f"{result['rss_mb']:7.0f} {disk - npy:8.0f} {npy:8.0f} {result['p50']:7.2f} {result['p95']:7.2f} "
            f"{result['recall']:7.3f} {result['hybrid_p50']:8.2f}  {shown}")
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", default=["faiss", "qdrant"], choices=["faiss", "qdrant"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, default=None, help="where to build (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.txt")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a", encoding="utf-8") as log, tempfile.TemporaryDirectory(dir=args.work) as work:
        def say(line: str) -> None:
            print(line, flush=True)
            log.write(line + "\n")
            log.flush()

        say(f"# bench/scale.py {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores")
        for size in args.sizes:
            run(size, args.stores, args.queries, Path(work), say)


def _in_child(context, target, *args):
    queue = context.Queue()
    child = context.Process(target=target, args=(*args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(rows) & set(expected.tolist())) / len(expected) for rows, expected in zip(found, truth)]))


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _du_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


if __name__ == "__main__":
    main()
