"""No-op re-ingest: `knowledge/` with the real model, and a generated 100,000-chunk corpus.

A no-op re-ingest (nothing changed on disk) reads every file and hashes it, then learns
what the index holds: from the manifest beside it while that matches the store's
generation, else from every record in the store. This times both ways.

The large corpus (`evals/gen_corpus.py`) is indexed with the tests' hashing embedder: a
no-op re-ingest embeds nothing, so its time does not depend on the model, and building
100,000 chunks with MiniLM would take most of an hour (`bench_scale.py` measures that).

Run: `make bench` (or `.venv/bin/python evals/bench_reingest.py [--chunks N] [--runs R]`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
sys.path.insert(0, str(REPO / "tests"))

from gen_corpus import generate  # noqa: E402


def _timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from fakes import HashEmbedder

    from assistant import Assistant, manifest
    from assistant.config import Settings
    from assistant.ingest import ingest
    from assistant.sentence_store import cache_folder
    from assistant.store import VectorStore

    print(f"# No-op re-ingest, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores "
          f"({platform.processor() or platform.machine()}), load average "
          f"{os.getloadavg()[0]:.1f}, medians of {args.runs}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        models = REPO / ".mlinfra" / "models"  # the exported model, if `make install` made it
        bot = Assistant(Settings(data_dir=work / "kb-data", knowledge_dir=REPO / "knowledge",
                                 **({"model_dir": models} if models.is_dir() else {})))  # fmt: skip
        built = _timed(bot.ingest)
        noop = [_timed(bot.ingest) for _ in range(args.runs)]
        print(f"knowledge/ ({bot.store.count()} chunks, MiniLM): full ingest {built:.1f} s; "
              f"no-op re-ingest median {statistics.median(noop) * 1e3:.0f} ms")  # fmt: skip

        corpus = work / "corpus"
        generate(corpus, args.chunks)
        store = VectorStore(data_dir=work / "big", collection="scale")
        embedder = HashEmbedder()
        started = time.perf_counter()
        report = ingest([corpus], store=store, embedder=embedder, knowledge_dir=corpus)
        took = time.perf_counter() - started
        print(f"{report.total_chunks:,} chunks in {len({*corpus.rglob('*.md')}):,} files, "
              f"indexed with the hashing embedder in {took:.0f} s")  # fmt: skip

        def again() -> None:
            report = ingest([corpus], store=store, embedder=embedder, knowledge_dir=corpus)
            assert report.chunks_embedded == 0 and report.chunks_deleted == 0

        with_manifest = [_timed(again) for _ in range(args.runs)]
        folder = cache_folder(store.data_dir, store.where, store.collection_name)
        without = []
        for _ in range(min(args.runs, 3)):
            manifest.invalidate(folder)  # as after a crash: the store's records are read
            without.append(_timed(again))
        print(f"no-op re-ingest of {report.total_chunks:,} chunks: median "
              f"{statistics.median(with_manifest):.2f} s with the manifest, "
              f"{statistics.median(without):.2f} s reading the store's records "
              f"({len(without)} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
