"""Starting a real server on 127.0.0.1 for a test, and stopping it whatever happens."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def streamlit_command(port: int) -> list[str]:
    """`streamlit run` of the web UI, headless on 127.0.0.1:`port`."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(
    command: list[str], health_url: str, log: Path, timeout: float = 60, **popen: object
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` (output to `log`) until `health_url` answers 200, yield the process,
    then stop it. A server that exits or stays unhealthy fails with its log."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)  # type: ignore[call-overload]
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(health_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out.flush()
                    raise RuntimeError(f"{command[0]} did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
