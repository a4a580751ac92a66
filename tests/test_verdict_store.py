"""qa.verdicts' SQLite store on its own (fast tier): one writer under threads, WAL, reopening, the
schema version, and which verdicts an export keeps."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from qa.errors import QAError
from qa.verdicts import Expectation, VerdictDraft, VerdictStore, export_lines


def draft(question: str = "Who?", start: int = 0, verdict: str = "answers", **extra) -> VerdictDraft:
    return VerdictDraft(question, "doc", "p1", start, start + 4, f"w{start:03}", verdict, **extra)


def expected(snippet: str) -> Expectation:
    return Expectation("doc", "p1", snippet, "doc.txt")


def test_threads_lose_no_verdict_and_a_reopened_store_sees_them(tmp_path):
    store = VerdictStore(tmp_path / "verdicts.sqlite3")
    assert store.journal_mode == "wal"

    def add(worker: int) -> None:
        for n in range(25):
            store.add(draft(start=n, reviewer=f"r{worker}"), "0" * 64, expected(f"w{n:03}"))

    threads = [threading.Thread(target=add, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    reopened = VerdictStore(tmp_path / "verdicts.sqlite3")
    try:
        assert reopened.count() == 200
        newest = reopened.newest(3)
        assert [v.id for v in newest] == [200, 199, 198]
        assert [v.id for v in reopened.newest(2, offset=1)] == [199, 198]
    finally:
        reopened.close()


def test_another_schema_version_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "verdicts.sqlite3"
    VerdictStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    db.close()
    with pytest.raises(QAError, match=f"{path}: verdicts schema version 99"):
        VerdictStore(path)


def test_export_keeps_the_newest_verdict_on_a_quote_and_one_line_per_expected_words(tmp_path):
    store = VerdictStore(tmp_path / "verdicts.sqlite3")
    try:
        store.add(draft(start=0, verdict="does_not_answer"), "0" * 64, None)  # superseded below
        store.add(draft(start=0), "0" * 64, expected("w000"))
        store.add(draft(start=5, verdict="does_not_answer"), "0" * 64, None)  # names no right paragraph
        store.add(draft(start=10, verdict="does_not_answer", right_anchor="p1"), "0" * 64, expected("w000"))
        store.add(draft("Where?", start=0), "0" * 64, expected("w000"))
        lines, skipped = export_lines(store)
    finally:
        store.close()
    assert [(line["id"], line["question"], line["expect"]["snippet"]) for line in lines] == [
        ("verdict-2", "Who?", "w000"), ("verdict-5", "Where?", "w000")]
    assert skipped == {"superseded": 1, "rejected_without_right_paragraph": 1, "duplicates": 1}
