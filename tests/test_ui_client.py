"""The chat through gradio_client: the same answers as the API, shown as quotes with citations."""

from __future__ import annotations

import html

import httpx
import pytest

from server_process import live_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow  # a real server process


def shown(message: dict) -> str:
    """A chat message's text as a reader sees it (the UI sends Markdown with entities)."""
    content = message["content"]
    parts = content if isinstance(content, list) else [{"text": content}]
    return html.unescape("".join(part.get("text", "") for part in parts))


@pytest.fixture
def client(live_server):
    from gradio_client import Client

    return Client(live_server.url, verbose=False)


def ask_api(base_url: str, question: str, history: list[str] = ()) -> dict:
    return httpx.post(f"{base_url}/api/ask", json={"question": question, "history": list(history)}, timeout=60).json()


def test_chat_answers_with_the_archive_quotes_and_their_citations(client, live_server):
    expected = ask_api(live_server.url, "What is CONOPS?")
    box, chat = client.predict("What is CONOPS?", [], [], "", "", api_name="/ask")
    assert box == ""
    assert chat[0]["role"] == "user" and shown(chat[0]) == "What is CONOPS?"
    answers = [shown(m) for m in chat[1:]]
    assert len(answers) == len(expected["quotes"])
    for quote, text in zip(expected["quotes"], answers):
        assert quote["text"] in text
        assert quote["citation"] in text
    # The citations are also buttons under the answer; each opens that quote's source.
    labels = [option["label"] for option in chat[-1]["options"]]
    assert labels == [f"[{n}] {q['citation']}" for n, q in enumerate(expected["quotes"], 1)]


def test_follow_up_question_uses_the_conversation(client, live_server):
    _, chat = client.predict("What is Operation Paladin?", [], [], "", "", api_name="/ask")
    _, chat = client.predict("How many staff does it have?", chat, [], "", "", api_name="/ask")
    expected = ask_api(live_server.url, "How many staff does it have?", ["What is Operation Paladin?"])
    after = [shown(m) for m in chat]
    follow_up = after[after.index("How many staff does it have?") + 1:]
    assert expected["answered"] and expected["quotes"]
    # The best quote, [1]; not always the first message, as quotes from several documents come grouped by date.
    assert any(expected["quotes"][0]["text"] in text and "[1] — " in text for text in follow_up)
    assert any("6 police officers" in text for text in follow_up)


def test_unanswerable_question_says_not_found_and_shows_nearest_passages(client, live_server):
    expected = ask_api(live_server.url, "What is the recipe for banana bread?")
    assert not expected["answered"]
    _, chat = client.predict("What is the recipe for banana bread?", [], [], "", "", api_name="/ask")
    texts = [shown(m) for m in chat[1:]]
    assert len(texts) == 1  # one message: why, then the nearest passages folded under it
    assert texts[0].startswith("**Not found in the archive.**")
    assert f"<details><summary>Nearest passages ({len(expected['passages'])})</summary>" in texts[0]
    assert " ".join(expected["passages"][0]["text"].split())[:100] in " ".join(texts[0].split())


def test_a_refusal_says_which_number_of_the_question_nothing_near_mentions(client, live_server):
    question = "How many sex workers were murdered in London in 2011?"
    expected = ask_api(live_server.url, question)
    assert not expected["answered"] and 'mentions "2011"' in expected["message"]
    _, chat = client.predict(question, [], [], "", "", api_name="/ask")
    first = shown(chat[1])
    assert first.startswith("**Not found in the archive.**") and 'None of the nearest passages mentions "2011".' in first


def test_filters_and_bad_dates_reach_the_archive(client):
    _, chat = client.predict("trafficking", [], ["2010-12-09-scd9-first-six-months"], "", "", api_name="/ask")
    quotes = [shown(m) for m in chat[1:] if shown(m).startswith(">")]
    assert quotes and all("SCD9 performance and practice" in text for text in quotes)
    box, chat = client.predict("What is CONOPS?", [], [], "2010-13", "", api_name="/ask")
    assert box == "What is CONOPS?"  # kept, to be corrected
    assert "date_from '2010-13' is not a date" in shown(chat[-1])
