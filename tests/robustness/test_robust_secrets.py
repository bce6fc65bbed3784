"""Secrets: an API key planted in the environment and in `.env` is used for the provider
and never appears in an answer, a notice, a log line, an exported transcript, the feedback
export, the CLI's output or the web UI, even when the provider's error quotes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import ScriptedChatModel, raises

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
