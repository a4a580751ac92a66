"""The living archive in process: upload checks and names, users and tokens, generations swapped under readers.

The LiveArchive tests run on a private copy of two small documents of the archive, indexed
with the real model (the first build of the module is reused as an embedding cache).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOG, BOFF_SUMMARY, CORPUS
from fixtures_archive import encoder  # noqa: F401  (a fixture)
from qa.access import Access, Users, add_user, read_admin_token, read_users, token_digest, verify_password
from qa.documents.intake import check_upload, safe_stem
from qa.errors import AccessError, NotFound, UploadRejected

SMALL = (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml")
NOTE = ("Harbour works\n\n1. The harbour board spent 731 thousand pounds on new tide gauges in 2013.\n\n"
        "2. The gauges replaced instruments installed by the previous board.\n")
QUESTION = "How much did the harbour board spend on tide gauges?"
MB = 1024 * 1024


# -- what an upload is called and whether it is taken ------------------------------------------


@pytest.mark.parametrize("client, stem", [
    ("../../etc/passwd.txt", "passwd"),
    ("/absolute/path/Annual Report 2010.md", "annual-report-2010"),
    ("..\\..\\windows\\evil.html", "evil"),
    ("%2e%2e%2fsecret.txt", "2e-2e-2fsecret"),
    ("nul\x00byte.txt", "nul-byte"),
    ("Ümlaut café.txt", "umlaut-cafe"),
    ("....txt", "document"),
    ("", "document"),
])
def test_the_stored_name_is_a_slug_of_the_client_name(client, stem):
    assert safe_stem(client) == stem


def test_the_stored_name_adds_a_content_hash_and_the_extension_of_the_content():
    upload = check_upload("../Notes.TXT", NOTE.encode(), MB)
    assert upload.name.startswith("notes-") and upload.name.endswith(".txt") and upload.kind == "text"
    assert upload.name != check_upload("../Notes.TXT", NOTE.encode() + b"more\n", MB).name
    assert check_upload("page.htm", b"<html><body><p>Words.</p></body></html>", MB).name.endswith(".html")


@pytest.mark.parametrize("name, data, kind, words", [
    ("a.txt", b"x" * (MB + 1), "too_large", "upload limit of 1 MB"),
    ("a.docx", b"words", "unsupported", ".docx"),
    ("a", b"words", "unsupported", "(no extension)"),
    ("a.txt", b"PK\x03\x04rest", "unsupported", "ZIP"),
    ("a.pdf", b"just words", "invalid", "not a PDF"),
    ("a.md", b"%PDF-1.7 ...", "invalid", "a PDF but named .md"),
    ("a.txt", b"<!DOCTYPE html><html><body>x</body></html>", "invalid", "an HTML page"),
    ("a.html", b"no markup at all", "invalid", "no HTML markup"),
    ("a.txt", b"ab\x00cd", "invalid", "NUL"),
    ("a.txt", b"", "invalid", "empty"),
])
def test_a_file_whose_name_type_or_size_is_wrong_is_refused_with_the_reason(name, data, kind, words):
    with pytest.raises(UploadRejected) as refused:
        check_upload(name, data, MB)
    assert refused.value.kind == kind and words in str(refused.value)


def test_text_with_markup_in_it_is_still_text():
    assert check_upload("notes.txt", b"Notes on <b>markup</b> in the archive\n", MB).kind == "text"


# -- users and tokens ----------------------------------------------------------------------------


def test_users_file_stores_only_hashes_and_checks_password_and_token(tmp_path):
    path = tmp_path / "users.toml"
    token = add_user(path, "alice", "a long passphrase")
    text = path.read_text()
    assert "a long passphrase" not in text and token not in text and token_digest(token) in text
    users = read_users(path)
    assert users.check_password("alice", "a long passphrase")
    assert not users.check_password("alice", "a long passphrasE")
    assert not users.check_password("mallory", "a long passphrase")
    assert users.token_owner(token) == "alice" and users.token_owner(token + "x") is None
    renewed = add_user(path, "alice", "another passphrase")
    assert read_users(path).token_owner(token) is None and read_users(path).token_owner(renewed) == "alice"
    assert verify_password("another passphrase", read_users(path).users[0].password)


def test_access_lets_the_admin_read_and_nobody_without_a_token():
    access = Access(admin_token="x" * 20, users=Users(Path("users.toml"), ()))
    assert access.is_admin("x" * 20) and not access.is_admin("x" * 19) and not access.is_admin(None)
    assert access.may_read("x" * 20) and not access.may_read(None) and not access.may_read("y")
    assert Access().may_read(None) and not Access().is_admin("anything")


@pytest.mark.parametrize("text, where", [
    ("[users.bob]\npassword = 'plain'\n", "users.bob.password"),
    ("[users.bob]\npassword = 'scrypt$16384$8$1$00$00'\ntokens = ['short']\n", "users.bob.tokens"),
    ("[users.bob]\npasswd = 'x'\n", "users.bob: unknown keys ['passwd']"),
    ("[users.'b o b']\npassword = 'x'\n", "users.b o b"),
    ("[people]\n", "unknown top-level keys ['people']"),
    ("users = 3\n", "users: must be tables"),
    ("[users.bob\n", "not valid TOML"),
])
def test_a_bad_users_file_names_the_file_and_the_key(tmp_path, text, where):
    path = tmp_path / "users.toml"
    path.write_text(text)
    with pytest.raises(AccessError) as bad:
        read_users(path)
    assert str(path) in str(bad.value) and where in str(bad.value)


def test_the_admin_token_comes_from_a_file_or_the_environment_and_must_be_long(tmp_path, monkeypatch):
    monkeypatch.delenv("QA_ADMIN_TOKEN", raising=False)
    assert read_admin_token() is None
    monkeypatch.setenv("QA_ADMIN_TOKEN", "s" * 16)
    assert read_admin_token() == "s" * 16
    file = tmp_path / "token"
    file.write_text("t" * 40 + "\n")
    assert read_admin_token(file) == "t" * 40
    file.write_text("short")
    with pytest.raises(AccessError, match="at least 16"):
        read_admin_token(file)


# -- LiveArchive: generations swapped under readers ------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, encoder):  # noqa: F811
    """The two small documents indexed once: a corpus and an index to copy, the cache already warm."""
    from qa.indexer import refresh_index

    folder = tmp_path_factory.mktemp("live-seed")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in SMALL:
        shutil.copy(CORPUS / name, corpus / name)
    refresh_index(corpus, folder / "index", encoder)
    return folder


@pytest.fixture
def live(seeded, tmp_path, encoder):  # noqa: F811
    from qa.archive import Archive
    from qa.live import LiveArchive

    shutil.copytree(seeded / "corpus", tmp_path / "corpus")
    shutil.copytree(seeded / "index", tmp_path / "index")
    archive = Archive.open(tmp_path / "corpus", tmp_path / "index", encoder=encoder, reader="none")
    assert not archive.refresh.rebuilt
    return LiveArchive(archive, tmp_path / "corpus", tmp_path / "index", MB)


def _same_answer(a, b) -> bool:
    return (a.answered, a.quotes, [(p.doc_id, p.anchor) for p in a.passages]) == (
        b.answered, b.quotes, [(p.doc_id, p.anchor) for p in b.passages])


def test_an_old_generation_keeps_answering_after_later_builds_prune_its_files(live):
    old = live.current()
    before = old.ask(QUESTION)
    first = live.add("harbour.txt", NOTE.encode())
    live.add("more.txt", NOTE.replace("731", "999").replace("harbour", "river").encode())
    assert not old.stored.path.exists()  # pruned: only the live and the previous generation stay
    assert _same_answer(old.ask(QUESTION), before)
    assert all(q.doc_id != first.doc_id for q in before.quotes + before.passages)
    now = live.current().ask(QUESTION)
    assert now.answered and now.quotes[0].doc_id == first.doc_id


def test_an_unreadable_upload_leaves_corpus_catalog_and_generation_as_they_were(live):
    corpus = live.corpus
    files = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
    served = live.current()
    with pytest.raises(UploadRejected) as refused:
        live.add("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
    assert refused.value.kind == "invalid"
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == files
    assert live.current() is served
    assert not list((corpus / ".incoming").iterdir())


def test_removal_deletes_the_file_and_its_catalog_entry(live):
    added = live.add("harbour.txt", NOTE.encode(), title="Harbour works, 2013", date="May 2013")
    assert added.title == "Harbour works, 2013" and added.date == "2013-05"
    name = next(p.name for p in live.corpus.glob("harbour-*.txt"))
    assert json.loads((live.corpus / "catalog.json").read_text())[name]["title"] == "Harbour works, 2013"
    removed = live.remove(added.doc_id)
    assert removed.file == name and removed.documents_left == 2
    assert not (live.corpus / name).exists() and name not in json.loads((live.corpus / "catalog.json").read_text())
    with pytest.raises(NotFound):
        live.remove(added.doc_id)


@pytest.mark.parametrize("title, date, words", [("x" * 301, None, "title"), (None, "someday", "date"),
                                                 ("tab\there\x07", None, "control")])
def test_a_bad_title_or_date_is_refused(live, title, date, words):
    with pytest.raises(UploadRejected, match=words):
        live.add("harbour.txt", NOTE.encode(), title=title, date=date)


def test_qa_add_and_qa_remove_change_corpus_and_index(live, tmp_path):
    from qa.cli import main

    note = tmp_path / "Harbour Works.txt"
    note.write_text(NOTE)
    where = ["--corpus", str(live.corpus), "--index", str(live.index)]
    added = CliRunner().invoke(main, ["add", str(note), "--date", "2013-05-01", "--json", *where])
    assert added.exit_code == 0, added.output
    doc_id = json.loads(added.stdout)["doc_id"]
    assert doc_id.startswith("harbour-works-")
    asked = CliRunner().invoke(main, ["ask", QUESTION, "--json", "--reader", "none", *where])
    assert json.loads(asked.stdout)["quotes"][0]["doc_id"] == doc_id
    removed = CliRunner().invoke(main, ["remove", doc_id, *where])
    assert removed.exit_code == 0 and f"removed {doc_id}" in removed.stdout
    missing = CliRunner().invoke(main, ["remove", doc_id, *where])
    assert missing.exit_code == 1 and "no document" in missing.output
