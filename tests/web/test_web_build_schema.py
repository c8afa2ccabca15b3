"""Schemathesis against the live server's schema for the page's own endpoints, GET /api/catalog and POST
/api/build (test_web_schema.py covers the verbs): whatever it generates, valid or not, the answer is never a 5xx,
always JSON, with a status and a body the schema declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (test extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from web_server import Server  # noqa: E402

MAX_EXAMPLES = 300
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES = [("POST", "/api/build", GenerationMode.POSITIVE), ("POST", "/api/build", GenerationMode.NEGATIVE),
         ("GET", "/api/catalog", GenerationMode.POSITIVE)]


@pytest.fixture(scope="module")
def web_schema(server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=30)


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{p}-{m.value}" for _, p, m in CASES])
def test_no_input_is_a_server_error(web_schema: Any, server: Server, method: str, path: str,
                                    mode: GenerationMode) -> None:
    operation = web_schema[path][method]
    seen: list[int] = []

    @settings(max_examples=MAX_EXAMPLES if method == "POST" else 5, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=server.url, timeout=30)
        case.validate_response(response, checks=CHECKS)
        seen.append(response.status_code)
        assert response.status_code < 500, response.text
        body = json.loads(response.content)
        assert isinstance(body, dict)
        if response.status_code >= 400:
            assert set(body) == {"error"} and body["error"]

    run()
    assert seen
    if mode is GenerationMode.POSITIVE and method == "POST":
        assert 200 in seen  # the enums of framework and family let valid stacks through
