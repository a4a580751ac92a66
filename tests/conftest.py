"""Shared fixtures: the real corpus, loaded once per test session; the `shared` marker.

The tests run on what the repository holds (`corpus/`, `eval/`). A few also use the team's
shared data beside the repository (`../shared`: the archive as received, the dev set, the
external PDF corpus); they carry `@pytest.mark.shared("path/under/shared")` and are skipped,
with the missing path named, where it is not there (a fresh clone).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.runtime import QUERY_THREADS, configure

# As the server does, on one thread: the tests are mostly queries (see QUERY_THREADS); on a busy
# machine even the session's index build is quicker so (12 s against 14-17 s with two threads).
configure(threads=QUERY_THREADS)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
SHARED = ROOT.parent / "shared"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"

REPORT_2009 = "2009-07-16-womens-safety-olympics"
REPORT_JAN_2010 = "2010-01-28-mps-human-trafficking-response"
REPORT_DEC_2010 = "2010-12-09-scd9-first-six-months"
BOFF_SUMMARY = "2012-03-boff-report-executive-summary"
BLOG = "2012-03-20-blog-boff-report"


def eval_files() -> tuple[Path, ...]:
    """The project's eval set, and the shared dev set too where it is beside the repository."""
    return (QUESTIONS, DEV_QUESTIONS) if DEV_QUESTIONS.is_file() else (QUESTIONS,)


def pytest_collection_modifyitems(config, items) -> None:
    """Skip a test marked `shared(path)` when `../shared/<path>` is missing, naming it."""
    for item in items:
        for mark in list(item.iter_markers("shared")):  # a list: the skip is added to the same markers
            if len(mark.args) != 1:
                raise pytest.UsageError(f"{item.nodeid}: shared() takes one path under ../shared, got {mark.args}")
            path = SHARED / mark.args[0]
            if not path.exists():
                reason = f"needs ../shared/{mark.args[0]} beside the repository ({path} is missing)"
                # First, so that its reason is the one reported (over "got empty parameter set").
                item.add_marker(pytest.mark.skip(reason=reason), append=False)
                break


@pytest.fixture(scope="session")
def corpus_load():
    from qa.documents import load_corpus

    return load_corpus(CORPUS)


@pytest.fixture(scope="session")
def documents(corpus_load):
    """The archive's documents by id."""
    return {d.doc_id: d for d in corpus_load.documents}
