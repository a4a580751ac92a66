"""A refusal and a weak match over HTTP and in the chat's own messages, against a real `python app.py`:
`reason` (why, one sentence) and `low_confidence` served and described in OpenAPI, `message` kept as
"Not found in the archive." followed by the reason, and the chat built from them."""

from __future__ import annotations

import httpx
import pytest

from qa.archive import NOT_FOUND
from qa.export import WEAK_MATCH
from server_process import live_server  # noqa: F401  (a fixture)
from test_ui_client import client, shown  # noqa: F401  (client: a fixture)

pytestmark = pytest.mark.slow  # a real server process

OFF_TOPIC = "What is the capital city of Australia?"
NUMBER_ABSENT = "How many sex workers were murdered in London in 2011?"
WEAK = "Will moving trafficking work into SCD9 cost extra money?"  # answered, only just above the threshold
STRONG = "What is CONOPS?"


@pytest.fixture(scope="module")
def api(live_server):
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def ask(api, question: str) -> dict:
    response = api.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def test_reason_is_empty_when_answered_and_the_message_is_not_found_then_the_reason(api):
    answered = ask(api, STRONG)
    assert answered["answered"] and answered["quotes"]
    assert (answered["reason"], answered["message"], answered["low_confidence"]) == ("", "", False)

    for question, reason in [(OFF_TOPIC, "No passage answers this closely enough."),
                             (NUMBER_ABSENT, 'None of the nearest passages mentions "2011".')]:
        refused = ask(api, question)
        assert not refused["answered"] and refused["quotes"] == [] and refused["passages"]
        assert refused["reason"] == reason
        assert refused["message"] == f"Not found in the archive. {refused['reason']}"
        assert refused["low_confidence"] is False


def test_a_weak_match_is_answered_and_says_so(api):
    weak = ask(api, WEAK)
    assert weak["answered"] and weak["quotes"] and weak["low_confidence"] is True and weak["reason"] == ""


def test_openapi_describes_reason_and_low_confidence_as_required_fields(api):
    schema = api.get("/openapi.json").json()["components"]["schemas"]["AskResult"]
    assert {"reason", "low_confidence", "message"} <= set(schema["required"])
    assert schema["properties"]["reason"]["type"] == "string"
    assert schema["properties"]["low_confidence"]["type"] == "boolean"
    assert "Why nothing answered" in schema["properties"]["reason"]["description"]
    assert "weak match" in schema["properties"]["low_confidence"]["description"]
    assert "`reason`" in schema["properties"]["message"]["description"]


def test_the_chat_shows_a_refusal_as_one_message_with_its_passages_under_buttons(client, api):
    expected = ask(api, OFF_TOPIC)
    _, chat = client.predict(OFF_TOPIC, [], [], "", "", api_name="/ask")
    assert len(chat) == 2  # the question, then one answer
    answer = shown(chat[1])
    head, folded = answer.split("\n\n", 1)
    assert head == f"**{NOT_FOUND}**\n{expected['reason']}"
    passages = expected["passages"]
    assert folded.startswith(f"<details><summary>Nearest passages ({len(passages)})</summary>\n\n")
    assert folded.endswith("</details>") and answer.count("<details>") == 1
    for number, passage in enumerate(passages, 1):
        assert f"[{number}] — *{passage['citation']}* · [open in context ↗]({passage['permalink']})" in answer
    # Each passage still opens in the source panel by its button under the answer.
    assert [option["label"] for option in chat[-1]["options"]] == [
        f"[{n}] {p['citation']}" for n, p in enumerate(passages, 1)]


def test_the_chat_says_a_weak_match_before_its_quotes_and_nothing_before_a_strong_one(client, api):
    _, chat = client.predict(WEAK, [], [], "", "", api_name="/ask")
    assert shown(chat[1]) == f"*{WEAK_MATCH}*"
    assert any(shown(m).startswith(">") for m in chat[2:])
    _, chat = client.predict(STRONG, [], [], "", "", api_name="/ask")
    assert all(WEAK_MATCH not in shown(m) for m in chat)
