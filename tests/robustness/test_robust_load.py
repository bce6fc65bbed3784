"""Load: 50 concurrent `ask()` calls on one Assistant and 20 concurrent browser sessions on
one server: no errors, and identical questions get identical answers. The latency figures
come from `evals/bench_load.py` (`make bench`), not from here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assistant import Assistant

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "evals"))

from bench_load import BROWSER_QUESTION, CHROMIUM, QUESTIONS, ask_load, browser_load  # noqa: E402


def test_fifty_concurrent_asks_all_answer_and_agree(real_bot: Assistant) -> None:
    expected = {q: real_bot.ask(q).text for q in QUESTIONS}
    load = ask_load(real_bot, threads=50)
    assert not load.errors
    assert len(load.latencies) == 50
    assert {q: texts for q, texts in load.answers.items()} == {
        q: {text} for q, text in expected.items()
    }


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs {CHROMIUM} (make browser)")
def test_twenty_browser_sessions_at_once_all_get_the_same_answer(served_app: str) -> None:
    sessions = int(os.environ.get("MLINFRA_LOAD_SESSIONS", "20"))
    load = browser_load(served_app, sessions=sessions, timeout=240)
    assert not load.errors, load.errors
    assert len(load.latencies) == sessions
    (texts,) = load.answers.values()
    assert len(texts) == 1, "identical questions got different answers"
    assert "$1,028.13" in next(iter(texts))  # the tool's number for ml.g5.xlarge: $1.4084 x 730 h
    assert BROWSER_QUESTION in load.answers
