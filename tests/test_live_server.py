"""Documents added and removed while the real server runs: uploads, removals, refusals, concurrency, login.

Each server is `python app.py` on loopback over a private copy of two small documents of the
archive; one has an admin token (uploads on, a 1 MB limit), the other a users.toml (login on,
no admin token).
"""

from __future__ import annotations

import concurrent.futures
import io
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from click.testing import CliRunner
from fpdf import FPDF

from app_process import Server, start_server, stop_server
from conftest import BLOG, BOFF_SUMMARY, CORPUS

pytestmark = pytest.mark.slow  # real server processes

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
SMALL = (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml")
PASSWORD = "correct horse battery staple"
TXT = ("Harbour works\n\n1. The harbour board spent 731 thousand pounds on new tide gauges in 2013.\n\n"
       "2. The gauges replaced instruments installed by the previous board.\n")
MD = ("# Orchard survey\n\n1. The orchard survey counted 4,512 pear trees along the eastern ridge.\n\n"
      "2. Apple trees were not counted that year.\n")
HTML = ("<!doctype html><html><head><title>Bell tower</title></head><body><h1>Bell tower</h1>"
        "<p>1. The bell tower was restored by 19 volunteers over three summers.</p>"
        "<p>2. The clock mechanism was left untouched.</p></body></html>")
PDF_SENTENCE = "The ferry timetable added a 05:40 crossing for hospital staff on weekdays."


def small_corpus(folder: Path) -> Path:
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in SMALL:
        (corpus / name).write_bytes((CORPUS / name).read_bytes())
    return corpus


def pdf_bytes(*paragraphs: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    return bytes(pdf.output())


def admin(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(server: Server, name: str, data: bytes, token: str | None = ADMIN_TOKEN, **fields) -> httpx.Response:
    return httpx.post(f"{server.url}/api/documents", files={"file": (name, io.BytesIO(data))}, data=fields,
                      headers=admin(token) if token else {}, timeout=300)


def ask(server: Server, question: str, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{server.url}/api/ask", json={"question": question}, headers=headers or {}, timeout=120)


def corpus_names(corpus: Path) -> set[str]:
    return {p.name for p in corpus.iterdir()}


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("live-admin")
    corpus = small_corpus(folder)
    server = start_server(corpus, folder / "index", folder / "server.log", args=("--max-upload-mb", "1"),
                          env={"QA_ADMIN_TOKEN": ADMIN_TOKEN, "QA_AUTH": ""})
    yield server, corpus
    stop_server(server)


@pytest.mark.parametrize("name, data, question, expected", [
    ("harbour.txt", TXT.encode(), "How much did the harbour board spend on tide gauges?", "731 thousand pounds"),
    ("orchard.md", MD.encode(), "How many pear trees did the orchard survey count?", "4,512 pear trees"),
    ("bell.html", HTML.encode(), "How many volunteers restored the bell tower?", "19 volunteers"),
    ("ferry.pdf", pdf_bytes("Ferry services", f"1. {PDF_SENTENCE}", "2. Weekend crossings were unchanged."),
     "When is the early ferry crossing for hospital staff?", "05:40 crossing"),
])
def test_an_upload_is_answerable_at_once_and_gone_after_removal(admin_server, name, data, question, expected):
    server, corpus = admin_server
    before = httpx.get(f"{server.url}/api/health").json()["documents"]
    response = upload(server, name, data, date="2013-05-01")
    assert response.status_code == 201, response.text
    summary = response.json()
    assert summary["date"] == "2013-05-01" and summary["paragraphs"] >= 2
    assert (corpus / f"{summary['doc_id']}{Path(name).suffix}").is_file()
    answer = ask(server, question).json()
    assert answer["answered"], answer
    assert answer["quotes"][0]["doc_id"] == summary["doc_id"] and expected in answer["quotes"][0]["text"]
    assert httpx.get(f"{server.url}/api/health").json()["documents"] == before + 1

    removed = httpx.delete(f"{server.url}/api/documents/{summary['doc_id']}", headers=admin(), timeout=300)
    assert removed.status_code == 200, removed.text
    assert removed.json()["doc_id"] == summary["doc_id"]
    assert httpx.get(f"{server.url}/api/documents/{summary['doc_id']}").status_code == 404
    after = ask(server, question).json()
    assert all(q["doc_id"] != summary["doc_id"] for q in after["quotes"] + after["passages"])
    assert httpx.get(f"{server.url}/api/health").json()["documents"] == before
    assert not any(n.startswith(summary["doc_id"]) for n in corpus_names(corpus))
    again = httpx.delete(f"{server.url}/api/documents/{summary['doc_id']}", headers=admin(), timeout=60)
    assert again.status_code == 404


def test_a_client_path_is_never_used_as_the_stored_name(admin_server, tmp_path):
    server, corpus = admin_server
    response = upload(server, "../../etc/passwd.txt", TXT.replace("731", "732").encode())
    assert response.status_code == 201, response.text
    doc_id = response.json()["doc_id"]
    assert doc_id.startswith("passwd-") and "/" not in doc_id and ".." not in doc_id
    assert (corpus / f"{doc_id}.txt").is_file()
    assert not (corpus.parent.parent / "etc").exists() and not (corpus.parent / "etc").exists()
    assert httpx.delete(f"{server.url}/api/documents/{doc_id}", headers=admin(), timeout=300).status_code == 200


@pytest.mark.parametrize("token, status", [(None, 401), ("wrong-token-wrong-token-wrong", 401)])
def test_changes_need_the_admin_token(admin_server, token, status):
    server, corpus = admin_server
    names = corpus_names(corpus)
    assert upload(server, "harbour.txt", TXT.encode(), token=token).status_code == status
    response = httpx.delete(f"{server.url}/api/documents/{BLOG}", headers=admin(token) if token else {})
    assert response.status_code == status and response.headers["www-authenticate"] == "Bearer"
    assert corpus_names(corpus) == names


@pytest.mark.parametrize("name, data, status, reason", [
    ("big.txt", b"A line of words.\n" * 70_000, 413, "over"),
    ("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "unsupported file type .png"),
    ("picture.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "a PNG image"),
    ("notes.pdf", TXT.encode(), 422, "not a PDF"),
    ("report.txt", pdf_bytes("Some words."), 422, "a PDF but named .txt"),
    ("page.txt", HTML.encode(), 422, "an HTML page but named .txt"),
    ("binary.txt", b"words\x00\x01\x02" * 50, 422, "not text"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage\n%%EOF\n", 422, "cannot be read"),
    ("empty.md", b"   \n", 422, "empty"),
])
def test_a_refused_file_gets_a_status_naming_the_reason_and_changes_nothing(admin_server, name, data, status, reason):
    server, corpus = admin_server
    names = corpus_names(corpus)
    health = httpx.get(f"{server.url}/api/health").json()
    response = upload(server, name, data)
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]
    assert corpus_names(corpus) == names
    assert not any((corpus / ".incoming").iterdir()) if (corpus / ".incoming").exists() else True
    assert httpx.get(f"{server.url}/api/health").json() == health


def test_the_same_file_twice_is_a_conflict(admin_server):
    server, _ = admin_server
    data = TXT.replace("731", "733").encode()
    first = upload(server, "harbour.txt", data)
    assert first.status_code == 201
    assert upload(server, "harbour.txt", data).status_code == 409
    httpx.delete(f"{server.url}/api/documents/{first.json()['doc_id']}", headers=admin(), timeout=300)


def _answer_of(response: httpx.Response) -> tuple:
    body = response.json()
    return (body["answered"], tuple((q["doc_id"], q["start"], q["end"], q["text"]) for q in body["quotes"]),
            tuple((p["doc_id"], p["anchor"]) for p in body["passages"]))


def test_questions_during_an_upload_are_answered_from_one_generation(admin_server):
    server, _ = admin_server
    question = "How many lanterns did the lighthouse trust buy?"
    data = ("Lighthouse trust\n\n1. The lighthouse trust bought 286 lanterns for the northern coast.\n\n"
            "2. The lanterns were paid for by a public appeal.\n").encode()
    old = _answer_of(ask(server, question))
    answers: list[httpx.Response] = []
    uploading = threading.Event()
    done = threading.Event()

    def keep_asking() -> None:
        uploading.wait()
        while not done.is_set():
            answers.append(ask(server, question))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        askers = [pool.submit(keep_asking) for _ in range(3)]
        uploading.set()
        response = upload(server, "lanterns.txt", data)
        done.set()
        for asker in askers:
            asker.result()
    assert response.status_code == 201, response.text
    new = _answer_of(ask(server, question))
    assert new != old and new[1][0][0] == response.json()["doc_id"]
    assert len(answers) >= 3
    assert all(a.status_code == 200 for a in answers)
    assert {_answer_of(a) for a in answers} <= {old, new}
    httpx.delete(f"{server.url}/api/documents/{response.json()['doc_id']}", headers=admin(), timeout=300)


def test_the_last_document_can_be_removed_and_the_empty_archive_still_serves(admin_server):
    server, corpus = admin_server
    for row in httpx.get(f"{server.url}/api/documents").json():
        assert httpx.delete(f"{server.url}/api/documents/{row['doc_id']}", headers=admin(), timeout=300).status_code == 200
    health = httpx.get(f"{server.url}/api/health")
    assert health.status_code == 200 and health.json()["documents"] == 0
    answer = ask(server, "What is the budget?")
    assert answer.status_code == 200 and not answer.json()["answered"] and answer.json()["quotes"] == []
    assert httpx.post(f"{server.url}/api/search", json={"query": "budget"}).json()["passages"] == []
    # And it grows again from nothing.
    assert upload(server, "harbour.txt", TXT.encode()).status_code == 201
    assert ask(server, "How much did the harbour board spend on tide gauges?").json()["answered"]


# -- login -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def login_server(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    from qa.cli import main

    folder = tmp_path_factory.mktemp("live-login")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in (f"{BOFF_SUMMARY}.txt", "catalog.json", "profile.toml"):
        (corpus / name).write_bytes((CORPUS / name).read_bytes())
    users = folder / "users.toml"
    result = CliRunner().invoke(main, ["users", "add", "reader1", "--users", str(users), "--password-stdin"],
                                input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token not in users.read_text() and PASSWORD not in users.read_text()
    server = start_server(corpus, folder / "index", folder / "server.log", args=("--auth", str(users)),
                          env={"QA_ADMIN_TOKEN": ""})
    yield server, token
    stop_server(server)


def test_with_login_on_the_read_api_needs_a_user_token_and_health_stays_open(login_server):
    server, token = login_server
    assert httpx.get(f"{server.url}/api/health").status_code == 200
    question = "Who requested the report?"
    assert ask(server, question).status_code == 401
    assert ask(server, question, {"Authorization": "Bearer not-a-token"}).status_code == 401
    assert httpx.get(f"{server.url}/api/documents").status_code == 401
    assert ask(server, question, {"Authorization": f"Bearer {token}"}).status_code == 200
    assert httpx.get(f"{server.url}/api/documents", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_without_an_admin_token_changes_are_off_and_say_how_to_turn_them_on(login_server):
    server, token = login_server
    response = upload(server, "harbour.txt", TXT.encode(), token=token)
    assert response.status_code == 403 and "QA_ADMIN_TOKEN" in response.json()["detail"]


def test_the_chat_needs_a_login_and_refuses_a_wrong_password(login_server):
    from gradio_client import Client

    server, _ = login_server
    with pytest.raises(Exception):
        Client(server.url, verbose=False)
    with pytest.raises(Exception, match="(?i)login|credentials|auth"):
        Client(server.url, auth=("reader1", "wrong password"), verbose=False)
    client = Client(server.url, auth=("reader1", PASSWORD), verbose=False)
    _, chat = client.predict("Who requested the report?", [], [], "", "", api_name="/ask")
    assert chat[0]["role"] == "user" and len(chat) >= 2
