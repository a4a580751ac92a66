"""Soak run behind `python bench/load.py --soak`: many clients for minutes, one upload and one removal.

Starts `python app.py` with an admin token, measures ask p50 at 4 clients first, then runs
`clients` threads for `minutes`, each cycling ask → search → paragraph read with its own
keep-alive client. A third of the way in a new document is uploaded; two thirds in it is
removed. Every 10 s the server's RSS is sampled (psutil). Prints per kind: requests,
throughput, p50/p95/p99, errors; the upload and removal; RSS over time and its growth after
warm-up (the first fifth of the run), with the load average beside it.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from load import body, run_level, timed  # noqa: E402  (bench/ is on sys.path when load.py runs)

from app_process import start_server, stop_server  # noqa: E402

__all__ = ["soak"]

KINDS = ("ask", "search", "paragraph")
SAMPLE_SECONDS = 10.0
UPLOAD = ("Harbour lantern survey\n\n1. The harbour lantern survey counted 214 working lanterns on the quays.\n\n"
          "2. Forty lanterns were replaced with sealed fittings after the winter storms.\n")


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def soak(corpus: Path, index: Path | None, texts: list[str], minutes: float, clients: int, out: Path) -> None:
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="qa-soak-") as scratch:
        # The run uploads and removes a document: work on a copy so the corpus given is never changed.
        work = Path(scratch) / "corpus"
        work.mkdir()
        for path in corpus.iterdir():
            if path.is_file():
                (work / path.name).write_bytes(path.read_bytes())
        began = time.perf_counter()
        server = start_server(work, index or Path(scratch) / "index", Path(scratch) / "server.log", timeout=600,
                              env={"QA_ADMIN_TOKEN": token, "QA_AUTH": ""})
        try:
            say(f"server {server.url} ready in {time.perf_counter() - began:.1f} s; {clients} clients for {minutes:g} min; "
                f"{os.cpu_count()} CPUs; load average {_load()}")
            _run(server, token, texts, minutes, clients, say)
        finally:
            stop_server(server)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(server, token: str, texts: list[str], minutes: float, clients: int, say) -> None:
    url = server.url
    with httpx.Client(base_url=url, timeout=60) as client:
        doc_ids = [d["doc_id"] for d in client.get("/api/documents").json()]
        paragraphs = [(d, p["anchor"]) for d in doc_ids for p in client.get(f"/api/documents/{d}").json()["paragraphs"]]
        for n in range(20):  # warm-up
            for endpoint in ("search", "ask"):
                client.post(f"/api/{endpoint}", json=body(endpoint, texts[n % len(texts)])).raise_for_status()
    four = run_level(url, "ask", 4, 200, texts)
    say(f"ask at 4 clients: p50 {four['p50']:.1f} ms, p95 {four['p95']:.1f} ms, {four['errors']} errors "
        f"(target p50 <= 30 ms); load average {_load()}")

    process = psutil.Process(server.process.pid)
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    errors: dict[str, list[str]] = {kind: [] for kind in KINDS}
    rss: list[tuple[float, int, str]] = []
    changes: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + minutes * 60

    def worker(offset: int) -> None:
        n = offset
        with httpx.Client(base_url=url, timeout=60) as own:
            while time.perf_counter() < deadline:
                kind = KINDS[n % len(KINDS)]
                if kind == "paragraph":
                    doc_id, anchor = paragraphs[n % len(paragraphs)]
                    send = lambda: own.get(f"/api/documents/{doc_id}/paragraphs/{anchor}")  # noqa: E731
                else:
                    send = lambda: own.post(f"/api/{kind}", json=body(kind, texts[n % len(texts)]))  # noqa: E731
                elapsed, failed = timed(send)
                with lock:
                    latencies[kind].append(elapsed)
                    if failed:
                        errors[kind].append(failed)
                n += 1

    def sampler() -> None:
        while True:
            now = time.perf_counter()
            rss.append((now - start, process.memory_info().rss, _load()))
            if now >= deadline:
                return
            time.sleep(min(SAMPLE_SECONDS, max(0.0, deadline - now)))

    def changer() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        time.sleep(minutes * 60 / 3)
        began = time.perf_counter()
        added = httpx.post(f"{url}/api/documents", files={"file": ("lantern-survey.txt", io.BytesIO(UPLOAD.encode()))},
                           headers=headers, timeout=600)
        changes.append(f"upload at {time.perf_counter() - start:.0f} s: HTTP {added.status_code} in "
                       f"{(time.perf_counter() - began) * 1000:.0f} ms")
        if added.status_code != 201:
            return
        time.sleep(max(0.0, start + minutes * 60 * 2 / 3 - time.perf_counter()))
        began = time.perf_counter()
        removed = httpx.delete(f"{url}/api/documents/{added.json()['doc_id']}", headers=headers, timeout=600)
        changes.append(f"removal at {time.perf_counter() - start:.0f} s: HTTP {removed.status_code} in "
                       f"{(time.perf_counter() - began) * 1000:.0f} ms")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    threads += [threading.Thread(target=sampler), threading.Thread(target=changer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start

    say(f"{'kind':9} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for kind in KINDS:
        ordered = sorted(latencies[kind])
        kinds = f" {sorted(set(errors[kind]))}" if errors[kind] else ""
        say(f"{kind:9} {len(ordered):>8} {len(ordered) / wall:>7.1f} {_percentile(ordered, 50):>7.1f} "
            f"{_percentile(ordered, 95):>7.1f} {_percentile(ordered, 99):>7.1f} {len(errors[kind]):>6}{kinds}")
    total = sum(len(v) for v in latencies.values())
    say(f"all       {total:>8} {total / wall:>7.1f}   errors {sum(len(v) for v in errors.values())}")
    for change in changes:
        say(change)
    say("RSS of the server (s, MiB, load average):")
    for seconds, size, load in rss:
        say(f"  {seconds:6.0f} {size / 2**20:8.1f}   {load}")
    warm = next((size for seconds, size, _ in rss if seconds >= wall / 5), rss[0][1])
    final = rss[-1][1]
    say(f"RSS after warm-up {warm / 2**20:.1f} MiB, at the end {final / 2**20:.1f} MiB: "
        f"growth {100 * (final - warm) / warm:+.1f}% (target < 10%)")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
