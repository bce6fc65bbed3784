"""HTTP API load: `mlinfra serve --workers 2` on 127.0.0.1, and N concurrent clients (50 by
default) sending requests back to back for S seconds (60 by default), each with an API key:
questions to `/v1/ask` (the battery's questions), tool calls to `/v1/tools/estimate_cost` and
OpenAI-style chat completions, a few hundred distinct requests in rotation. Reports
requests/s, p50/p95/p99 latency, and every error by kind; the latency again for each
request's first sending (no worker has answered it yet) apart from its repeats (a worker
may have: its caches are warm), since a rotation this short is mostly repeats. The header names the
machine, the date and the load average (the machine may be shared).

Run: `make bench` (or `.venv/bin/python evals/bench_api.py [--clients N] [--seconds S]`).
It works on a copy of `.mlinfra/` (the index `make install` built) in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _questions() -> list[str]:
    from assistant.battery.cases import load

    cases = load(REPO / "evals" / "cases" / "real")
    return [c["turns"][0] for c in cases if c.get("category") != "out_of_scope"]


def _requests(questions: list[str]) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    work: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    for i, q in enumerate(questions):
        work.append(("/v1/ask", {"question": q}))
        if i % 4 == 0:
            work.append(("/v1/tools/estimate_cost",
                         {"instance_type": random.choice(["g5.xlarge", "p4d.24xlarge",
                                                          "a2-highgpu-1g"]),
                          "instance_count": 1 + i % 8}))  # fmt: skip
        if i % 5 == 0:
            work.append(
                (
                    "/v1/chat/completions",
                    {"model": "mlinfra", "messages": [{"role": "user", "content": q}]},
                )
            )
    return work


async def _load(url: str, key: str, clients: int, seconds: float,
                work: list[tuple[str, dict]]) -> tuple[list[tuple[float, bool]], Counter[str]]:  # type: ignore[type-arg]  # fmt: skip
    # aiohttp, not httpx: the load generator shares the two cores with the server, and
    # aiohttp's client costs about half of httpx's CPU a request (the header line says how
    # much the generator used), so more of the machine measures the API.
    import json

    import aiohttp

    latencies: list[tuple[float, bool]] = []  # (seconds, the request's first sending)
    sent: set[int] = set()
    errors: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = [(path, json.dumps(body).encode()) for path, body in work]
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, headers=headers,
                                     timeout=timeout) as http:  # fmt: skip

        async def client(n: int) -> None:
            at = n * 7
            while time.perf_counter() < deadline:
                which = at % len(bodies)
                path, body = bodies[which]
                first, at = which not in sent, at + 1
                sent.add(which)
                started = time.perf_counter()
                try:
                    async with http.post(path, data=body) as got:
                        await got.read()
                        if got.status != 200:
                            errors[f"HTTP {got.status} {path}"] += 1
                            continue
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - started, first))

        await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _spread(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ms = [x * 1000 for x in seconds]
    return " / ".join(f"{_quantile(ms, q):.0f}" for q in (50, 95, 99)) + " ms"


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, workers: int) -> None:
    """Until `/readyz` answers and every worker has said its start-up is complete (a
    worker still loading would leave the first seconds to the others)."""
    deadline = time.monotonic() + 120
    while True:
        with contextlib.suppress(OSError):  # not listening yet
            urllib.request.urlopen(f"{url}/readyz", timeout=5)
            if log.read_text().count("Application startup complete") >= workers:
                return
        if time.monotonic() > deadline or server.poll() is not None:
            sys.exit(f"the server did not start: {log.read_text()}")
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    source = REPO / ".mlinfra"
    if not (source / "chroma").exists():
        sys.exit("no index in .mlinfra/: run `make install` first")
    work_dir = Path(tempfile.mkdtemp(prefix="mlinfra-bench-api-"))
    data = work_dir / "data"
    shutil.copytree(source, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    from assistant.storage.keys import KeyStore

    key = KeyStore(data).create("bench").key
    port = _port()
    env = dict(os.environ, MLINFRA_DATA_DIR=str(data), HF_HUB_OFFLINE="1",
               MLINFRA_RATE_LIMIT="100000", MLINFRA_MODEL_DIR=str(source / "models"))  # fmt: skip
    mlinfra = str(Path(sys.executable).with_name("mlinfra"))
    log = (work_dir / "serve.log").open("wb")
    server = subprocess.Popen([mlinfra, "serve", "--port", str(port), "--workers",
                               str(args.workers)], env=env, stdout=log, stderr=log)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, work_dir / "serve.log", args.workers)
        work = _requests(_questions())
        print(f"# HTTP API load, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores "
              f"({platform.machine()}), load average {os.getloadavg()[0]:.1f}, Python "
              f"{platform.python_version()}")  # fmt: skip
        print(f"{args.clients} clients back to back for {args.seconds:g} s against "
              f"`mlinfra serve --workers {args.workers}` on 127.0.0.1; {len(work)} distinct "
              "requests (ask, estimate_cost, chat completions) in rotation")  # fmt: skip
        started, mine = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        latencies, errors = asyncio.run(_load(url, key, args.clients, args.seconds, work))
        wall, mine = time.perf_counter() - started, _cpu(resource.RUSAGE_SELF) - mine
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(
        f"CPU: the load generator used {mine:.1f} s of the {wall * (os.cpu_count() or 1):.0f} "
        f"core-seconds ({mine / wall:.0%} of one core); the API, startup included, "
        f"{_cpu(resource.RUSAGE_CHILDREN):.1f} s"
    )
    done = len(latencies)
    print(f"requests: {done} in {wall:.1f} s = {done / wall:.1f} requests/s; errors: "
          f"{sum(errors.values())}{' ' + dict(errors).__repr__() if errors else ''}")  # fmt: skip
    if latencies:
        print(f"latency p50 / p95 / p99: {_spread([x for x, _ in latencies])} "
              "(target: zero errors, p95 under 500 ms)")  # fmt: skip
        first = [x for x, f in latencies if f]
        again = [x for x, f in latencies if not f]
        print(f"  first sendings ({len(first)}): {_spread(first)}; repeats ({len(again)}): "
              f"{_spread(again)}")  # fmt: skip
    if errors:
        lines = (work_dir / "serve.log").read_text().splitlines()
        said = [line for line in lines if "WARNING" in line or "rror" in line][-8:]
        print("server log, warnings and errors:", *said, sep="\n  ")
    shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
