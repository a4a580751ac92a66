"""Retrieval and answer benchmark: quality, fusion grid, latency, cold build, and SQuAD as a second archive.

    python bench/bench_retrieval.py            # everything (about 12 minutes on two idle cores)
    python bench/bench_retrieval.py --quick    # no SQuAD, no fusion grid

Every figure printed is measured on this run; the output is also written to
bench/results/retrieval.txt. Nothing under corpus/ or index/ is written: the archive is
indexed into a temporary directory (built cold in a fresh process, then reopened here).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout, whatever else is installed

import numpy as np  # noqa: E402

from qa.evaluation import file_blocks  # noqa: E402

SHARED = ROOT.parent / "shared"
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)
SAME = " (= default)"  # the grid's cell that repeats the default row; left out of the summary
FUSIONS = ("rrf", "convex")
COLUMNS = ("hit@1", "hit@5", "mrr@10", "answer_in_top_quote", "answer_in_top_three",
           "abstention_precision", "abstention_recall", "answerable_refused")
SHORT = {"answer_in_top_quote": "top_quote", "answer_in_top_three": "top_three", "abstention_precision": "abst_P",
         "abstention_recall": "abst_R", "answerable_refused": "ans_refused", "gold_para_top_quote": "top_quote@gold",
         "gold_para_top_three": "top_three@gold"}


# -- output -------------------------------------------------------------------------------

class Report:
    """Prints to stdout and to the results file as it goes, so a partial run still leaves figures."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._out = open(path, "w", encoding="utf-8")

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self._out.write(line + "\n")
        self._out.flush()

    def heading(self, title: str) -> None:
        self()
        self(title)
        self("=" * len(title))

    def subheading(self, title: str) -> None:
        self()
        self(title)
        self("-" * len(title))

    def table(self, rows: list[tuple[str, dict[str, Any]]], columns: tuple[str, ...]) -> None:
        width = max(len(label) for label, _ in rows)
        names = [SHORT.get(c, c) for c in columns]
        self("  ".join([" " * width, *(f"{n:>14}" for n in names)]).rstrip())
        for label, figures in rows:
            cells = [_cell(figures.get(c)) for c in columns]
            self("  ".join([f"{label:<{width}}", *(f"{c:>14}" for c in cells)]))

    def close(self) -> None:
        self._out.close()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def note(message: str) -> None:
    """Progress on stderr; not part of the results."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- configurations ------------------------------------------------------------------------

class MemoEncoder:
    """The archive's encoder, remembering each text's vector: a grid re-asks the same questions.

    Texts are still encoded one at a time, as `Archive.ask` does, so vectors are identical.
    """

    def __init__(self, inner: Any):
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self._seen: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        for text in texts:
            if text not in self._seen:
                self._seen[text] = self.inner.encode([text])[0]
        return np.stack([self._seen[t] for t in texts])


@contextmanager
def configured(archive: Any, method: str, fusion: str | None = None, weight: float | None = None) -> Iterator[None]:
    """Set the retriever's method/fusion/weight on the opened archive (no rebuild); restore afterwards."""
    retriever = archive.retriever
    saved = (retriever.method, retriever.fusion, retriever.weight)
    retriever.method = method
    retriever.fusion = fusion if fusion is not None else retriever.fusion
    retriever.weight = weight if weight is not None else retriever.weight
    try:
        yield
    finally:
        retriever.method, retriever.fusion, retriever.weight = saved


def configurations(archive: Any, grid: bool) -> list[tuple[str, str, str | None, float | None]]:
    """(label, method, fusion, weight): the default hybrid, BM25 and dense alone, then the grid."""
    fusion, weight = archive.retriever.fusion, archive.retriever.weight
    rows = [(f"hybrid {fusion} w={weight:g} (default)", "hybrid", None, None),
            ("bm25 alone", "lexical", None, None),
            ("dense alone", "dense", None, None)]
    if grid:
        rows += [(f"hybrid {f} w={w:g}" + (SAME if (f, w) == (fusion, weight) else ""), "hybrid", f, w)
                 for f in FUSIONS for w in WEIGHTS]
    return rows


# -- section 1: the eval sets ----------------------------------------------------------------

