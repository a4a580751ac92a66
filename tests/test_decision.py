"""The learned decision: SQuAD 2.0 questions mapped onto the SQuAD archive, the scorer that reads the
reader's logit beside the hand features, its file checked like the weights, and the refusal threshold."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import SHARED
from fixtures_archive import archive, built_index, encoder  # noqa: F401  (fixtures)
from test_reader import weights_dir  # noqa: F401  (a real, untrained reader exported as training exports)
from qa.errors import ReaderError
from qa.evaluation import file_blocks, normalise
from qa.reader.data import load_split
from qa.reader.decision import squad2_questions
from qa.reader.evaluate import refusal_threshold
from qa.reader.model import MANIFEST, Reader, write_manifest
from qa.scoring import DECISION_FEATURES, DECISION_FILE, Decision, LearnedScorer, WeightedScorer, load_scorer

READER_DATA = SHARED / "external" / "reader"
SQUAD = SHARED / "external" / "squad" / "corpus"
ONLY_DENSE = Decision(tuple(8.0 if name == "dense" else 0.0 for name in DECISION_FEATURES), -4.0, 0.5, shortlist=3)


@pytest.mark.shared("external/reader")
@pytest.mark.shared("external/squad")
def test_squad2_questions_land_on_the_archive_paragraph_that_holds_their_answer():
    questions = squad2_questions(READER_DATA, SQUAD, set(load_split()["calibration"]))
    answerable = [q for q in questions if q.answers]
    assert answerable and len(answerable) < len(questions)  # SQuAD 2.0: unanswerable ones too, with no gold
    assert all(q.gold is None for q in questions if not q.answers)
    texts = {path.name: path.read_text(encoding="utf-8") for path in SQUAD.glob("*.txt")}
    for q in answerable:
        name, number = q.gold
        start, end = file_blocks(texts[name])[number]
        assert any(normalise(a) in normalise(texts[name][start:end]) for a in q.answers), q.question


def test_the_learned_scorer_weighs_the_shortlist_by_its_fitted_coefficients(archive, weights_dir):
    scorer = LearnedScorer(Reader.load(weights_dir), ONLY_DENSE)
    analysis = archive.analyzer.analyze("Which group is far more likely to be murdered?")
    _, candidates = archive.answerer.candidates(analysis, archive.encoder.encode([analysis.searched])[0])
    scores = scorer.score(analysis, candidates)
    hand = WeightedScorer().score(analysis, candidates)
    shortlisted = np.argsort(-hand, kind="stable")[:3]
    expected = 1 / (1 + np.exp(-(8.0 * np.array([candidates[i].features.dense for i in shortlisted]) - 4.0)))
    assert scores[shortlisted] == pytest.approx(expected)
    assert np.count_nonzero(scores) == 3


def test_a_reader_folder_with_a_decision_loads_as_the_learned_scorer_and_its_file_is_checked(weights_dir, tmp_path):
    folder = shutil.copytree(weights_dir, tmp_path / "reader")
    (folder / DECISION_FILE).write_text(json.dumps(ONLY_DENSE.to_json()), encoding="utf-8")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest.pop("files")
    write_manifest(folder, manifest)
    scorer = load_scorer(str(folder))
    assert isinstance(scorer, LearnedScorer) and scorer.abstain_below == 0.5
    (folder / DECISION_FILE).write_text(json.dumps({**ONLY_DENSE.to_json(), "abstain_below": 0.0}), encoding="utf-8")
    with pytest.raises(ReaderError, match="decision.json does not match its sha256"):
        load_scorer(str(folder))


def test_a_decision_fitted_on_other_features_is_refused(tmp_path):
    path = tmp_path / DECISION_FILE
    path.write_text(json.dumps({**ONLY_DENSE.to_json(), "features": ["reader", "dense"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="fit it again"):
        Decision.load(path)


def test_the_refusal_threshold_refuses_at_most_five_percent_of_the_answerable():
    rng = np.random.default_rng(0)
    best = np.r_[rng.uniform(0.3, 1.0, 400), rng.uniform(0.0, 0.5, 200)]
    answerable = np.r_[np.ones(400, bool), np.zeros(200, bool)]
    threshold = refusal_threshold(best[answerable])
    assert np.mean(best[answerable] < threshold) <= 0.05
    assert np.mean(best[answerable] < np.nextafter(threshold, 1.0)) > 0.045  # the highest such threshold


def test_the_learned_scorers_further_quotes_are_not_cut_at_the_hand_weights_ratio(archive, weights_dir):
    # Probabilities lie far apart: the best shortlisted candidates are quoted, not only those within 0.7 of the best.
    learned = archive.with_scorer(LearnedScorer(Reader.load(weights_dir), ONLY_DENSE))
    answer = learned.ask("Which group is far more likely to be murdered?")
    assert answer.answered and len(answer.quotes) >= 2
    scores = [q.score for q in answer.quotes]
    assert scores == sorted(scores, reverse=True) and min(scores) < 0.7 * max(scores)
