"""With login on, the reading page is for logged-in readers only: a user's API token, or the chat's
login cookie (a reviewer opens permalinks from the chat they logged in to); anyone else gets a 401 page."""

from __future__ import annotations

import httpx
import pytest

from test_live_server import PASSWORD, ask, login_server  # noqa: F401  (login_server: a fixture)

pytestmark = pytest.mark.slow  # a real server process

QUESTION = "Who requested the report?"


@pytest.fixture(scope="module")
def quote(login_server) -> dict:
    server, token = login_server
    answer = ask(server, QUESTION, {"Authorization": f"Bearer {token}"}).json()
    assert answer["answered"] and answer["quotes"]
    return answer["quotes"][0]


def test_without_a_login_a_reading_page_is_a_401_page_without_the_text(login_server, quote):
    server, _ = login_server
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "access-token-unsecure-x=forged"}):
        response = httpx.get(server.url + quote["permalink"], headers=headers, timeout=60)
        assert response.status_code == 401 and response.headers["content-type"].startswith("text/html")
        assert "Log in first" in response.text and quote["text"][:40] not in response.text
    assert httpx.get(f"{server.url}/d/{quote['doc_id']}", timeout=60).status_code == 401


def test_a_user_token_opens_it(login_server, quote):
    server, token = login_server
    response = httpx.get(server.url + quote["permalink"], headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200 and "<mark>" in response.text


def test_the_chat_login_opens_it(login_server, quote):
    server, _ = login_server
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        assert browser.post("/login", data={"username": "reader1", "password": "wrong"}).status_code == 400
        assert browser.get(quote["permalink"]).status_code == 401
        assert browser.post("/login", data={"username": "reader1", "password": PASSWORD}).status_code == 200
        response = browser.get(quote["permalink"])
    assert response.status_code == 200 and "<mark>" in response.text
