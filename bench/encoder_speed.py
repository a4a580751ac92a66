"""Query encoding speed, PyTorch against ONNX Runtime: one thread, one question a call.

    python bench/encoder_speed.py [--questions eval/questions.jsonl] [--rounds 3] [--cache DIR]

Encodes each question of the eval set alone (as `Archive.search`/`ask` do), `--rounds` times,
with the bundled MiniLM on sentence-transformers (torch) and on ONNX Runtime (the export that
`--encoder onnx` uses, made in `--cache`, default a temporary folder), alternating the engines
question by question so both see the same load. Prints p50/p95/mean per call for each, the
ratio torch/onnx, the largest |1 − cosine| between the two engines' vectors, and the load
average before and after; also written to bench/results/encoder_speed.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--rounds", type=int, default=3, help="times each question is encoded by each engine")
    parser.add_argument("--cache", type=Path, default=None, help="folder for the ONNX export [a temporary one]")
    parser.add_argument("--out", type=Path, default=Path("bench/results/encoder_speed.txt"))
    args = parser.parse_args()

    from qa.runtime import configure

    configure(threads=1)  # what a query runs on (qa.runtime.QUERY_THREADS); the ONNX session follows torch
    from qa.embedding import load_encoder
    from qa.onnx_encoder import ENCODER_CACHE, OnnxEncoder

    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    with tempfile.TemporaryDirectory() as temporary:
        cache = args.cache or Path(temporary) / ENCODER_CACHE
        began = time.perf_counter()
        engines = {"torch": load_encoder(), "onnx": OnnxEncoder(cache=cache)}
        loaded = time.perf_counter() - began
        load_before = os.getloadavg()
        for encoder in engines.values():  # warm-up: first calls allocate
            for question in questions[:5]:
                encoder.encode([question])
        times: dict[str, list[float]] = {name: [] for name in engines}
        vectors: dict[str, list[np.ndarray]] = {name: [] for name in engines}
        for round_ in range(args.rounds):
            for number, question in enumerate(questions):
                order = list(engines) if (number + round_) % 2 == 0 else list(engines)[::-1]
                for name in order:
                    start = time.perf_counter()
                    vector = engines[name].encode([question])
                    times[name].append((time.perf_counter() - start) * 1000)
                    if round_ == 0:
                        vectors[name].append(vector[0])
        load_after = os.getloadavg()
        onnx_threads = engines["onnx"].threads

    torch_rows, onnx_rows = np.vstack(vectors["torch"]), np.vstack(vectors["onnx"])
    cosines = np.einsum("ij,ij->i", torch_rows.astype(np.float64), onnx_rows.astype(np.float64))
    figures = {name: (np.percentile(t, 50), np.percentile(t, 95), float(np.mean(t))) for name, t in times.items()}
    lines = [f"query encoding, one question a call, {len(questions)} questions x {args.rounds} rounds "
             f"({len(times['torch'])} calls an engine); torch threads 1, onnx intra-op threads {onnx_threads}"]
    for name, (p50, p95, mean) in figures.items():
        lines.append(f"  {name:5}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  mean {mean:6.2f} ms")
    (t50, t95, tmean), (o50, o95, omean) = figures["torch"], figures["onnx"]
    lines.append(f"  torch/onnx  p50 {t50 / o50:.2f}x  p95 {t95 / o95:.2f}x  mean {tmean / omean:.2f}x")
    lines.append(f"  max |1 - cosine| onnx vs torch: {float(np.abs(1 - cosines).max()):.2e} (min cosine {cosines.min():.8f})")
    lines.append(f"  both loaded (incl. the ONNX export or its check) in {loaded:.1f} s; load average before "
                 f"{', '.join(f'{v:.2f}' for v in load_before)}, after {', '.join(f'{v:.2f}' for v in load_after)} "
                 f"on {os.cpu_count()} cores")
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
