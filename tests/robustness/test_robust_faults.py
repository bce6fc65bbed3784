"""Faults: the vector store server going away and coming back, the embedded index deleted,
an ingest killed midway, the data directory read-only or full. Each ends in a clear
message naming what failed and an index that is whole afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import HashEmbedder
from servers import free_port, serving

from assistant import Assistant, Settings
from assistant.errors import MlinfraError, StoreUnavailableError

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"


def _kb(root: Path, copies: int = 1) -> Path:
    """A knowledge folder of real documents (each copied `copies` times)."""
    root.mkdir(parents=True)
    for path in sorted(KNOWLEDGE.glob("*.md"))[:8]:
        for i in range(copies):
            shutil.copy(path, root / f"{path.stem}-{i}.md")
    return root


def _settings(**fields: object) -> Settings:
    """Settings for the hash embedder, whose cosines sit below the real abstain threshold."""
    return Settings(abstain_threshold=-1.0, **fields)  # type: ignore[arg-type]


def _env(data: Path, kb: Path, model_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        MLINFRA_DATA_DIR=str(data),
        MLINFRA_KNOWLEDGE_DIR=str(kb),
        MLINFRA_MODEL_DIR=str(model_dir),
        HF_HUB_OFFLINE="1",
    )


# -- the Chroma server stops mid-session ----------------------------------------------------


def test_a_lost_chroma_server_is_named_and_questions_work_again_when_it_returns(
    tmp_path: Path,
) -> None:
    exe = Path(sys.executable).with_name("chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = [str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    settings = _settings(
        chroma_url=url, knowledge_dir=_kb(tmp_path / "kb"), data_dir=tmp_path / "d"
    )
    bot = Assistant(settings, embedder=HashEmbedder())
    question = "How do spot instances cut training cost?"
    with serving(run, f"{url}/api/v2/heartbeat", tmp_path / "chroma-1.log"):
        before = bot.ask(question)
    assert before.citations

    with pytest.raises(StoreUnavailableError) as lost:  # the server is gone
        bot.ask(question)
    assert url in str(lost.value)

    with serving(run, f"{url}/api/v2/heartbeat", tmp_path / "chroma-2.log"):
        after = bot.ask(question)  # the same Assistant, no restart
    assert after.text == before.text


# -- the embedded index deleted between runs -----------------------------------------------


@pytest.mark.slow
def test_a_deleted_embedded_index_is_rebuilt_from_the_knowledge_folder(
    tmp_path: Path, model_dir: Path
) -> None:
    kb, data = _kb(tmp_path / "kb"), tmp_path / "d"
    mlinfra = str(Path(sys.executable).with_name("mlinfra"))
    env = _env(data, kb, model_dir)
    question = "How do spot instances cut training cost?"
    first = subprocess.run([mlinfra, "ask", question], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr

    shutil.rmtree(data / "chroma")  # between runs
    again = subprocess.run([mlinfra, "ask", question], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "building it from" in again.stderr  # the log line says what happened
    assert again.stdout == first.stdout  # the same cited answer from the rebuilt index
    assert (data / "chroma" / "chroma.sqlite3").exists()


# -- an ingest killed midway -----------------------------------------------------------------


@pytest.mark.slow
def test_an_ingest_killed_midway_is_completed_by_the_next_run(
    tmp_path: Path, model_dir: Path, onnx_embedder
) -> None:  # type: ignore[no-untyped-def]
    kb = _kb(tmp_path / "kb", copies=6)  # 48 files: long enough to kill halfway
    data = tmp_path / "d"
    mlinfra = str(Path(sys.executable).with_name("mlinfra"))
    proc = subprocess.Popen(
        [mlinfra, "ingest"], env=_env(data, kb, model_dir),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    store_file = data / "chroma" / "chroma.sqlite3"
    deadline = time.monotonic() + 120
    # Kill it once it has written some chunks (the store file grows past its empty size).
    while time.monotonic() < deadline and proc.poll() is None:
        if store_file.exists() and store_file.stat().st_size > 400_000:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    settings = Settings(knowledge_dir=kb, data_dir=data, model_dir=model_dir)
    resumed = Assistant(settings, embedder=onnx_embedder)
    report = resumed.ingest()
    assert report.unchanged > 0 or report.updated > 0  # it kept what the killed run wrote
    assert report.added + report.updated + report.unchanged == 48

    # The ids a clean run writes (a chunk's id is its source, heading and text, whatever
    # embeds it; the hash embedder spares a second real embedding of 48 files).
    clean = Assistant(
        Settings(knowledge_dir=kb, data_dir=tmp_path / "clean", model_dir=model_dir),
        embedder=HashEmbedder(),
    )
    clean.ingest()
    ids = {c.id for c in resumed.store.all_chunks()}
    assert ids == {c.id for c in clean.store.all_chunks()}
    assert resumed.store.count() == len(ids)  # nothing written twice, nothing missing


# -- the data directory read-only or full ----------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A small tmpfs at `path` (root only); the test is skipped where mounting is not
    allowed. As root a read-only folder cannot be made by chmod, hence the mount."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_data_directory_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    settings = _settings(knowledge_dir=_kb(tmp_path / "kb"), data_dir=tmp_path / "ro" / "data")
    with tmpfs(tmp_path / "ro", "ro,size=1m"):
        bot = Assistant(settings, embedder=HashEmbedder())
        with pytest.raises(MlinfraError) as failed:
            bot.ask("How do spot instances cut training cost?")
        assert str(tmp_path / "ro" / "data") in str(failed.value)
        from assistant.models import Answer
        from assistant.storage.feedback import FeedbackStore

        with pytest.raises((MlinfraError, OSError)) as feedback:
            FeedbackStore(settings.data_dir).add(Answer(question="q", text="a"), 1)
        assert str(tmp_path / "ro" / "data") in str(feedback.value)


def test_a_full_data_directory_is_a_clear_error_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    kb = _kb(tmp_path / "kb", copies=6)
    disk = tmp_path / "small"
    settings = _settings(knowledge_dir=kb, data_dir=disk / "data")
    with tmpfs(disk, "size=600k"):
        first = Assistant(settings, embedder=HashEmbedder())
        with pytest.raises(MlinfraError) as full:
            first.ingest()
        message = str(full.value)
        assert str(disk / "data") in message
        assert "space" in message.lower() or "full" in message.lower()

        # Room again (the volume grown): the next run completes the index.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        # The same assistant (a UI kept open) and a new one (the next CLI run) both can.
        first.ingest()
        bot = Assistant(settings, embedder=HashEmbedder())
        report = bot.ingest()
        clean = Assistant(
            _settings(knowledge_dir=kb, data_dir=tmp_path / "clean"), embedder=HashEmbedder()
        )
        clean.ingest()
        assert {c.id for c in bot.store.all_chunks()} == {c.id for c in clean.store.all_chunks()}
        assert report.total_chunks == clean.store.count()
