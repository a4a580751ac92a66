"""Damage to a built index: every file of a generation with a flipped bit or cut short, foreign and
garbage manifests, a damaged CURRENT. Each is refused on opening with a message naming the file,
then rebuilt (from the embedding cache), and the rebuilt archive answers exactly as the clean one.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import pytest

from conftest import BOFF_SUMMARY, CORPUS
from fixtures_archive import (CountingEncoder, archive, built_index, copy_corpus, copy_index,  # noqa: F401  (fixtures)
                              encoder)
from qa.archive import Archive
from qa.errors import IndexIncompatible
from qa.store import open_index

QUESTIONS = ("Which group is far more likely to be murdered?", "What is CONOPS?",
             "Did trafficking increase because of the Olympics?")


def answers_of(opened: Archive) -> list[dict]:
    return [{k: v for k, v in dataclasses.asdict(opened.ask(q)).items() if k != "took_ms"} for q in QUESTIONS]


@pytest.fixture(scope="module")
def clean(archive) -> list[dict]:
    return answers_of(archive)


def live_generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


def generation_files(built) -> list[str]:
    generation = live_generation(built.path)
    return sorted(str(p.relative_to(generation)) for p in generation.rglob("*") if p.is_file())


def flip_bit(path: Path, where: str) -> str:
    data = bytearray(path.read_bytes())
    at = {"first": 0, "last": len(data) - 1}.get(where) if where != "random" else random.Random(path.name).randrange(len(data))
    bit = random.Random(f"{path.name}{where}").randrange(8)
    data[at] ^= 1 << bit
    path.write_bytes(bytes(data))
    return f"bit {bit} of byte {at}"


def truncate(path: Path, where: str) -> str:
    data = path.read_bytes()
    keep = {"half": len(data) // 2, "empty": 0, "one byte short": len(data) - 1}[where]
    path.write_bytes(data[:keep])
    return f"cut to {keep} of {len(data)} bytes"


DAMAGE = [(flip_bit, "first"), (flip_bit, "random"), (flip_bit, "last"), (truncate, "half"),
          (truncate, "one byte short"), (truncate, "empty")]


def refused_then_rebuilt(index: Path, named: str, encoder, clean: list[dict]) -> None:
    """Opening names `named` and refuses; a refresh rebuilds; the answers are the clean build's."""
    with pytest.raises(IndexIncompatible) as refused:
        open_index(index, encoder.name)
    message = str(refused.value)
    assert named in message and "\n" not in message
    reopened = Archive.open(CORPUS, index, encoder=CountingEncoder(encoder))
    assert reopened.refresh.rebuilt and named in reopened.refresh.reason
    assert answers_of(reopened) == clean


@pytest.mark.slow  # 60-odd damaged copies, each rebuilt
def test_every_generation_file_damaged_is_named_rebuilt_and_never_answers_wrongly(tmp_path, built_index, encoder, clean):
    names = generation_files(built_index)
    assert {"manifest.json", "documents.jsonl", "passages.faiss", "passage_vectors.npy"} <= set(names)
    tried = []
    for name in names:
        for damage, where in DAMAGE:
            index = copy_index(built_index, tmp_path / f"{len(tried)}")
            what = damage(live_generation(index) / name, where)
            refused_then_rebuilt(index, name, encoder, clean)
            tried.append(f"{name}: {what}")
            shutil.rmtree(index)
    print(f"\n{len(tried)} damaged files refused and rebuilt ({len(names)} files x {len(DAMAGE)} kinds of damage)")


@pytest.mark.parametrize("garbage", [b"\x00\x9f\x92\x96 not json", b"[]", b"{}", b"null", b'{"files": {}}',
                                     b'{"files": [], "counts": 3}'], ids=repr)
def test_garbage_manifest_is_refused_naming_it_and_rebuilt(tmp_path, built_index, encoder, clean, garbage):
    index = copy_index(built_index, tmp_path / "index")
    (live_generation(index) / "manifest.json").write_bytes(garbage)
    refused_then_rebuilt(index, "manifest.json", encoder, clean)


def test_manifest_edited_without_its_checksum_is_refused(tmp_path, built_index, encoder, clean):
    index = copy_index(built_index, tmp_path / "index")
    path = live_generation(index) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["counts"]["sentences"] += 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    refused_then_rebuilt(index, "manifest.json", encoder, clean)


@pytest.mark.slow  # embeds a small document with the "other" model
def test_manifest_of_another_models_index_is_refused_naming_the_model(tmp_path, built_index, encoder, clean):
    corpus = copy_corpus(tmp_path / "corpus", skip=tuple(p.name for p in CORPUS.glob("*.txt") if p.stem != BOFF_SUMMARY))
    foreign = tmp_path / "foreign"
    Archive.open(corpus, foreign, encoder=CountingEncoder(encoder, name="another/model-v2"))
    index = copy_index(built_index, tmp_path / "index")
    shutil.copyfile(live_generation(foreign) / "manifest.json", live_generation(index) / "manifest.json")
    refused_then_rebuilt(index, "another/model-v2", encoder, clean)


@pytest.mark.parametrize("damage", [lambda p: flip_bit(p, "last"), lambda p: truncate(p, "half"),
                                    lambda p: truncate(p, "empty")], ids=["flipped", "half", "empty"])
def test_damaged_current_pointer_is_refused_naming_it_and_rebuilt(tmp_path, built_index, encoder, clean, damage):
    index = copy_index(built_index, tmp_path / "index")
    damage(index / "CURRENT")
    refused_then_rebuilt(index, "CURRENT", encoder, clean)
