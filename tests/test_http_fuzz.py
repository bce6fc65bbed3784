"""The HTTP API fuzzed from its own OpenAPI document (schemathesis): whatever input it
generates for every operation, no response is a 500, and a 422 names the field; the
document checked in at docs/openapi.json is the one the code serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import REPO
from hypothesis import HealthCheck, given, settings

from assistant import Assistant


@pytest.fixture(scope="module")
def api_schema(real_bot: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from assistant.server.app import create_app

    data = tmp_path_factory.mktemp("fuzz-data")
    config = real_bot.settings.model_copy(update={"data_dir": data, "auth": "off",
                                                  "rate_limit": 100_000})  # fmt: skip
    bot = Assistant(config, embedder=real_bot.embedder, store=real_bot.store)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(bot))


@pytest.mark.slow
def test_no_generated_input_is_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18
    seen: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            response = case.call()
            where = f"{case.method} {case.path}"
            seen.setdefault(where, set()).add(response.status_code)
            assert response.status_code < 500, (where, case.body, response.text[:500])
            if response.status_code == 422:
                detail = response.json()["detail"]
                assert detail and all(d["loc"] and d["msg"] for d in detail), response.text

        call()
    assert len(seen) == len(operations)


def test_the_checked_in_openapi_document_is_the_served_one() -> None:
    from assistant.server.openapi import document

    checked_in = json.loads((REPO / "docs" / "openapi.json").read_text())
    assert checked_in == json.loads(json.dumps(document())), (
        "docs/openapi.json is out of date: run `make openapi`"
    )


def test_every_route_but_the_health_checks_asks_for_a_key(
    real_bot: Assistant, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    config = real_bot.settings.model_copy(update={"data_dir": tmp_path})
    client = TestClient(create_app(Assistant(config, embedder=real_bot.embedder,
                                             store=real_bot.store)))  # fmt: skip
    paths = json.loads((REPO / "docs" / "openapi.json").read_text())["paths"]
    for path, methods in paths.items():
        for method in methods:
            url = path.replace("{session_id}", "abc123").replace("{conversation_id}", "c1")
            response = client.request(method.upper(), url, json={})
            if path in ("/healthz", "/readyz"):
                assert response.status_code == 200, path
            else:
                assert response.status_code == 401, (method, path, response.status_code)
