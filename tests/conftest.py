"""Shared fixtures. Every test gets its own MLINFRA_DATA_DIR, so no test touches the
developer's index; the exported ONNX model is shared by the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MLINFRA_LIVE_TESTS"):
        return
    skip = pytest.mark.skip(reason="needs a real LLM provider; set MLINFRA_LIVE_TESTS=1")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export per test session (a few seconds), shared by every test."""
    from assistant.embeddings import export_onnx

    path = tmp_path_factory.mktemp("models")
    export_onnx(path)
    return path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("MLINFRA_DATA_DIR", str(data))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for var in (
        "MLINFRA_CHROMA_URL",
        "MLINFRA_KNOWLEDGE_DIR",
        "MLINFRA_MODEL_DIR",
        "MLINFRA_K",
        "MLINFRA_PRICE_SNAPSHOT",
        "MLINFRA_PRICES",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # a developer's .env must not leak into tests
    yield data


@pytest.fixture(scope="session")
def onnx_embedder(model_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.embeddings import OnnxEmbedder

    return OnnxEmbedder(model_dir)


@pytest.fixture(scope="session")
def real_bot(tmp_path_factory: pytest.TempPathFactory, model_dir: Path, onnx_embedder):  # type: ignore[no-untyped-def]
    """The assistant users run: real knowledge, real packaged model, embedded Chroma.
    Built once per session (the index is only read by the tests that share it)."""
    from assistant import Assistant, Settings

    data = tmp_path_factory.mktemp("real-data")
    settings = Settings(data_dir=data, knowledge_dir=KNOWLEDGE, model_dir=model_dir)
    bot = Assistant(settings, embedder=onnx_embedder)
    bot.ingest()
    return bot


@pytest.fixture
def served_app(real_bot, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The web UI served by `streamlit run` on 127.0.0.1 over the real index; its URL."""
    from servers import free_port, serving, streamlit_command

    port = free_port()
    env = dict(
        os.environ,
        MLINFRA_DATA_DIR=str(real_bot.settings.data_dir),
        MLINFRA_MODEL_DIR=str(real_bot.settings.model_dir),
        HF_HUB_OFFLINE="1",
    )
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    with serving(streamlit_command(port), f"{url}/_stcore/health", log, cwd=tmp_path, env=env):
        yield url