def eval_sets(archive: Any, sets: dict[str, list[Any]], paths: dict[str, Path], grid: bool,
              say: Report) -> dict[str, dict[str, dict]]:
    from qa.evaluation import evaluate

    say.heading("1. Retrieval and answers on the eval sets (Archive.ask, k=10; hit = snippet in passage)")
    say(f"retriever default: method={archive.retriever.method} fusion={archive.retriever.fusion} "
        f"weight={archive.retriever.weight:g} (dense share) candidates={archive.retriever.candidates}")
    say("abstention: abst_P = refused questions that are unanswerable; abst_R = unanswerable questions refused; "
        "ans_refused = answerable questions refused")
    results: dict[str, dict[str, dict]] = {}
    for name, questions in sets.items():
        answerable = sum(1 for q in questions if q.snippets)
        say.subheading(f"{name} ({paths[name]}): {len(questions)} questions ({answerable} answerable, "
                       f"{len(questions) - answerable} not)")
        results[name] = {}
        rows = []
        for label, method, fusion, weight in configurations(archive, grid):
            note(f"{name}: {label}")
            with configured(archive, method, fusion, weight):
                figures = evaluate(archive, questions)
            results[name][label] = figures
            rows.append((label, figures))
        say.table(rows, COLUMNS)
        default = rows[0][0]
        missed = [r for r in results[name][default]["rows"] if r["answerable"] and not (r["rank"] and r["rank"] <= 5)]
        if missed:
            say(f"answerable questions whose passage is not in the default hybrid's top 5 ({len(missed)}):")
            for row in missed:
                say(f"  {row['id']} rank={row['rank']}: {row['question']}")
    return results


# -- section 2: latency --------------------------------------------------------------------

def latency(archive: Any, sets: dict[str, list[Any]], calls: int, say: Report) -> None:
    say.heading(f"2. Latency, warm, in-process ({calls} calls after warm-up, default retriever, real encoder)")
    questions = [q for qs in sets.values() for q in qs]
    order = [questions[i % len(questions)] for i in range(calls)]
    for q in questions[:30]:
        archive.search(q.question)
        archive.ask(q.question, list(q.history))
    say(f"over {len(questions)} distinct questions of the eval sets, cycled; the three calls are interleaved "
        f"question by question, so that all see the same load from other processes on these {os.cpu_count()} CPUs")
    threads = _torch_threads()
    rounds = [threads] + ([1] if isinstance(threads, int) and threads > 1 else [])
    for count in rounds:
        _set_torch_threads(count)
        before = _load()
        times: dict[str, list[float]] = {"search": [], "ask": [], "encode": []}
        for q in order:
            for name, call in (("encode", lambda: archive.encoder.encode([q.question])),
                               ("search", lambda: archive.search(q.question)),
                               ("ask", lambda: archive.ask(q.question, list(q.history)))):
                began = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - began) * 1000)
        note_threads = "" if count == threads else " (diagnostic: torch limited to one thread)"
        say(f"torch threads={count}{note_threads}; load average before {before}, after {_load()}")
        for label, name in (("Archive.search (k=10)", "search"), ("Archive.ask (k=5, with history)", "ask"),
                            ("  query encoding alone", "encode")):
            t = np.asarray(times[name])
            say(f"  {label:<34} p50 {np.percentile(t, 50):7.2f} ms   p95 {np.percentile(t, 95):7.2f} ms   "
                f"mean {t.mean():7.2f} ms   max {t.max():7.2f} ms")
    _set_torch_threads(threads)


def _set_torch_threads(count: Any) -> None:
    if isinstance(count, int):
        import torch

        torch.set_num_threads(count)


def _load() -> str:
    """The 1-minute load average: timings on a shared machine mean little without it."""
    return f"{os.getloadavg()[0]:.2f}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _torch_threads() -> int | str:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:
        return "?"


# -- section 3: cold build (in a fresh process) --------------------------------------------

def child_cold_build(corpus: str, index: str) -> None:
    """Run in a fresh interpreter: model load and build timed apart, then a second (up-to-date) open."""
    load_before = _load()
    began, cpu_began = time.perf_counter(), _cpu()
    from qa import config
    from qa.archive import Archive
    from qa.embedding import load_encoder

    imported, cpu_imported = time.perf_counter(), _cpu()
    encoder = load_encoder(config.model_name())
    loaded, cpu_loaded = time.perf_counter(), _cpu()
    archive = Archive.open(corpus, index, encoder=encoder)
    built, cpu_built, load_after = time.perf_counter(), _cpu(), _load()
    again = Archive.open(corpus, index, encoder=encoder)
    reopened = time.perf_counter()
    print(json.dumps({
        "import_s": imported - began, "model_s": loaded - imported, "build_s": built - loaded,
        "total_s": built - began, "reopen_s": reopened - built, "model": encoder.name,
        "import_cpu": cpu_imported - cpu_began, "model_cpu": cpu_loaded - cpu_imported,
        "build_cpu": cpu_built - cpu_loaded, "total_cpu": cpu_built - cpu_began,
        "rebuilt": archive.refresh.rebuilt, "reason": archive.refresh.reason,
        "reopen_rebuilt": again.refresh.rebuilt, "reopen_reason": again.refresh.reason,
        "load_before": load_before, "load_after": load_after, "counts": archive.stored.manifest["counts"],
        "faiss": archive.stored.manifest["store"]["type"],
    }))


