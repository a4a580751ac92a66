"""Several sources side by side: the chat groups quotes from different documents by document, oldest
first (undated last), each group headed by its title and date; one document's quotes come as before."""

from __future__ import annotations

import pytest

from server_process import live_server  # noqa: F401  (a fixture)
from test_ui_client import ask_api, client, shown  # noqa: F401  (client: a fixture)

pytestmark = pytest.mark.slow  # a real server process

SEVERAL = "What did the report recommend?"  # its quotes come from two reports, the later one ranked first
ONE = "What is CONOPS?"


def test_quotes_from_several_documents_are_grouped_by_document_oldest_first(client, live_server):
    expected = ask_api(live_server.url, SEVERAL)
    quotes = expected["quotes"]
    by_date = sorted(dict.fromkeys((q["date"], q["doc_id"]) for q in quotes), key=lambda d: (not d[0], d[0]))
    assert len(by_date) > 1 and by_date != list(dict.fromkeys((q["date"], q["doc_id"]) for q in quotes))

    _, chat = client.predict(SEVERAL, [], [], "", "", api_name="/ask")
    wanted = []
    for date, doc_id in by_date:
        group = [(n, q) for n, q in enumerate(quotes, 1) if q["doc_id"] == doc_id]
        wanted.append(f"**{group[0][1]['title']}** · {date}")
        wanted += [(n, q) for n, q in group]
    messages = [shown(m) for m in chat[1:]]
    assert len(messages) == len(wanted)
    for message, want in zip(messages, wanted):
        if isinstance(want, str):
            assert message == want
        else:
            number, quote = want
            unquoted = " ".join(line.removeprefix(">") for line in message.split("\n"))
            assert " ".join(quote["text"].split()) in " ".join(unquoted.split())
            assert f"[{number}] — *{quote['citation']}*" in message
    # The buttons under the answer stay in rank order: [1] is still the best quote.
    labels = [option["label"] for option in chat[-1]["options"]]
    assert labels == [f"[{n}] {q['citation']}" for n, q in enumerate(quotes, 1)]


def test_quotes_from_one_document_are_not_grouped(client, live_server):
    expected = ask_api(live_server.url, ONE)
    assert len({q["doc_id"] for q in expected["quotes"]}) == 1
    _, chat = client.predict(ONE, [], [], "", "", api_name="/ask")
    assert [shown(m).startswith(">") for m in chat[1:]] == [True] * len(expected["quotes"])
