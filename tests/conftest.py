"""Shared fixtures. Every test gets its own MLINFRA_DATA_DIR, so no test touches the
developer's index; the exported ONNX model is shared by the whole session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
# A developer's settings that must not reach a test.
UNSET = (
    "MLINFRA_CHROMA_URL",
    "MLINFRA_KNOWLEDGE_DIR",
    "MLINFRA_MODEL_DIR",
    "MLINFRA_K",
    "MLINFRA_PRICE_SNAPSHOT",
    "MLINFRA_PRICES",
)


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
    for var in UNSET:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # a developer's .env must not leak into tests
    yield data


@pytest.fixture(scope="session")
def onnx_embedder(model_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.embeddings import OnnxEmbedder

    return OnnxEmbedder(model_dir)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, model_dir: Path, onnx_embedder) -> Path:  # type: ignore[no-untyped-def]
    """A data dir with the real knowledge indexed by the real model, as `make install`
    leaves it (and the caches a first question writes). Built once per session and never
    used in place: `real_bot` and `indexed_data` work on copies of it."""
    from assistant import Assistant, Settings

    data = tmp_path_factory.mktemp("real-index")
    settings = Settings(data_dir=data, knowledge_dir=KNOWLEDGE, model_dir=model_dir)
    bot = Assistant(settings, embedder=onnx_embedder)
    bot.ingest()
    bot.ask("What does a g5.xlarge cost on SageMaker vs EKS 24/7?")  # the caches of a first use
    return data


@pytest.fixture(scope="session")
def real_bot(
    tmp_path_factory: pytest.TempPathFactory, real_index: Path, model_dir: Path, onnx_embedder
):  # type: ignore[no-untyped-def]
    """The assistant users run: real knowledge, real packaged model, embedded Chroma.
    Built once per session (the index is only read by the tests that share it)."""
    from assistant import Assistant, Settings

    data = tmp_path_factory.mktemp("real-data")
    shutil.copytree(real_index, data, dirs_exist_ok=True)
    settings = Settings(data_dir=data, knowledge_dir=KNOWLEDGE, model_dir=model_dir)
    bot = Assistant(settings, embedder=onnx_embedder)
    report = bot.ingest()  # incremental over the copy: nothing left to embed
    assert report.added == report.updated == report.removed == 0, report
    return bot


@pytest.fixture
def indexed_data(isolated_env: Path, real_index: Path) -> Path:
    """This test's own MLINFRA_DATA_DIR, holding a copy of the real index: for a CLI run or
    a new process that should find the index built (as after `make install`) rather than
    spend its time building it. First use on an empty data dir is tested in test_ask."""
    shutil.copytree(real_index, isolated_env)
    return isolated_env


@pytest.fixture(scope="session")
def grade_once(real_bot):  # type: ignore[no-untyped-def]
    """`real_bot.grade`, each (question, answer) graded once per session: the eval suite,
    the blind-level test and the calibration test grade the same few hundred answers, and
    a grade is a function of them (and the fixed index). Same `Grade` objects, read only."""
    grades: dict[tuple[str, str], object] = {}
    grade = real_bot.grade

    def once(question: str, answer: str):  # type: ignore[no-untyped-def]
        key = (question, answer)
        if key not in grades:
            grades[key] = grade(question, answer)
        return grades[key]

    return once


@pytest.fixture(scope="module")
def served_app(real_bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The web UI served by `streamlit run` on 127.0.0.1 over the real index; its URL.
    One server per module: each test opens its own browser session on it."""
    from servers import free_port, serving, streamlit_command

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(
        MLINFRA_DATA_DIR=str(real_bot.settings.data_dir),
        MLINFRA_MODEL_DIR=str(real_bot.settings.model_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    url = f"http://127.0.0.1:{port}"
    cwd = tmp_path_factory.mktemp("streamlit")
    log = cwd / "streamlit.log"
    with serving(streamlit_command(port), f"{url}/_stcore/health", log, cwd=cwd, env=env):
        yield url


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One real PostgreSQL server for the session (`pgserver.py`), on 127.0.0.1."""
    import tempfile

    import pgserver

    why = pgserver.available()
    if why:
        pytest.fail(why)  # `.ci/run` installs it; a missing server is a failure, not a skip
    with pgserver.running(Path(tempfile.mkdtemp(prefix="mlinfra-pg-"))) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty shared-state database on each backend: SQLite in this test's folder,
    or a new database on the session's PostgreSQL server."""
    from assistant.storage.db import forget_engines

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        server = request.getfixturevalue("pg_server")
        name = f"t{abs(hash(request.node.nodeid)) % 10**12}"
        server.create_db(name)  # type: ignore[attr-defined]
        yield server.url.rsplit("/", 1)[0] + f"/{name}"  # type: ignore[attr-defined]
    forget_engines()
