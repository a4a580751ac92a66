"""A bounded schemathesis run against the live /openapi.json: no input, valid or not, gets a 5xx.

Schemathesis's pytest plugin breaks on pytest 9.2 ('Function' object has no attribute
'_nodeid'), so the cases come from its strategies, driven by hypothesis directly.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from server_process import live_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow  # schemathesis against a real server process

EXAMPLES_PER_OPERATION = 25
# The routes answer what /openapi.json documents: status codes, content types, bodies.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_input_gets_a_server_error(live_server, mode):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    fuzzed = 0
    for operation in operations:

        # Derandomized and bounded so that the run is the same each time; no example database,
        # so nothing is written into the repository.
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case):
            case.call_and_validate(base_url=live_server.url, timeout=60, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            continue  # GET /api/health and /api/documents take no input, so none of it can be invalid
        fuzzed += 1
    assert fuzzed >= (6 if mode is GenerationMode.POSITIVE else 4)


# Every route of the API, as the server documents it: a route added later without being fuzzed
# (not in /openapi.json) fails here. The UI and file routes are Gradio's, tested in test_traversal.py.
API_OPERATIONS = {("GET", "/api/health"), ("POST", "/api/search"), ("POST", "/api/ask"), ("GET", "/api/documents"),
                  ("GET", "/api/documents/{doc_id}"), ("GET", "/api/documents/{doc_id}/paragraphs/{anchor}"),
                  ("POST", "/api/documents"), ("DELETE", "/api/documents/{doc_id}")}
WRITE_OPERATIONS = {("POST", "/api/documents"), ("DELETE", "/api/documents/{doc_id}")}
ADMIN_TOKEN = "schemathesis-admin-token-0123456789"


def test_openapi_lists_every_api_route(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    listed = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    assert API_OPERATIONS <= listed, API_OPERATIONS - listed


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    from app_process import start_server, stop_server
    from conftest import BLOG, BOFF_SUMMARY, CORPUS

    folder = tmp_path_factory.mktemp("schemathesis-admin")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in (f"{BOFF_SUMMARY}.txt", f"{BLOG}.txt", "catalog.json", "profile.toml"):
        (corpus / name).write_bytes((CORPUS / name).read_bytes())
    server = start_server(corpus, folder / "index", folder / "server.log", args=("--max-upload-mb", "1"),
                          env={"QA_ADMIN_TOKEN": ADMIN_TOKEN, "QA_AUTH": ""})
    yield server
    stop_server(server)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_uploads_and_removals_with_the_admin_token_never_get_a_server_error(admin_server, mode):
    """The write routes past their token check: fuzzed files, titles, dates and ids."""
    schema = schemathesis.openapi.from_url(f"{admin_server.url}/openapi.json")
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if (op.method.upper(), op.path) in WRITE_OPERATIONS]
    assert len(operations) == 2
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case):
            case.call_and_validate(base_url=admin_server.url, timeout=300, checks=CHECKS,
                                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})

        try:
            check()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
