"""Price catalog benchmark: the shipped snapshot's size and rows, its load time in a new
process (medians over fresh processes: from the catalog's cache in the data dir, as every
run after the first; and without it, a fresh data dir each time, as the first run after
the snapshot changes), look-ups by name and by accelerator, and `find_prices` over every
region, each as p50/p95 over many calls. The header names the machine (cores, CPU, load
average: it may be shared), the date and the runs.

Run: `make bench` (or `.venv/bin/python evals/bench_prices.py [--runs N]`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import p50_p95, time_each  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LOAD = ("import time; t = time.perf_counter(); from assistant.tools.prices import catalog; "
        "n = len(catalog().rows); print(time.perf_counter() - t, n)")  # fmt: skip
NAMES = ["g5.xlarge", "ml.g5.2xlarge", "p5.48xlarge", "a2-highgpu-1g",
         "Standard_NC24ads_A100_v4", "tpu-v5litepod-8", "g2-standard-8", "trn1.32xlarge",
         "m5.xlarge", "n2-standard-4"]  # fmt: skip
REGIONS = ["us-east-1", "eu-west-1", "us-central1", "europe-west4", "westeurope", None]


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_times(runs: int, data_dir: str | None) -> list[float]:
    """Seconds to import the prices module and load the catalog, in `runs` new processes;
    `data_dir` None: a new, empty data dir for each (no cache)."""
    loads = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            env = {**os.environ, "MLINFRA_DATA_DIR": data_dir or empty}
            done = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True,
                                  cwd=REPO, env=env, check=True)  # fmt: skip
        loads.append(float(done.stdout.split()[0]))
    return loads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="fresh processes for the load")
    args = parser.parse_args()
    from assistant.tools import find_prices
    from assistant.tools.prices import catalog, snapshot_path

    path = snapshot_path()
    data_dir = os.environ.get("MLINFRA_DATA_DIR") or ".mlinfra"  # as the processes see it
    load_times(1, data_dir)  # writes the cache, if it is missing or stale
    cached = load_times(args.runs, data_dir)
    parsed = load_times(args.runs, None)
    book = catalog()
    lookups = [(n, r) for n in NAMES for r in REGIONS] * 20
    by_name = time_each(lambda q: book.find(q[0], q[1]), lookups)
    by_acc = time_each(lambda a: book.with_accelerator(a, 8), ["h100", "a100", "h200", "l4"] * 50)
    finds = time_each(lambda a: find_prices(accelerator=a, count=8),
                      ["h100", "a100", "h200", "l4", "v5e"] * 10)  # fmt: skip
    print(f"# Price catalog, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {cpu()}, "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
          f"{args.runs} runs")  # fmt: skip
    print(
        f"snapshot {path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
        f"{path.stat().st_size / 1e6:.2f} MB, {len(book.rows):,} rows"
    )
    print(f"load in a new process: median {statistics.median(cached) * 1e3:.0f} ms over "
          f"{args.runs} from the cache in {data_dir}/cache; without it (parse the snapshot, "
          f"write the cache) median {statistics.median(parsed) * 1e3:.0f} ms")  # fmt: skip
    for label, values in (("look-up by name (and region)", by_name),
                          ("look-up by accelerator and count", by_acc),
                          ("find_prices over every region", finds)):  # fmt: skip
        p50, p95 = p50_p95(values)
        print(f"{label}: p50 {p50 * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms over {len(values)} calls")


if __name__ == "__main__":
    main()
