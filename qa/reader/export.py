"""After training: fp16 export, calibration on the calibration articles, held-out figures
beside the cosine baseline, `reader.json` and the model card."""

from __future__ import annotations

import json
import shutil
import string
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .data import V2_FILE, Corpus, load_split, load_squad
from .evaluate import cosine_scorer, fit_calibration, format_table, measure, scored
from .model import Reader, verify_weights, write_manifest

__all__ = ["export", "finish", "EXPORT"]

EXPORT = "export"
TEMPLATE = Path(__file__).resolve().parent / "MODEL_CARD.template.md"
UNCALIBRATED = {"method": "none", "scale": 1.0, "bias": 0.0}


def export(model, tokenizer, directory: Path, meta: dict) -> dict:
    """Write fp16 safetensors, config and tokenizer into a fresh `directory`, then its manifest."""
    import copy

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    copy.deepcopy(model).half().save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return write_manifest(directory, meta)


def finish(config, model, tokenizer, state: dict, say=print, questions: int | None = None) -> dict:
    """Export, calibrate and measure the trained `model`; returns the final manifest.

    `questions` limits each of the calibration and test sets to a seeded sample (quick trials)."""
    from ..config import DEFAULT_MODEL
    from ..embedding import load_encoder

    split = load_split()
    directory = config.out / EXPORT
    meta = {"format": 1, "base_model": DEFAULT_MODEL, "max_length": config.max_length,
            "calibration": UNCALIBRATED, "split": {k: split[k] for k in ("train", "calibration", "test")},
            "training": {"config": config.to_json(), "steps": state["step"], "pairs": state["pairs"],
                         "minutes": round(state["elapsed"] / 60, 1)}}
    export(model, tokenizer, directory, meta)
    shipped = Reader.load(directory)  # what ships: fp16 on disk, back to fp32 in memory
    full = Reader(model, tokenizer, verify_weights(directory))

    data = Path(config.data)
    calibration_corpus = Corpus(*load_squad(data / V2_FILE, set(split["calibration"]))).sample(questions)
    meta["calibration"] = fit_calibration(scored(calibration_corpus, shipped.logits, bm25_paragraphs=0))
    say(f"calibration on {', '.join(split['calibration'])}: {meta['calibration']}")

    test = Corpus(*load_squad(data / V2_FILE, set(split["test"]))).sample(questions)
    rows16 = scored(test, shipped.logits)
    # fp32 against fp16 on the gold paragraphs of a sample: the rounding's effect, for less time
    rows32 = scored(test.sample(300), full.logits, bm25_paragraphs=0)
    rows16_same = scored(test.sample(300), shipped.logits, bm25_paragraphs=0)
    drift = max(float(np.max(np.abs(a[2] - b[2]))) for a, b in zip(rows16_same, rows32))
    table = {"reader fp16": measure(rows16), "fp32 sample": measure(rows32), "fp16 sample": measure(rows16_same),
             "cosine": measure(scored(test, cosine_scorer(load_encoder(DEFAULT_MODEL))))}
    report = format_table(table)
    say(f"held-out SQuAD 2.0 articles ({', '.join(split['test'])}); the fp32 and fp16 "
        f"sample columns: 300 questions, gold paragraphs only\n{report}\nlargest fp16-vs-fp32 logit difference: {drift:.4f}")
    meta["held_out"] = {name: asdict(m) for name, m in table.items()}
    meta["held_out"]["fp16_max_logit_difference"] = drift
    manifest = write_manifest(directory, meta)
    size_mb = (directory / "model.safetensors").stat().st_size / 1e6
    _write_card(directory, manifest, report, size_mb, questions)
    say(f"exported to {directory} (model.safetensors {size_mb:.1f} MB)")
    return manifest


def _write_card(directory: Path, manifest: dict, report: str, size_mb: float, questions: int | None) -> None:
    training = manifest["training"]
    config = training["config"]
    fields = {
        "base_model": manifest["base_model"], "max_length": manifest["max_length"],
        "seed": config["seed"], "minutes": config["minutes"], "steps": config["steps"],
        "loss": config["loss"], "ran_steps": training["steps"], "ran_pairs": training["pairs"],
        "ran_minutes": training["minutes"], "size_mb": f"{size_mb:.1f}",
        "train": ", ".join(manifest["split"]["train"]), "calibration": ", ".join(manifest["split"]["calibration"]),
        "test": ", ".join(manifest["split"]["test"]), "table": report,
        "calibration_fit": json.dumps(manifest["calibration"]),
        "drift": f"{manifest['held_out']['fp16_max_logit_difference']:.4f}",
        "eval_option": f" --eval-questions {questions}" if questions else "",
        "eval_note": (f"a seeded sample of {questions} questions of the test articles" if questions
                      else "all questions of the test articles"),
    }
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(fields)
    (directory / "MODEL_CARD.md").write_text(text, encoding="utf-8")
