"""read_pdf over the external PDF robustness corpus (../shared/external/pdfs beside the repository).

Every good file yields text and page-numbered blocks; every bad file either loads or fails
with one line naming the file and the reason. Nothing else escapes, nothing hangs.
"""

from __future__ import annotations

import csv
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import SHARED
from qa.documents.blocks import Block
from qa.documents.pdf import read_pdf
from qa.errors import DocumentError

CORPUS = SHARED / "external" / "pdfs"
# Generous: the machine may be shared (the 20 s default is exercised in test_pdf.py).
PER_FILE_TIMEOUT = 60.0

pytestmark = [
    pytest.mark.shared("external/pdfs"),
    pytest.mark.slow,  # 159 files, each parsed in a child process
    # Each file has its own time limit in the child; this only guards the whole run.
    pytest.mark.timeout(900),
]


def _files(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*")) if CORPUS.is_dir() else []


GOOD = _files("good")
BAD = _files("bad")


@dataclass(frozen=True)
class Outcome:
    text: str | None = None
    blocks: list[Block] | None = None
    error: DocumentError | None = None
    escaped: BaseException | None = None
    seconds: float = 0.0


def _load(path: Path) -> Outcome:
    started = time.monotonic()
    try:
        text, blocks = read_pdf(path, timeout=PER_FILE_TIMEOUT)
        return Outcome(text=text, blocks=blocks, seconds=time.monotonic() - started)
    except DocumentError as exc:
        return Outcome(error=exc, seconds=time.monotonic() - started)
    except BaseException as exc:  # noqa: BLE001  (the test reports what escaped)
        return Outcome(escaped=exc, seconds=time.monotonic() - started)


@pytest.fixture(scope="module")
def outcomes() -> dict[Path, Outcome]:
    # Two at a time: each call is already a child process with its own limits.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(GOOD + BAD, pool.map(_load, GOOD + BAD)))


def _assert_well_formed(path: Path, outcome: Outcome, pages: int | None = None) -> None:
    text, blocks = outcome.text, outcome.blocks
    assert text and text.strip() and blocks, path.name
    for block in blocks:
        span = text[block.start : block.end]
        assert span and span == span.strip()
        assert block.page is not None and block.page >= 1
        if pages is not None:
            assert block.page <= pages
    assert [b.page for b in blocks] == sorted(b.page for b in blocks)


def test_corpus_index_lists_every_file() -> None:
    with open(CORPUS / "index.tsv", newline="", encoding="utf-8") as handle:
        index = {(row["class"], row["file"]) for row in csv.DictReader(handle, delimiter="\t")}
    on_disk = {(path.parent.name, path.name) for path in GOOD + BAD}
    assert on_disk == index
    assert len(GOOD) == 52 and len(BAD) == 107


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_file_yields_text_with_page_numbers(outcomes: dict[Path, Outcome], path: Path) -> None:
    outcome = outcomes[path]
    assert outcome.escaped is None, repr(outcome.escaped)
    assert outcome.error is None, str(outcome.error)
    _assert_well_formed(path, outcome, pages=len(PdfReader(path).pages))


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_file_loads_or_fails_in_one_line(outcomes: dict[Path, Outcome], path: Path) -> None:
    outcome = outcomes[path]
    assert outcome.escaped is None, repr(outcome.escaped)
    if outcome.error is None:
        _assert_well_formed(path, outcome)
        return
    message = str(outcome.error)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message and "\r" not in message
    assert outcome.error.reason.strip() and len(outcome.error.reason) <= 200


def test_no_file_outlives_its_time_limit(outcomes: dict[Path, Outcome]) -> None:
    slowest = max(outcomes, key=lambda path: outcomes[path].seconds)
    assert outcomes[slowest].seconds < PER_FILE_TIMEOUT + 5, slowest.name
