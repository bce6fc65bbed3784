"""The MCP server (`mlinfra mcp`) through the official SDK's own client, over stdio (a new
`mlinfra mcp` process, as a desktop or IDE client starts it) and over streamable HTTP
(behind the API keys): every tool listed with its input schema, each called, results that
carry their sources, and a bad argument answered with an error naming it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from servers import free_port, serving

from assistant.storage.keys import KeyStore

MLINFRA = str(Path(sys.executable).with_name("mlinfra"))
TOOLS = {"choose_infrastructure", "estimate_cost", "select_accelerator", "find_prices",
         "search_knowledge", "ask"}  # fmt: skip
CALLS: dict[str, dict[str, Any]] = {
    "choose_infrastructure": {"team_size": 3, "ml_models": 2, "time_to_market": "urgent"},
    "estimate_cost": {"instance_type": "g5.xlarge", "instance_count": 2},
    "select_accelerator": {"workload": "training", "framework": "jax", "cloud": "gcp"},
    "find_prices": {"accelerator": "h100", "provider": "aws"},
    "search_knowledge": {"query": "spot instances for training", "k": 3},
    "ask": {"question": "How do I reduce SageMaker inference costs?"},
}


def _env(data: Path, model_dir: Path) -> dict[str, str]:
    env = dict(os.environ, MLINFRA_DATA_DIR=str(data), MLINFRA_MODEL_DIR=str(model_dir),
               HF_HUB_OFFLINE="1")  # fmt: skip
    env.pop("MLINFRA_AUTH", None)
    return env


async def _exercise(client: Any) -> dict[str, Any]:
    listed = await client.list_tools()
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == TOOLS
    schema = tools["estimate_cost"].input_schema["properties"]
    assert {"instance_type", "instance_count", "hours_per_month"} <= set(schema)
    assert schema["instance_count"]["anyOf"][0]["minimum"] == 1  # the model's own bound
    results = {}
    for name, arguments in CALLS.items():
        result = await client.call_tool(name, arguments)
        assert not result.is_error, (name, result.content)
        results[name] = result.structured_content
    bad = await client.call_tool("estimate_cost", {"instance_count": -3})
    assert bad.is_error and "instance_count" in bad.content[0].text
    return results


def _check(results: dict[str, Any]) -> None:
    ask = results["ask"]
    assert "[1]" in ask["text"] and ask["sources"][0]["source"].startswith("knowledge/")
    cost = results["estimate_cost"]
    assert cost["result"]["options"] and "$" in cost["text"]
    assert any("http" in str(a) for a in cost["result"]["options"][0]["assumptions"])
    assert results["choose_infrastructure"]["sources"]  # its reasons cite the guidance
    passages = results["search_knowledge"]["passages"]
    assert len(passages) == 3 and passages[0]["source"].startswith("knowledge/")
    prices = results["find_prices"]
    assert prices["result"]["offers"] and prices["sources"][0]["source"].startswith("https://")
    assert all(s["as_of"] for s in prices["sources"])


@pytest.fixture
def data(indexed_data: Path) -> Path:
    return indexed_data


def test_over_stdio_with_the_sdk_client(data: Path, model_dir: Path) -> None:
    from mcp.client.client import Client
    from mcp.client.stdio import StdioServerParameters

    async def run() -> dict[str, Any]:
        params = StdioServerParameters(command=MLINFRA, args=["mcp"], env=_env(data, model_dir))
        async with Client(params) as client:
            return await _exercise(client)

    _check(asyncio.run(run()))


def test_over_streamable_http_behind_the_keys(data: Path, model_dir: Path,
                                              tmp_path: Path) -> None:  # fmt: skip
    import httpx2
    from mcp.client.client import Client
    from mcp.client.streamable_http import streamable_http_client

    key = KeyStore(data).create("ide").key
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [MLINFRA, "mcp", "--transport", "http", "--port", str(port)]
    with serving(command, f"{url}/healthz", tmp_path / "mcp.log", env=_env(data, model_dir)):
        refused = httpx2.post(f"{url}/mcp", json={})
        assert refused.status_code == 401

        async def run() -> dict[str, Any]:
            auth = {"Authorization": f"Bearer {key}"}
            async with httpx2.AsyncClient(headers=auth, timeout=120) as http:
                transport = streamable_http_client(f"{url}/mcp", http_client=http)
                async with Client(transport) as c:
                    return await _exercise(c)

        _check(asyncio.run(run()))
    assert key not in (tmp_path / "mcp.log").read_text()
