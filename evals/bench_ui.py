"""Web UI benchmark: a real `streamlit run` on 127.0.0.1 and Debian's chromium (Python
playwright). Times server start to healthy, the first answer after start-up (question sent
to its Sources shown) and a later answer, as medians over several fresh servers.

Run: `make bench` (or `.venv/bin/python evals/bench_ui.py [--runs N]`); needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FIRST = "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?"
LATER = "How do you reduce SageMaker inference costs?"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ask(page, question: str, nth: int) -> float:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.get_by_text("Sources (", exact=False).nth(nth).wait_for()
    return time.perf_counter() - started


def run_once(data_dir: str) -> tuple[float, float, float]:
    from playwright.sync_api import sync_playwright

    port = _port()
    env = dict(os.environ, MLINFRA_DATA_DIR=data_dir, HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "ui" / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.1)
        healthy = time.perf_counter() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"http://127.0.0.1:{port}")
            first = _ask(page, FIRST, 0)
            later = _ask(page, LATER, 1)
            browser.close()
        return healthy, first, later
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", default=str(REPO / ".mlinfra"))
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"bench_ui: skipped, no {CHROMIUM} (make browser)")
        return
    with tempfile.TemporaryDirectory():
        results = [run_once(args.data_dir) for _ in range(args.runs)]
    for name, values in zip(("server start to healthy", "first answer after start-up",
                             "later answer"), zip(*results, strict=True), strict=True):  # fmt: skip
        print(f"web UI {name} (median of {args.runs}): {statistics.median(values):.2f} s")


if __name__ == "__main__":
    main()
