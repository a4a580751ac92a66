"""A real `python app.py` on a free loopback port, shared by the server, UI and browser tests.

Import the fixtures a module needs: `from server_process import live_server, payload_server`.
Pytest makes a separate fixture of each import, so `_once` keeps one server per corpus for the
whole process; the fixture instance that started a server stops it at the end of the session.
"""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from app_process import Server, free_port, start_server, stop_server
from conftest import CORPUS

__all__ = ["Server", "start_server", "stop_server", "free_port", "live_server", "payload_server",
           "PAYLOAD_DOC", "PAYLOAD_QUESTION", "SCRIPT_PAYLOAD"]

SCRIPT_PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"
PAYLOAD_DOC = "2011-05-02-markup-notes"
PAYLOAD_QUESTION = "What does the Nightjar paragraph read?"
# A document whose text is HTML, script and Markdown: all of it must reach a reader as text.
PAYLOAD_TEXT = f"""Notes on markup in the archive {SCRIPT_PAYLOAD}

1. The Nightjar paragraph reads {SCRIPT_PAYLOAD} verbatim, next to [a link](javascript:alert(3)) and **bold** words.

2. Operation Nightjar looked at how archive text holding markup reaches its readers.

3. A closing paragraph: <b>not bold</b> &amp; <iframe src="javascript:alert(4)"></iframe>.
"""
# The title and source reach the citation, the chat's buttons and the document pickers.
PAYLOAD_CATALOG = {"title": "Markup <img src=x onerror=alert(5)> notes", "date": "2011-05-02",
                   "origin": "a test", "source": "<script>alert(6)</script>"}


_SERVERS: dict[str, Server] = {}
# The shared servers are a plain local archive whatever the caller's environment: no uploads, no login.
PLAIN = {"QA_ADMIN_TOKEN": "", "QA_AUTH": ""}


def _shared(key: str, make) -> Iterator[Server]:
    started = key not in _SERVERS
    if started:
        _SERVERS[key] = make()
    yield _SERVERS[key]
    if started:
        stop_server(_SERVERS.pop(key))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[Server]:
    """The app on the real archive, its index built into a session temporary folder."""
    def make() -> Server:
        folder = tmp_path_factory.mktemp("live-server")
        return start_server(CORPUS, folder / "index", folder / "server.log", env=PLAIN)

    yield from _shared("archive", make)


@pytest.fixture(scope="session")
def payload_server(tmp_path_factory) -> Iterator[Server]:
    """The app on a one-document corpus whose text is an HTML/script/Markdown payload."""
    def make() -> Server:
        folder = tmp_path_factory.mktemp("payload-server")
        corpus = folder / "corpus"
        corpus.mkdir()
        (corpus / f"{PAYLOAD_DOC}.txt").write_text(PAYLOAD_TEXT, encoding="utf-8")
        (corpus / "catalog.json").write_text(json.dumps({f"{PAYLOAD_DOC}.txt": PAYLOAD_CATALOG}), encoding="utf-8")
        return start_server(corpus, folder / "index", folder / "server.log", env=PLAIN)

    yield from _shared("payload", make)
