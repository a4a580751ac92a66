"""The reader: its input text, its weights' integrity, resumable training, and a trained model's ranking."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SHARED
from qa.errors import ReaderError
from qa.reader.model import DEFAULT_WEIGHTS, MANIFEST, MARK, MAX_CHARS, Reader, ReaderInput, reader_text

DATA = SHARED / "external" / "reader"
needs_data = pytest.mark.skipif(not (DATA / "squad-train-v1.1.json.gz").is_file(),
                                reason=f"the SQuAD training files are not in {DATA}")

LONG = " ".join(f"word{i}" for i in range(400))


def test_reader_text_cuts_context_first_and_keeps_the_sentence_whole():
    sentence = "The committee met on 9 December 2010 to review the first six months."
    item = ReaderInput(sentence=sentence, before=LONG + " closest-before", after="closest-after " + LONG,
                       heading="A heading " + LONG)
    text = reader_text(item)
    assert f"{MARK} {sentence} {MARK}" in text
    assert len(text) <= MAX_CHARS
    # what is kept of the context is what stands next to the sentence
    assert "closest-before" in text and "closest-after" in text
    assert "word399 closest-before" in text and "closest-after word0" in text


def test_reader_text_keeps_an_overlong_sentence_whole_and_drops_the_context():
    sentence = "Long " + LONG + " end."
    text = reader_text(ReaderInput(sentence=sentence, before="before it.", after="after it.", heading="H"))
    assert text == f"{MARK} {sentence} {MARK}"


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    """A real, untrained reader exported the way training exports: base MiniLM with a fresh head."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from qa.config import DEFAULT_MODEL
    from qa.embedding import resolve_model
    from qa.reader.export import UNCALIBRATED, export

    base = resolve_model(DEFAULT_MODEL)
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    directory = tmp_path_factory.mktemp("reader") / "weights"
    export(model, tokenizer, directory, {"base_model": DEFAULT_MODEL, "max_length": 128, "calibration": UNCALIBRATED})
    return directory


def _copy(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_exported_weights_load_and_score_probabilities(weights_dir):
    reader = Reader.load(weights_dir)
    scores = reader.score("When did the committee meet?",
                          [ReaderInput("The committee met in December."), ReaderInput("Rain fell.", heading="Weather")])
    assert scores.shape == (2,) and scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1))
    assert (weights_dir / "model.safetensors").stat().st_size < 50e6


def test_altered_weights_file_gives_reader_error_naming_it(weights_dir, tmp_path):
    directory = _copy(weights_dir, tmp_path / "w")
    with open(directory / "model.safetensors", "r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 1]))
    with pytest.raises(ReaderError, match=r"model\.safetensors does not match its sha256"):
        Reader.load(directory)


def test_missing_weights_file_gives_reader_error_naming_it(weights_dir, tmp_path):
    directory = _copy(weights_dir, tmp_path / "w")
    (directory / "tokenizer.json").unlink()
    with pytest.raises(ReaderError, match=r"tokenizer\.json is missing"):
        Reader.load(directory)
    (directory / MANIFEST).unlink()
    with pytest.raises(ReaderError, match=r"reader\.json is missing"):
        Reader.load(directory)


def test_manifest_without_the_model_file_is_refused(weights_dir, tmp_path):
    directory = _copy(weights_dir, tmp_path / "w")
    manifest = json.loads((directory / MANIFEST).read_text())
    del manifest["files"]["model.safetensors"]
    (directory / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ReaderError, match=r"lists no model\.safetensors"):
        Reader.load(directory)


@pytest.mark.slow
@needs_data
def test_training_checkpoints_and_resumes_to_the_same_weights(tmp_path):
    import torch

    from qa.reader.train import CHECKPOINT, TrainConfig, train

    def config(out):
        return TrainConfig(out=out, data=DATA, minutes=10, steps=4, groups_per_step=1, warmup=2, v1_articles=2)

    torch.set_num_threads(1)
    quiet = lambda message: None  # noqa: E731
    _, _, state = train(config(tmp_path / "a"), say=quiet, stop_at=2)
    assert state["step"] == 2
    assert (tmp_path / "a" / CHECKPOINT / "state.json").is_file()
    resumed, _, state = train(config(tmp_path / "a"), resume=True, say=quiet)
    assert state["step"] == 4 and state["position"] == 4
    straight, _, _ = train(config(tmp_path / "b"), say=quiet)
    for (name, a), (_, b) in zip(resumed.state_dict().items(), straight.state_dict().items()):
        assert torch.equal(a, b), name


@needs_data
def test_resume_without_a_checkpoint_is_refused(tmp_path):
    from qa.reader.train import TrainConfig, train

    with pytest.raises(ReaderError, match="no checkpoint"):
        train(TrainConfig(out=tmp_path, data=DATA, v1_articles=1), resume=True, say=lambda m: None)


@needs_data
@pytest.mark.skipif(not (DEFAULT_WEIGHTS / MANIFEST).is_file(),
                    reason=f"no trained reader in {DEFAULT_WEIGHTS} (train one with `qa train-reader`)")
def test_trained_reader_ranks_the_gold_sentence_above_a_random_one_on_held_out_articles():
    from qa.reader.data import V2_FILE, Corpus, load_split, load_squad

    corpus = Corpus(*load_squad(DATA / V2_FILE, set(load_split()["test"])))
    reader = Reader.load()
    rng = np.random.default_rng(0)
    questions = [q for q in corpus.sample(200).questions
                 if len(q.gold) == 1 and len(corpus.articles[q.article].paragraphs[q.paragraph]) > 2][:20]
    wins = 0
    for q in questions:
        article = corpus.articles[q.article]
        other = int(rng.choice([s for s in range(len(article.paragraphs[q.paragraph])) if s not in q.gold]))
        gold, random = reader.score(q.text, [article.candidate(q.paragraph, q.gold[0]),
                                             article.candidate(q.paragraph, other)])
        wins += gold > random
    assert wins >= 16, f"gold above a random sentence for only {wins} of {len(questions)} questions"
