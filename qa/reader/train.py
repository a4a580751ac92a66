"""Train the reader on CPU: seeded, time-budgeted, checkpointed every few minutes, resumable.

Checkpoints are safetensors (model, optimizer moments, torch RNG) plus a JSON of the rest
(step, plan position, elapsed time); no pickle. A checkpoint directory is written whole
beside the old one and switched in by renames, so an interruption never leaves half of one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ReaderError
from .data import V1_FILE, V2_FILE, Corpus, Group, load_split, load_squad
from .model import encode_pairs, reader_text

__all__ = ["TrainConfig", "build_corpus", "build_plan", "train", "CHECKPOINT"]

CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; saved in its checkpoint and its manifest."""

    out: Path
    data: Path
    minutes: float = 80.0
    seed: int = 0
    max_length: int = 96  # question, sentence, its neighbours and heading (reader_text keeps ~80 tokens of it)
    steps: int = 3000  # the learning-rate schedule's length; the run stops earlier if minutes run out
    groups_per_step: int = 4
    lr: float = 4e-5
    warmup: int = 60
    loss: str = "both"  # bce | listwise | both
    unanswerable_every: int = 5  # one group in five is an unanswerable question
    hard_negatives: int = 2
    # A share of the answerable questions is asked with its answering paragraph withheld (Corpus.withheld):
    # near-topic refusals in quantity, from what retrieval would offer instead.
    withheld_share: float = 0.25
    withheld_candidates: int = 8
    checkpoint_minutes: float = 10.0
    v1_articles: int | None = None  # None: all; a small number for quick trials and tests

    def __post_init__(self):
        if self.loss not in ("bce", "listwise", "both"):
            raise ReaderError(f"loss must be bce, listwise or both, not {self.loss!r}")

    def to_json(self) -> dict:
        """The settings as JSON; the run folder by its name only (shipped cards carry no machine's paths)."""
        values = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(self).items()}
        values["out"] = Path(self.out).name
        return values


def _merge(parts: list[tuple[list, list]]) -> Corpus:
    articles, questions = [], []
    for part_articles, part_questions in parts:
        offset = len(articles)
        articles += part_articles
        questions += [dataclasses.replace(q, article=q.article + offset) for q in part_questions]
    return Corpus(articles, questions)


def build_corpus(data: Path, titles: list[str] | None, v1_articles: int | None = None) -> Corpus:
    """SQuAD v1.1 train (first `v1_articles` if given) plus the SQuAD 2.0 articles `titles`."""
    for name in (V1_FILE, V2_FILE):
        if not (data / name).is_file():
            raise ReaderError(f"{data / name} is missing; --data must name the folder holding {V1_FILE} and {V2_FILE}")
    parts = []
    if titles is None or v1_articles != 0:
        articles, questions = load_squad(data / V1_FILE)
        if v1_articles is not None:
            articles = articles[:v1_articles]
            questions = [q for q in questions if q.article < v1_articles]
        parts.append((articles, questions))
    parts.append(load_squad(data / V2_FILE, set(titles or [])))
    return _merge(parts)


def build_plan(corpus: Corpus, seed: int, unanswerable_every: int) -> np.ndarray:
    """The order of question indices the run walks through: answerable questions shuffled, with
    unanswerable ones (reshuffled each time round) every `unanswerable_every`-th place."""
    rng = np.random.default_rng(seed)
    answerable = np.array([i for i, q in enumerate(corpus.questions) if q.gold])
    unanswerable = np.array([i for i, q in enumerate(corpus.questions) if not q.gold])
    answerable = answerable[rng.permutation(len(answerable))]
    if len(unanswerable) == 0:
        return answerable
    plan, cycle = [], []
    for i, index in enumerate(answerable):
        if i % (unanswerable_every - 1) == 0:
            if not cycle:
                cycle = list(unanswerable[rng.permutation(len(unanswerable))])
            plan.append(cycle.pop())
        plan.append(index)
    return np.array(plan)


def _loss(torch, logits, groups: list[Group], kind: str):
    """Pointwise binary cross-entropy, and/or a softmax over each group plus a fixed "no answer" logit 0."""
    labels = torch.tensor([label for g in groups for label in g.labels], dtype=torch.float32)
    total = logits.new_zeros(())
    if kind in ("bce", "both"):
        total = total + torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    if kind in ("listwise", "both"):
        start, terms = 0, []
        for g in groups:
            scores = torch.cat([logits.new_zeros(1), logits[start:start + len(g.labels)]])
            gold = torch.cat([torch.tensor([0.0 if any(g.labels) else 1.0]), labels[start:start + len(g.labels)]])
            terms.append(torch.logsumexp(scores, 0) - torch.logsumexp(scores[gold > 0], 0))
            start += len(g.labels)
        total = total + torch.stack(terms).mean()
    return total


def _lr_factor(step: int, config: TrainConfig) -> float:
    if step < config.warmup:
        return (step + 1) / config.warmup
    return max(0.1, 1.0 - (step - config.warmup) / max(1, config.steps - config.warmup))


