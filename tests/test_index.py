"""The index on disk: what a build writes, incremental refresh, damage, foreign models, crashes.

Every index a test changes is a copy in `tmp_path` (of the session's index, or a fresh folder
seeded with its embedding cache); texts sent to the model are counted by wrapping the real
encoder (`CountingEncoder`), so "re-embeds only that document" is a number, not a hope.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import BLOG, BOFF_SUMMARY, CORPUS, REPORT_JAN_2010
from fixtures_archive import (
    CountingEncoder,
    FailingEncoder,
    SimulatedCrash,
    built_index,  # noqa: F401  (fixture)
    copy_corpus,
    copy_index,
    encoder,  # noqa: F401  (fixture)
    seed_cache,
)
from qa.archive import Archive
from qa.cli import main
from qa.documents import load_corpus
from qa.errors import IndexIncompatible, IndexMissing, QueryError
from qa.indexer import refresh_index
from qa.store import FORMAT_VERSION, build_index, open_index, pipeline_fingerprint

# A document the archive does not hold, written for these tests: three paragraphs whose words
# ("Kingfisher", "Thames", "houseboats") occur nowhere in the archive.
NEW_FILE = "2013-05-02-river-patrol-notes.txt"
NEW_DOC = "2013-05-02-river-patrol-notes"
NEW_TEXT = """River patrol notes

Operation Kingfisher placed two marine policing boats on the Thames between Wapping and Greenwich. The crews checked moored houseboats for signs of forced labour. Each check was logged with the harbour master.

The boats carried interpreters for Vietnamese and Albanian. Officers spoke to the crews of barges and pleasure cruisers. No arrests were made in the first month.

