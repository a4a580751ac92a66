"""The embedding model on ONNX Runtime: exported once from the model's own weights into
`<index>/encoders/<key>/model.onnx`, checked against PyTorch before it is used, so that an index
built by one engine is searched by the other without a rebuild (fp32: the same vectors, to rounding).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import file_sha256, fsync_dir
from .config import DEFAULT_MODEL
from .embedding import SentenceTransformerEncoder, load_encoder, resolve_model
from .errors import QAError

__all__ = ["AGREEMENT", "ENCODER_CACHE", "PROBE", "OnnxEncoder", "export_key"]


# The ONNX exports, one folder per model and toolchain, inside the index folder.
ENCODER_CACHE = "encoders"
# An export is used only if every probe row's cosine with PyTorch's is at least this: fp32 on both
# sides differs by rounding (about 1e-7 here); a wrong export (pooling, truncation, weights) by far more.
AGREEMENT = 0.99999
# Texts that pin an export down: cased, accented, spaced, punctuated, and one past the 256-token limit,
# so lower-casing, truncation and padding all show in the vectors.
PROBE = (
    "How many staff does the office have?",
    "  Security Council resolution 1325 (2000) on women, peace and security  ",
    "Café, naïve coöperation — the Special Rapporteur’s “follow-up” report, §16.",
    "VIOLENCE AGAINST WOMEN",
    " ".join(["The mission recommends that the Government strengthen the rule of law."] * 40),
)
# Part of the cache key: bump it when the export changes (inputs, outputs, options), to ignore old exports.
EXPORT_FORMAT = 1
_RECORD = "verified.json"
log = logging.getLogger("qa.onnx_encoder")


@dataclass(frozen=True)
class _Layout:
    """What the ONNX encoder needs from a sentence-transformers model folder."""

    folder: Path
    weights: tuple[Path, ...]
    max_length: int | None
    lower_case: bool


def _read_layout(name: str) -> _Layout:
    """The model folder's Transformer → mean Pooling (→ Normalize) modules, or a QAError saying why not."""
    folder = Path(resolve_model(name))
    refuse = f"the onnx encoder cannot run {name!r}"
    try:
        modules = sorted(json.loads((folder / "modules.json").read_text(encoding="utf-8")), key=lambda m: m["idx"])
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
        settings_path = folder / "sentence_bert_config.json"
        settings = json.loads(settings_path.read_text(encoding="utf-8")) if settings_path.is_file() else {}
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise QAError(f"{refuse}: it needs a sentence-transformers model folder (modules.json, "
                      f"1_Pooling/config.json) on disk ({exc}); use --encoder torch") from exc
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) or modules[0]["path"]:
        raise QAError(f"{refuse}: it runs {' → '.join(kinds)}, and only Transformer → Pooling (→ Normalize) is "
                      "implemented; use --encoder torch")
    flags = {key.removeprefix("pooling_mode_") for key, on in pooling.items() if key.startswith("pooling_mode_") and on}
    modes = {pooling["pooling_mode"]} if "pooling_mode" in pooling else flags
    if modes not in ({"mean_tokens"}, {"mean"}):
        raise QAError(f"{refuse}: its pooling is {', '.join(sorted(modes)) or 'none'}, and only mean pooling is "
                      "implemented; use --encoder torch")
    weights = tuple(sorted([*folder.glob("*.safetensors"), *folder.glob("pytorch_model*.bin")]))
    if not weights or not (folder / "config.json").is_file():
        raise QAError(f"{refuse}: no config.json and weight file (*.safetensors, pytorch_model.bin) in {folder}; "
                      "use --encoder torch")
    return _Layout(folder, weights, settings.get("max_seq_length"), bool(settings.get("do_lower_case")))