def child_reopen(corpus: str, index: str) -> None:
    """Run in a fresh interpreter over a built index: what a restart of the server pays."""
    began = time.perf_counter()
    from qa import config
    from qa.archive import Archive
    from qa.embedding import load_encoder

    encoder = load_encoder(config.model_name())
    loaded = time.perf_counter()
    archive = Archive.open(corpus, index, encoder=encoder)
    opened = time.perf_counter()
    print(json.dumps({"model_s": loaded - began, "open_s": opened - loaded, "total_s": opened - began,
                      "rebuilt": archive.refresh.rebuilt, "reason": archive.refresh.reason}))


def run_child(mode: str, corpus: Path, index: Path) -> tuple[dict[str, Any], float]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), mode, str(corpus), str(index)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def print_cold_build(corpus: Path, cold: dict[str, Any], cold_wall: float, fresh: dict[str, Any],
                     fresh_wall: float, say: Report) -> None:
    say.heading("3. Cold index build of the archive (fresh process, empty temporary index)")
    say(f"corpus {corpus}: {cold['counts']['documents']} documents, {cold['counts']['passages']} passages, "
        f"{cold['counts']['sentences']} sentences embedded; FAISS {cold['faiss']}; model {cold['model']}")
    say(f"first open: rebuilt={cold['rebuilt']} ({cold['reason'].splitlines()[0] if cold['reason'] else ''})")
    say(f"load average when the build started {cold['load_before']}, when it ended {cold['load_after']} "
        f"({os.cpu_count()} CPUs; CPU time is the process's user+system time over all its threads)")
    say(f"  import qa (+numpy)            {cold['import_s']:7.2f} s wall  {cold['import_cpu']:7.2f} s CPU")
    say(f"  model load (torch + weights)  {cold['model_s']:7.2f} s wall  {cold['model_cpu']:7.2f} s CPU")
    say(f"  build (parse, embed, write)   {cold['build_s']:7.2f} s wall  {cold['build_cpu']:7.2f} s CPU")
    say(f"  total, in process             {cold['total_s']:7.2f} s wall  {cold['total_cpu']:7.2f} s CPU")
    say(f"  total, subprocess wall clock  {cold_wall:7.2f} s (adds interpreter start-up)")
    say(f"second open, same process, model loaded: {cold['reopen_s']:.2f} s "
        f"(rebuilt={cold['reopen_rebuilt']}, {cold['reopen_reason']})")
    say(f"second open, fresh process: model load {fresh['model_s']:.2f} s + open {fresh['open_s']:.2f} s = "
        f"{fresh['total_s']:.2f} s in process, {fresh_wall:.2f} s wall (rebuilt={fresh['rebuilt']}, {fresh['reason']})")


# -- section 4: SQuAD ------------------------------------------------------------------------

def squad_mapping(documents: tuple[Any, ...], say: Report) -> dict[tuple[str, str], tuple[str, int]]:
    """(doc_id, anchor) of every parsed paragraph → (file name, 1-based paragraph after the title).

    Found by offsets: the file block that holds the paragraph's start, with its text checked.
    """
    mapping: dict[tuple[str, str], tuple[str, int]] = {}
    title_as_paragraph, title_as_section, label_agrees, parsed, file_paragraphs = 0, 0, 0, 0, 0
    disagreements: list[str] = []
    for document in documents:
        blocks = file_blocks(document.text)
        starts = [s for s, _ in blocks]
        title = document.text[blocks[0][0]:blocks[0][1]].strip()
        file_paragraphs += len(blocks) - 1
        doc_disagree = []
        for paragraph in document.paragraphs:
            parsed += 1
            number = bisect.bisect_right(starts, paragraph.start) - 1
            start, end = blocks[number]
            if not (start <= paragraph.start and paragraph.end <= end):
                raise SystemExit(f"{document.path}: paragraph {paragraph.anchor} spans file blocks; cannot grade it")
            if number == 0:
                title_as_paragraph += 1
                continue
            title_as_section += paragraph.section.strip() == title
            mapping[(document.doc_id, paragraph.anchor)] = (document.path, number)
            if paragraph.label == f"¶{number}":
                label_agrees += 1
            else:
                doc_disagree.append(f"{paragraph.label}→file ¶{number}")
        if doc_disagree:
            disagreements.append(f"{document.path}: {len(doc_disagree)} labels differ "
                                 f"({', '.join(doc_disagree[:4])}{' …' if len(doc_disagree) > 4 else ''})")
    say(f"parser check: {len(documents)} files, {file_paragraphs} file paragraphs after the title, "
        f"{parsed} parsed paragraphs")
    say(f"  title line parsed as a paragraph: {title_as_paragraph} times; "
        f"as the section heading of its paragraphs: {title_as_section} of {parsed - title_as_paragraph}")
    say(f"  document titles (catalog inference), e.g. {documents[0].title!r} for {documents[0].path}")
    say(f"  label ¶N agrees with file paragraph N for {label_agrees} of {len(mapping)} parsed paragraphs")
    for line in disagreements:
        say(f"  {line}")
    say("  grading uses the offset mapping (parsed paragraph → the file paragraph that contains it), not the labels")
    return mapping


