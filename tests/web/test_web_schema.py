"""Schemathesis against the live server's own OpenAPI schema: whatever it generates, valid (positive) or not
(negative), the answer is never a 5xx, always JSON, with a status and a body the schema declares.

The operations are driven with plain Hypothesis (`operation.as_strategy()`), bounded to MAX_EXAMPLES each."""

from __future__ import annotations

import json
from pathlib import Path
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

MAX_EXAMPLES = 50
OPERATIONS = [("POST", f"/api/{verb}") for verb in ("count", "explain", "formula", "check", "compare", "estimate",
                                                               "solve", "sweep")]
OPERATIONS.append(("GET", "/api/info"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = Path(__file__).parent / "schemathesis.toml"
"""What a schema-valid request that is not a model, and a body past the byte limit, are answered (see there)."""


@pytest.fixture(scope="module")
def web_schema(server: Server) -> Any:
    config = schemathesis.config.SchemathesisConfig.from_path(CONFIG)
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config, timeout=30)


CASES = [(method, path, mode) for method, path in OPERATIONS
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if method == "POST" or mode is GenerationMode.POSITIVE]  # GET /api/info takes no input to get wrong


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{p}-{m.value}" for _, p, m in CASES])
def test_no_input_is_a_server_error(web_schema: Any, server: Server, method: str, path: str,
                                    mode: GenerationMode) -> None:
    operation = web_schema[path][method]
    seen: list[int] = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=server.url, timeout=30)
        case.validate_response(response, checks=CHECKS)
        case.validate_response(response)  # and every other check schemathesis has, as configured in CONFIG
        seen.append(response.status_code)
        assert response.status_code < 500, response.text
        body = json.loads(response.content)
        assert isinstance(body, dict)
        if response.status_code >= 400:
            assert set(body) == {"error"} and body["error"]

    run()
    assert seen


@pytest.mark.parametrize("method, path", [*OPERATIONS, ("GET", "/"), ("GET", "/openapi.json"),
                                          ("GET", "/api/catalog"), ("POST", "/api/build")])
def test_an_undeclared_method_is_405_naming_the_declared_one(server: Server, method: str, path: str) -> None:
    """RFC 9110: a 405 carries `Allow` (schemathesis's unsupported_method check sends TRACE to every path)."""
    for other in ("TRACE", "PATCH", "DELETE", "PUT"):
        status, headers, data = server.request(other, path)
        assert status == 405, (other, path, status)
        assert headers.get("allow") == method, headers
        assert json.loads(data) == {"error": f"{path} takes {method}, not {other}"}