def _toolchain() -> dict[str, Any]:
    """The versions an export depends on; read from package metadata, so torch is not imported."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"format": EXPORT_FORMAT}
    for package in ("onnxruntime", "torch", "onnxscript"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None  # an export then fails, naming what is missing
    return found


def export_key(name: str = DEFAULT_MODEL) -> str:
    """The folder name of `name`'s ONNX export: the model's name, then a hash of its weights and config
    and of the versions that made and run the export (a new torch or onnxruntime means a new export)."""
    return _export_key(name, _read_layout(name))


def _export_key(name: str, layout: _Layout) -> str:
    digest = hashlib.sha256()
    for path in (*layout.weights, layout.folder / "config.json"):
        digest.update(f"{path.name}\0{file_sha256(path)}\0".encode())
    digest.update(json.dumps(_toolchain(), sort_keys=True).encode())
    last = name.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]  # "bundled:all-MiniLM-L6-v2", "models/minilm/"
    model = "".join(c if c.isalnum() or c in ".-" else "-" for c in last)
    return f"{model[:40]}-{digest.hexdigest()[:16]}"


def _threads() -> int:
    """Torch's thread count (`qa.runtime.configure` sets it for the process) when torch is loaded, else 1:
    one setting for both engines, read at each call because a build and the queries after it differ."""
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else 1


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two arrays of unit rows of one shape (a ValueError otherwise)."""
    return np.einsum("ij,ij->i", a.astype(np.float64), b.astype(np.float64))


