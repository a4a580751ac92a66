"""Questions encoded on ONNX Runtime give PyTorch's vectors; the export is cached, keyed, checked and rebuilt.

The ONNX encoder runs the bundled MiniLM exported from its own weights (no mock anywhere); one
export, made in this module's fixture, serves every test that only reads it. Two tests export
again (a damaged file, an export that cannot agree): about 10 s each on two busy cores.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import CORPUS, QUESTIONS
from fixtures_archive import archive, built_index, copy_index, encoder  # noqa: F401  (fixtures)
from qa import embedding
from qa.archive import Archive
from qa.atomic import file_sha256
from qa.cli import main
from qa.embedding import load_encoder, resolve_model
from qa import onnx_encoder as onnx_encoder_module
from qa.onnx_encoder import AGREEMENT, ENCODER_CACHE, OnnxEncoder, export_key
from qa.errors import QAError


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a.astype(np.float64), b.astype(np.float64))


@pytest.fixture(scope="module")
def onnx_encoder(tmp_path_factory, encoder):
    """The bundled MiniLM exported once for this module (the torch `encoder` is its reference)."""
    return OnnxEncoder(cache=tmp_path_factory.mktemp("onnx") / ENCODER_CACHE)


def seeded_index(built_index, onnx_encoder, destination):
    """A copy of the session's index with the module's export already beside it."""
    index = copy_index(built_index, destination)
    shutil.copytree(onnx_encoder.folder, index / ENCODER_CACHE / onnx_encoder.key)
    return index


# --- the vectors ---------------------------------------------------------------------------


def test_onnx_vectors_equal_pytorchs_on_the_eval_questions(onnx_encoder, encoder):
    texts = questions()
    ours, theirs = onnx_encoder.encode(texts), encoder.encode(texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(texts), encoder.dimension)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
    assert cosines(ours, theirs).min() >= AGREEMENT


def test_one_question_alone_gets_the_vector_it_gets_in_a_padded_batch(onnx_encoder, encoder):
    texts = questions()[:20] + [" ".join(["a paragraph far longer than the model's 256 tokens"] * 40)]
    batched = onnx_encoder.encode(texts)
    alone = np.vstack([onnx_encoder.encode([text]) for text in texts])
    assert cosines(alone, batched).min() >= AGREEMENT
    assert cosines(alone, encoder.encode(texts)).min() >= AGREEMENT


def test_the_onnx_encoder_has_the_torch_encoders_interface(onnx_encoder, encoder):
    assert isinstance(onnx_encoder, embedding.Encoder)
    assert (onnx_encoder.name, onnx_encoder.dimension) == (encoder.name, encoder.dimension)
    assert onnx_encoder.encode([]).shape == (0, encoder.dimension)


# --- the cache -----------------------------------------------------------------------------


def test_a_second_load_reuses_the_export_without_exporting_again(onnx_encoder):
    model = onnx_encoder.folder / "model.onnx"
    before = model.stat()
    again = OnnxEncoder(cache=onnx_encoder.folder.parent)
    assert again.folder == onnx_encoder.folder
    after = model.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in onnx_encoder.folder.parent.iterdir()) == [onnx_encoder.key], "no staging left"
    assert cosines(again.encode(questions()[:5]), onnx_encoder.encode(questions()[:5])).min() >= AGREEMENT


def test_the_export_is_keyed_by_the_weights_and_the_toolchain(onnx_encoder, tmp_path, monkeypatch):
    assert export_key() == onnx_encoder.key == onnx_encoder.folder.name
    assert onnx_encoder.key.startswith("all-MiniLM-L6-v2-")
    record = json.loads((onnx_encoder.folder / "verified.json").read_text(encoding="utf-8"))
    assert record["toolchain"]["onnxruntime"] and record["toolchain"]["torch"] and record["agreement"] >= AGREEMENT

    # The same model files, one byte of the weights changed: another key, so another folder.
    bundled, copy = resolve_model(embedding.DEFAULT_MODEL), tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(bundled, copy)
    assert export_key(str(copy)) == onnx_encoder.key
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert export_key(str(copy)) != onnx_encoder.key

    monkeypatch.setattr(onnx_encoder_module, "EXPORT_FORMAT", onnx_encoder_module.EXPORT_FORMAT + 1)
    assert export_key() != onnx_encoder.key


def test_a_damaged_export_is_found_and_rebuilt(onnx_encoder, tmp_path):
    cache = tmp_path / ENCODER_CACHE
    folder = cache / onnx_encoder.key
    shutil.copytree(onnx_encoder.folder, folder)
    model = folder / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # inside the weights: ONNX Runtime would still load it
    model.write_bytes(bytes(data))

    rebuilt = OnnxEncoder(cache=cache)
    record = json.loads((folder / "verified.json").read_text(encoding="utf-8"))
    assert model.read_bytes() != bytes(data)
    assert file_sha256(model) == record["onnx_sha256"]
    assert sorted(p.name for p in cache.iterdir()) == [onnx_encoder.key], "the damaged one is gone, no staging left"
    assert cosines(rebuilt.encode(questions()[:10]), onnx_encoder.encode(questions()[:10])).min() >= AGREEMENT


def test_an_export_that_cannot_agree_with_pytorch_is_refused_naming_its_folder(onnx_encoder, tmp_path, monkeypatch):
    cache = tmp_path / ENCODER_CACHE
    shutil.copytree(onnx_encoder.folder, cache / onnx_encoder.key)
    monkeypatch.setattr(onnx_encoder_module, "AGREEMENT", 1.5)  # a cosine no export can reach
    with pytest.raises(QAError, match="disagrees with PyTorch") as refused:
        OnnxEncoder(cache=cache)
    assert str(cache / onnx_encoder.key) in str(refused.value)
    assert sorted(p.name for p in cache.iterdir()) == [onnx_encoder.key], "no staging left"


def test_a_model_whose_pooling_is_not_implemented_is_refused(tmp_path):
    bundled = resolve_model(embedding.DEFAULT_MODEL)
    model = tmp_path / "cls-model"
    shutil.copytree(bundled, model, ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = model / "1_Pooling" / "config.json"
    settings = json.loads(pooling.read_text(encoding="utf-8"))
    pooling.write_text(json.dumps({**settings, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    with pytest.raises(QAError, match="its pooling is cls_token, and only mean pooling is implemented"):
        OnnxEncoder(str(model), cache=tmp_path / ENCODER_CACHE)
    assert not (tmp_path / ENCODER_CACHE).exists()


def test_an_unknown_engine_is_refused():
    with pytest.raises(QAError, match="unknown encoder 'tensorflow'"):
        load_encoder(embedding.DEFAULT_MODEL, "tensorflow")


# --- the archive ---------------------------------------------------------------------------


def quotes(result) -> tuple:
    return result.answered, tuple((q.doc_id, q.anchor, q.start, q.end, q.text) for q in result.quotes)


def test_an_archive_on_onnx_gives_the_quotes_it_gives_on_torch(onnx_encoder, built_index, archive, tmp_path):
    index = seeded_index(built_index, onnx_encoder, tmp_path / "index")
    model = index / ENCODER_CACHE / onnx_encoder.key / "model.onnx"
    exported = model.stat().st_mtime_ns
    opened = Archive.open(CORPUS, index, encoder_engine="onnx")
    assert isinstance(opened.encoder, OnnxEncoder) and opened.encoder.folder == model.parent
    assert not opened.refresh.rebuilt, "the index embedded by torch stays valid"
    assert model.stat().st_mtime_ns == exported, "the export beside the index was reused"
    for question in questions():
        assert quotes(opened.ask(question)) == quotes(archive.ask(question)), question


def test_qa_ask_takes_the_encoder_and_answers_alike(onnx_encoder, built_index, tmp_path, monkeypatch):
    monkeypatch.delenv("QA_ENCODER", raising=False)
    index = seeded_index(built_index, onnx_encoder, tmp_path / "index")
    question = questions()[0]
    runs = {engine: CliRunner().invoke(main, ["ask", question, "--json", "--corpus", str(CORPUS), "--index", str(index),
                                             "--encoder", engine])
            for engine in ("onnx", "torch")}
    for engine, run in runs.items():
        assert run.exit_code == 0, (engine, run.output)
    onnx, torch = (json.loads(runs[e].stdout)["quotes"] for e in ("onnx", "torch"))
    assert onnx and [q["text"] for q in onnx] == [q["text"] for q in torch]


def test_a_bad_qa_encoder_stops_the_command_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_ENCODER", "tensorflow")
    run = CliRunner().invoke(main, ["search", "x", "--corpus", str(CORPUS), "--index", str(tmp_path / "index")])
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == [
        "error: the encoder (--encoder, $QA_ENCODER) must be one of onnx, torch, not 'tensorflow'"]


def test_every_command_that_opens_an_archive_takes_the_encoder_option():
    for name in ("search", "ask", "eval", "serve", "verify-quotes"):
        options = {o for p in main.commands[name].params for o in p.opts}
        assert "--encoder" in options, name


def test_the_encoder_is_the_flag_else_qa_encoder_else_the_default(monkeypatch):
    from qa import config

    monkeypatch.delenv("QA_ENCODER", raising=False)
    assert config.encoder_engine() == config.DEFAULT_ENCODER and config.encoder_engine("onnx") == "onnx"
    monkeypatch.setenv("QA_ENCODER", "onnx")
    assert config.encoder_engine() == "onnx" and config.encoder_engine("torch") == "torch"


def test_the_session_runs_on_torchs_thread_count(onnx_encoder):
    import torch

    before = torch.get_num_threads()
    try:
        for threads in (1, 2, 1):
            torch.set_num_threads(threads)
            onnx_encoder.encode(["How many officers does Operation Swale have?"])
            assert onnx_encoder.threads == threads and torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)
