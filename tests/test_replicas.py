"""Scale out: two `mlinfra serve` processes, each with its own empty data dir, sharing one
`chroma run` server and one PostgreSQL. Requests interleaved between them (feedback, a
conversation, interview turns) are read back from either: no state lives in a replica."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import KNOWLEDGE
from servers import free_port, serving

from assistant import Assistant, Settings
from assistant.storage.feedback import FeedbackStore
from assistant.storage.keys import KeyStore

MLINFRA = str(Path(sys.executable).with_name("mlinfra"))


@pytest.fixture
def shared(tmp_path: Path, pg_server: Any, model_dir: Path, onnx_embedder: Any
           ) -> Iterator[dict[str, Any]]:  # fmt: skip
    """A Chroma server with a small real index, a PostgreSQL database and a key."""
    exe = Path(sys.executable).with_name("chroma")
    command = str(exe) if exe.exists() else shutil.which("chroma")
    assert command, "the chroma CLI ships with chromadb"
    kb = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE / "data", kb / "data")
    shutil.copytree(KNOWLEDGE / "interview", kb / "interview")
    for path in [*KNOWLEDGE.glob("vertex-ai*.md"), *KNOWLEDGE.glob("inference-cost*.md")]:
        shutil.copy(path, kb / path.name)
    port = free_port()
    chroma = f"http://127.0.0.1:{port}"
    run = [command, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    pg_server.create_db("replicas")
    database = pg_server.url.rsplit("/", 1)[0] + "/replicas"
    with serving(run, f"{chroma}/api/v2/heartbeat", tmp_path / "chroma.log"):
        settings = Settings(chroma_url=chroma, knowledge_dir=kb, data_dir=tmp_path / "ingest",
                            model_dir=model_dir)  # fmt: skip
        assert Assistant(settings, embedder=onnx_embedder).ingest().total_chunks > 10
        key = KeyStore(tmp_path / "unused", database).create("team").key
        yield {"chroma": chroma, "database": database, "kb": kb, "key": key}


def test_two_api_processes_share_the_index_and_the_database(
    shared: dict[str, Any], tmp_path: Path, model_dir: Path
) -> None:
    urls = []
    with_servers = []
    for name in ("a", "b"):
        port = free_port()
        env = dict(os.environ, MLINFRA_DATA_DIR=str(tmp_path / f"replica-{name}"),
                   MLINFRA_CHROMA_URL=shared["chroma"], MLINFRA_DATABASE_URL=shared["database"],
                   MLINFRA_KNOWLEDGE_DIR=str(shared["kb"]), MLINFRA_MODEL_DIR=str(model_dir),
                   HF_HUB_OFFLINE="1")  # fmt: skip
        env.pop("MLINFRA_AUTH", None)
        url = f"http://127.0.0.1:{port}"
        with_servers.append(serving([MLINFRA, "serve", "--port", str(port)], f"{url}/healthz",
                                    tmp_path / f"serve-{name}.log", env=env))  # fmt: skip
        urls.append(url)
    headers = {"Authorization": f"Bearer {shared['key']}"}

    def post(i: int, path: str, body: Any) -> Any:
        got = httpx.post(urls[i % 2] + path, json=body, headers=headers, timeout=120)
        assert got.status_code in (200, 201), (urls[i % 2], path, got.text)
        return got.json()

    def get(i: int, path: str) -> Any:
        got = httpx.get(urls[i % 2] + path, headers=headers, timeout=120)
        assert got.status_code == 200, (urls[i % 2], path, got.text)
        return got.json()

    a, b = with_servers
    with a, b:
        assert all(get(i, "/readyz")["chunks"] > 10 for i in range(2))  # the shared index
        question = "How do I reduce SageMaker inference costs?"
        cid = post(0, "/v1/conversations", {"title": "across replicas"})["id"]
        answers = [post(i, "/v1/ask", {"question": q, "conversation_id": cid})
                   for i, q in enumerate([question, "and with serverless inference?",
                                          "What is Vertex AI Vizier?"])]  # fmt: skip
        for i in range(2):
            kept = get(i, f"/v1/conversations/{cid}")["messages"]
            assert [m["content"] for m in kept[1::2]] == [a["text"] for a in answers]
        for i in range(4):
            post(i, "/v1/feedback", {"answer": answers[0], "rating": 1, "comment": f"from {i}"})
        session = post(1, "/v1/interview/sessions", {"count": 2, "order": "shuffle"})
        turn = post(0, f"/v1/interview/sessions/{session['id']}/answers",
                    {"answer": "Use autoscaling and spot capacity."})  # fmt: skip
        assert turn["answered"] == 1
        again = get(1, f"/v1/interview/sessions/{session['id']}")
        assert again["answered"] == 1 and again["of"] == 2
    comments = [r["comment"] for r in FeedbackStore(tmp_path, shared["database"]).rows()]
    assert comments == [f"from {i}" for i in range(4)]
    # Nothing was kept in a replica's own data dir but its caches (no index, no database).
    for name in ("a", "b"):
        local = tmp_path / f"replica-{name}"
        assert not (local / "chroma").exists() and not (local / "mlinfra.sqlite3").exists()
