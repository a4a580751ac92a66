"""Two checkouts of Archive QA measured in one run on the same questions: an earlier commit and this one.

    python bench/before_after.py --before ef8bb32            # the project's set, the dev set's report half, SQuAD
    python bench/before_after.py --before ef8bb32 --sample 200 --reader none

Each checkout answers in a child process of its own (its code, a fresh index in a temporary
folder); the answers are recorded, then graded here by this checkout's `qa.evaluation`, so both
are judged by the same rules. The earlier commit is checked out with `git worktree` into a
temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COLUMNS = ("hit@1", "hit@5", "mrr@10", "answer_in_top_quote", "answer_in_top_three", "abstention_recall",
           "near_topic_refused", "answerable_refused", "paraphrase_top_three", "multi_source_recall")


# -- the child: answers every question with one checkout's code ------------------------------------

def _get(value: Any, key: str) -> Any:
    """A field of a result, whether the checkout returns dicts (older) or dataclasses."""
    return value[key] if isinstance(value, dict) else getattr(value, key)


def child(job: Path, out: Path) -> None:
    import os as _os

    _os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from qa.archive import Archive

    spec = json.loads(job.read_text(encoding="utf-8"))
    kwargs = {"reader": spec["reader"]} if spec.get("reader") and "reader" in Archive.open.__code__.co_varnames else {}
    recorded = {}
    for name, part in spec["sets"].items():
        archive = Archive.open(part["corpus"], part["index"], **kwargs)
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
        documents = {}
        answers = []
        for q in part["questions"]:
            result = archive.ask(q["question"], q.get("history", []), k=10)
            passages = [{k: _get(p, k) for k in ("doc_id", "start", "end", "text")} for p in _get(result, "passages")]
            for p in passages:
                if p["doc_id"] not in documents:
                    detail = archive.document(p["doc_id"])
                    documents[p["doc_id"]] = {"file": _get(detail, "file"), "text": _get(detail, "text")}
            answers.append({"answered": _get(result, "answered"), "took_ms": _get(result, "took_ms"),
                            "passages": passages, "quotes": [{"text": _get(x, "text")} for x in _get(result, "quotes")]})
        recorded[name] = {"answers": answers, "documents": documents}
    out.write_text(json.dumps(recorded), encoding="utf-8")


# -- the parent: two children, one grader -------------------------------------------------------------

@dataclass(frozen=True)
class _Item:
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Recorded:
    answered: bool
    took_ms: float
    passages: tuple
    quotes: tuple


@dataclass(frozen=True)
class _Detail:
    file: str
    text: str


class Replay:
    """A checkout's recorded answers, asked again in the same order by `qa.evaluation.evaluate`."""

    def __init__(self, recorded: dict):
        self._answers = iter(recorded["answers"])
        self._documents = recorded["documents"]

    def ask(self, question: str, history: list[str], k: int = 10) -> _Recorded:
        a = next(self._answers)
        return _Recorded(a["answered"], a["took_ms"], tuple(_Item(**p) for p in a["passages"]),
                         tuple(_Item("", 0, 0, q["text"]) for q in a["quotes"]))

    def document(self, doc_id: str) -> _Detail:
        return _Detail(**self._documents[doc_id])


def run_checkout(checkout: Path, job: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(job), str(out)],
                   cwd=checkout, env=env, check=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--sample", type=int, default=1000, help="SQuAD questions drawn with seed 0 (0: none)")
    parser.add_argument("--reader", default="none", help="this checkout's sentence scorer [none]")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from qa.evaluation import evaluate, read_questions, sample, split_half

    sets = {"project": (ROOT / "corpus", read_questions(ROOT / "eval" / "questions.jsonl"))}
    dev = SHARED / "eval" / "archive_dev.jsonl"
    if dev.is_file():  # the independent set: its report half, which nothing is tuned on
        sets["dev report half"] = (ROOT / "corpus", split_half(read_questions(dev), "report"))
    squad = SHARED / "external" / "squad"
    if args.sample and squad.is_dir():
        sets["squad"] = (squad / "corpus", sample(read_questions(squad / "questions.jsonl"), args.sample))
    with tempfile.TemporaryDirectory(prefix="before-after-") as tmp:
        work = Path(tmp)
        before = work / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.before], check=True,
                       capture_output=True)
        try:
            figures = {}
            for label, checkout in (("before " + args.before, before), ("after (this checkout)", ROOT)):
                job = work / f"{checkout.name}-job.json"
                job.write_text(json.dumps({"reader": args.reader, "sets": {
                    name: {"corpus": str(corpus), "index": str(work / checkout.name / name),
                           "questions": [{"question": q.question, "history": list(q.history)} for q in questions]}
                    for name, (corpus, questions) in sets.items()}}), encoding="utf-8")
                out = work / f"{checkout.name}-answers.json"
                print(f"answering with {label} …", flush=True)
                run_checkout(checkout, job, out)
                recorded = json.loads(out.read_text(encoding="utf-8"))
                figures[label] = {name: evaluate(Replay(recorded[name]), questions)
                                  for name, (_, questions) in sets.items()}
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False)
    for name, (_, questions) in sets.items():
        print(f"\n== {name} ({len(questions)} questions)")
        labels = list(figures)
        print(" " * 22 + "".join(f"{label:>26}" for label in labels))
        for column in COLUMNS:
            print(f"{column:22}" + "".join(f"{str(figures[label][name][column]):>26}" for label in labels))
        changed = [(b["id"], b["top_quote"], a["top_quote"]) for b, a in
                   zip(figures[labels[0]][name]["rows"], figures[labels[1]][name]["rows"]) if b["top_quote"] != a["top_quote"]]
        print(f"top quote changed on {len(changed)} questions: "
              f"{sum(1 for _, b, a in changed if a)} gained, {sum(1 for _, b, a in changed if b)} lost")


if __name__ == "__main__":
    main()
