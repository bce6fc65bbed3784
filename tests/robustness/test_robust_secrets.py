"""Secrets: an API key planted in the environment and in `.env` is used for the provider
and never appears in an answer, a notice, a log line, an exported transcript, the feedback
export, the CLI's output or the web UI, even when the provider's error quotes it. An HTTP
API key (`mlinfra keys`) never appears in a response, an error, the server's log, the
metrics or the database, however it is sent."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from fakes import ScriptedChatModel, raises
from servers import free_port, serving

from assistant import Assistant, Settings
from assistant.models import conversation_json, conversation_markdown

REPO = Path(__file__).resolve().parents[2]
ENV_KEY = "sk-mlinfra-PLANTED-env-7f3a9c2e51b84d06"
DOTENV_KEY = "sk-mlinfra-PLANTED-dotenv-0b1c2d3e4f5a"
QUESTION = "How do I reduce SageMaker inference costs?"


def _leaky_provider():  # type: ignore[no-untyped-def]
    """A provider that answers every call with the 401 real ones send, quoting the key."""
    return ScriptedChatModel.make(
        [raises(PermissionError(f"Incorrect API key provided: {ENV_KEY} (also {DOTENV_KEY})"))]
    )


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    (tmp_path / ".env").write_text(f"MLINFRA_LLM_API_KEY={DOTENV_KEY}\n")  # cwd is tmp_path


def _assert_clean(*surfaces: str) -> None:
    for text in surfaces:
        assert ENV_KEY not in text and DOTENV_KEY not in text
        assert "PLANTED" not in text


def test_keys_come_from_the_environment_and_dotenv(planted: None) -> None:
    from assistant import secrets

    settings = Settings()
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == DOTENV_KEY  # read from .env
    _assert_clean(repr(settings), str(settings), settings.model_dump_json())
    assert secrets.provider_key("openai") == DOTENV_KEY  # MLINFRA_LLM_API_KEY first
    Path(".env").unlink()
    assert secrets.provider_key("openai") == ENV_KEY  # then the provider's own variable
    assert secrets.provider_key("ollama") is None


def test_a_key_quoted_by_the_provider_never_reaches_what_the_user_sees(
    planted: None, real_bot: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    from assistant.storage.feedback import FeedbackStore

    settings = Settings(
        data_dir=real_bot.settings.data_dir,
        model_dir=real_bot.settings.model_dir,
        llm="openai:gpt-4o-mini",
    )
    bot = Assistant(
        settings, embedder=real_bot.embedder, store=real_bot.store, chat_model=_leaky_provider()
    )
    with caplog.at_level("DEBUG"):
        answer = bot.ask(QUESTION)
    assert "answered offline" in answer.text  # the fallback notice is shown ...
    assert "[redacted]" in answer.text  # ... with the provider's error, key removed
    store = FeedbackStore(settings.data_dir)
    store.add(answer, -1, comment="the LLM failed")
    _assert_clean(
        answer.text,
        *answer.notices,
        answer.to_markdown(),
        conversation_markdown([answer]),
        conversation_json([answer]),
        json.dumps(answer.model_dump(), default=str),
        caplog.text,
        store.export("csv"),
        store.export("json"),
    )


def test_the_cli_does_not_print_a_planted_key(
    planted: None, real_bot: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.agent import llm
    from assistant.cli import app

    monkeypatch.setenv("MLINFRA_DATA_DIR", str(real_bot.settings.data_dir))
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(real_bot.settings.model_dir))
    monkeypatch.setenv("MLINFRA_LLM", "openai:gpt-4o-mini")
    monkeypatch.setattr(llm, "load_chat_model", lambda settings: _leaky_provider())
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 0, result.output
    assert "answered offline" in result.output
    _assert_clean(result.output)


def test_the_web_ui_does_not_show_a_planted_key(
    planted: None, real_bot: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    streamlit = pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    from assistant.agent import llm

    monkeypatch.setenv("MLINFRA_DATA_DIR", str(real_bot.settings.data_dir))
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(real_bot.settings.model_dir))
    monkeypatch.setenv("MLINFRA_LLM", "openai:gpt-4o-mini")
    monkeypatch.setattr(llm, "load_chat_model", lambda settings: _leaky_provider())
    streamlit.cache_resource.clear()
    try:
        at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=90)
        at.run()
        at.chat_input[0].set_value(QUESTION).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = [str(getattr(e, "value", "")) for e in at.main] + [
            str(getattr(e, "value", "")) for e in at.sidebar
        ]
        page = "\n".join(m.value for m in at.markdown) + "\n".join(shown)
        assert "answered offline" in page
        _assert_clean(page)
    finally:
        streamlit.cache_resource.clear()


def test_an_http_api_key_never_leaves_the_server(
    real_index: Path, model_dir: Path, tmp_path: Path
) -> None:
    import httpx

    from assistant.storage.keys import KeyStore

    data = tmp_path / "api"
    shutil.copytree(real_index, data)
    key = KeyStore(data).create("planted-bot").key
    kid, secret = key.split("_")[1], key.split("_", 2)[2]
    tampered = key[:-6] + ("AAAAAA" if not key.endswith("AAAAAA") else "BBBBBB")
    port, log = free_port(), tmp_path / "serve.log"
    env = dict(os.environ, MLINFRA_DATA_DIR=str(data), MLINFRA_MODEL_DIR=str(model_dir),
               MLINFRA_RATE_LIMIT="6", HF_HUB_OFFLINE="1")  # fmt: skip
    env.pop("MLINFRA_AUTH", None)
    url = f"http://127.0.0.1:{port}"
    mlinfra = str(Path(sys.executable).with_name("mlinfra"))
    seen: list[str] = []
    with serving([mlinfra, "serve", "--port", str(port)], f"{url}/healthz", log, env=env), \
            httpx.Client(base_url=url, timeout=60) as http:  # fmt: skip

        def send(method: str, path: str, headers: dict[str, str], **kw: object) -> int:
            r = http.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
            seen.extend([r.text, repr(dict(r.headers))])
            return r.status_code

        good = {"Authorization": f"Bearer {key}"}
        assert send("GET", "/v1/sources", good) == 200
        cost = {"instance_type": "g5.xlarge", "hours_per_month": 730}
        assert send("POST", "/v1/tools/estimate_cost", good, json=cost) == 200
        assert send("POST", "/v1/ask", good, json={"question": 7}) == 422
        assert send("POST", "/v1/ask", good, content=b"{not json") == 422
        # The key sent every wrong way a user might: each refused, none echoed.
        assert send("GET", f"/v1/sources?api_key={key}", {}) == 401
        assert send("GET", f"/v1/{key}", good) == 404
        for wrong in ({"Authorization": f"Bearer {tampered}"}, {"Authorization": key},
                      {"Authorization": f"Token {key}"}, {"X-API-Key": key},
                      {"Authorization": f"Bearer {key} {key}"}):  # fmt: skip
            assert send("GET", "/v1/sources", wrong) == 401, wrong
        statuses = [send("GET", "/v1/sources", good) for _ in range(6)]
        assert 429 in statuses  # the rate limit's refusal names the key by its id at most
        metrics = http.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    served = log.read_text()
    assert f"api_key=mlk_{kid}_[redacted]" in served  # the request was logged, key removed
    database = (data / "mlinfra.sqlite3").read_bytes().decode("latin-1")
    for text in (*seen, metrics.text, served, database):
        assert secret not in text and tampered.split("_", 2)[2] not in text
    assert any(kid in text for text in seen)  # refusals still say which key was meant
