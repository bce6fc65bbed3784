"""Warm `ask` on questions the process has not seen, and the cache-hit figure beside it.

A warm process has loaded the index, the model and the price catalog and answered a few
questions; the figure that matters to a user is its answer to a question it has not seen
before, since no cache holds that question's sentences or its vector. This script warms on
`--warm` battery questions, then times each of the next `--questions` distinct battery
questions once (first sight), then the same questions again (cache hits, labelled so).

Run: `make bench` (or `.venv/bin/python evals/bench_warm.py [--questions N] [--profile F]`).
`--profile F.html` writes a pyinstrument profile of the first-sight pass.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import p50_p95, time_each  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def battery_questions() -> list[str]:
    """The first turn of every battery case, each once, in file order."""
    sys.path.insert(0, str(REPO))
    from assistant.battery.cases import load

    seen: dict[str, None] = {}
    for case in load(REPO / "evals" / "cases" / "real"):
        seen.setdefault(case["turns"][0].strip(), None)
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=100, help="distinct timed questions")
    parser.add_argument("--warm", type=int, default=5, help="questions answered before timing")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument HTML profile here")
    parser.add_argument("--no-baseline", action="store_true", help="skip the textbook RAG")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant import Assistant

    questions = battery_questions()
    # Spread over the battery: every k-th question, so each writer and category is in it.
    step = max(1, len(questions) // (args.warm + args.questions))
    picked = questions[::step][: args.warm + args.questions]
    warmups, timed = picked[: args.warm], picked[args.warm :]
    bot = Assistant()
    started = time.perf_counter()
    for q in warmups:
        bot.ask(q)
    warm_seconds = time.perf_counter() - started
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    first = time_each(bot.ask, timed)
    if args.profile:
        profiler.stop()
        args.profile.write_text(profiler.output_html())
        print(profiler.output_text(unicode=False, show_all=False)[:6000])
    again = time_each(bot.ask, timed)
    base_first: list[float] = []
    if not args.no_baseline:  # the textbook RAG on the same questions, in the same run
        import tempfile

        from assistant.baseline import TextbookRAG

        with tempfile.TemporaryDirectory() as tmp:
            rag = TextbookRAG(REPO / "knowledge", Path(tmp) / "baseline")
            for q in warmups:
                rag.answer(q)
            base_first = time_each(rag.answer, timed)
    cores = os.cpu_count()
    machine = platform.processor() or platform.machine()
    print(f"# Warm ask, {time.strftime('%Y-%m-%d %H:%M')}, {cores} cores ({machine}), "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")  # fmt: skip
    print(f"warm-up: {len(warmups)} questions in {warm_seconds:.2f} s (start-up included)")
    f50, f95 = p50_p95(first)
    h50, h95 = p50_p95(again)
    print(f"first sight, {len(timed)} distinct battery questions, one run each: "
          f"p50 {f50 * 1e3:.1f} ms, p95 {f95 * 1e3:.1f} ms")  # fmt: skip
    print(f"cache hit, the same questions asked again: p50 {h50 * 1e3:.1f} ms, "
          f"p95 {h95 * 1e3:.1f} ms")  # fmt: skip
    if base_first:
        b50, b95 = p50_p95(base_first)
        print(f"textbook RAG, the same questions at first sight: p50 {b50 * 1e3:.1f} ms, "
              f"p95 {b95 * 1e3:.1f} ms; ratio {f50 / b50:.2f}x / {f95 / b95:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
