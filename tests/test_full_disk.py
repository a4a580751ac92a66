"""A full disk during a build: the build fails with one clear line and the old index stays live.

The disk is real: a tmpfs mounted just large enough for the index already built (needs root;
skipped, saying so, elsewhere). No part of the program is replaced: the kernel answers ENOSPC.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CORPUS
from fixtures_archive import built_index, copy_corpus, encoder  # noqa: F401  (fixtures)
from qa.archive import Archive
from qa.errors import IndexWriteFailed
from qa.store import open_index

NEW_FILE = "2013-05-02-river-patrol-notes.txt"
NEW_TEXT = ("River patrol notes\n\nOperation Kingfisher placed two marine policing boats on the Thames between "
            "Wapping and Greenwich. The crews checked moored houseboats for signs of forced labour.\n")
QUESTIONS = ("Which group is far more likely to be murdered?", "What is CONOPS?")


def answers_of(opened: Archive) -> list[dict]:
    return [{k: v for k, v in dataclasses.asdict(opened.ask(q)).items() if k != "took_ms"} for q in QUESTIONS]


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def small_disk(tmp_path):
    """A mounted tmpfs; unmounted at the end."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _resize(mount: Path, size: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)


def test_build_on_a_full_disk_fails_in_one_line_and_the_old_index_stays_live(tmp_path, small_disk, built_index, encoder):
    index = small_disk / "index"
    shutil.copytree(built_index.path, index)
    before = Archive.open(CORPUS, index, encoder=encoder)
    assert not before.refresh.rebuilt
    clean = answers_of(before)
    current = (index / "CURRENT").read_bytes()
    # Room for what is there and 256 KiB more: a new generation of the archive needs about 2 MB.
    _resize(small_disk, _size(index) + 256 * 1024)
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")

    with pytest.raises(IndexWriteFailed) as failed:
        Archive.open(corpus, index, encoder=encoder)
    message = str(failed.value)
    assert f"{index}: cannot write the new index" in message and "KiB free" in message and "\n" not in message

    assert (index / "CURRENT").read_bytes() == current
    assert not list(index.glob(".gen-*")), "a partial generation was left behind"
    open_index(index, encoder.name)  # whole: every file still matches the manifest
    assert answers_of(Archive.open(CORPUS, index, encoder=encoder)) == clean

    _resize(small_disk, 64 * 1024 * 1024)  # space again: the next run completes
    after = Archive.open(corpus, index, encoder=encoder)
    assert after.refresh.rebuilt
    assert any(p.doc_id.startswith("2013-05-02") for p in after.search("Kingfisher houseboats", k=3).passages)
