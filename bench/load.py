"""Load run: /api/ask and /api/search at 1, 4 and 16 concurrent clients against a real server.

    python bench/load.py                                # 200 requests per endpoint and level
    python bench/load.py --requests 400 --index index   # reuse a built index (the app's own)
    python bench/load.py --soak --minutes 10            # 16 clients mixing ask, search, paragraph reads

Starts `python app.py` itself on a free loopback port (indexing the corpus into a temporary
directory unless --index is given), warms it up, then for each endpoint and each level of
concurrency sends a fixed number of requests from that many threads, each with its own
keep-alive httpx client. Prints throughput, p50/p95/p99 latency and errors per row, with the
load average beside them, and writes the same to bench/results/load.txt. Stops the server at
the end. Target (issue 6): no errors, ask p50 <= 60 ms at 4 clients on two cores.

`--soak` (bench/soak.py) runs instead 16 clients for `--minutes`, mixing ask, search and
paragraph reads, with one upload and one removal during the run, and prints latency per kind,
errors and the server's RSS over time (targets, issue 12: 0 errors, RSS growth < 10% after
warm-up, ask p50 <= 30 ms at 4 clients).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from app_process import start_server, stop_server  # noqa: E402  (the tests' own server start-up)
LEVELS = (1, 4, 16)
FALLBACK_QUESTIONS = ["What is CONOPS?", "Which group is far more likely to be murdered?",
                      "Did trafficking increase because of the Olympics?", "What is Operation Paladin?"]


def questions(path: Path) -> list[str]:
    if not path.exists():
        return FALLBACK_QUESTIONS
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def body(endpoint: str, text: str) -> dict:
    return {"question": text, "k": 5} if endpoint == "ask" else {"query": text, "k": 10}


def timed(send: Callable[[], httpx.Response]) -> tuple[float, str | None]:
    """One request: its latency in ms and why it failed (None for a 200)."""
    began = time.perf_counter()
    try:
        response = send()
        failed = None if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        failed = type(exc).__name__
    return (time.perf_counter() - began) * 1000, failed


def run_level(url: str, endpoint: str, clients: int, total: int, texts: list[str]) -> dict:
    """`total` requests shared by `clients` threads; latencies in ms, errors counted."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                elapsed, failed = timed(lambda: client.post(f"/api/{endpoint}",
                                                            json=body(endpoint, texts[n % len(texts)])))
                with lock:
                    latencies.append(elapsed)
                    if failed:
                        errors.append(failed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"endpoint": endpoint, "clients": clients, "requests": len(latencies), "seconds": wall,
            "throughput": len(latencies) / wall, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "errors": len(errors), "error_kinds": sorted(set(errors))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index", type=Path, default=None, help="index folder [a new temporary one]")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and level [200]")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--out", type=Path, default=None, help="[bench/results/load.txt, or soak.txt with --soak]")
    parser.add_argument("--soak", action="store_true", help="a soak run instead (see bench/soak.py)")
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the soak run [2]")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the soak run [16]")
    args = parser.parse_args()
    if args.soak:
        from soak import soak

        soak(args.corpus, args.index, questions(args.questions), args.minutes, args.clients,
             args.out or ROOT / "bench" / "results" / "soak.txt")
        return
    args.out = args.out or ROOT / "bench" / "results" / "load.txt"

    texts = questions(args.questions)
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory(prefix="qa-load-") as scratch:
        index = args.index or Path(scratch) / "index"
        log = Path(scratch) / "server.log"
        began = time.perf_counter()
        server = start_server(args.corpus, index, log, timeout=600)
        url = server.url
        try:
            say(f"server {url} ready in {time.perf_counter() - began:.1f} s (index {index}); "
                f"{len(texts)} questions cycled; {args.requests} requests per row; {os.cpu_count()} CPUs")
            with httpx.Client(base_url=url, timeout=60) as client:
                for n in range(args.warmup):
                    for endpoint in ("search", "ask"):
                        client.post(f"/api/{endpoint}", json=body(endpoint, texts[n % len(texts)])).raise_for_status()
            say(f"{'endpoint':8} {'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
                f"{'p99 ms':>7} {'errors':>6}  load average")
            for endpoint in ("search", "ask"):
                for clients in LEVELS:
                    row = run_level(url, endpoint, clients, args.requests, texts)
                    kinds = f" {row['error_kinds']}" if row["errors"] else ""
                    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                    say(f"{endpoint:8} {clients:>7} {row['requests']:>8} {row['throughput']:>7.1f} {row['p50']:>7.1f} "
                        f"{row['p95']:>7.1f} {row['p99']:>7.1f} {row['errors']:>6}{kinds}  {load}")
        finally:
            stop_server(server)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
