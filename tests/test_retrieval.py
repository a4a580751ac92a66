"""Hybrid retrieval on the real archive: the right paragraph, filters, one hit per paragraph,
verbatim passages, the fusion function, and filtered search over an approximate index."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

import qa.stores.faiss_store
from conftest import BLOG, BOFF_SUMMARY, CORPUS, REPORT_2009, REPORT_DEC_2010, REPORT_JAN_2010, eval_files
from fixtures_archive import archive, built_index, encoder, seed_cache  # noqa: F401  (fixtures)
from qa.archive import Archive
from qa.chunking import passages as passages_of
from qa.errors import QueryError
from qa.retrieval import Filters, Retriever, fuse

ALL = {REPORT_2009, REPORT_JAN_2010, REPORT_DEC_2010, BOFF_SUMMARY, BLOG}


def eval_questions() -> list[dict]:
    rows = []
    for path in eval_files():
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


# --- the right paragraph -----------------------------------------------------------------

# (query, document, anchor, best rank it must reach). Lexical queries repeat the document's
# words; paraphrases (most from eval/questions.jsonl) share few of them. Rank 1 where the
# paragraph leads clearly; rank 3 where a neighbouring paragraph of the same topic competes.
FINDS = [
    # lexical
    ("Operation Golf", REPORT_JAN_2010, "B16", 1),
    ("Concept of Operations", REPORT_2009, "B6", 1),
    ("five convictions", REPORT_DEC_2010, "fn4", 1),
    ("Which country did CO14 officers visit to raise awareness of women trapped in the British sex industry?",
     REPORT_2009, "B12", 1),
    ("Which newspaper reported that 77 trafficked Chinese children had been lost by a home?", REPORT_2009, "fn23", 1),
    ("What are R18 films?", REPORT_DEC_2010, "fn17", 1),
    ("When is the civil trial on the duty to investigate Article 3 and 4 breaches due?", REPORT_DEC_2010, "C4", 1),
    ("Which articles of the European Convention on Human Rights are the civil claims against the MPS brought under?",
     REPORT_JAN_2010, "B17", 1),
    ("How much cocaine was recovered when the Clubs Unit dismantled a major network?", REPORT_DEC_2010, "B21", 1),
    ("How much tax did the Euston parlour pay each year?", BLOG, "c1-5", 3),
    # paraphrase
    ("which group is far more likely to be murdered?", BOFF_SUMMARY, "p1", 1),
    ("What did the security strategy judge to be the biggest danger facing the Games?", REPORT_2009, "B7", 1),
    ("Why did the Olympics Directorate leave threats to women out of its plans?", REPORT_2009, "B10", 1),
    ("Why is the Croydon immigration team not the right unit to look after trafficked people?", REPORT_2009, "B19", 1),
    ("What did the Australians learn about abuse between partners in the athletes' village?", REPORT_2009, "B14", 1),
    ("What harm did NHS projects say raids did to sex workers?", BOFF_SUMMARY, "p18", 1),
    ("What was Setting the Record?", BLOG, "p4", 1),
    ("How does child trafficking differ from trafficking of adults in what victims are used for?",
     REPORT_2009, "B26", 3),
    ("Where did Boff find the best example of police encouraging sex workers to report crime?",
     BOFF_SUMMARY, "p21", 3),
    ("Why won't sex workers go to the police when they are victims of crime?", BOFF_SUMMARY, "p19", 3),
]


@pytest.mark.parametrize(("query", "doc_id", "anchor", "within"), FINDS, ids=[f[0][:50] for f in FINDS])
def test_search_finds_the_paragraph_that_answers(archive, query, doc_id, anchor, within):
    found = [(p.doc_id, p.anchor) for p in archive.search(query, k=10).passages]
    assert (doc_id, anchor) in found[:within], f"{doc_id}#{anchor} not in the top {within}: {found[:5]}"


# --- filters -------------------------------------------------------------------------------


def test_doc_ids_filter_keeps_only_those_documents(archive):
    for doc_id in ALL:
        found = archive.search("police officers and trafficking victims", k=20, doc_ids=[doc_id]).passages
        assert found and {p.doc_id for p in found} == {doc_id}
    two = archive.search("police officers", k=100, doc_ids=[BLOG, BOFF_SUMMARY]).passages
    assert {p.doc_id for p in two} == {BLOG, BOFF_SUMMARY}


# Dates: 2009-07-16, 2010-01-28, 2010-12-09, 2012-03 (Boff summary: only the month is known),
# 2012-03-20 (blog). A partial date covers its whole month or year, on either side of a range.
DATE_RANGES = [
    ({"date_from": "2012-03"}, {BOFF_SUMMARY, BLOG}),
    ({"date_to": "2009-12-31"}, {REPORT_2009}),
    ({"date_from": "2010", "date_to": "2010"}, {REPORT_JAN_2010, REPORT_DEC_2010}),
    ({"date_from": "2010-12-09", "date_to": "2010-12-09"}, {REPORT_DEC_2010}),
    ({"date_from": "2012-03-31"}, {BOFF_SUMMARY}),
    ({"date_to": "2012-03-01"}, ALL - {BLOG}),
    ({"date_to": "2012-02-29"}, {REPORT_2009, REPORT_JAN_2010, REPORT_DEC_2010}),
    ({"date_from": "2012-04"}, set()),
    ({"date_from": "2010-01-29", "date_to": "2010-12-08"}, set()),
]


@pytest.mark.parametrize(("dates", "expected"), DATE_RANGES, ids=[str(d) for d, _ in DATE_RANGES])
def test_date_range_keeps_documents_whose_date_falls_in_it(archive, dates, expected):
    mask = archive.retriever.allowed(Filters(**dates))
    kept = {archive.stored.passages[i].doc_id for i in np.flatnonzero(mask)}
    assert kept == expected

    found = archive.search("police trafficking sex workers Olympics", k=100, **dates).passages
    assert {p.doc_id for p in found} <= expected
    assert bool(found) == bool(expected)


def test_unknown_document_id_is_a_query_error_naming_it(archive):
    with pytest.raises(QueryError, match="no-such-report"):
        archive.search("trafficking", doc_ids=[REPORT_2009, "no-such-report"])


@pytest.mark.parametrize("bad", ["2010-13-45", "yesterday", "09/12/2010", "2010-1-5", "2010-12-09T10:00"])
@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_a_date_that_is_not_iso_is_a_query_error(archive, field, bad):
    with pytest.raises(QueryError, match=field):
        archive.search("trafficking", **{field: bad})


def test_date_from_after_date_to_is_a_query_error(archive):
    with pytest.raises(QueryError, match="after"):
        archive.search("trafficking", date_from="2012-03", date_to="2010-12-09")


def test_a_filter_that_keeps_nothing_finds_nothing(archive):
    assert archive.search("trafficking", doc_ids=[BLOG], date_to="2009").passages == ()
    assert archive.search("trafficking", date_from="2030").passages == ()


# --- one hit per paragraph; verbatim passages --------------------------------------------

SKERRYVORE = [
    "The lighthouse keepers of Skerryvore kept a logbook of every vessel that passed the reef.",
    "Each entry named the vessel, its flag, the hour and the state of the sea.",
    "In the winter of 1894 the keepers recorded forty-one schooners sheltering in the lee of the rock.",
    "The logbook also noted the lamp oil burned each night, measured in gallons.",
    "Supply boats from Hynish brought oil, bread and letters once a fortnight when the swell allowed.",
    "When the swell did not allow, the keepers rationed the paraffin and wrote the shortfall in red ink.",
    "A relief keeper arrived every six weeks and read the whole logbook before taking the watch.",
    "The Northern Lighthouse Board inspected the logbooks each summer and signed the last page.",
    "Inspectors praised the neat copperplate hand of the principal keeper, Alexander Macrae.",
    "They criticised the assistant keepers for blots and for entries written after the event.",
    "Storm damage to the lantern glass was sketched in the margins with remarkable care.",
    "The great gale of 1911 filled eleven pages with notes on the wind, the waves and the failing lamp.",
    "Keepers' wives on Hynish signalled news to the rock with flags from the tower of the shore station.",
    "A code book of the flag signals survives, bound in oilcloth against the damp.",
    "Today the Skerryvore logbooks are kept in an archive in Edinburgh and may be read by appointment.",
    "Readers must wear cotton gloves, and the logbooks of the storm years may only be photographed by staff.",
]


def test_windows_of_one_long_paragraph_come_back_as_one_passage(tmp_path, encoder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long_paragraph = " ".join(SKERRYVORE)
    assert len(long_paragraph) > 1200
    (corpus / "2014-01-01-skerryvore-logbooks.txt").write_text(
        "Skerryvore logbooks\n\n" + long_paragraph
        + "\n\nThe reading room opens from ten till four on weekdays.\n", encoding="utf-8")
    opened = Archive.open(corpus, tmp_path / "index", encoder=encoder)
    [document] = opened.stored.documents
    [paragraph] = [p for p in document.paragraphs if document.paragraph_text(p) == long_paragraph]
    windows = [p for p in opened.stored.passages if p.anchor == paragraph.anchor]
    assert len(windows) >= 2  # otherwise this test proves nothing

    for query in ("Skerryvore lighthouse keepers logbook", "lamp oil paraffin swell keepers logbook storm"):
        found = [(p.doc_id, p.anchor) for p in opened.search(query, k=10).passages]
        assert found.count((document.doc_id, paragraph.anchor)) == 1
        assert found[0] == (document.doc_id, paragraph.anchor)
        [hit] = [p for p in opened.search(query, k=10).passages if p.anchor == paragraph.anchor]
        assert hit.text == long_paragraph  # the whole paragraph, not a window of it


def test_long_paragraphs_of_the_archive_are_found_once(archive, documents):
    long_ones = sorted({(d.doc_id, a) for d in documents.values()
                        for a, n in Counter(x.anchor for x in passages_of(d)).items() if n > 1})
    assert (REPORT_DEC_2010, "B14") in long_ones
    for doc_id, anchor in long_ones:
        text = documents[doc_id].paragraph_text(documents[doc_id].paragraph(anchor))
        query = " ".join(text.split()[:40])
        found = [(p.doc_id, p.anchor) for p in archive.search(query, k=20).passages]
        assert found.count((doc_id, anchor)) == 1, (doc_id, anchor, found)


def test_every_passage_is_a_whole_paragraph_verbatim_with_its_citation_and_none_repeats(archive, documents):
    for row in eval_questions():
        found = archive.search(row["question"], k=20).passages
        assert len({(p.doc_id, p.anchor) for p in found}) == len(found), row["question"]
        for p in found:
            document = documents[p.doc_id]
            paragraph = document.paragraph(p.anchor)
            assert archive.document(p.doc_id).text[p.start : p.end] == p.text
            assert (p.start, p.end) == (paragraph.start, paragraph.end)
            assert p.citation == document.citation(paragraph) and p.citation.startswith(document.title)
            assert p.paragraph == paragraph.label


def test_results_are_ranked_best_first(archive):
    scores = [p.score for p in archive.search("Operation Paladin child victims", k=30).passages]
    assert scores == sorted(scores, reverse=True) and len(scores) == 30


# --- fusion is a pure function of two ranked lists -----------------------------------------

DENSE = [(1, 0.8), (2, 0.4)]
LEXICAL = [(2, 10.0), (3, 5.0)]


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = fuse(DENSE, LEXICAL, "rrf", weight=0.5, rrf_k=60)
    assert fused == pytest.approx({1: 0.5 / 61, 2: 0.5 / 62 + 0.5 / 61, 3: 0.5 / 62})
    assert max(fused, key=fused.get) == 2  # found by both lists


def test_rrf_weight_is_the_dense_share():
    fused = fuse(DENSE, LEXICAL, "rrf", weight=0.8, rrf_k=10)
    assert fused == pytest.approx({1: 0.8 / 11, 2: 0.8 / 12 + 0.2 / 11, 3: 0.2 / 12})


def test_convex_scales_each_list_by_its_maximum():
    fused = fuse(DENSE, LEXICAL, "convex", weight=0.5)
    assert fused == pytest.approx({1: 0.5, 2: 0.5 * 0.5 + 0.5 * 1.0, 3: 0.5 * 0.5})
    heavy = fuse(DENSE, LEXICAL, "convex", weight=1.0)
    assert heavy == pytest.approx({1: 1.0, 2: 0.5, 3: 0.0})


def test_convex_ignores_negative_scores_and_empty_lists():
    assert fuse([(7, -0.2), (8, 0.4)], [], "convex", weight=0.5) == pytest.approx({7: 0.0, 8: 0.5})
    assert fuse([], [], "convex") == {}
    assert fuse([], [], "rrf") == {}


def test_fuse_does_not_change_its_inputs_and_gives_the_same_answer_twice():
    dense, lexical = list(DENSE), list(LEXICAL)
    first = fuse(dense, lexical, "convex", 0.3)
    assert fuse(dense, lexical, "convex", 0.3) == first
    assert (dense, lexical) == (DENSE, LEXICAL)


def test_unknown_fusion_method_is_refused():
    with pytest.raises(ValueError, match="borda"):
        fuse(DENSE, LEXICAL, "borda")


# --- an approximate index, filtered --------------------------------------------------------


@pytest.fixture(scope="module")
def approximate(tmp_path_factory, built_index, encoder):
    """The archive indexed with HNSW (forced on by a threshold of 10 passages)."""
    index = seed_cache(built_index, tmp_path_factory.mktemp("hnsw") / "index")
    return Archive.open(CORPUS, index, encoder=encoder, approximate_above=10)


def exact_best(stored, query_vector, filters: Filters, k: int) -> list[tuple[str, str, float]]:
    """The true best paragraphs under `filters` by brute force over the stored passage vectors."""
    keep = Retriever(stored).allowed(filters)
    rows = np.arange(len(stored.passages)) if keep is None else np.flatnonzero(keep)
    scores = np.asarray(stored.passage_vectors)[rows] @ query_vector
    best: dict[tuple[str, str], float] = {}
    for i in np.argsort(-scores, kind="stable"):
        passage = stored.passages[rows[i]]
        best.setdefault((passage.doc_id, passage.anchor), float(scores[i]))
    return [(doc, anchor, score) for (doc, anchor), score in list(best.items())[:k]]


QUERIES = ["How many officers does Operation Swale have?", "which group is far more likely to be murdered?",
           "raids on brothels in the Olympic boroughs", "funding for the Human Trafficking Team"]
FILTERS = [Filters(doc_ids=(d,)) for d in sorted(ALL)] + [Filters(date_from="2012-03"), Filters(date_to="2009")]


def test_approximate_index_is_chosen_above_the_threshold(approximate):
    import faiss

    assert approximate.stored.manifest["store"]["type"] == "hnsw"
    assert not isinstance(approximate.stored.store.index, faiss.IndexFlat)


@pytest.mark.parametrize("subset_limit", [qa.stores.faiss_store.EXACT_SUBSET_LIMIT, 0],
                         ids=["exact-subset", "hnsw-bitmap-selector"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f"{f.doc_ids or ''}{f.date_from or ''}{f.date_to or ''}")
def test_filtered_search_on_approximate_index_returns_the_exact_best_passages(
        approximate, encoder, monkeypatch, subset_limit, filters):
    monkeypatch.setattr(qa.stores.faiss_store, "EXACT_SUBSET_LIMIT", subset_limit)
    retriever = Retriever(approximate.stored, method="dense")
    for query in QUERIES:
        vector = encoder.encode([query])[0]
        expected = exact_best(approximate.stored, vector, filters, k=10)
        hits = retriever.search(analyze(approximate.stored, query), vector, k=10, filters=filters)
        assert [(h.doc_id, h.anchor) for h in hits] == [(d, a) for d, a, _ in expected], query
        assert [h.score for h in hits] == pytest.approx([s for _, _, s in expected], abs=1e-4)


def test_unfiltered_search_on_approximate_index_returns_the_exact_best_passages(approximate, encoder):
    # A graph of a few hundred passages is small enough for HNSW to be exact when searched wide
    # enough for the candidates it is asked for; losing true best passages here means it is not.
    retriever = Retriever(approximate.stored, method="dense")
    for query in QUERIES:
        vector = encoder.encode([query])[0]
        expected = exact_best(approximate.stored, vector, Filters(), k=10)
        hits = retriever.search(analyze(approximate.stored, query), vector, k=10)
        assert [(h.doc_id, h.anchor) for h in hits] == [(d, a) for d, a, _ in expected], query


# --- paragraphs named in the query ---------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("What does paragraph 16 of the January 2010 report say?", [(REPORT_JAN_2010, "B16")]),
    ("para 22 of the July 2009 report", [(REPORT_2009, "B22")]),
    ("section C paragraph 7 of the December 2010 report", [(REPORT_DEC_2010, "C7")]),
    ("paragraph 7 of section C", [(REPORT_DEC_2010, "C7")]),
    ("What does §C ¶4 say?", [(REPORT_DEC_2010, "C4")]),
    ("footnote 4 of the 2010 report", [(REPORT_DEC_2010, "fn4")]),
    ("What does footnote 4 say?", [(REPORT_2009, "fn4"), (REPORT_DEC_2010, "fn4")]),
    ("What does paragraph 3 say?", []),  # four documents have one: too vague to put any first
    ("What did the commenter Livvy write?", [(BLOG, "c3-1")]),
    ("What did the second commenter praise the politician for?", [(BLOG, "c2-1")]),
    ("How many officers took part in the raid on Ross's massage parlour?", []),  # names Ross, not his comment
    ("How many officers were there in 2010?", []),
])
def test_references_in_a_query_name_the_archive_paragraphs(documents, query, expected):
    from qa.references import References

    assert sorted(References(documents.values()).cited(query)) == expected


def test_a_comment_named_by_number_brings_its_paragraphs_most_relevant_first(archive):
    query = "What does comment 1 say about tax?"
    hits = archive.answerer.passages(archive.analyzer.analyze(query), archive.encoder.encode([query])[0], 5)
    assert all(h.cited and h.doc_id == BLOG and h.anchor.startswith("c1-") for h in hits)
    assert "tax" in archive.paragraph(BLOG, hits[0].anchor).text


def test_a_paragraph_named_in_the_query_comes_first_unless_filtered_out(archive):
    query = "What does section C paragraph 7 of the December 2010 report say?"
    analysis = archive.analyzer.analyze(query)
    vector = archive.encoder.encode([query])[0]
    hits = archive.answerer.passages(analysis, vector, 5)
    assert (hits[0].doc_id, hits[0].anchor, hits[0].cited) == (REPORT_DEC_2010, "C7", True)
    assert sum(h.cited for h in hits) == 1 and len(hits) == 5
    assert [(h.doc_id, h.anchor) for h in archive.answerer.passages(analysis, vector, 1)] == [(REPORT_DEC_2010, "C7")]
    others = archive.answerer.passages(analysis, vector, 5, Filters(doc_ids=(BLOG,)))
    assert others and all(h.doc_id == BLOG and not h.cited for h in others)


def test_retrieval_ranks_by_its_scores_alone_and_leaves_named_paragraphs_to_the_answer_stage(archive):
    query = "What does section C paragraph 7 of the December 2010 report say?"
    analysis = archive.analyzer.analyze(query)
    assert analysis.named == ((REPORT_DEC_2010, "C7"),)
    hits = archive.retriever.search(analysis, archive.encoder.encode([query])[0], 10)
    assert not any(h.cited for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def analyze(stored, query):
    """A question analysed against `stored`'s documents with the neutral profile."""
    from qa.profile import Profile
    from qa.query import QueryAnalyzer

    return QueryAnalyzer(stored.documents, Profile.default()).analyze(query)
