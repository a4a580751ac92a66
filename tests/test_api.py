"""The REST API per DESIGN.md's contract, through httpx against a real `python app.py`."""

from __future__ import annotations

import pytest
import httpx

from conftest import REPORT_2009, REPORT_DEC_2010
from server_process import live_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow  # a real server process

PASSAGE_FIELDS = {"doc_id", "title", "date", "section", "paragraph", "anchor", "text", "start", "end", "score",
                  "citation"}


@pytest.fixture(scope="module")
def api(live_server):
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def texts(api):
    """Each document's canonical text, as the API serves it."""
    return {d["doc_id"]: api.get(f"/api/documents/{d['doc_id']}").json()["text"] for d in api.get("/api/documents").json()}


def detail(response: httpx.Response) -> str:
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


# -- the contract -----------------------------------------------------------------------------


def test_health_names_the_index_in_use(api):
    body = api.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["documents"] == 5
    assert body["passages"] > 100
    assert body["model"]
    assert {"built_at", "version"} <= set(body["index"])


def test_documents_lists_each_with_iso_date_and_paragraph_count(api):
    documents = {d["doc_id"]: d for d in api.get("/api/documents").json()}
    assert len(documents) == 5
    for row in documents.values():
        assert set(row) >= {"doc_id", "title", "date", "origin", "paragraphs"}
        assert isinstance(row["paragraphs"], int) and row["paragraphs"] > 0
    assert documents[REPORT_DEC_2010]["date"] == "2010-12-09"
    assert documents["2012-03-boff-report-executive-summary"]["date"] == "2012-03"


def test_document_has_text_and_paragraph_offsets_into_it(api):
    body = api.get(f"/api/documents/{REPORT_DEC_2010}").json()
    assert body["doc_id"] == REPORT_DEC_2010
    paragraphs = body["paragraphs"]
    assert paragraphs and all(set(p) >= {"anchor", "label", "section", "start", "end"} for p in paragraphs)
    assert all(0 <= p["start"] < p["end"] <= len(body["text"]) for p in paragraphs)


def test_paragraph_has_citation_and_neighbours(api, texts):
    document = api.get(f"/api/documents/{REPORT_DEC_2010}").json()
    anchors = [p["anchor"] for p in document["paragraphs"]]
    middle = anchors[len(anchors) // 2]
    body = api.get(f"/api/documents/{REPORT_DEC_2010}/paragraphs/{middle}").json()
    assert body["anchor"] == middle
    assert body["text"] == texts[REPORT_DEC_2010][body["start"]:body["end"]]
    assert body["citation"].startswith("SCD9 performance and practice in the first six months (MPA Report 9, 9 December 2010)")
    assert body["prev"] == anchors[anchors.index(middle) - 1]
    assert body["next"] == anchors[anchors.index(middle) + 1]
    first = api.get(f"/api/documents/{REPORT_DEC_2010}/paragraphs/{anchors[0]}").json()
    assert first["prev"] is None


def test_search_results_carry_citations_and_verbatim_offsets(api, texts):
    response = api.post("/api/search", json={"query": "Olympic Security Strategy", "k": 7})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Olympic Security Strategy"
    assert isinstance(body["took_ms"], (int, float))
    assert len(body["passages"]) == 7
    for passage in body["passages"]:
        assert PASSAGE_FIELDS <= set(passage)
        assert passage["citation"].startswith(passage["title"])
        assert passage["text"] == texts[passage["doc_id"]][passage["start"]:passage["end"]]
    assert body["passages"][0]["doc_id"] == REPORT_2009


def test_search_filters_by_document_and_date(api):
    only = api.post("/api/search", json={"query": "trafficking", "doc_ids": [REPORT_DEC_2010]}).json()
    assert only["passages"] and {p["doc_id"] for p in only["passages"]} == {REPORT_DEC_2010}
    dated = api.post("/api/search", json={"query": "trafficking", "date_from": "2012", "date_to": "2012-12"}).json()
    assert dated["passages"] and all(p["date"].startswith("2012") for p in dated["passages"])


def test_ask_answers_with_verbatim_quotes_and_citations(api, texts):
    response = api.post("/api/ask", json={"question": "What is CONOPS?"})
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == "What is CONOPS?"
    assert body["answered"] is True
    assert {"took_ms", "quotes", "passages"} <= set(body)
    assert body["quotes"]
    for quote in body["quotes"]:
        assert PASSAGE_FIELDS <= set(quote)
        assert quote["text"] == texts[quote["doc_id"]][quote["start"]:quote["end"]]
    assert any("CONOPS" in quote["text"] for quote in body["quotes"])


def test_ask_follow_up_uses_history(api):
    alone = api.post("/api/ask", json={"question": "How many staff does it have?"}).json()
    follow_up = api.post("/api/ask", json={"question": "How many staff does it have?",
                                           "history": ["What is Operation Paladin?"]}).json()
    assert follow_up["answered"]
    assert "6 police officers" in " ".join(q["text"] for q in follow_up["quotes"])
    assert "6 police officers" not in " ".join(q["text"] for q in alone["quotes"])


def test_ask_without_an_answer_says_so_and_gives_nearest_passages(api):
    body = api.post("/api/ask", json={"question": "What is the recipe for banana bread?"}).json()
    assert body["answered"] is False
    assert body["quotes"] == []
    assert body["passages"]


def test_openapi_lists_every_route_and_docs_are_served(api):
    schema = api.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/health", "/api/search", "/api/ask", "/api/documents", "/api/documents/{doc_id}",
        "/api/documents/{doc_id}/paragraphs/{anchor}", "/api/verify", "/api/verdicts",
    }
    assert "post" in schema["paths"]["/api/ask"] and "post" in schema["paths"]["/api/search"]
    assert api.get("/docs").status_code == 200