A review of Operation Kingfisher is due in the autumn. It will report on the cost of the boats and the number of houseboats visited.
"""
APPENDED = ("\n\nAddendum: the Zanzibar liaison desk opened in April with three caseworkers. "
            "It answers calls from hotel staff about suspected exploitation.\n")


def texts_of(stored, doc_id: str) -> int:
    """How many texts a document contributes to the encoder: its passages and its sentences."""
    return (sum(p.doc_id == doc_id for p in stored.passages)
            + sum(s.doc_id == doc_id for s in stored.sentences))


def live_generation(index_dir):
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def top_doc_ids(archive_, query: str, k: int = 3) -> list[str]:
    return [p.doc_id for p in archive_.search(query, k=k).passages]


# --- what a build writes -------------------------------------------------------------------


def test_build_writes_a_generation_described_by_its_manifest(built_index, encoder):
    generation = live_generation(built_index.path)
    assert generation.is_dir() and generation.name.startswith("gen-")
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == encoder.name
    assert manifest["dimension"] == encoder.dimension == 384
    assert manifest["built_at"]
    passages = json.loads((generation / "passages.json").read_text(encoding="utf-8"))
    sentences = json.loads((generation / "sentences.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"documents": 5, "passages": len(passages), "sentences": len(sentences)}

    files = sorted(p.name for p in CORPUS.glob("*.txt"))
    assert sorted(entry["file"] for entry in manifest["documents"].values()) == files
    for doc_id, entry in manifest["documents"].items():
        assert entry["sha256"] == hashlib.sha256((CORPUS / entry["file"]).read_bytes()).hexdigest(), doc_id

    written = {str(p.relative_to(generation)) for p in generation.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == written
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((generation / name).read_bytes()).hexdigest() == digest, name


def test_cold_build_encodes_every_passage_and_sentence_once(built_index):
    stored = open_index(built_index.path)
    assert built_index.encoded == len(stored.passages) + len(stored.sentences)


def test_index_holds_no_pickle_and_its_vectors_load_without_it(built_index, encoder):
    everything = [p for p in built_index.path.rglob("*") if p.is_file()]
    assert not [p for p in everything if p.suffix in (".pkl", ".pickle")]
    arrays = [p for p in everything if p.suffix == ".npy"]
    assert len(arrays) >= 3  # passage and sentence vectors, BM25 arrays, cached embeddings
    for path in arrays:
        np.load(path, allow_pickle=False)  # raises on an object array, i.e. a pickle inside

    generation = live_generation(built_index.path)
    counts = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))["counts"]
    for name, rows in (("passage_vectors.npy", counts["passages"]), ("sentence_vectors.npy", counts["sentences"])):
        vectors = np.load(generation / name, allow_pickle=False)
        assert vectors.dtype == np.float32 and vectors.shape == (rows, encoder.dimension)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


# --- incremental refresh ---------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path, built_index):
    """A writable copy of the corpus and of its up-to-date index."""
    return copy_corpus(tmp_path / "corpus"), copy_index(built_index, tmp_path / "index")


def test_unchanged_corpus_is_not_rebuilt_and_nothing_is_encoded(workspace, encoder):
    corpus, index = workspace
    before = live_generation(index)
    counting = CountingEncoder(encoder)

    refresh = refresh_index(corpus, index, counting)

    assert not refresh.rebuilt and refresh.reason == "up to date"
    assert counting.count == 0
    assert live_generation(index) == before


def test_added_document_alone_is_encoded_and_becomes_searchable(workspace, encoder):
    corpus, index = workspace
    (corpus / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    counting = CountingEncoder(encoder)

    archive_ = Archive.open(corpus, index, encoder=counting)

    assert archive_.refresh.rebuilt
    assert counting.count == texts_of(archive_.stored, NEW_DOC) > 0
    assert archive_.stored.manifest["counts"]["documents"] == 6
    assert top_doc_ids(archive_, "houseboats checked by marine police boats on the Thames", k=1) == [NEW_DOC]


@pytest.mark.slow  # re-embeds a whole document
def test_changed_document_alone_is_encoded_and_its_new_words_are_found(workspace, encoder):
    corpus, index = workspace
    changed = corpus / f"{BOFF_SUMMARY}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + APPENDED, encoding="utf-8")
    counting = CountingEncoder(encoder)

    archive_ = Archive.open(corpus, index, encoder=counting)

    assert archive_.refresh.rebuilt
    assert counting.count == texts_of(archive_.stored, BOFF_SUMMARY) > 0
    entry = archive_.stored.manifest["documents"][BOFF_SUMMARY]
    assert entry["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()
    [best] = archive_.search("Zanzibar liaison desk caseworkers", k=1).passages
    assert best.doc_id == BOFF_SUMMARY and "Zanzibar liaison desk" in best.text


def test_removed_document_encodes_nothing_and_is_gone_from_search(workspace, encoder):
    corpus, index = workspace
    (corpus / f"{BLOG}.txt").unlink()
    counting = CountingEncoder(encoder)

    archive_ = Archive.open(corpus, index, encoder=counting)

    assert archive_.refresh.rebuilt
    assert counting.count == 0
    assert BLOG not in {d.doc_id for d in archive_.stored.documents}
    assert BLOG not in archive_.stored.manifest["documents"]
    assert BLOG not in {p.doc_id for p in archive_.search("Ugly Mugs scheme Open Doors", k=100).passages}
    with pytest.raises(QueryError, match=BLOG):
        archive_.search("Ugly Mugs", doc_ids=[BLOG])


# --- damage, absence and foreign models ------------------------------------------------


def flip_bytes(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 384 * 4])  # lose the last vector


@pytest.mark.parametrize(("name", "damage"), [("passages.faiss", flip_bytes), ("passage_vectors.npy", truncate)])
def test_corrupt_index_file_is_named_on_open_and_refresh_rebuilds(tmp_path, built_index, encoder, name, damage):
    index = copy_index(built_index, tmp_path / "index")
    damaged = live_generation(index)
    counts = json.loads((damaged / "manifest.json").read_text(encoding="utf-8"))["counts"]
    damage(damaged / name)

    with pytest.raises(IndexIncompatible, match=name):
        open_index(index, encoder.name)

    refresh = refresh_index(CORPUS, index, CountingEncoder(encoder))
    assert refresh.rebuilt and name in refresh.reason
    assert live_generation(index) != damaged
    assert open_index(index, encoder.name).manifest["counts"] == counts


def test_missing_index_is_reported_then_built(tmp_path, built_index, encoder):
    index = copy_index(built_index, tmp_path / "index")
    (index / "CURRENT").unlink()

    with pytest.raises(IndexMissing, match="qa index"):
        open_index(index, encoder.name)

    refresh = refresh_index(CORPUS, index, CountingEncoder(encoder))
    assert refresh.rebuilt
    assert open_index(index, encoder.name).manifest["counts"]["documents"] == 5


def test_current_naming_a_vanished_generation_is_incompatible_not_a_crash(tmp_path, built_index, encoder):
    index = copy_index(built_index, tmp_path / "index")
    (index / "CURRENT").write_text("gen-19990101T000000-abcdef", encoding="utf-8")

    with pytest.raises(IndexIncompatible, match="CURRENT"):
        open_index(index, encoder.name)
    assert refresh_index(CORPUS, index, CountingEncoder(encoder)).rebuilt


def test_index_built_by_other_parsing_code_is_refused_and_rebuilt_from_cached_embeddings(tmp_path, built_index, encoder):
    index = copy_index(built_index, tmp_path / "index")
    manifest_path = live_generation(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["pipeline"] == pipeline_fingerprint()
    manifest["pipeline"] = "0123456789abcdef"  # as an index written before a change to chunking.py would say
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(IndexIncompatible, match="parsing or chunking code"):
        open_index(index, encoder.name)

    counting = CountingEncoder(encoder)
    refresh = refresh_index(CORPUS, index, counting)
    assert refresh.rebuilt and "0123456789abcdef" in refresh.reason
    assert len(refresh.load.parsed) == 5  # every document parsed again, none taken from the stale index
    assert counting.count == 0  # the texts did not change, so their embeddings come from the cache
    assert refresh.stored.manifest["pipeline"] == pipeline_fingerprint()


@pytest.mark.slow  # builds an index of its own from scratch
def test_index_built_by_another_model_is_refused_and_rebuilt_from_scratch(tmp_path, encoder):
    # Two of the archive's files keep the two full encodings this test needs short.
    corpus = copy_corpus(tmp_path / "corpus", skip=tuple(
        p.name for p in CORPUS.glob("*.txt") if p.stem not in (BOFF_SUMMARY, BLOG)))
    index = tmp_path / "index"
    foreign = CountingEncoder(encoder, name="another/model-v2")
    refresh_index(corpus, index, foreign)
    assert open_index(index).manifest["model"] == "another/model-v2"

    with pytest.raises(IndexIncompatible, match="another/model-v2") as refused:
        open_index(index, encoder.name)
    assert encoder.name in str(refused.value)

    counting = CountingEncoder(encoder)
    refresh = refresh_index(corpus, index, counting)
    assert refresh.rebuilt and "another/model-v2" in refresh.reason
    assert refresh.stored.manifest["model"] == encoder.name
    assert counting.count == foreign.count == len(refresh.stored.passages) + len(refresh.stored.sentences)


# --- a crash in the middle of a build ----------------------------------------------------


def test_interrupted_build_leaves_the_previous_index_live_and_whole(workspace, encoder):
    corpus, index = workspace
    before = live_generation(index)
    counts = open_index(index, encoder.name).manifest["counts"]
    generations = sorted(p.name for p in index.iterdir() if p.name.startswith(("gen-", ".gen-")))
    (corpus / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    failing = FailingEncoder(encoder, fail_after=4, batch=2)

    with pytest.raises(SimulatedCrash):
        refresh_index(corpus, index, failing)

    assert failing.count == 4  # it did fail midway, with texts still to go
    assert live_generation(index) == before
    assert open_index(index, encoder.name).manifest["counts"] == counts
    assert not list(index.glob(".gen-*.partial"))
    assert sorted(p.name for p in index.iterdir() if p.name.startswith(("gen-", ".gen-"))) == generations

    # The crash left nothing half-written behind: the next refresh encodes the new document once.
    counting = CountingEncoder(encoder)
    refresh = refresh_index(corpus, index, counting)
    assert refresh.rebuilt and counting.count == texts_of(refresh.stored, NEW_DOC)


def test_crash_in_a_cold_build_leaves_no_index_and_no_partial_folder(tmp_path, encoder):
    corpus = copy_corpus(tmp_path / "corpus", skip=tuple(
        p.name for p in CORPUS.glob("*.txt") if p.stem != REPORT_JAN_2010))
    index = tmp_path / "index"

    with pytest.raises(SimulatedCrash):
        build_index(load_corpus(corpus).documents, FailingEncoder(encoder, fail_after=8, batch=4), index)

    with pytest.raises(IndexMissing):
        open_index(index, encoder.name)
    assert not list(index.glob(".gen-*")) and not list(index.glob("gen-*"))


# --- the command line ------------------------------------------------------------------


def test_qa_index_builds_then_reports_up_to_date(tmp_path, built_index, monkeypatch):
    monkeypatch.delenv("QA_MODEL", raising=False)
    corpus = copy_corpus(tmp_path / "corpus")
    index = seed_cache(built_index, tmp_path / "index")
    args = ["index", "--corpus", str(corpus), "--index", str(index)]

    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("index built: 5 documents")

    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("index up to date: 5 documents")
