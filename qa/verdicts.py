"""Reviewers' verdicts on quotes, kept in SQLite beside the index (`<index>/verdicts.sqlite3`).

The database lives in the index folder, not in a generation folder, so it outlives every rebuild.
One connection a process and a lock around it make one writer; WAL lets a `qa verdicts export`
read while the server writes. A verdict is checked against the archive when it is given (the
document and paragraph exist, the text is verbatim at its offsets), and what it expects of a
future answer (the accepted quote, or the paragraph the reviewer named) is stored with it then,
so that exporting needs neither the model nor the index.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal

from .chunking import split_sentences
from .errors import NotFound, QAError, QueryError
from .evaluation import normalise

__all__ = ["DATABASE", "SCHEMA_VERSION", "VerdictDraft", "Verdict", "Expectation", "VerdictStore", "open_store",
           "expectation", "export_lines", "agreement"]

DATABASE = "verdicts.sqlite3"
SCHEMA_VERSION = 1
# Read by pydantic (and so FastAPI) when it builds a schema, as in qa.results.
_DOCSTRINGS = {"use_attribute_docstrings": True}

Judgement = Literal["answers", "does_not_answer"]


@dataclass(frozen=True)
class VerdictDraft:
    """What a reviewer sends: a quote as the API gave it, and whether it answers the question."""

    question: str
    doc_id: str
    anchor: str
    start: int
    end: int
    text: str
    verdict: Judgement
    right_doc_id: str | None = None
    right_anchor: str | None = None
    reviewer: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A stored verdict: a reviewer's judgement of one quote for one question."""

    __pydantic_config__ = _DOCSTRINGS

    id: int
    created_at: str
    """When it was recorded, UTC, ISO 8601."""
    question: str
    doc_id: str
    anchor: str
    start: int
    end: int
    text: str
    """The quote judged: verbatim document.text[start:end] when the verdict was given."""
    sha256: str
    """The document's content hash when the verdict was given."""
    verdict: Judgement
    """`answers`: the quote answers the question; `does_not_answer`: it does not."""
    right_doc_id: str | None
    """The document of the paragraph that does answer, when the reviewer named one."""
    right_anchor: str | None
    """The paragraph that does answer, when the reviewer named one."""
    reviewer: str | None
    note: str | None


@dataclass(frozen=True)
class Expectation:
    """What a verdict expects of an answer: the words it should quote, in which paragraph and file."""

    doc_id: str
    anchor: str
    snippet: str
    file: str