def test_the_chat_ui_is_served_at_the_root(api):
    response = api.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


# -- bad input: 422 with a message a person can act on -----------------------------------------


@pytest.mark.parametrize(("route", "body", "words"), [
    ("/api/ask", {"question": ""}, "question is empty"),
    ("/api/ask", {"question": "   "}, "blank"),
    ("/api/ask", {"question": "x" * 2001}, "2001 characters long; the limit is 2000"),
    ("/api/ask", {}, "question is required"),
    ("/api/ask", {"question": "What is CONOPS?", "k": 0}, "k must be a whole number from 1 to 100"),
    ("/api/ask", {"question": "What is CONOPS?", "k": 101}, "k must be a whole number from 1 to 100"),
    ("/api/ask", {"question": "What is CONOPS?", "k": "five"}, "k must be a whole number from 1 to 100"),
    ("/api/ask", {"question": "What is CONOPS?", "k": 2.5}, "k must be a whole number"),
    ("/api/ask", {"question": "What is CONOPS?", "k": True}, "k must be a whole number"),
    ("/api/ask", {"question": "What is CONOPS?", "history": ["q"] * 21}, "history has too many items; the limit is 20"),
    ("/api/ask", {"question": "What is CONOPS?", "history": ["x" * 2001]}, "limit is 2000"),
    ("/api/ask", {"question": "What is CONOPS?", "history": "What is Paladin?"}, "history"),
    ("/api/ask", {"question": "What is CONOPS?", "date_from": "2010-13"}, "date_from '2010-13' is not a date"),
    ("/api/ask", {"question": "What is CONOPS?", "date_to": "yesterday"}, "date_to 'yesterday' is not a date"),
    ("/api/ask", {"question": "What is CONOPS?", "date_from": "2012", "date_to": "2010"}, "is after"),
    ("/api/ask", {"question": "What is CONOPS?", "doc_ids": ["no-such-doc"]}, "unknown doc_ids"),
    ("/api/ask", {"question": "What is CONOPS?", "doc_ids": ["d"] * 101}, "doc_ids has too many items; the limit is 100"),
    ("/api/ask", {"question": "What is CONOPS?", "colour": "red"}, "unknown field 'colour'"),
    ("/api/ask", {"question": 42}, "question"),
    ("/api/ask", ["What is CONOPS?"], "must be a JSON object"),
    ("/api/search", None, "must be a JSON object"),
    ("/api/search", {"query": ""}, "query is empty"),
    ("/api/search", {"query": "q" * 2001}, "the limit is 2000"),
    ("/api/search", {"query": "trafficking", "k": 0}, "k must be a whole number from 1 to 100"),
    ("/api/search", {"query": "trafficking", "k": 101}, "k must be a whole number from 1 to 100"),
    ("/api/search", {"query": "trafficking", "k": "five"}, "k must be a whole number from 1 to 100"),
    ("/api/search", {"query": "trafficking", "date_to": "2010-02-30x"}, "not a date"),
    ("/api/search", {"query": "trafficking", "question": "?"}, "unknown field 'question'"),
    ("/api/search", {"question": "trafficking"}, "query is required"),
])
def test_bad_input_gets_422_with_a_message(api, route, body, words):
    response = api.post(route, json=body)
    assert response.status_code == 422, response.text
    assert words in detail(response)


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"question": "What is CONOPS?",}', b"", b"\xff\xfe", b"\xe9",
                                 b'{"question": "caf\xe9"}'])
def test_malformed_json_gets_422(api, raw):
    response = api.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail(response)


def test_lone_surrogate_gets_422_not_500(api):
    response = api.post("/api/search", content=b'{"query": "trafficking \\ud800"}',
                        headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "query is not valid Unicode text" in detail(response)


def test_unknown_document_is_404(api):
    response = api.get("/api/documents/no-such-document")
    assert response.status_code == 404
    assert "no-such-document" in detail(response)


def test_unknown_anchor_is_404(api):
    response = api.get(f"/api/documents/{REPORT_DEC_2010}/paragraphs/Z999")
    assert response.status_code == 404
    assert "Z999" in detail(response)
    assert api.get("/api/documents/no-such-document/paragraphs/B1").status_code == 404


def test_oversized_body_is_413(api):
    response = api.post("/api/search", json={"query": "trafficking " * 7000})
    assert response.status_code == 413
    assert "64 KiB" in detail(response)


def test_oversized_body_without_content_length_is_413(api):
    """A chunked body has no Content-Length: the limit counts the bytes as they come."""
    def chunks():
        yield b'{"query": "'
        for _ in range(100):
            yield b"trafficking " * 100
        yield b'"}'

    response = api.post("/api/search", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_wrong_method_is_refused_not_500(api):
    for response in (api.get("/api/ask"), api.delete("/api/search"), api.put("/api/documents")):
        assert 400 <= response.status_code < 500

