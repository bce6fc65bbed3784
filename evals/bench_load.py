"""Load: 50 concurrent `ask()` calls from threads on one `Assistant`, and 20 concurrent
browser sessions against one `streamlit run` server on 127.0.0.1 (Debian's chromium through
Python playwright, one browser context per session, so each is its own Streamlit session).
Reports errors, whether identical questions got identical answers, and p50/p95 latency.

Run: `make bench` (or `.venv/bin/python evals/bench_load.py [--threads N] [--sessions N]`).
`tests/robustness/test_robust_load.py` runs the same two loads and asserts no errors and
identical answers; the latency figures come from here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))

from timing import p50_p95  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
QUESTIONS = [
    "How do I reduce SageMaker inference costs?",
    "When would you use TPUs vs GPUs?",
    "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?",
    "How much does a g5.xlarge cost on SageMaker vs EKS running 24/7?",
    "Why go multi-cloud?",
]
BROWSER_QUESTION = "How much does a g5.xlarge cost on SageMaker vs EKS running 24/7?"


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    answers: dict[str, set[str]] = field(default_factory=dict)  # question -> distinct texts

    @property
    def consistent(self) -> bool:
        return all(len(texts) == 1 for texts in self.answers.values())

    def p50_p95(self) -> tuple[float, float]:
        return p50_p95(self.latencies)


def ask_load(bot: Any, threads: int = 50, questions: list[str] = QUESTIONS) -> LoadResult:
    """`threads` threads released together, each asking one question (round robin)."""
    result = LoadResult()
    lock = threading.Lock()
    gate = threading.Barrier(threads)

    def worker(i: int) -> None:
        question = questions[i % len(questions)]
        gate.wait()
        started = time.perf_counter()
        try:
            text = bot.ask(question).text
        except Exception as exc:  # every failure is counted, none may happen
            with lock:
                result.errors.append(f"{question}: {type(exc).__name__}: {exc}")
            return
        with lock:
            result.latencies.append(time.perf_counter() - started)
            result.answers.setdefault(question, set()).add(text)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return result


async def _sessions(url: str, sessions: int, question: str, timeout: float) -> LoadResult:
    from playwright.async_api import async_playwright

    result = LoadResult()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )

        async def one(i: int) -> None:
            context = await browser.new_context()
            page = await context.new_page()
            page.set_default_timeout(timeout * 1000)
            try:
                await page.goto(url)
                box = page.get_by_test_id("stChatInputTextArea")
                await box.wait_for()
                await box.fill(question)
                started = time.perf_counter()
                await box.press("Enter")
                await page.get_by_text("Sources (", exact=False).first.wait_for()
                elapsed = time.perf_counter() - started
                reply = page.get_by_test_id("stChatMessage").nth(1)
                text = await reply.get_by_test_id("stMarkdownContainer").first.inner_text()
                result.latencies.append(elapsed)
                result.answers.setdefault(question, set()).add(text)
            except Exception as exc:
                result.errors.append(f"session {i}: {type(exc).__name__}: {exc}")
            finally:
                await context.close()

        try:
            await asyncio.wait_for(
                asyncio.gather(*(one(i) for i in range(sessions))), timeout=timeout * 2
            )
        finally:
            await browser.close()
    return result


def browser_load(url: str, sessions: int = 20, timeout: float = 180) -> LoadResult:
    """`sessions` browser sessions at once, each asking BROWSER_QUESTION in the chat."""
    return asyncio.run(_sessions(url, sessions, BROWSER_QUESTION, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    from servers import free_port, serving, streamlit_command

    from assistant import Assistant, Settings

    with tempfile.TemporaryDirectory(prefix="mlinfra-load-") as tmp:
        data = Path(tmp) / "data"
        model_dir = REPO / ".mlinfra" / "models"
        bot = Assistant(Settings(data_dir=data, model_dir=model_dir))
        bot.ingest()
        for q in QUESTIONS:  # warm: the figures are for a running service
            bot.ask(q)
        load = ask_load(bot, args.threads)
        p50, p95 = load.p50_p95()
        print(
            f"{args.threads} concurrent ask() threads: {len(load.errors)} errors, identical "
            f"answers to identical questions: {load.consistent}, latency p50 / p95 "
            f"{p50 * 1000:.0f} / {p95 * 1000:.0f} ms"
        )
        if not Path(CHROMIUM).exists():
            print(f"browser load: skipped, no {CHROMIUM} (make browser)")
            return
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, MLINFRA_DATA_DIR=str(data), MLINFRA_MODEL_DIR=str(model_dir),
                   HF_HUB_OFFLINE="1")  # fmt: skip
        with serving(
            streamlit_command(port),
            f"{url}/_stcore/health",
            Path(tmp) / "streamlit.log",
            env=env,
            cwd=tmp,
        ):
            started = time.perf_counter()
            load = browser_load(url, args.sessions)
            wall = time.perf_counter() - started
        p50, p95 = load.p50_p95()
        print(
            f"{args.sessions} concurrent browser sessions on one server: {len(load.errors)} "
            f"errors, identical answers: {load.consistent}, question sent to Sources shown "
            f"p50 / p95 {p50:.1f} / {p95:.1f} s, all done in {wall:.1f} s"
        )
        for error in load.errors:
            print(f"  {error}")


if __name__ == "__main__":
    main()