def _save_checkpoint(torch, out: Path, model, optimizer, state: dict) -> None:
    from safetensors.torch import save_file

    tmp, final, old = out / f"{CHECKPOINT}.tmp", out / CHECKPOINT, out / f"{CHECKPOINT}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp / "model.safetensors")
    moments, steps = {}, {}
    for index, values in optimizer.state_dict()["state"].items():
        moments[f"{index}.exp_avg"] = values["exp_avg"]
        moments[f"{index}.exp_avg_sq"] = values["exp_avg_sq"]
        steps[str(index)] = float(values["step"])
    moments["torch_rng"] = torch.get_rng_state()
    save_file(moments, tmp / "optimizer.safetensors")
    (tmp / "state.json").write_text(json.dumps({**state, "adam_steps": steps}, indent=2), encoding="utf-8")
    for name in ("model.safetensors", "optimizer.safetensors", "state.json"):
        with open(tmp / name, "rb") as handle:
            os.fsync(handle.fileno())
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _load_checkpoint(torch, out: Path, model, optimizer) -> dict:
    from safetensors.torch import load_file

    path = out / CHECKPOINT
    if not (path / "state.json").is_file():
        path = out / f"{CHECKPOINT}.old"  # interrupted between the two renames
    if not (path / "state.json").is_file():
        raise ReaderError(f"--resume: no checkpoint in {out}; start without --resume")
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    model.load_state_dict(load_file(path / "model.safetensors"))
    moments = load_file(path / "optimizer.safetensors")
    torch.set_rng_state(moments.pop("torch_rng"))
    saved = optimizer.state_dict()
    saved["state"] = {int(i): {"step": torch.tensor(step), "exp_avg": moments[f"{i}.exp_avg"],
                               "exp_avg_sq": moments[f"{i}.exp_avg_sq"]}
                      for i, step in state["adam_steps"].items()}
    optimizer.load_state_dict(saved)
    return state


def _plan_digest(plan: np.ndarray) -> str:
    return hashlib.sha256(plan.astype(np.int64).tobytes()).hexdigest()[:16]


def train(config: TrainConfig, resume: bool = False, say=print, stop_at: int | None = None):
    """Run (or continue) training within `config.minutes`; returns (model, tokenizer, state).

    `stop_at` ends the run after that many steps, as an interruption would (the schedule
    still runs to `config.steps`)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from ..config import DEFAULT_MODEL
    from ..embedding import resolve_model

    split = load_split()
    base = resolve_model(DEFAULT_MODEL)
    corpus = build_corpus(config.data, split["train"], config.v1_articles)
    plan = build_plan(corpus, config.seed, config.unanswerable_every)
    say(f"training data: {len(corpus.articles)} articles, {len(corpus.questions)} questions, "
        f"plan of {len(plan)} groups (SQuAD 2.0 articles in training: {', '.join(split['train'])})")

    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, local_files_only=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    state = {"step": 0, "position": 0, "elapsed": 0.0, "pairs": 0, "plan": _plan_digest(plan),
             "config": config.to_json(), "base_model": DEFAULT_MODEL}
    if resume:
        state = _load_checkpoint(torch, config.out, model, optimizer)
        if state["plan"] != _plan_digest(plan):
            raise ReaderError(f"--resume: the checkpoint in {config.out} was made from other data or "
                              "another seed; start without --resume or with the same options")
        say(f"resumed at step {state['step']} ({state['elapsed'] / 60:.1f} min done)")
    config.out.mkdir(parents=True, exist_ok=True)

    model.train()
    budget = config.minutes * 60
    started, last_save = time.monotonic() - state["elapsed"], time.monotonic()
    bar = tqdm(total=config.steps, initial=state["step"], desc="train-reader", unit="step", mininterval=5)
    last = config.steps if stop_at is None else min(stop_at, config.steps)
    while state["step"] < last and time.monotonic() - started < budget:
        groups = []
        for _ in range(config.groups_per_step):
            position = state["position"] % len(plan)
            q = corpus.questions[int(plan[position])]
            # One generator per plan position: the same negatives after a resume.
            rng = np.random.default_rng([config.seed, state["position"]])
            group = None
            if q.gold and rng.random() < config.withheld_share:
                group = corpus.withheld(q, config.withheld_candidates)
            if group is None or not group.inputs:
                group = corpus.group(q, rng, hard=config.hard_negatives)
            groups.append(group)
            state["position"] += 1
        questions = [g.question for g in groups for _ in g.inputs]
        texts = [reader_text(item) for g in groups for item in g.inputs]
        for group_ in optimizer.param_groups:
            group_["lr"] = config.lr * _lr_factor(state["step"], config)
        logits = model(**encode_pairs(tokenizer, questions, texts, config.max_length)).logits[:, 0]
        loss = _loss(torch, logits, groups, config.loss)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        state["step"] += 1
        state["pairs"] += len(texts)
        state["elapsed"] = time.monotonic() - started
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}", pairs_s=f"{state['pairs'] / max(state['elapsed'], 1e-9):.1f}",
                        refresh=False)
        if time.monotonic() - last_save >= config.checkpoint_minutes * 60:
            _save_checkpoint(torch, config.out, model, optimizer, state)
            last_save = time.monotonic()
    bar.close()
    _save_checkpoint(torch, config.out, model, optimizer, state)
    say(f"stopped at step {state['step']}: {state['pairs']} pairs in {state['elapsed'] / 60:.1f} min "
        f"({state['pairs'] / max(state['elapsed'], 1e-9):.1f} pairs/s); checkpoint in {config.out / CHECKPOINT}")
    model.eval()
    return model, tokenizer, state
