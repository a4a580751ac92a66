"""A bounded schemathesis run against the live /openapi.json: no input, valid or not, gets a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from server_process import live_server  # noqa: F401  (a fixture)

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def api_schema(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=EXAMPLES_PER_OPERATION, deterministic=True)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
# Derandomized and bounded so that the run is the same each time and takes about a minute;
# no example database, so nothing is written into the repository.
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_input_gets_a_server_error(case, live_server):
    case.call_and_validate(
        base_url=live_server.url,
        timeout=60,
        # The routes answer what /openapi.json documents: status codes, content types, bodies.
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
