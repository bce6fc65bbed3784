"""Server mode against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import HashEmbedder
from servers import free_port, serving

from assistant import Assistant, Settings
from assistant.errors import StoreUnavailableError

pytestmark = pytest.mark.server


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    exe = Path(sys.executable).with_name("chroma")
    command = str(exe) if exe.exists() else shutil.which("chroma")
    assert command, "the chroma CLI ships with chromadb; it should be installed"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = [command, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    with serving(run, f"{url}/api/v2/heartbeat", tmp_path / "chroma.log"):
        yield url


def _kb(root: Path) -> Path:
    root.mkdir()
    (root / "spot.md").write_text(
        "# Spot\n\nSpot capacity cuts training cost when jobs checkpoint their progress.\n"
    )
    (root / "serving.md").write_text(
        "# Serving\n\nReal-time endpoints answer requests synchronously with low latency.\n"
    )
    return root


def test_ingest_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    settings = Settings(
        chroma_url=chroma_url, knowledge_dir=kb, data_dir=tmp_path / "d", abstain_threshold=-1.0
    )
    bot = Assistant(settings, embedder=HashEmbedder())
    report = bot.ingest()
    assert (report.added, report.total_chunks) == (2, 2)
    # A second replica (a fresh Assistant) sees the same index and changes nothing.
    replica = Assistant(settings, embedder=HashEmbedder())
    assert replica.ingest().unchanged == 2
    answer = replica.ask("spot capacity checkpoint training cost")
    assert answer.citations and answer.citations[0].source == "spot.md"
    assert not (tmp_path / "d" / "chroma").exists()  # nothing was stored locally


def test_unreachable_server_is_a_clear_error_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    bot = Assistant(Settings(chroma_url=url, data_dir=tmp_path), embedder=HashEmbedder())
    with pytest.raises(StoreUnavailableError, match=url.replace(".", r"\.")):
        bot.ask("How do I reduce SageMaker inference costs?")
