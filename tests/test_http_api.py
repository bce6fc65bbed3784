"""The HTTP API (`mlinfra serve`), tested as its users meet it: a real server on 127.0.0.1
driven over HTTP and by the official `openai` client; keys, rate limits and body caps on
apps made with other settings; and the database going away mid-request."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import free_port, serving

from assistant import Assistant, Settings
from assistant.storage.keys import KeyStore

QUESTION = "How do I reduce SageMaker inference costs?"
COST = {"instance_type": "g5.xlarge", "hours_per_month": 730, "instance_count": 2}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, real_index: Path,
        model_dir: Path) -> Iterator[dict[str, Any]]:  # fmt: skip
    """`mlinfra serve` in its own process over a copy of the real index, and two keys."""
    data = tmp_path_factory.mktemp("api-data")
    shutil.copytree(real_index, data, dirs_exist_ok=True)
    keys = KeyStore(data)
    ana, bo = keys.create("ana"), keys.create("bo")
    port = free_port()
    env = dict(os.environ, MLINFRA_DATA_DIR=str(data), MLINFRA_MODEL_DIR=str(model_dir),
               HF_HUB_OFFLINE="1")  # fmt: skip
    env.pop("MLINFRA_AUTH", None)
    mlinfra = str(Path(sys.executable).with_name("mlinfra"))
    url = f"http://127.0.0.1:{port}"
    log = data / "serve.log"
    with serving([mlinfra, "serve", "--port", str(port)], f"{url}/healthz", log, env=env):
        yield {"url": url, "ana": ana.key, "bo": bo.key, "ana_id": ana.record.id,
               "keys": keys, "data": data, "log": log}  # fmt: skip


def _get(api: dict[str, Any], path: str, key: str | None = "ana", **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api[key]}"} if key else {}
    return httpx.get(api["url"] + path, headers=headers, timeout=60, **kw)


def _post(api: dict[str, Any], path: str, body: Any, key: str | None = "ana") -> httpx.Response:
    headers = {"Authorization": f"Bearer {api[key]}"} if key else {}
    return httpx.post(api["url"] + path, json=body, headers=headers, timeout=60)


def test_health_checks_need_no_key_and_everything_else_does(api: dict[str, Any]) -> None:
    assert _get(api, "/healthz", None).json() == {"status": "ok"}
    ready = _get(api, "/readyz", None)
    assert ready.status_code == 200 and ready.json()["chunks"] > 200
    assert ready.json()["price_rows"] > 30_000
    for path in ("/v1/sources", "/metrics", "/v1/conversations", "/v1/models"):
        refused = _get(api, path, None)
        assert refused.status_code == 401, path
        assert "Bearer" in refused.json()["detail"]
    wrong = api["ana"][:-4] + "AAAA"
    bad = httpx.get(api["url"] + "/v1/sources", headers={"Authorization": f"Bearer {wrong}"})
    assert bad.status_code == 401 and api["ana_id"] in bad.json()["detail"]
    assert wrong not in bad.text and wrong not in api["log"].read_text()


def test_ask_answers_with_citations_and_streams_lead_parts_answer(api: dict[str, Any]) -> None:
    answer = _post(api, "/v1/ask", {"question": QUESTION}).json()
    assert "[1]" in answer["text"] and answer["citations"][0]["source"].endswith(".md")
    asked = {"question": QUESTION, "stream": True}
    key = {"Authorization": f"Bearer {api['ana']}"}
    with httpx.stream("POST", api["url"] + "/v1/ask", json=asked, headers=key, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [block for block in r.read().decode().split("\n\n") if block]
    kinds = [e.split("\n")[0].removeprefix("event: ") for e in events]
    assert kinds[0] == "lead" and kinds[-1] == "answer" and set(kinds[1:-1]) <= {"part"}
    data = [json.loads(e.split("\n", 1)[1].removeprefix("data: ")) for e in events]
    assert "".join(d["text"] for d in data[:-1]) == data[-1]["text"] == answer["text"]


def test_bad_input_is_a_422_naming_the_field(api: dict[str, Any]) -> None:
    empty = _post(api, "/v1/ask", {"question": ""})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "question"]
    blank = _post(api, "/v1/ask", {"question": "   \x00  "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "question"]
    tool = _post(api, "/v1/tools/estimate_cost", {**COST, "hours_per_month": -5})
    assert tool.status_code == 422 and "hours_per_month" in tool.json()["detail"][0]["loc"]
    assert _post(api, "/v1/tools/no_such_tool", {}).status_code == 404


def test_each_tool_has_its_route_with_its_models(api: dict[str, Any]) -> None:
    from assistant.tools import estimate_cost

    got = _post(api, "/v1/tools/estimate_cost", COST)
    assert got.status_code == 200
    from assistant.tools.prices import using

    with using(Settings(data_dir=api["data"])):
        expected = estimate_cost(COST).model_dump(mode="json")
    assert got.json()["options"] == expected["options"]
    schema = _get(api, "/openapi.json").json()
    for name in ("choose_infrastructure", "estimate_cost", "select_accelerator", "find_prices"):
        assert f"/v1/tools/{name}" in schema["paths"]


def test_the_openai_client_gets_cited_answers_streamed_or_not(api: dict[str, Any]) -> None:
    import openai

    client = openai.OpenAI(base_url=api["url"] + "/v1", api_key=api["ana"])
    assert [m.id for m in client.models.list()] == ["mlinfra"]
    chat = [{"role": "system", "content": "You are helpful."},
            {"role": "user", "content": QUESTION}]  # fmt: skip
    done = client.chat.completions.create(model="mlinfra", messages=chat)  # type: ignore[arg-type]
    text = done.choices[0].message.content or ""
    assert "[1]" in text and done.choices[0].finish_reason == "stop"
    citations = (done.model_extra or {})["citations"]
    assert citations[0]["n"] == 1 and citations[0]["source"].endswith(".md")
    streamed = client.chat.completions.create(model="mlinfra", messages=chat, stream=True)  # type: ignore[arg-type]
    chunks = list(streamed)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == text
    assert (chunks[-1].model_extra or {})["citations"] == citations
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=api["url"] + "/v1", api_key="mlk_nope").models.list()


def test_conversations_are_kept_per_key_and_feed_the_history(api: dict[str, Any]) -> None:
    cid = _post(api, "/v1/conversations", {"title": "Serving"}).json()["id"]
    first = _post(api, "/v1/ask", {"question": QUESTION, "conversation_id": cid}).json()
    _post(api, "/v1/ask", {"question": "and for training?", "conversation_id": cid})
    kept = _get(api, f"/v1/conversations/{cid}").json()
    assert [m["role"] for m in kept["messages"]] == ["user", "assistant"] * 2
    assert kept["messages"][1]["content"] == first["text"]
    assert kept["messages"][1]["answer"]["citations"] == first["citations"]  # sources kept
    assert _get(api, f"/v1/conversations/{cid}", "bo").status_code == 404
    assert cid not in json.dumps(_get(api, "/v1/conversations", "bo").json())


def test_feedback_interview_and_sources(api: dict[str, Any]) -> None:
    answer = _post(api, "/v1/ask", {"question": QUESTION}).json()
    made = _post(api, "/v1/feedback", {"answer": answer, "rating": -1, "comment": "more"})
    assert made.status_code == 201
    from assistant.storage.feedback import FeedbackStore

    rows = FeedbackStore(api["data"]).rows()
    assert rows[-1]["comment"] == "more" and rows[-1]["question"] == QUESTION
    session = _post(api, "/v1/interview/sessions", {"count": 1, "order": "shuffle"})
    assert session.status_code == 201 and session.json()["question"]
    graded = _post(api, f"/v1/interview/sessions/{session.json()['id']}/answers",
                   {"answer": "Use multi-model endpoints and autoscaling."}).json()  # fmt: skip
    assert 0 <= graded["grade"]["score"] <= 10 and graded["answered"] == 1
    assert _get(api, f"/v1/interview/sessions/{session.json()['id']}", "bo").status_code == 404
    passages = _get(api, "/v1/sources", params={"q": "spot instances"}).json()["passages"]
    assert passages and all(p["source"].endswith(".md") for p in passages)
    assert len(_get(api, "/v1/sources").json()["documents"]) > 20


def test_metrics_count_requests_tools_and_declines(api: dict[str, Any]) -> None:
    _post(api, "/v1/tools/estimate_cost", COST)
    _post(api, "/v1/ask", {"question": "What is the best pizza topping?"})
    text = _get(api, "/metrics").text
    assert 'mlinfra_tool_calls_total{tool="estimate_cost"}' in text
    assert "mlinfra_declines_total" in text and "mlinfra_http_request_seconds_bucket" in text
    assert 'route="/v1/ask"' in text and api["ana"] not in text


def test_a_revoked_key_is_refused(api: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    spare = api["keys"].create("spare")
    api["spare"] = spare.key
    assert _get(api, "/v1/models", "spare").status_code == 200
    api["keys"].revoke(spare.record.id)
    import time

    time.sleep(5.2)  # the server's key answers are kept 5 s (storage.keys.CACHE_SECONDS)
    assert _get(api, "/v1/models", "spare").status_code == 401


def _app(real_bot: Assistant, tmp_path: Path, **settings: Any) -> Any:
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app

    config = real_bot.settings.model_copy(update={"data_dir": tmp_path, **settings})
    bot = Assistant(config, embedder=real_bot.embedder, store=real_bot.store)
    return TestClient(create_app(bot))


def test_rate_limit_is_a_429_with_retry_after(real_bot: Assistant, tmp_path: Path) -> None:
    client = _app(real_bot, tmp_path, auth="off", rate_limit=3)
    codes = [client.get("/v1/models").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/v1/models")
    assert int(refused.headers["Retry-After"]) >= 1 and "3 requests a minute" in refused.text
    assert client.get("/healthz").status_code == 200  # health checks are not limited


def test_a_body_over_the_cap_is_a_413(real_bot: Assistant, tmp_path: Path) -> None:
    client = _app(real_bot, tmp_path, auth="off", max_body_kb=1)
    big = client.post("/v1/ask", json={"question": "spot " * 400})
    assert big.status_code == 413 and "1 KiB" in big.text
    chunked = client.post("/v1/ask", content=iter([b'{"question": "', b"x" * 3000, b'"}']),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert chunked.status_code == 413
    assert client.post("/v1/ask", json={"question": "What is KServe?"}).status_code == 200


def test_cors_is_off_unless_origins_are_named(real_bot: Assistant, tmp_path: Path) -> None:
    preflight = {"Origin": "https://intranet.example", "Access-Control-Request-Method": "POST"}
    closed = _app(real_bot, tmp_path, auth="off").options("/v1/ask", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    open_ = _app(real_bot, tmp_path / "o", auth="off", cors_origins=["https://intranet.example"])
    allowed = open_.options("/v1/ask", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"


def test_the_database_going_away_is_a_503_and_the_next_request_after_it_works(
    real_bot: Assistant, tmp_path: Path, pg_server: Any
) -> None:
    from pydantic import SecretStr

    pg_server.create_db("apidown")
    url = pg_server.url.rsplit("/", 1)[0] + "/apidown"
    client = _app(real_bot, tmp_path, auth="off", database_url=SecretStr(url))
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    body = {"answer": answer, "rating": 1}
    assert client.post("/v1/feedback", json=body).status_code == 201
    pg_server.stop()
    try:
        down = client.post("/v1/feedback", json=body)
        assert down.status_code == 503 and "unavailable" in down.json()["detail"]
        assert down.headers["Retry-After"] == "5"
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    finally:
        pg_server.start()
    assert client.post("/v1/feedback", json=body).status_code == 201


def test_a_key_from_configuration_is_accepted_with_no_database_row(
    real_bot: Assistant, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    from assistant.storage.keys import config_entry, new_key

    made = new_key("k8s-bot")
    client = _app(real_bot, tmp_path, api_keys=SecretStr(config_entry(made)))
    ok = client.post("/v1/conversations", json={"title": "from a configured key"},
                     headers={"Authorization": f"Bearer {made.key}"})  # fmt: skip
    assert ok.status_code == 201, ok.text
    mine = client.get("/v1/conversations", headers={"Authorization": f"Bearer {made.key}"})
    assert [c["title"] for c in mine.json()["conversations"]] == ["from a configured key"]
    stranger = new_key("k8s-bot").key  # the same name, not a configured key
    refused = client.get("/v1/sources", headers={"Authorization": f"Bearer {stranger}"})
    assert refused.status_code == 401
