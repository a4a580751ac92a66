"""The Qdrant passage store against the FAISS one, on the real archive and the real engines.

The embedded store runs Qdrant's engine in process (qdrant-edge-py); the server store runs
through qdrant-client against the client's own local mode (an exact scan: no registry ships
the server). Both must find what the FAISS store finds, with filters applied in the engine.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import BLOG, BOFF_SUMMARY, CORPUS, REPORT_2009, REPORT_DEC_2010, REPORT_JAN_2010, QUESTIONS
from fixtures_archive import archive, built_index, encoder, seed_cache  # noqa: F401  (fixtures)
from qa.archive import Archive
from qa.cli import main
from qa.errors import IndexIncompatible
from qa.retrieval import Filters, Retriever
from qa.store import read_manifest
from qa.stores import StoreSettings

FILTERS = [Filters(doc_ids=(d,)) for d in sorted({REPORT_2009, REPORT_JAN_2010, REPORT_DEC_2010, BOFF_SUMMARY, BLOG})] + [
    Filters(date_from="2012-03"), Filters(date_to="2009"), Filters(doc_ids=(REPORT_2009, BLOG), date_from="2010")]
QUERIES = ["How many officers does Operation Swale have?", "which group is far more likely to be murdered?",
           "raids on brothels in the Olympic boroughs", "funding for the Human Trafficking Team"]


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def edge(tmp_path_factory, built_index, encoder):
    """The archive with its passages in Qdrant's embedded engine (in the index folder)."""
    index = seed_cache(built_index, tmp_path_factory.mktemp("edge") / "index")
    opened = Archive.open(CORPUS, index, encoder=encoder, store=StoreSettings("qdrant"))
    yield opened
    opened.stored.store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_index, encoder):
    """The archive with its passages in a Qdrant collection, through qdrant-client (local mode)."""
    root = tmp_path_factory.mktemp("server")
    index = seed_cache(built_index, root / "index")
    settings = StoreSettings("qdrant", qdrant_url=f"local:{root / 'qdrant'}")
    opened = Archive.open(CORPUS, index, encoder=encoder, store=settings)
    yield opened
    opened.stored.store.close()


def scored(opened: Archive, query: str, encoder, filters: Filters | None = None, **options):
    analysis = opened.analyzer.analyze(query)
    hits = Retriever(opened.stored, **options).search(analysis, encoder.encode([analysis.searched])[0], 10, filters)
    return [((h.doc_id, h.anchor), h.score) for h in hits]


def ranked(opened: Archive, query: str, encoder, filters: Filters | None = None, **options) -> list[tuple[str, str]]:
    return [key for key, _ in scored(opened, query, encoder, filters, **options)]


# FAISS sums a dot product with BLAS, Qdrant (its engine, or qdrant-client's local mode with numpy) in
# another order: the same float32 score differs in the 7th decimal (4.8e-8 seen). Scores are equal within
# this tolerance (relative, for BM25's larger scores), never after rounding: two such scores can round apart (0.53855014 and 0.53855009 sit
# 1.4e-7 from 0.53855, and a question vector computed on another CPU moves them across it).
SCORE_TOLERANCE = 1e-6


def same_score(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=SCORE_TOLERANCE, abs_tol=SCORE_TOLERANCE)


def same_up_to_ties(found, expected) -> bool:
    """The same scores rank by rank, and the same paragraphs wherever a score is not shared (ties may swap)."""
    if len(found) != len(expected) or not all(same_score(f, e) for (_, f), (_, e) in zip(found, expected)):
        return False
    scores = [s for _, s in expected]

    def tied(score: float) -> bool:  # shared by two ranks, or at the cut, where a tie may bring in another paragraph
        return sum(same_score(score, other) for other in scores) > 1 or same_score(score, scores[-1])

    return [k for k, s in found if not tied(s)] == [k for k, s in expected if not tied(s)]


@pytest.mark.parametrize("store", ["edge", "server"])
@pytest.mark.parametrize("method", ["dense", "lexical", "hybrid"])
def test_qdrant_store_ranks_the_eval_questions_as_the_faiss_store_does(request, archive, encoder, store, method):
    opened = request.getfixturevalue(store)
    differ = [q for q in questions()
              if not same_up_to_ties(scored(opened, q, encoder, method=method), scored(archive, q, encoder, method=method))]
    # Exact search and the same BM25 weights: only passages of equal score may come in another order.
    assert not differ, differ


