"""The snapshot of an embedded index (`assistant/index_snapshot.py`): a new process answers
from it without opening Chroma, with the same answer as from Chroma; it is believed only
while the store's own file carries its generation, so an index changed, corrupted, cut short
or replaced behind it is read from Chroma again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from fakes import HashEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import index_snapshot
from assistant.ingest import ingest
from assistant.models import Chunk
from assistant.retrieval import HybridRetriever
from assistant.sentence_store import cache_folder
from assistant.store import VectorStore

ASK = """
import json, sys
from assistant import Assistant
answer = Assistant().ask({q!r})
print(json.dumps({{"text": answer.text, "chroma": "chromadb" in sys.modules}}))
"""


def _kb(root: Path, n: int = 4) -> Path:
    root.mkdir(exist_ok=True)
    for i in range(n):
        (root / f"f{i}.md").write_text(
            f"# Topic {i}\n\n## Part {i}\n\nSpot capacity note {i} about checkpoints "
            f"and reclaimed nodes. Serverless endpoint note {i}.\n"
        )
    return root


def _folder(store: VectorStore) -> Path:
    return cache_folder(store.data_dir, store.where, store.collection_name)


def _chroma_generation(store: VectorStore) -> str:
    """The generation as Chroma itself reports it (the path before the snapshot)."""
    store._open()
    col = store._client.get_collection(store.collection_name)
    return f"{(col.metadata or {}).get('mlinfra_generation', '0')}:{col.count()}"


def _ids(chunks: list[Chunk]) -> list[str]:
    return sorted(c.id for c in chunks)


@pytest.mark.slow
def test_a_new_process_answers_from_the_snapshot_as_from_chroma(
    indexed_data: Path, model_dir: Path
) -> None:
    env = dict(os.environ, MLINFRA_MODEL_DIR=str(model_dir))
    question = "How do I reduce SageMaker inference costs?"

    def ask() -> dict[str, object]:
        done = subprocess.run([sys.executable, "-c", ASK.format(q=question)], env=env,
                              capture_output=True, text=True, cwd=REPO, check=True)  # fmt: skip
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    # The copied data dir carries the snapshot ingest wrote: a new process answers from it
    # without importing Chroma at all.
    first = ask()
    assert first["chroma"] is False and "[1]" in str(first["text"])
    for snapshot in indexed_data.rglob(index_snapshot.NAME):  # a corrupt one: Chroma again
        snapshot.write_text("{not json")
    second = ask()
    assert second["chroma"] is True and second["text"] == first["text"]
    third = ask()  # which kept a sound snapshot for the next
    assert third["chroma"] is False and third["text"] == first["text"]


def test_the_generation_read_from_the_file_is_chromas(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    assert store.generation() == "0:0" == _chroma_generation(store)  # an empty index
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    assert store.generation() == _chroma_generation(store)
    assert store.count() == 4
    (kb / "f0.md").unlink()
    (kb / "f9.md").write_text("# New\n\n## N\n\nA new note on TPUs.\n\nAnd another part.\n")
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    assert store.generation() == _chroma_generation(store)
    assert store.count() == len(store.all_chunks())


@settings(max_examples=12, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=5))
def test_the_retriever_always_sees_what_the_store_holds(
    edits: list[tuple[int, bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever ingests change (files added, edited, removed), a retriever made afterwards,
    from the snapshot, holds exactly the store's chunks and vectors."""
    root = tmp_path_factory.mktemp("snap")
    kb = _kb(root / "kb", 2)
    store = VectorStore(data_dir=root / "d", collection="chunks")
    embedder = HashEmbedder()
    ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    for n, (i, keep) in enumerate(edits):
        path = kb / f"f{i}.md"
        if keep:
            path.write_text(f"# File {i}\n\n## Edit {n}\n\nNotes on checkpoint {n} here.\n")
        else:
            path.unlink(missing_ok=True)
        ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
        kept = index_snapshot.read(_folder(store), store.generation())
        assert kept is not None  # every ingest leaves one for the next process
        chunks, matrix = store.all_chunks_with_vectors()
        row = {c.id: i for i, c in enumerate(chunks)}
        assert _ids(kept[0]) == _ids(chunks)
        assert np.allclose(kept[1], matrix[[row[c.id] for c in kept[0]]])
        fresh = HybridRetriever(VectorStore(data_dir=root / "d", collection="chunks"), embedder)
        fresh.refresh()
        assert fresh._dense is not None and _ids(fresh._dense.chunks) == _ids(chunks)


def test_a_store_changed_behind_the_snapshot_is_read_again(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    embedder = HashEmbedder()
    ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    # A write that is no ingest of ours (no snapshot removed, no generation bumped).
    extra = Chunk(id="extra", source="x.md", heading="X", text="Added behind the snapshot.",
                  line_start=1, line_end=1, file_hash="h")  # fmt: skip
    store.upsert([extra], embedder.embed([extra.text]), "root")
    other = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    retriever = HybridRetriever(other, embedder)
    hits = retriever.retrieve("added behind the snapshot", 3)
    assert hits[0].chunk.id == "extra"


def test_an_ingest_cut_short_leaves_no_snapshot_to_believe(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    assert (_folder(store) / index_snapshot.NAME).exists()

    class Killed(HashEmbedder):
        def embed(self, texts: list[str]) -> np.ndarray:
            if len(self.embedded) > 0:
                raise RuntimeError("killed")
            return super().embed(texts)

    for i in range(4):
        (kb / f"f{i}.md").write_text(f"# T\n\n## P\n\nRewritten note {i} on TPU pods.\n")
    with pytest.raises(RuntimeError, match="killed"):
        ingest([kb], store=store, embedder=Killed(), knowledge_dir=kb)
    assert not (_folder(store) / index_snapshot.NAME).exists()
    fresh = HybridRetriever(VectorStore(data_dir=tmp_path / "d", collection="chunks"),
                            HashEmbedder())  # fmt: skip
    fresh.refresh()
    assert fresh._dense is not None
    assert _ids(fresh._dense.chunks) == _ids(store.all_chunks())  # the half-written store


def test_a_snapshot_that_cannot_be_written_is_a_warning_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    chunk = Chunk(id="a", source="a.md", heading="A", text="t", line_start=1, line_end=1)
    with caplog.at_level("WARNING"):
        index_snapshot.write(blocked, "1:1", [chunk], np.ones((1, 4), np.float32))
    assert "cannot keep the index snapshot" in caplog.text
    assert index_snapshot.read(blocked, "1:1") is None
    assert blocked.read_text() == "a file where the folder should be"
