"""Scale benchmark: ingest time and query latency at 10,000 and 100,000 chunks, on the
embedded Chroma store and on a `chroma run` server on 127.0.0.1.

For each size, `evals/gen_corpus.py` writes a synthetic knowledge folder (nothing is
downloaded). The embedded run is the real pipeline: `Assistant.ingest()` splits, embeds
with the packaged MiniLM on onnxruntime and writes to Chroma. The server run loads the same
records, vectors included, into a fresh `chroma run` (embedding them a second time would
measure the model again, not the store), then queries through `MLINFRA_CHROMA_URL`.
A query is `Assistant.sources()`: the question embedded, Chroma's dense ranking and the
BM25 ranking fused; the first one after start also builds the lexical index, and is
reported apart. Latencies are over 100 generated questions.

Run: `make bench` (or `.venv/bin/python evals/bench_scale.py [--sizes 10000 100000]`).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
sys.path.insert(0, str(REPO / "tests"))

from gen_corpus import generate, query  # noqa: E402
from servers import free_port, serving  # noqa: E402
from timing import p50_p95, time_each  # noqa: E402

QUERIES = 100


def _queries(bot: object, seed: int) -> tuple[float, float, float]:
    """(first query s, p50 ms, p95 ms) of `bot.sources` over generated questions."""
    rng = random.Random(seed)
    questions = [query(rng) for _ in range(QUERIES + 1)]
    first, *timings = time_each(bot.sources, questions)  # type: ignore[attr-defined]
    p50, p95 = p50_p95(t * 1000 for t in timings)
    return first, p50, p95


def _copy_to_server(source: object, url: str, name: str) -> float:
    """Load every record of the embedded collection, vectors included, into the server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    src = source._collection  # type: ignore[attr-defined]
    host, port = url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(
        host=host, port=int(port), settings=ChromaSettings(anonymized_telemetry=False)
    )
    meta = dict(src.metadata or {})
    started = time.perf_counter()
    dst = client.get_or_create_collection(name, metadata=meta, embedding_function=None)
    offset, page = 0, 2000
    while True:
        got = src.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
        if len(got["ids"]):
            dst.add(
                ids=got["ids"],
                embeddings=got["embeddings"],
                documents=got["documents"],
                metadatas=got["metadatas"],
            )
        if len(got["ids"]) < page:
            break
        offset += page
    return time.perf_counter() - started


def bench(size: int, work: Path, model_dir: Path) -> dict[str, float]:
    from assistant import Assistant, Settings

    knowledge = work / f"knowledge-{size}"
    started = time.perf_counter()
    files = generate(knowledge, size)
    print(
        f"[{size:,}] generated {files} files in {time.perf_counter() - started:.1f} s", flush=True
    )

    settings = Settings(
        data_dir=work / f"data-{size}", knowledge_dir=knowledge, model_dir=model_dir
    )
    bot = Assistant(settings)
    bot.embedder  # load the model before timing  # noqa: B018
    marks = {0}

    def progress(done: int, total: int, _: str) -> None:
        step = done * 10 // total
        if step not in marks:
            marks.add(step)
            print(f"[{size:,}] ingest {step * 10}% ({done}/{total} files)", flush=True)

    report = bot.ingest(progress=progress)
    out: dict[str, float] = {"chunks": report.total_chunks, "ingest_s": report.seconds}
    started = time.perf_counter()
    bot.ingest()
    out["noop_s"] = time.perf_counter() - started
    print(
        f"[{size:,}] ingest {report.total_chunks:,} chunks: {report.seconds:.0f} s "
        f"({report.total_chunks / report.seconds:.0f} chunks/s); no-op re-ingest "
        f"{out['noop_s']:.2f} s",
        flush=True,
    )
    out["embedded_first_s"], out["embedded_p50"], out["embedded_p95"] = _queries(bot, size)
    print(
        f"[{size:,}] embedded query p50 / p95: {out['embedded_p50']:.1f} / "
        f"{out['embedded_p95']:.1f} ms (first query, building the lexical index: "
        f"{out['embedded_first_s']:.1f} s)",
        flush=True,
    )

    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = [str(chroma), "run", "--path", str(work / f"server-{size}"),
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with serving(run, f"{url}/api/v2/heartbeat", work / f"chroma-{size}.log"):
        out["server_load_s"] = _copy_to_server(bot.store, url, settings.collection)
        served = Assistant(settings.model_copy(update={"chroma_url": url}), embedder=bot.embedder)
        out["server_first_s"], out["server_p50"], out["server_p95"] = _queries(served, size)
    print(
        f"[{size:,}] server: loaded the same records in {out['server_load_s']:.0f} s; query "
        f"p50 / p95: {out['server_p50']:.1f} / {out['server_p95']:.1f} ms (first query "
        f"{out['server_first_s']:.1f} s)",
        flush=True,
    )
    shutil.rmtree(knowledge, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    model_dir = REPO / ".mlinfra" / "models"  # the install's export, reused
    rows = []
    with tempfile.TemporaryDirectory(prefix="mlinfra-scale-") as tmp:
        for size in args.sizes:
            rows.append(bench(size, Path(tmp), model_dir))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n| chunks | ingest | no-op re-ingest | embedded query p50 / p95 | server query "
          "p50 / p95 | server load |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['chunks']:,.0f} | {r['ingest_s']:.0f} s ({r['chunks'] / r['ingest_s']:.0f}/s) "
            f"| {r['noop_s']:.2f} s | {r['embedded_p50']:.1f} / {r['embedded_p95']:.1f} ms "
            f"| {r['server_p50']:.1f} / {r['server_p95']:.1f} ms | {r['server_load_s']:.0f} s |"
        )
    print(f"peak memory of the benchmark process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
