"""The reader: a small cross-encoder scoring (question, candidate sentence) pairs, loaded offline.

The weights directory holds the Hugging Face files (config, tokenizer, fp16 `model.safetensors`)
and `reader.json`: the sha256 of every file, the base model, the maximum length and the
calibration that turns a logit into a probability. Loading checks every hash first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import file_sha256
from ..errors import ReaderError

__all__ = ["ReaderInput", "Reader", "reader_text", "encode_pairs", "write_manifest", "verify_weights",
           "DEFAULT_WEIGHTS", "MANIFEST", "MAX_CHARS"]

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights"
MANIFEST = "reader.json"
REQUIRED = ("config.json", "model.safetensors")
# About 4 characters a token: with a short question, about 100 of the 128 tokens (shorter is cheaper).
MAX_CHARS = 320
MARK = "[SEP]"  # the tokenizer's own separator, so the sentence's edges are one token each


@dataclass(frozen=True)
class ReaderInput:
    """A candidate sentence with its neighbours and the heading of where it stands."""

    sentence: str
    before: str = ""
    after: str = ""
    heading: str = ""


def _head(text: str, limit: int) -> str:
    """The first words of `text` within `limit` characters."""
    if len(text) <= limit:
        return text
    return text[:max(limit, 0)].rsplit(" ", 1)[0] if limit > 0 else ""


def _tail(text: str, limit: int) -> str:
    """The last words of `text` within `limit` characters."""
    if len(text) <= limit:
        return text
    return text[len(text) - limit:].split(" ", 1)[-1] if limit > 0 else ""


def reader_text(item: ReaderInput, max_chars: int = MAX_CHARS) -> str:
    """The second segment the reader sees: `heading | before [SEP] sentence [SEP] after`.

    Context is cut first (the heading and the words farthest from the sentence), so the
    sentence is always whole; the following context comes last, where token truncation eats.
    """
    room = max_chars - len(item.sentence) - 2 * len(MARK) - 4
    heading = _head(item.heading, min(80, room // 4))
    room -= len(heading) + 3 if heading else 0
    before = _tail(item.before, max(room // 2, room - len(item.after)))
    after = _head(item.after, room - len(before))
    lead = f"{heading} | " if heading else ""
    return " ".join(part for part in (f"{lead}{before}", MARK, item.sentence, MARK, after) if part)


def encode_pairs(tokenizer, questions: Sequence[str], texts: Sequence[str], max_length: int):
    """Token tensors for (question, text) pairs, padded to the longest in the batch."""
    return tokenizer(list(questions), list(texts), truncation="longest_first", max_length=max_length,
                     padding=True, return_tensors="pt")



def write_manifest(directory: Path, meta: dict) -> dict:
    """Write `reader.json`: `meta` plus the sha256 of every file beside it (the card excepted)."""
    files = {p.name: file_sha256(p) for p in sorted(directory.iterdir())
             if p.is_file() and p.name not in (MANIFEST, "MODEL_CARD.md")}
    manifest = {**meta, "files": files}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def verify_weights(directory: Path) -> dict:
    """The manifest of `directory` once every file it lists matches its sha256; ReaderError if not."""
    hint = "train one with `qa train-reader` and copy its export there, or run with --reader none"
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ReaderError(f"{manifest_path} is missing: no reader weights in {directory}; {hint}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
        max_length = int(manifest["max_length"])
        calibration = manifest["calibration"]
        float(calibration["scale"]), float(calibration["bias"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ReaderError(f"{manifest_path} is unreadable ({exc!r}); {hint}") from exc
    for name in REQUIRED:
        if name not in files:
            raise ReaderError(f"{manifest_path} lists no {name}; {hint}")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise ReaderError(f"{path} is missing (listed in {MANIFEST}); {hint}")
        if file_sha256(path) != expected:
            raise ReaderError(f"{path} does not match its sha256 in {MANIFEST}: altered or "
                              f"half-copied; copy the weights again or {hint}")
    manifest["max_length"] = max_length
    return manifest


class Reader:
    """Scores how likely each candidate sentence is to hold the answer to a question."""

    def __init__(self, model, tokenizer, manifest: dict, batch_size: int = 32):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.manifest = manifest
        self.max_length = int(manifest["max_length"])
        self.scale = float(manifest["calibration"]["scale"])
        self.bias = float(manifest["calibration"]["bias"])
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: Path | str = DEFAULT_WEIGHTS, int8: bool = False) -> Reader:
        """Check the weights' hashes, then load them offline (fp16 on disk, fp32 in memory, or its linear
        layers as int8 with `int8`: about twice as fast on a CPU thread)."""
        directory = Path(path)
        manifest = verify_weights(directory)
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True,
                                                                   dtype=torch.float32)
        if int8:
            model = _int8(model)
        return cls(model, tokenizer, manifest)

    def logits(self, question: str, inputs: Sequence[ReaderInput]) -> np.ndarray:
        """The raw logit of each input, uncalibrated."""
        import torch

        texts = [reader_text(item) for item in inputs]
        out = np.empty(len(texts), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                chunk = texts[i:i + self.batch_size]
                batch = encode_pairs(self.tokenizer, [question] * len(chunk), chunk, self.max_length)
                out[i:i + len(chunk)] = self.model(**batch).logits[:, 0].float().numpy()
        return out

    def score(self, question: str, inputs: Sequence[ReaderInput]) -> np.ndarray:
        """The calibrated probability, in [0, 1], that each input holds the answer."""
        if not inputs:
            return np.zeros(0, dtype=np.float32)
        z = self.scale * self.logits(question, inputs) + self.bias
        return (1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))).astype(np.float32)


def _int8(model):
    """Dynamic int8 quantisation of the linear layers (torch's eager API: deprecated in favour of torchao,
    which is not installed here, but still shipped and measured: logits within 0.02 of fp32)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
