"""The question analysed once (QueryAnalysis) and the sentence scorer seam (SentenceScorer)."""

from __future__ import annotations

import pytest

from conftest import REPORT_DEC_2010
from fixtures_archive import archive, built_index, encoder  # noqa: F401  (fixtures)
from qa.errors import ReaderError
from qa.profile import Profile
from qa.query import AnswerKind, QueryAnalyzer
from qa.scoring import Candidate, ReaderScorer, SentenceFeatures, SentenceScorer, WeightedScorer, Weights, load_scorer


@pytest.fixture(scope="module")
def neutral(archive):
    """The archive's documents read with the neutral profile: no vocabulary of this archive."""
    return QueryAnalyzer(archive.stored.documents, Profile.default())


@pytest.mark.parametrize(("question", "kind"), [
    ("How many officers does the unit have?", AnswerKind.AMOUNT),
    ("When was the command formed?", AnswerKind.TIME),
    ("Who wrote the report?", AnswerKind.AUTHOR),
    ("Who leads the team?", AnswerKind.PERSON),
    ("Which country do most victims come from?", AnswerKind.PLACE),
    ("What is the Poppy Project?", AnswerKind.DEFINITION),
    ("Describe the funding cuts", None),
])
def test_the_kind_of_answer_is_read_from_how_the_question_opens(neutral, question, kind):
    assert neutral.analyze(question).kind is kind


def test_a_follow_up_is_searched_with_the_question_before_it_and_a_new_subject_alone(neutral):
    follow_up = neutral.analyze("How many staff does it have?", ["What is the Poppy Project?"])
    assert follow_up.question == "How many staff does it have?"
    assert follow_up.searched == "What is the Poppy Project? How many staff does it have?"
    assert set(follow_up.tokens) >= {"poppi", "staff"}
    fresh = neutral.analyze("How many staff does the Poppy Project have?", ["Who wrote the report?"])
    assert fresh.searched == "How many staff does the Poppy Project have?"


def test_referring_nouns_and_titles_come_from_the_profile(archive, neutral):
    # "the unit" refers back only where the archive's profile says it is such a noun.
    assert archive.analyzer.analyze("How big is the unit", ["What is Operation Paladin?"]).searched.startswith("What is")
    assert neutral.analyze("How big is the unit today", ["What is Operation Paladin?"]).searched == "How big is the unit today"
    # A rank before a name marks a person only where the profile lists the rank.
    who = "Who leads the team?"
    assert archive.analyzer.analyze(who).expects.search("DCS Smith")
    assert not neutral.analyze(who).expects.search("led by DCS the unit")


def test_named_paragraphs_are_part_of_the_analysis(archive):
    analysis = archive.analyzer.analyze("What does section C paragraph 7 of the December 2010 report say?")
    assert analysis.named == ((REPORT_DEC_2010, "C7"),)


def test_spelling_variants_of_the_profile_make_one_search_token(archive, neutral):
    joined = archive.analyzer.analyze("When was SCD 9 set up?").tokens
    assert "scd9" in joined
    assert "scd9" not in neutral.analyze("When was SCD 9 set up?").tokens


def _candidate(**features) -> Candidate:
    values = {"dense": 0.5, "lexical": 0.5, "passage": 1.0, "answer_type": 0.0, "counted": 0.0, "cited": 0.0,
              "unfinished": False, "unmatched_number": False, **features}
    return Candidate(0, 0, "d", "p1", "A sentence.", "", "", "Title", SentenceFeatures(**values))


def test_the_weighted_scorer_is_a_weighted_sum_with_penalties(neutral):
    weights = Weights()
    scorer = WeightedScorer(weights)
    assert isinstance(scorer, SentenceScorer)
    analysis = neutral.analyze("How many officers?")
    plain, typed, unfinished, unmatched = scorer.score(analysis, [
        _candidate(), _candidate(answer_type=1.0), _candidate(unfinished=True), _candidate(unmatched_number=True)])
    expected = 0.5 * weights.dense + 0.5 * weights.lexical + 1.0 * weights.passage
    assert plain == pytest.approx(expected)
    assert typed == pytest.approx(expected + weights.answer_type)
    assert unfinished == pytest.approx(expected * weights.unfinished_penalty)
    assert unmatched == pytest.approx(expected * weights.unmatched_number_penalty)
    assert scorer.score(analysis, []).shape == (0,)


def test_candidates_carry_their_text_in_place_and_their_neighbours(archive):
    analysis = archive.analyzer.analyze("How many police officers are in the Human Trafficking Team?")
    hits, candidates = archive.answerer.candidates(analysis, archive.encoder.encode([analysis.searched])[0])
    assert hits and candidates
    texts = {d.doc_id: d.text for d in archive.stored.documents}
    for c in candidates:
        head, tail = archive.stored.sentences[c.first], archive.stored.sentences[c.last]
        assert c.text == texts[c.doc_id][head.start : tail.end]
        assert c.heading.startswith(next(d.title for d in archive.stored.documents if d.doc_id == c.doc_id))
        assert c.before == "" or c.before in texts[c.doc_id]


def test_a_candidate_is_read_with_its_neighbours_across_paragraph_edges(archive):
    # The paragraph of "There is a group … 12 times more likely to be murdered" ends "… than the national
    # average."; the next one opens with "The group referred to are sex workers": read as its context.
    analysis = archive.analyzer.analyze("Which group is far more likely to be murdered?")
    _, candidates = archive.answerer.candidates(analysis, archive.encoder.encode([analysis.searched])[0])
    pointed = next(c for c in candidates if c.text.startswith("However this group often distrusts the police"))
    assert pointed.after.startswith("The group referred to are sex workers")
    sentences = archive.stored.sentences
    openers = [c for c in candidates if c.first == min(i for i, s in enumerate(sentences)
                                                          if (s.doc_id, s.anchor) == (c.doc_id, c.anchor))]
    earlier = [c for c in openers if any(s.doc_id == c.doc_id and s.start < sentences[c.first].start for s in sentences)]
    assert earlier and all(c.before for c in earlier)  # a paragraph's first sentence, read after the previous one's last


def test_the_archive_says_which_scorer_answers(archive):
    assert archive.health().scorer == archive.answerer.scorer.name
    assert archive.with_scorer(WeightedScorer()).health().scorer == "weighted"


def test_no_reader_is_the_hand_weighted_scorer():
    assert isinstance(load_scorer("none"), WeightedScorer)


def test_a_missing_reader_is_a_clear_error_naming_its_folder(tmp_path):
    with pytest.raises(ReaderError, match="reader.json is missing"):
        load_scorer(str(tmp_path / "no-reader"))


def test_the_reader_scorer_rejects_a_blend_outside_zero_to_one():
    with pytest.raises(ValueError, match="blend"):
        ReaderScorer(reader=None, abstain_below=0.5, blend=1.5)  # type: ignore[arg-type]


def test_the_paragraph_of_the_best_sentence_comes_first_among_those_read(archive):
    question = "How many police officers are in the Human Trafficking Team?"
    read = archive.answerer.settings.paragraphs_read
    answer = archive.ask(question, k=read)
    assert (answer.passages[0].doc_id, answer.passages[0].anchor) == (answer.quotes[0].doc_id, answer.quotes[0].anchor)
    # The same paragraphs as retrieval found, in another order.
    analysis = archive.analyzer.analyze(question)
    retrieved = archive.answerer.passages(analysis, archive.encoder.encode([question])[0], read)
    assert {(p.doc_id, p.anchor) for p in answer.passages} == {(h.doc_id, h.anchor) for h in retrieved}
