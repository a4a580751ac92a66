"""Path traversal against the real server: no route, ours or Gradio's, reads a file it should not.

One `python app.py` over a private two-document corpus, with an admin token read from a file.
Every id, anchor and Gradio file path below is an attempt to reach the corpus, the index, the
token file or /etc/passwd (`../`, `%2e%2e`, `%2f`, doubled encodings, absolute paths, NUL):
our routes answer 4xx, and no response of any route carries a byte of those files.
"""

from __future__ import annotations

import http.client
import io
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from app_process import Server, start_server, stop_server
from conftest import BLOG, BOFF_SUMMARY, CORPUS

pytestmark = pytest.mark.slow  # a real server process

TOKEN = "traversal-token-5f0c9d1e7a2b4c6d"  # also the secret that must never be served
KEPT = (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml")
# Steps up from where a route might resolve a name, each spelled several ways.
UPS = ["../", "..%2f", "%2e%2e/", "%2e%2e%2f", "%252e%252e%252f", "..%5c", "..\\", "....//", "%c0%ae%c0%ae/"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Server, Path, dict[str, bytes]]]:
    folder = tmp_path_factory.mktemp("traversal")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in KEPT:
        (corpus / name).write_bytes((CORPUS / name).read_bytes())
    token_file = folder / "admin.token"
    token_file.write_text(TOKEN, encoding="utf-8")
    index = folder / "index"
    server = start_server(corpus, index, folder / "server.log", args=("--admin-token-file", str(token_file)),
                          env={"QA_ADMIN_TOKEN": "", "QA_AUTH": ""})
    generation = index / (index / "CURRENT").read_text(encoding="utf-8").strip()
    # What must never come back: a distinctive line of each private file. (CURRENT holds only a
    # generation's name, which a refusal may echo back in the path it names.)
    secrets = {
        "token": TOKEN.encode(),
        "catalog": b'"' + f"{BLOG}.txt".encode() + b'": {',
        "manifest": b'"pipeline": "',
        "passwd": b"root:x:0:0",
    }
    targets = {"token": token_file, "catalog": corpus / "catalog.json", "manifest": generation / "manifest.json",
               "current": index / "CURRENT", "passwd": Path("/etc/passwd")}
    yield server, folder, {**{f"@{k}": str(v).encode() for k, v in targets.items()}, **secrets}
    stop_server(server)


def _targets(folder: Path, marks: dict[str, bytes]) -> list[str]:
    """Paths aimed at the private files: absolute, relative to the repository and to the server's folders."""
    absolute = [marks[k].decode() for k in marks if k.startswith("@")]
    relative = ["corpus/catalog.json", "index/CURRENT", "admin.token", "etc/passwd"]
    attempts = list(absolute) + [a.lstrip("/") for a in absolute]
    for up in UPS:
        for depth in (1, 3, 8):
            attempts += [up * depth + r for r in relative]
    attempts += [a + "%00.png" for a in absolute] + [a.replace("/", "%2f") for a in absolute]
    return attempts


def _assert_nothing_leaks(status: int, body: bytes, marks: dict[str, bytes], what: str) -> None:
    for name, secret in marks.items():
        if not name.startswith("@"):
            assert secret not in body, f"{what} -> {status} served the {name} file"


def _send(url: str, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request with `path` exactly as written: httpx would resolve its dot segments before sending."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_ids_and_anchors_that_climb_out_are_refused_on_every_api_route(site):
    server, folder, marks = site
    refused = 0
    for target in _targets(folder, marks) + ["..", "%2e%2e", "%00", "a%00b", "/", "%2f"]:
        for method, path in [("GET", f"/api/documents/{target}"),
                             ("GET", f"/api/documents/{BLOG}/paragraphs/{target}"),
                             ("GET", f"/api/documents/{target}/paragraphs/p1"),
                             ("DELETE", f"/api/documents/{target}")]:
            headers = {"Authorization": f"Bearer {TOKEN}"} if method == "DELETE" else {}
            status, body = _send(server.url, method, path, headers)
            assert 400 <= status < 500, f"{method} {path} -> {status}"
            _assert_nothing_leaks(status, body, marks, f"{method} {path}")
            refused += 1
    print(f"\n{refused} traversal attempts on /api routes refused with 4xx")
    assert refused > 400


def test_gradio_file_routes_never_serve_private_files(site):
    server, folder, marks = site
    tried = 0
    for target in _targets(folder, marks):
        for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/", "/gradio_api/proxy=", "/proxy=",
                      "/static/", "/assets/", "/gradio_api/custom_component/x/y/z/",
                      "/gradio_api/stream/s/0/c/", "/d/", "/"):
            status, body = _send(server.url, "GET", route + target)
            _assert_nothing_leaks(status, body, marks, route + target)
            if "file" in route:
                assert status >= 400, f"{route}{target} -> {status}"
            tried += 1
    print(f"\n{tried} requests to Gradio's file routes and the site root: none served a private file")


# ABSOLUTE stands for an absolute path outside the corpus, made in the test's own folder.
@pytest.mark.parametrize("name", ["../../escaped.txt", "ABSOLUTE", "..%2f..%2fescaped.txt",
                                  "%2e%2e%2fescaped.txt", "..\\..\\escaped.txt", "esc\x00aped.txt", "corpus/../../escaped.txt"])
def test_upload_names_never_become_paths(site, name):
    server, folder, marks = site
    outside = folder.parent / f"{folder.name}-escaped.txt"
    name = str(outside) if name == "ABSOLUTE" else name
    text = f"Escape notes\n\n1. The lantern inventory for {len(name)} wharves listed seven lanterns.\n"
    response = httpx.post(f"{server.url}/api/documents", files={"file": (name, io.BytesIO(text.encode()))},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
    assert response.status_code in (201, 409, 415, 422), response.text
    assert not list(folder.glob("escaped*")) and not outside.exists()
    stored = [p.name for p in (folder / "corpus").iterdir() if "escaped" in p.name or "aped" in p.name]
    assert all("/" not in s and "\\" not in s and ".." not in s and "\x00" not in s for s in stored), stored
    if response.status_code == 201:
        doc_id = response.json()["doc_id"]
        assert "/" not in doc_id and ".." not in doc_id
        assert httpx.delete(f"{server.url}/api/documents/{doc_id}", headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=300).status_code == 200