class OnnxEncoder:
    """The model's transformer on ONNX Runtime (CPU, fp32), its pooling and normalisation in numpy.

    The export lives in `cache/<key>/` (`key`: the weights' sha256 and the toolchain's versions) with
    `verified.json`, PyTorch's vectors for `PROBE`. A load checks model.onnx's hash and its probe
    vectors against that record, without torch; a missing, damaged or disagreeing export is exported
    again from the weights and checked against PyTorch itself, once, before it is used."""

    def __init__(self, name: str = DEFAULT_MODEL, *, cache: Path, batch_size: int = 64):
        self.name = name
        self.batch_size = batch_size
        self._layout = _read_layout(name)
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(self._layout.folder), local_files_only=True)
        self._session_lock = threading.Lock()
        self._session: Any = None
        self._session_threads = 0
        self.key = _export_key(name, self._layout)
        self.folder = Path(cache) / self.key
        problem = self._check()
        if problem is not None:
            if self.folder.exists():
                log.warning("exporting %s to ONNX again: %s", name, problem)
            self._rebuild(problem)
        self.dimension = int(self._reference.shape[1])

    # -- encoding ------------------------------------------------------------------------

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit rows, one a text, in batches of similar length (less padding) on torch's thread count."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session = self._current_session()
        order = np.argsort([-len(text) for text in texts], kind="stable")
        starts = range(0, len(texts), self.batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="encode (onnx)", unit="batch")
        rows = None
        for start in starts:
            at = order[start : start + self.batch_size]
            vectors = self._run(session, [texts[i] for i in at])
            if rows is None:
                rows = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            rows[at] = vectors
        return rows

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        if self._layout.lower_case:
            texts = [text.lower() for text in texts]
        features = self._tokenizer(texts, padding=True, truncation="longest_first", max_length=self._layout.max_length,
                                   return_tensors="np")
        feed = {i.name: np.asarray(features[i.name], dtype=np.int64) for i in session.get_inputs()}
        hidden = session.run(None, feed)[0]
        # Mean pooling over the real tokens (sentence-transformers' Pooling), then unit length (its Normalize).
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(pooled, dtype=np.float32)

    @property
    def threads(self) -> int:
        """The intra-op thread count of the session in use (torch's, when it was last used)."""
        return self._session_threads

    def _current_session(self) -> Any:
        threads = _threads()
        with self._session_lock:
            if threads != self._session_threads:
                self._session, self._session_threads = self._open_session(self.folder / "model.onnx", threads), threads
            return self._session

    @staticmethod
    def _open_session(path: Path, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # Idle pool threads spin by default, taking a core from whatever else runs on a busy machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    # -- the cached export ---------------------------------------------------------------

    def _check(self) -> str | None:
        """None when `folder` holds the export its record describes and it still gives the probe's vectors;
        else what is wrong with it. On success the session and the reference vectors are kept."""
        model, record_path = self.folder / "model.onnx", self.folder / _RECORD
        if not record_path.is_file() or not model.is_file():
            return f"no export in {self.folder}"
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            reference = np.asarray(record["probe"]["vectors"], dtype=np.float32)
            expected = (record["key"], record["model"], record["probe"]["texts"])
            digest = record["onnx_sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return f"{record_path} is unreadable ({exc})"
        if expected != (self.key, self.name, list(PROBE)):
            return f"{record_path} describes another export"
        if file_sha256(model) != digest:
            return f"{model} is not the file that was verified (damaged?)"
        try:
            session = self._open_session(model, 1)  # a query's thread count (qa.runtime): often kept for them
            agreement = float(_cosines(self._run(session, list(PROBE)), reference).min())
        except Exception as exc:  # ONNX Runtime raises its own types for a file it cannot load or run
            return f"cannot run the probe on {model}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        if agreement < AGREEMENT:
            return f"{model} gives other vectors than it did when verified (cosine {agreement:.7f})"
        self._session, self._session_threads, self._reference = session, 1, reference
        return None

    def _rebuild(self, problem: str) -> None:
        """Export the model again, check it against PyTorch, and put it in place of whatever was there."""
        torch_encoder = load_encoder(self.name)  # the reference, loaded once per process
        staging = self.folder.parent / f".{self.key}.{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir(parents=True)
            _export(torch_encoder, self._tokenizer, staging / "model.onnx")
            reference = torch_encoder.encode(list(PROBE))
            session = self._open_session(staging / "model.onnx", 1)
            agreement = float(_cosines(self._run(session, list(PROBE)), reference).min())
            if agreement < AGREEMENT:
                raise QAError(f"the ONNX export of {self.name!r} disagrees with PyTorch (probe cosine {agreement:.7f} "
                              f"< {AGREEMENT}) after rebuilding {self.folder} ({problem}); use --encoder torch")
            record = {"model": self.name, "key": self.key, "toolchain": _toolchain(),
                      "weights": {p.name: file_sha256(p) for p in self._layout.weights},
                      "onnx_sha256": file_sha256(staging / "model.onnx"), "agreement": agreement,
                      "probe": {"texts": list(PROBE), "vectors": reference.tolist()}}
            (staging / _RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
            for path in staging.iterdir():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
            _install(staging, self.folder)
        except OSError as exc:
            raise QAError(f"cannot write the ONNX export to {self.folder}: {exc}; use --encoder torch") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._session, self._session_threads, self._reference = session, 1, reference


def _install(staging: Path, folder: Path) -> None:
    """Rename `staging` to `folder`, moving an old `folder` aside first (a rename cannot replace a folder)."""
    old = folder.parent / f".{folder.name}.old.{uuid.uuid4().hex[:8]}"
    if folder.exists():
        folder.rename(old)
    try:
        staging.rename(folder)
    except OSError:
        if not folder.is_dir():  # else another process installed the same export just now
            raise
    fsync_dir(folder.parent)
    shutil.rmtree(old, ignore_errors=True)


def _export(torch_encoder: SentenceTransformerEncoder, tokenizer: Any, path: Path) -> None:
    """The transformer's last hidden state as ONNX (fp32), any batch size and length, in one file."""
    import torch

    transformer = torch_encoder._model[0].auto_model
    sample = tokenizer(["a sample", "a longer sample sentence"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

    dynamic = {n: {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC} for n in names}
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    try:
        # The exporter logs the torchvision operators it skips and warns of its own deprecations; neither is
        # ours to act on, and the probe check below is what says whether the export is right.
        exporter_log.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(LastHiddenState().eval(), (), str(path), kwargs={n: sample[n] for n in names},
                              input_names=names, output_names=["last_hidden_state"], dynamic_shapes=dynamic,
                              dynamo=True, external_data=False, verbose=False)
    except Exception as exc:  # the exporter raises many types; the message is what a person can act on
        raise QAError(f"cannot export {torch_encoder.name!r} to ONNX: {str(exc).splitlines()[0]}; "
                      "use --encoder torch") from exc
    finally:
        exporter_log.setLevel(level)
