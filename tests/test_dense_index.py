"""The in-memory dense ranking (indexes up to `IN_MEMORY_CHUNKS`): exact cosine order, the
same passages as Chroma's ranking on a small index, and Chroma's ranking above the size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes import HashEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assistant import retrieval
from assistant.ingest import ingest
from assistant.models import Chunk
from assistant.retrieval import HybridRetriever, _DenseIndex
from assistant.store import VectorStore

TOPICS = ["spot capacity checkpoints", "serverless endpoints scale to zero", "tpu pods train",
          "multi-model endpoints share instances", "reserved capacity discounts",
          "kubernetes gpu node pools", "batch transform jobs", "vertex ai pipelines"]  # fmt: skip


def _chunk(i: int) -> Chunk:
    return Chunk(id=f"c{i}", source="s.md", heading="H", text=f"t{i}", line_start=1,
                 line_end=1, file_hash="h", title="")  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    rows=arrays(
        np.float32, st.tuples(st.integers(1, 40), st.just(8)), elements=st.floats(-1, 1, width=32)
    ),  # fmt: skip
    query=arrays(np.float32, 8, elements=st.floats(-1, 1, width=32)),
    n=st.integers(1, 50),
)
def test_dense_search_returns_the_n_highest_cosines_best_first(rows, query, n) -> None:  # type: ignore[no-untyped-def]
    index = _DenseIndex([_chunk(i) for i in range(len(rows))], rows)
    got = index.search(query, n)
    scores = rows @ query
    assert len(got) == min(n, len(rows))
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    assert np.allclose([s for _, s in got], np.sort(scores)[::-1][: len(got)])


def test_in_memory_ranking_matches_chroma_on_a_small_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for i, topic in enumerate(TOPICS):
        (kb / f"f{i}.md").write_text(f"# T{i}\n\n## {topic}\n\nNotes on {topic} and costs.\n")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    embedder = HashEmbedder()
    ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    memory = HybridRetriever(store, embedder)
    monkeypatch.setattr(retrieval, "IN_MEMORY_CHUNKS", 0)  # this one asks Chroma
    chroma = HybridRetriever(store, embedder)
    chroma.refresh()
    monkeypatch.undo()
    memory.refresh()
    assert memory._dense is not None and chroma._dense is None
    for topic in TOPICS:
        question = f"how do {topic} work?"
        a, b = memory.retrieve(question, 5), chroma.retrieve(question, 5)
        assert [h.chunk.id for h in a] == [h.chunk.id for h in b]
        assert np.allclose([h.dense for h in a], [h.dense for h in b], atol=1e-5)