_COLUMNS = ("id", "created_at", "question", "doc_id", "anchor", "start", "end", "text", "sha256", "verdict",
            "right_doc_id", "right_anchor", "reviewer", "note")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    anchor TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('answers', 'does_not_answer')),
    right_doc_id TEXT,
    right_anchor TEXT,
    reviewer TEXT,
    note TEXT,
    expect_doc_id TEXT,
    expect_anchor TEXT,
    expect_snippet TEXT,
    expect_file TEXT
);
"""


class VerdictStore:
    """The verdicts database of one index folder; thread-safe (one connection, one lock)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        except sqlite3.Error as exc:
            raise QAError(f"{path}: verdicts database unusable ({exc})") from exc
        try:
            self.journal_mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            with self._db:
                self._db.executescript(_SCHEMA)
                found = self._db.execute("SELECT version FROM schema_version").fetchone()
                if found is None:
                    self._db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            if found is not None and found[0] != SCHEMA_VERSION:
                raise QAError(f"{path}: verdicts schema version {found[0]}, this program reads {SCHEMA_VERSION}")
        except QAError:
            self._db.close()
            raise
        except sqlite3.Error as exc:
            self._db.close()
            raise QAError(f"{path}: verdicts database unusable ({exc})") from exc

    def add(self, draft: VerdictDraft, sha256: str, expected: Expectation | None) -> Verdict:
        created = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        row = (created, draft.question, draft.doc_id, draft.anchor, draft.start, draft.end, draft.text, sha256,
               draft.verdict, draft.right_doc_id, draft.right_anchor, draft.reviewer, draft.note,
               *((expected.doc_id, expected.anchor, expected.snippet, expected.file) if expected else (None,) * 4))
        with self._lock, self._db:
            cursor = self._db.execute(
                'INSERT INTO verdicts (created_at, question, doc_id, anchor, start, "end", text, sha256, verdict, '
                "right_doc_id, right_anchor, reviewer, note, expect_doc_id, expect_anchor, expect_snippet, "
                "expect_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            return Verdict(cursor.lastrowid, *row[:13])

    def newest(self, limit: int, offset: int = 0) -> list[Verdict]:
        """Newest first."""
        return [verdict for verdict, _ in self._rows("ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))]

    def all(self) -> list[tuple[Verdict, Expectation | None]]:
        """Every verdict, oldest first, with what it expects of an answer."""
        return list(self._rows("ORDER BY id", ()))

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM verdicts").fetchone()[0]

    def _rows(self, tail: str, parameters: tuple) -> Iterator[tuple[Verdict, Expectation | None]]:
        columns = ", ".join(f'"{c}"' for c in _COLUMNS)
        with self._lock:
            rows = self._db.execute(f"SELECT {columns}, expect_doc_id, expect_anchor, expect_snippet, expect_file "
                                    f"FROM verdicts {tail}", parameters).fetchall()
        for row in rows:
            verdict = Verdict(*row[: len(_COLUMNS)])
            expected = Expectation(*row[len(_COLUMNS):]) if row[len(_COLUMNS)] is not None else None
            yield verdict, expected

    def close(self) -> None:
        with self._lock:
            self._db.close()


_STORES: dict[Path, VerdictStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(index_dir: Path) -> VerdictStore:
    """The one store of `index_dir` in this process (opened on first use)."""
    path = (index_dir / DATABASE).resolve()
    with _STORES_LOCK:
        if path not in _STORES:
            _STORES[path] = VerdictStore(path)
        return _STORES[path]


def expectation(archive: Any, draft: VerdictDraft) -> tuple[str, Expectation | None]:
    """Check `draft` against `archive` (QueryError naming the field if it does not hold); return the
    document's sha256 and what the verdict expects of an answer (None: a rejection naming no paragraph).

    The expected words are the accepted quote, or the first sentence of the paragraph the reviewer named.
    """
    document = _document(archive, draft.doc_id, "doc_id")
    paragraph = _paragraph(document, draft.anchor, "anchor")
    if not (0 <= draft.start < draft.end <= len(document.text)):
        raise QueryError(f"start, end: {draft.start}-{draft.end} is not a span of document {draft.doc_id!r} "
                         f"(0-{len(document.text)})")
    if not (paragraph.start <= draft.start and draft.end <= paragraph.end):
        raise QueryError(f"start, end: {draft.start}-{draft.end} is not inside paragraph {draft.anchor!r} "
                         f"({paragraph.start}-{paragraph.end})")
    if document.text[draft.start : draft.end] != draft.text:
        raise QueryError(f"text is not verbatim at start:end {draft.start}-{draft.end} of {draft.doc_id!r}; "
                         "send the quote's text, start and end as the API gave them (POST /api/verify re-finds moved ones)")
    named = draft.right_doc_id is not None or draft.right_anchor is not None
    if named and draft.verdict == "answers":
        raise QueryError("right_anchor: only a does_not_answer verdict names the right paragraph")
    if draft.verdict == "answers":
        return document.sha256, Expectation(draft.doc_id, draft.anchor, draft.text, document.file)
    if not named:
        return document.sha256, None
    if draft.right_anchor is None:
        raise QueryError("right_anchor is required with right_doc_id: the paragraph that answers")
    right_document = _document(archive, draft.right_doc_id or draft.doc_id, "right_doc_id")
    right = _paragraph(right_document, draft.right_anchor, "right_anchor")
    start, end = split_sentences(right_document.text, right.start, right.end)[0]
    return document.sha256, Expectation(right_document.doc_id, right.anchor, right_document.text[start:end],
                                        right_document.file)


def _document(archive: Any, doc_id: str, field: str) -> Any:
    try:
        return archive.document(doc_id)
    except NotFound:
        raise QueryError(f"{field}: no document {doc_id!r}; GET /api/documents lists them") from None


def _paragraph(document: Any, anchor: str, field: str) -> Any:
    found = next((p for p in document.paragraphs if p.anchor == anchor), None)
    if found is None:
        raise QueryError(f"{field}: document {document.doc_id!r} has no paragraph {anchor!r}")
    return found


def _latest(store: VerdictStore) -> list[tuple[Verdict, Expectation | None]]:
    """The newest verdict on each (question, quote): a reviewer may change their mind."""
    latest: dict[tuple, tuple[Verdict, Expectation | None]] = {}
    for verdict, expected in store.all():
        latest[(normalise(verdict.question), verdict.doc_id, verdict.start, verdict.end, verdict.text)] = (verdict, expected)
    return sorted(latest.values(), key=lambda pair: pair[0].id)


def export_lines(store: VerdictStore) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Eval questions (eval/questions.jsonl's format) from the verdicts, and counts of what was left out.

    One line per distinct (question, expected words): an accepted quote is expected as it stands;
    a rejected quote with the right paragraph named expects that paragraph's first sentence. A
    rejection naming no paragraph is skipped: it says what is wrong, not what is right (and not that
    the archive cannot answer). A verdict superseded by a newer one on the same quote is skipped too.
    """
    latest = _latest(store)
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    skipped = {"superseded": store.count() - len(latest), "rejected_without_right_paragraph": 0, "duplicates": 0}
    for verdict, expected in latest:
        if expected is None:
            skipped["rejected_without_right_paragraph"] += 1
            continue
        key = (normalise(verdict.question), normalise(expected.snippet))
        if key in lines:
            skipped["duplicates"] += 1
            continue
        lines[key] = {"id": f"verdict-{verdict.id}", "question": verdict.question,
                      "expect": {"snippet": expected.snippet, "answer": expected.snippet},
                      "kind": "verdict", "doc": expected.file}
    return list(lines.values()), skipped


def agreement(archive: Any, store: VerdictStore) -> dict[str, Any]:
    """How the archive's top quote now agrees with the reviewers, over the questions they judged.

    `top_accepted`: share of questions with an accepted quote or named paragraph whose top quote is
    one of them (same paragraph, and for a quote the same words, one within the other);
    `top_not_rejected`: share of questions with a rejected quote whose top quote is none of those.
    """
    by_question: dict[str, dict[str, Any]] = {}
    for verdict, expected in _latest(store):
        entry = by_question.setdefault(normalise(verdict.question), {"question": verdict.question,
                                                                     "accepted": [], "rejected": []})
        if expected is not None:  # a named paragraph (on a rejection) is accepted whatever its words quoted
            entry["accepted"].append((expected, verdict.verdict == "does_not_answer"))
        if verdict.verdict == "does_not_answer":
            entry["rejected"].append(Expectation(verdict.doc_id, verdict.anchor, verdict.text, ""))
    accepted_total = accepted_hits = rejected_total = rejected_avoided = 0
    for entry in by_question.values():
        result = archive.ask(entry["question"])
        top = result.quotes[0] if result.quotes else None
        if entry["accepted"]:
            accepted_total += 1
            accepted_hits += any(_same(top, e, whole_paragraph) for e, whole_paragraph in entry["accepted"])
        if entry["rejected"]:
            rejected_total += 1
            rejected_avoided += not any(_same(top, e) for e in entry["rejected"])
    return {"verdict_questions": len(by_question),
            "top_accepted": round(accepted_hits / accepted_total, 3) if accepted_total else None,
            "top_not_rejected": round(rejected_avoided / rejected_total, 3) if rejected_total else None}


def _same(top: Any, expected: Expectation, whole_paragraph: bool = False) -> bool:
    if top is None or (top.doc_id, top.anchor) != (expected.doc_id, expected.anchor):
        return False
    if whole_paragraph:
        return True
    mine, theirs = normalise(top.text), normalise(expected.snippet)
    return mine in theirs or theirs in mine
