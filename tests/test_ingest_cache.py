"""What ingest keeps beside the index: the sentence vectors the composer reads (so an
answer embeds only its question) and the manifest of indexed file versions (so a no-op
re-ingest does not read every record back), each trusted only while it matches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes import HashEmbedder

from assistant import Assistant
from assistant.composer import contexts_of
from assistant.config import Settings
from assistant.embeddings import model_key
from assistant.ingest import ingest
from assistant.sentence_store import SentenceStore, cache_folder
from assistant.store import VectorStore


def _kb(root: Path) -> Path:
    root.mkdir()
    (root / "spot.md").write_text(
        "# Spot\n\n## Checkpoints\n\nSpot capacity cuts training cost when jobs checkpoint "
        "their progress. Reclaimed nodes resume from the last checkpoint.\n"
    )
    (root / "serving.md").write_text(
        "# Serving\n\n## Endpoints\n\nReal-time endpoints answer requests synchronously. "
        "Serverless endpoints scale to zero between requests.\n"
    )
    (root / "tpu.md").write_text("# TPU\n\n## Fit\n\nTPUs suit large transformer training.\n")
    return root


class CountingStore(VectorStore):
    """The real store, counting how often every record is read back for its file hash."""

    reads = 0

    def file_hashes(self) -> dict[str, tuple[str, str]]:
        self.reads += 1
        return super().file_hashes()


def _settings(tmp_path: Path) -> Settings:
    return Settings(knowledge_dir=_kb(tmp_path / "kb"), data_dir=tmp_path / "d",
                    abstain_threshold=-1.0)  # fmt: skip


def _sentences(bot: Assistant) -> SentenceStore:
    store = bot.store
    folder = cache_folder(store.data_dir, store.where, store.collection_name)
    return SentenceStore(folder, model_key(bot.embedder))


def test_an_answer_after_ingest_embeds_only_its_question(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    Assistant(settings, embedder=HashEmbedder()).ingest()
    embedder = HashEmbedder()
    fresh = Assistant(settings, embedder=embedder)  # a new process on the same index
    question = "How does spot capacity cut training cost?"
    answer = fresh.ask(question)
    assert answer.citations and answer.citations[0].source == "spot.md"
    assert set(embedder.embedded) == {question}


def test_stored_sentence_vectors_are_the_ones_the_model_gives(tmp_path: Path) -> None:
    bot = Assistant(_settings(tmp_path), embedder=HashEmbedder())
    bot.ingest()
    texts = [t for c in bot.store.all_chunks() for t in contexts_of(c)]
    stored = _sentences(bot).lookup(texts)
    assert set(stored) == set(texts) and len(texts) >= 5
    fresh = HashEmbedder().embed(texts)
    assert np.allclose(np.stack([stored[t] for t in texts]), fresh, atol=1e-6)


def test_a_corrupt_sentence_file_only_costs_time(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    bot = Assistant(settings, embedder=HashEmbedder())
    bot.ingest()
    question = "How does spot capacity cut training cost?"
    expected = bot.ask(question).text
    folder = _sentences(bot).folder
    (folder / "sentences.npy").write_bytes(b"not a numpy file")
    embedder = HashEmbedder()
    again = Assistant(settings, embedder=embedder).ask(question)
    assert again.text == expected  # the same answer, its sentences embedded as before
    assert len(embedder.embedded) > 1
    # the next ingest that changes something rewrites the file
    (settings.knowledge_dir / "tpu.md").write_text("# TPU\n\n## Fit\n\nTPU v5e pods train.\n")
    Assistant(settings, embedder=HashEmbedder()).ingest()
    assert len(_sentences(bot)) >= 5


def test_a_no_op_re_ingest_reads_the_manifest_not_every_record(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = CountingStore(data_dir=tmp_path / "d", collection="chunks")
    embedder = HashEmbedder()
    first = ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    assert (first.added, store.reads) == (3, 1)
    again = ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    assert (again.unchanged, again.chunks_embedded, store.reads) == (3, 0, 1)


def test_a_store_changed_behind_the_manifest_is_read_and_repaired(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = CountingStore(data_dir=tmp_path / "d", collection="chunks")
    embedder = HashEmbedder()
    ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    clean = sorted(c.id for c in store.all_chunks())
    # another writer (a replica, a hand edit) removes one file's chunks
    store.delete_ids(store.ids_for_source("tpu.md"))
    report = ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    assert store.reads == 2  # the manifest no longer matched: the records were read
    assert (report.added, report.unchanged) == (1, 2)
    assert sorted(c.id for c in store.all_chunks()) == clean


class FailingEmbedder(HashEmbedder):
    """Fails on its `fail_on`-th call, as a killed or crashed ingest would stop."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.calls, self.fail_on = 0, fail_on

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("killed")
        return super().embed(texts)


@pytest.mark.parametrize("fail_on", [2, 3, 4])
def test_an_ingest_cut_short_is_finished_by_the_next(tmp_path: Path, fail_on: int) -> None:
    kb = _kb(tmp_path / "kb")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    for name in ("spot.md", "serving.md", "tpu.md"):
        path = kb / name
        path.write_text(path.read_text() + "\nEdited once more.\n")
    with pytest.raises(RuntimeError, match="killed"):
        ingest([kb], store=store, embedder=FailingEmbedder(fail_on), knowledge_dir=kb)
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    clean = VectorStore(data_dir=tmp_path / "clean", collection="chunks")
    ingest([kb], store=clean, embedder=HashEmbedder(), knowledge_dir=kb)
    assert sorted(c.id for c in store.all_chunks()) == sorted(c.id for c in clean.all_chunks())
    bot = Assistant(Settings(data_dir=tmp_path / "d", knowledge_dir=kb, collection="chunks"),
                    embedder=HashEmbedder(), store=store)  # fmt: skip
    texts = [t for c in store.all_chunks() for t in contexts_of(c)]
    assert set(_sentences(bot).lookup(texts)) == set(texts)


def test_an_edit_embeds_only_the_sentences_it_changed(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb")
    store = VectorStore(data_dir=tmp_path / "d", collection="chunks")
    ingest([kb], store=store, embedder=HashEmbedder(), knowledge_dir=kb)
    spot = kb / "spot.md"
    spot.write_text(spot.read_text() + "Spot prices move with demand in each zone.\n")
    embedder = HashEmbedder()
    ingest([kb], store=store, embedder=embedder, knowledge_dir=kb)
    (chunk,) = [c for c in store.all_chunks() if c.source == "spot.md"]
    assert embedder.embedded[1:] == ["Checkpoints: Spot prices move with demand in each zone."]
    assert len(contexts_of(chunk)) == 3  # two sentences kept their vectors