def squad_figures(archive: Any, sample: list[dict[str, Any]], mapping: dict[tuple[str, str], tuple[str, int]]) -> dict:
    from qa.evaluation import normalise

    hits1 = hits5 = reciprocal = top = three = top_gold = three_gold = refused = 0
    for q in sample:
        result = archive.ask(q["question"], k=10)
        gold = (q["doc"], q["para"])
        places = [mapping.get((p.doc_id, p.anchor)) for p in result.passages]
        rank = next((i + 1 for i, place in enumerate(places) if place == gold), None)
        hits1 += rank == 1
        hits5 += bool(rank and rank <= 5)
        reciprocal += 1 / rank if rank else 0.0
        answers = [normalise(a) for a in q["answers"]]
        found = [any(a in normalise(x.text) for a in answers) for x in result.quotes[:3]]
        at_gold = [f and mapping.get((x.doc_id, x.anchor)) == gold for f, x in zip(found, result.quotes)]
        top += bool(found[:1] and found[0])
        three += any(found)
        top_gold += bool(at_gold[:1] and at_gold[0])
        three_gold += any(at_gold)
        refused += not result["answered"]
    n = len(sample)
    return {"hit@1": hits1 / n, "hit@5": hits5 / n, "mrr@10": reciprocal / n, "answer_in_top_quote": top / n,
            "answer_in_top_three": three / n, "gold_para_top_quote": top_gold / n, "gold_para_top_three": three_gold / n,
            "answerable_refused": refused / n}