@pytest.mark.parametrize("store", ["edge", "server"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f"{f.doc_ids or ''}{f.date_from or ''}{f.date_to or ''}")
def test_filters_applied_in_qdrant_give_the_faiss_stores_passages(request, archive, encoder, store, filters):
    opened = request.getfixturevalue(store)
    for query in QUERIES:
        expected = ranked(archive, query, encoder, filters)
        assert ranked(opened, query, encoder, filters) == expected, query
        allowed = set(filters.doc_ids or ()) or {d.doc_id for d in archive.stored.documents}
        assert {doc for doc, _ in expected} <= allowed


@pytest.mark.parametrize("store", ["edge", "server"])
def test_fusion_in_the_qdrant_engine_agrees_with_reciprocal_rank_fusion_here(request, archive, encoder, store):
    opened = request.getfixturevalue(store)
    same = [ranked(opened, q, encoder, fusion="rrf")[:5] == ranked(archive, q, encoder, fusion="rrf")[:5] for q in QUERIES]
    assert all(same), same


def test_qdrant_lexical_scores_are_bm25s_scores(edge, archive, encoder):
    analysis = archive.analyzer.analyze("raids on brothels in the Olympic boroughs")
    faiss_scores = dict(archive.stored.store.lexical(analysis.tokens, 20, None))
    qdrant_scores = dict(edge.stored.store.lexical(analysis.tokens, 20, None))
    assert set(qdrant_scores) == set(faiss_scores)
    assert [qdrant_scores[i] for i in faiss_scores] == pytest.approx(list(faiss_scores.values()), rel=1e-5)


def test_approximate_qdrant_store_keeps_the_exact_best_passages(tmp_path, built_index, encoder, archive):
    # Forced to HNSW over SQ8 codes (rescored from the float vectors) by a threshold of 10 passages.
    index = seed_cache(built_index, tmp_path / "index")
    opened = Archive.open(CORPUS, index, encoder=encoder, store=StoreSettings("qdrant"), approximate_above=10)
    try:
        assert opened.stored.manifest["store"]["type"] == "hnsw_sq8"
        for query in QUERIES:
            assert ranked(opened, query, encoder, method="dense") == ranked(archive, query, encoder, method="dense")
    finally:
        opened.stored.store.close()


def test_an_index_in_another_store_is_rebuilt_into_the_one_asked_for(tmp_path, built_index, encoder):
    index = seed_cache(built_index, tmp_path / "index")
    first = Archive.open(CORPUS, index, encoder=encoder)
    assert read_manifest(index)["store"]["mode"] == "faiss"
    second = Archive.open(CORPUS, index, encoder=encoder, store=StoreSettings("qdrant", qdrant_path=tmp_path / "q"))
    try:
        assert second.refresh.rebuilt and "qdrant-edge" in second.refresh.reason
        assert second.health().index.store == "qdrant-edge"
        assert (tmp_path / "q" / second.stored.path.name / "edge_config.json").is_file()
        assert second.search("murdered", k=3).passages
    finally:
        second.stored.store.close()
    assert first.search("murdered", k=3).passages  # the FAISS generation it still holds keeps answering


def test_cli_search_with_the_embedded_qdrant_store(tmp_path, built_index):
    index = seed_cache(built_index, tmp_path / "index")
    runner = CliRunner()
    result = runner.invoke(main, ["search", "brothel raids", "-k", "3", "--json", "--corpus", str(CORPUS),
                                  "--index", str(index), "--store", "qdrant", "--qdrant-path", str(tmp_path / "q"),
                                  "--doc", BOFF_SUMMARY])
    assert result.exit_code == 0, result.output
    passages = json.loads(result.stdout)["passages"]
    assert passages and {p["doc_id"] for p in passages} == {BOFF_SUMMARY}
    assert read_manifest(index)["store"]["path"] == str((tmp_path / "q").resolve())


def test_qdrant_options_without_the_qdrant_store_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["search", "x", "--index", str(tmp_path), "--qdrant-path", str(tmp_path)])
    assert result.exit_code == 1 and "--store qdrant" in result.output
    with pytest.raises(IndexIncompatible, match="not both"):
        StoreSettings("qdrant", qdrant_path=tmp_path, qdrant_url="http://localhost:6333")


def test_every_command_that_opens_an_index_takes_the_store_options():
    for name in ("index", "search", "ask", "eval", "serve"):
        options = {o for p in main.commands[name].params for o in p.opts}
        assert {"--store", "--qdrant-path", "--qdrant-url"} <= options, name


def test_store_input_rows_match_passages(archive):
    # The payload the Qdrant store filters on is the document's days: an undated one has none.
    from qa.store import _store_input

    stored = archive.stored
    data = _store_input(stored.documents, stored.passages, stored.passage_vectors, stored.passage_vectors.shape[1], None)
    dated = {d.doc_id for d in stored.documents if d.date}
    assert len(data.doc_ids) == len(stored.passages)
    assert all((first > 0) == (doc in dated) for doc, first in zip(data.doc_ids, data.first_days))
    assert np.all(data.first_days <= data.last_days)
