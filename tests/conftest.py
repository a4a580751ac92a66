"""Shared fixtures: the real corpus, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"

REPORT_2009 = "2009-07-16-womens-safety-olympics"
REPORT_JAN_2010 = "2010-01-28-mps-human-trafficking-response"
REPORT_DEC_2010 = "2010-12-09-scd9-first-six-months"
BOFF_SUMMARY = "2012-03-boff-report-executive-summary"
BLOG = "2012-03-20-blog-boff-report"


@pytest.fixture(scope="session")
def corpus_load():
    from qa.documents import load_corpus

    return load_corpus(CORPUS)


@pytest.fixture(scope="session")
def documents(corpus_load):
    """The archive's documents by id."""
    return {d.doc_id: d for d in corpus_load.documents}