def squad(encoder: Any, squad_dir: Path, sample_size: int, grid: bool, workdir: Path, say: Report) -> dict[str, dict]:
    from qa.archive import Archive

    say.heading("4. SQuAD v1.1 dev articles as a second archive")
    corpus = squad_dir / "corpus"
    note("indexing SQuAD")
    began, cpu_began, load_before = time.perf_counter(), _cpu(), _load()
    archive = Archive.open(corpus, workdir / "squad-index", encoder=encoder)
    build, build_cpu = time.perf_counter() - began, _cpu() - cpu_began
    counts = archive.stored.manifest["counts"]
    say(f"index build (model already loaded, empty index): {build:.2f} s wall, {build_cpu:.2f} s CPU for "
        f"{counts['documents']} documents, {counts['passages']} passages, {counts['sentences']} sentences; "
        f"rebuilt={archive.refresh.rebuilt}; load average {load_before} → {_load()}")
    mapping = squad_mapping(archive.stored.documents, say)

    questions = [json.loads(line) for line in (squad_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    sample = random.Random(0).sample(questions, sample_size)
    shas = {}
    for document in archive.stored.documents:
        for number, (s, e) in enumerate(file_blocks(document.text)):
            shas[(document.path, number)] = hashlib.sha1(document.text[s:e].encode("utf-8")).hexdigest()
    agree = sum(shas.get((q["doc"], q["para"])) == q["context_sha"] for q in sample)
    say(f"sample: random.Random(0).sample of {sample_size} from {len(questions)} questions; "
        f"gold paragraph's SHA-1 matches the file block for {agree} of {sample_size}")
    say("hit = gold (doc, para) among the passages of Archive.ask(k=10); top_quote/top_three = a gold answer "
        "(normalised) in the top quote / top three quotes; '@gold' additionally requires the quote to come from "
        "the gold paragraph; ans_refused = answered: false")

    archive.encoder = MemoEncoder(archive.encoder)
    columns = ("hit@1", "hit@5", "mrr@10", "answer_in_top_quote", "answer_in_top_three",
               "gold_para_top_quote", "gold_para_top_three", "answerable_refused")
    results, rows = {}, []
    for label, method, fusion, weight in configurations(archive, grid):
        note(f"squad: {label}")
        with configured(archive, method, fusion, weight):
            results[label] = squad_figures(archive, sample, mapping)
        rows.append((label, results[label]))
    say()
    say.table(rows, columns)
    return results


# -- summary ---------------------------------------------------------------------------------

def summary(results: dict[str, dict[str, dict]], say: Report) -> None:
    say.heading("5. Which fusion is best (hybrid configurations only; by MRR@10, then hit@5, then hit@1)")
    hybrid = [label for label in next(iter(results.values())) if label.startswith("hybrid") and not label.endswith(SAME)]

    def key(figures: dict) -> tuple:
        return tuple(figures[m] or 0.0 for m in ("mrr@10", "hit@5", "hit@1"))

    for name, by_label in results.items():
        best = max(hybrid, key=lambda label: key(by_label[label]))
        f = by_label[best]
        tied = [label for label in hybrid if key(by_label[label]) == key(f) and label != best]
        say(f"{name}: {best}  (hit@1 {f['hit@1']:.3f}, hit@5 {f['hit@5']:.3f}, MRR@10 {f['mrr@10']:.3f})"
            + (f"; tied: {', '.join(tied)}" if tied else ""))
    say()
    say("MRR@10 / hit@5 of each hybrid configuration on every set, and the mean MRR@10 over the sets:")
    width = max(len(label) for label in hybrid)
    say("  ".join([" " * width, *(f"{name:>22}" for name in results), f"{'mean MRR@10':>12}"]))
    ranked = sorted(hybrid, key=lambda label: -np.mean([r[label]["mrr@10"] for r in results.values()]))
    for label in ranked:
        cells = [f"{r[label]['mrr@10']:.3f} / {r[label]['hit@5']:.3f}" for r in results.values()]
        mean = np.mean([r[label]["mrr@10"] for r in results.values()])
        say("  ".join([f"{label:<{width}}", *(f"{c:>22}" for c in cells), f"{mean:>12.3f}"]))


# -- main --------------------------------------------------------------------------------------

def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] in ("--child-cold-build", "--child-reopen"):
        (child_cold_build if sys.argv[1] == "--child-cold-build" else child_reopen)(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip SQuAD and the fusion grid")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--dev", type=Path, default=SHARED / "eval" / "dev_questions.jsonl")
    parser.add_argument("--squad", type=Path, default=SHARED / "external" / "squad")
    parser.add_argument("--sample", type=int, default=1000, help="SQuAD questions sampled with random.Random(0)")
    parser.add_argument("--calls", type=int, default=300, help="timed calls per latency figure")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "retrieval.txt")
    args = parser.parse_args()

    say = Report(args.out)
    say(f"bench_retrieval {'--quick ' if args.quick else ''}· {time.strftime('%Y-%m-%d %H:%M:%S')} · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · commit {_commit()}")
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        workdir = Path(tmp)
        index = workdir / "archive-index"
        note("cold build in a fresh process")
        cold, cold_wall = run_child("--child-cold-build", args.corpus, index)
        note("reopen in a fresh process")
        fresh, fresh_wall = run_child("--child-reopen", args.corpus, index)

        from qa import config
        from qa.archive import Archive
        from qa.embedding import load_encoder
        from qa.evaluation import read_questions

        encoder = load_encoder(config.model_name())
        archive = Archive.open(args.corpus, index, encoder=encoder)
        if archive.refresh.rebuilt:
            say(f"note: the benchmark's own open rebuilt the index ({archive.refresh.reason})")
        say(f"model {encoder.name} · index {archive.stored.manifest['counts']} · FAISS {archive.stored.manifest['store']['type']}")
        paths = {"project set": args.questions, "shared dev set": args.dev}
        sets = {name: read_questions(path) for name, path in paths.items()}

        archive.encoder = MemoEncoder(encoder)
        results = eval_sets(archive, sets, paths, grid=not args.quick, say=say)
        archive.encoder = encoder  # latency is measured with the real encoder
        latency(archive, sets, args.calls, say)
        print_cold_build(args.corpus, cold, cold_wall, fresh, fresh_wall, say)
        if not args.quick:
            results[f"SQuAD sample of {args.sample}"] = squad(encoder, args.squad, args.sample, True, workdir, say)
        summary(results, say)
    say()
    say(f"written to {args.out}")
    say.close()


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (working tree modified)" if dirty else "")
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
