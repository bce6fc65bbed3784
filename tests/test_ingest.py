"""Ingest mechanics on embedded Chroma with a counting embedder (no model weights)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import HashEmbedder

from assistant.composer import contexts_of
from assistant.errors import KnowledgeNotFoundError
from assistant.ingest import ingest
from assistant.store import VectorStore


def _doc(title: str, body: str) -> str:
    return f"---\ntitle: {title}\nsources: []\nreviewed: 2026-11-28\n---\n\n# {title}\n\n{body}\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "cloud").mkdir(parents=True)
    (root / "spot.md").write_text(_doc("Spot", "Spot capacity is cheap but can be reclaimed."))
    (root / "tpu.md").write_text(_doc("TPU", "TPUs suit large transformer training."))
    (root / "cloud" / "vertex.md").write_text(_doc("Vertex", "Vertex AI serves models."))
    return root


def _run(root: Path, store: VectorStore, embedder: HashEmbedder, paths=None):  # type: ignore[no-untyped-def]
    return ingest(paths or [root], store=store, embedder=embedder, knowledge_dir=root)


@pytest.fixture
def store(tmp_path: Path) -> VectorStore:
    return VectorStore(data_dir=tmp_path / "data", collection="test_chunks")


def test_first_run_adds_then_rerun_embeds_nothing(kb: Path, store: VectorStore) -> None:
    embedder = HashEmbedder()
    first = _run(kb, store, embedder)
    assert (first.added, first.updated, first.removed, first.unchanged) == (3, 0, 0, 0)
    assert first.total_chunks == store.count() == 3
    # each chunk once, then each of its sentences once (for the composer)
    sentences = [t for c in store.all_chunks() for t in contexts_of(c)]
    assert len(embedder.embedded) == 3 + len(sentences) and set(sentences) <= set(embedder.embedded)
    sources = {c.source for c in store.all_chunks()}
    assert sources == {"spot.md", "tpu.md", "cloud/vertex.md"}

    embedder.embedded.clear()
    again = _run(kb, store, embedder)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)
    assert embedder.embedded == []
    assert again.total_chunks == 3


def test_changing_one_file_reembeds_only_its_chunks(kb: Path, store: VectorStore) -> None:
    embedder = HashEmbedder()
    _run(kb, store, embedder)
    before = {c.id: c for c in store.all_chunks()}
    (kb / "tpu.md").write_text(_doc("TPU", "TPU v5e pods suit cost-efficient training."))
    embedder.embedded.clear()
    report = _run(kb, store, embedder)
    assert (report.updated, report.unchanged, report.chunks_embedded) == (1, 2, 1)
    assert all("v5e" in t for t in embedder.embedded)
    after = {c.id: c for c in store.all_chunks()}
    assert len(after) == 3
    tpu = [c for c in after.values() if c.source == "tpu.md"]
    assert len(tpu) == 1 and "v5e" in tpu[0].text  # the old chunk was replaced
    assert {i for i in before if before[i].source != "tpu.md"} <= set(after)


def test_deleting_a_file_removes_its_chunks(kb: Path, store: VectorStore) -> None:
    embedder = HashEmbedder()
    _run(kb, store, embedder)
    (kb / "cloud" / "vertex.md").unlink()
    report = _run(kb, store, embedder)
    assert (report.removed, report.chunks_deleted) == (1, 1)
    assert "cloud/vertex.md" not in {c.source for c in store.all_chunks()}
    assert store.count() == 2


def test_unsupported_and_unreadable_files_warn_by_name_and_the_rest_goes_on(
    kb: Path, store: VectorStore
) -> None:
    (kb / "diagram.png").write_bytes(b"\x89PNG\r\n")
    (kb / "latin1.md").write_bytes("# Caf\xe9\n\nBad bytes.\n".encode("latin-1"))
    (kb / "notes.txt").write_text("Plain text notes about autoscaling endpoints.\n")
    report = _run(kb, store, HashEmbedder())
    text = "\n".join(report.warnings)
    assert "diagram.png" in text and "only .md and .txt" in text
    assert "latin1.md" in text and "UTF-8" in text
    assert report.added == 4  # three markdown files and the .txt
    assert "notes.txt" in {c.source for c in store.all_chunks()}


def test_missing_path_is_an_error_naming_it(tmp_path: Path, store: VectorStore) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(KnowledgeNotFoundError, match="nowhere"):
        ingest([missing], store=store, embedder=HashEmbedder(), knowledge_dir=missing)


def test_interrupted_update_is_repaired_on_the_next_run(kb: Path, store: VectorStore) -> None:
    embedder = HashEmbedder()
    _run(kb, store, embedder)
    # Simulate a run killed after writing the new chunks but before deleting old ones.
    (kb / "spot.md").write_text(_doc("Spot", "Spot capacity suits checkpointed training."))
    from assistant.ingest import SourceFile, _read, chunk_file

    text, digest, _ = _read(kb / "spot.md")
    assert text is not None
    chunks, _ = chunk_file(
        SourceFile(kb / "spot.md", "spot.md", str(kb.resolve())), text, digest, 900, 120
    )
    store.upsert(chunks, embedder.embed([c.text for c in chunks]), str(kb.resolve()))
    assert len([c for c in store.all_chunks() if c.source == "spot.md"]) == 2
    report = _run(kb, store, embedder)
    assert report.updated == 1
    spot = [c for c in store.all_chunks() if c.source == "spot.md"]
    assert len(spot) == 1 and "checkpointed" in spot[0].text


def test_the_data_folder_holds_tool_tables_and_is_not_ingested(
    kb: Path, store: VectorStore
) -> None:
    (kb / "data").mkdir()
    (kb / "data" / "prices.csv").write_text("provider,usd_per_hour\naws,1.0\n")
    (kb / "data" / "NOTES.md").write_text("# Notes\n\nAbout the price table.\n")
    report = _run(kb, store, HashEmbedder())
    assert report.added == 3 and report.warnings == []
    assert not any(c.source.startswith("data/") for c in store.all_chunks())
