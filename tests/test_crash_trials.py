"""Crash trials: `qa index` SIGKILLed at many points of a full build and of an incremental update.

Each trial kills a real `python -m qa.cli index` child at a point tied to its progress output
(see `kill_points`), then checks what a user would meet next: the live generation holds one
whole state of the corpus (the one before the run, or the one after it, never a mix), `qa verify`
passes against that state's files, `Archive.open` answers a fixed set of questions exactly as a
clean build of that state does, without rebuilding; the next trial's run is the rerun of
what the kill left. A last run goes to the end. Two small documents keep a run near 10 s;
QA_CRASH_KILLS raises the number of kills per trial (default 20).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOG, BOFF_SUMMARY, CORPUS
from fixtures_archive import encoder  # noqa: F401  (a fixture)
from kill_points import Run, run_index, spread_points
from qa.archive import Archive
from qa.cli import main
from qa.errors import IndexMissing
from qa.scoring import load_scorer
from qa.store import read_manifest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # about 20 child processes per trial; 27 min at load 12+

KILLS = int(os.environ.get("QA_CRASH_KILLS", "20"))
KEPT = (f"{BLOG}.txt", f"{BOFF_SUMMARY}.txt", "catalog.json", "profile.toml")
NEW_FILE = "2013-05-02-river-patrol-notes.txt"
NEW_TEXT = """River patrol notes

Operation Kingfisher placed two marine policing boats on the Thames between Wapping and Greenwich. The crews checked moored houseboats for signs of forced labour.

A review of Operation Kingfisher is due in the autumn. It will report on the cost of the boats and the number of houseboats visited.
"""
APPENDED = ("\n\nAddendum: the Zanzibar liaison desk opened in April with three caseworkers. "
            "It answers calls from hotel staff about suspected exploitation.\n")
QUESTIONS = ("How much more likely are sex workers to be murdered?", "What does the Zanzibar liaison desk answer?",
             "Where did the Kingfisher boats patrol?")


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> dict[str, Path]:
    """Two versions of a small corpus: "A", and "B" with one document changed and one added."""
    root = tmp_path_factory.mktemp("crash-corpora")
    a, b = root / "A", root / "B"
    for folder in (a, b):
        folder.mkdir()
        for name in KEPT:
            shutil.copyfile(CORPUS / name, folder / name)
    with open(b / f"{BLOG}.txt", "a", encoding="utf-8") as out:
        out.write(APPENDED)
    (b / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    return {"A": a, "B": b}


@pytest.fixture(scope="module")
def scorer():
    from qa import config

    return load_scorer(config.reader_choice(None))


def answers(corpus: Path, index: Path, encoder, scorer) -> list[dict]:
    """The answers to QUESTIONS from `index` as it stands, which must be up to date for `corpus`."""
    archive = Archive.open(corpus, index, encoder=encoder, scorer=scorer)
    assert not archive.refresh.rebuilt, f"opening rebuilt the index: {archive.refresh.reason}"
    return [{k: v for k, v in dataclasses.asdict(archive.ask(q)).items() if k != "took_ms"} for q in QUESTIONS]


def live_state(index: Path, states: dict[str, Path]) -> str | None:
    """Which corpus state the live generation indexes: by the sha256 of every document it holds."""
    try:
        manifest = read_manifest(index)
    except IndexMissing:
        return None
    held = {entry["file"]: entry["sha256"] for entry in manifest["documents"].values()}
    for name, folder in states.items():
        if held == _hashes(folder):
            return name
    raise AssertionError(f"the live generation holds a mix of states: {json.dumps(held, indent=1)}")


def _hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.name not in ("catalog.json", "profile.toml")}


class Trials:
    """Checks after each run, and the tally: kills, and which state each kill left live."""

    def __init__(self, index: Path, states: dict[str, Path], encoder, scorer):
        self.index, self.states, self.encoder, self.scorer = index, states, encoder, scorer
        self.expected: dict[str, list[dict]] = {}
        self.outcomes: list[str] = []

    def baseline(self, state: str) -> None:
        self.expected[state] = answers(self.states[state], self.index, self.encoder, self.scorer)

    def check(self, run: Run, point, before: str) -> str:
        state = live_state(self.index, self.states)
        assert state is not None, f"kill at {point} left no live index: {run.output()}"
        verified = CliRunner().invoke(main, ["verify", "--corpus", str(self.states[state]), "--index", str(self.index)])
        assert verified.exit_code == 0, f"kill at {point}: qa verify failed: {verified.output}"
        assert answers(self.states[state], self.index, self.encoder, self.scorer) == self.expected[state], (
            f"kill at {point}: answers differ from a clean build of state {state}")
        self.outcomes.append(f"{'killed' if run.killed else 'finished'} {before}->{state}")
        return state

    def finish(self) -> None:
        generations = [p.name for p in self.index.iterdir() if p.is_dir() and "gen-" in p.name]
        assert not [g for g in generations if g.endswith(".partial")], generations
        assert len(generations) <= 2, generations
        kills = sum(o.startswith("killed") for o in self.outcomes)
        summary = {o: self.outcomes.count(o) for o in sorted(set(self.outcomes))}
        print(f"\n{kills} kills survived; outcomes {summary}")
        assert kills >= KILLS - 2, f"only {kills} of {KILLS} points came before the run ended: {summary}"


def test_full_build_killed_anywhere_leaves_the_old_index_whole(tmp_path, states, encoder, scorer):
    index = tmp_path / "index"
    reference = run_index(states["A"], index)
    assert reference.returncode == 0, reference.output()
    trials = Trials(index, states, encoder, scorer)
    trials.baseline("A")
    for point in spread_points(reference, KILLS):
        shutil.rmtree(index / "cache")  # nothing cached: every text is embedded again
        run = run_index(states["A"], index, "--force", kill=point)
        assert run.killed or run.returncode == 0, run.output()
        trials.check(run, point, "A")
    final = run_index(states["A"], index, "--force")
    assert final.returncode == 0, final.output()
    trials.check(final, "none", "A")
    trials.finish()


def test_incremental_update_killed_anywhere_leaves_one_whole_state_live(tmp_path, states, encoder, scorer):
    index = tmp_path / "index"
    assert run_index(states["A"], index).returncode == 0
    trials = Trials(index, states, encoder, scorer)
    trials.baseline("A")
    reference = run_index(states["B"], index)  # a clean update: one document changed, one added
    assert reference.returncode == 0, reference.output()
    trials.baseline("B")
    live = "B"
    for point in spread_points(reference, KILLS):
        target = "A" if live == "B" else "B"  # every run is an update, one way or the other
        run = run_index(states[target], index, kill=point)
        assert run.killed or run.returncode == 0, run.output()
        live = trials.check(run, point, live)
    target = "A" if live == "B" else "B"
    final = run_index(states[target], index)
    assert final.returncode == 0, final.output()
    assert trials.check(final, "none", live) == target
    trials.finish()
