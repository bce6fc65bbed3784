"""`Assistant.ask` on the real knowledge base and the real packaged model."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml
from conftest import KNOWLEDGE, REPO

from assistant import Assistant, Settings

OFF_TOPIC = yaml.safe_load((REPO / "evals" / "cases" / "off_topic.yaml").read_text())


def _flat(text: str) -> str:
    """Whitespace and list markers folded, as the composer reads a passage."""
    lines = (re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", ln.strip()) for ln in text.split("\n"))
    return " ".join(" ".join(lines).split())


def _markers(text: str) -> set[int]:
    return {int(m) for m in re.findall(r"\[(\d+)\]", text)}


def test_answer_is_cited_and_citations_are_real_passages(real_bot: Assistant) -> None:
    answer = real_bot.ask("How do I reduce SageMaker inference costs?")
    assert not answer.abstained
    assert answer.citations
    # Markers in the text and the citations list are the same set, numbered 1..n.
    assert _markers(answer.text) == {c.n for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        lines = (KNOWLEDGE / c.source).read_text().split("\n")
        assert c.line_start is not None and c.line_end is not None
        assert "\n".join(lines[c.line_start - 1 : c.line_end]) == c.text
    # A how-to question leads with the guidance; every sentence of it is a claim with a
    # marker, quoted from its chunk. The tool's numbers follow under their own heading.
    guidance, numbers = answer.text.split("**The numbers**")
    assert "Computed by `estimate_cost`" in numbers
    by_n = {c.n: c.text for c in answer.citations}
    for line in guidance.split("\n"):
        line = line.strip()
        if not line or line.startswith("**"):
            continue
        # a paragraph: sentences each followed by the marker of the passage it quotes
        assert re.search(r"\[\d+\]$", line), f"uncited line: {line!r}"
        for claim, n in re.findall(r"(.+?) \[(\d+)\](?:\s+|$)", line):
            assert _flat(claim) in _flat(by_n[int(n)]), claim
    assert "multi-model" in answer.text.lower() or "serverless" in answer.text.lower()


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_abstain_without_claiming_support(
    real_bot: Assistant, question: str
) -> None:
    answer = real_bot.ask(question)
    assert answer.abstained, answer.text
    assert answer.citations == []
    assert "does not cover" in answer.text
    assert not _markers(answer.text)


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_a_value_error(real_bot: Assistant, question: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        real_bot.ask(question)


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello"}],
        [{"role": "user", "content": 3}],
        ["just a string"],
        [{"role": "user", "content": "x", "extra": 1}],
    ],
)
def test_malformed_history_names_the_entry(real_bot: Assistant, history: list) -> None:  # type: ignore[type-arg]
    index = 1 if history[0].__class__ is dict and len(history) > 1 else 0
    with pytest.raises(ValueError, match=rf"history\[{index}\]"):
        real_bot.ask("What is KServe?", history=history)


def test_follow_up_uses_the_conversation(real_bot: Assistant) -> None:
    history = [
        {"role": "user", "content": "When should I use TPUs instead of GPUs?"},
        {"role": "assistant", "content": "..."},
    ]
    answer = real_bot.ask("and for real-time serving?", history=history)
    assert not answer.abstained
    assert any(c.source == "tpu-vs-gpu.md" for c in answer.citations)


def test_very_long_question_is_truncated_with_a_notice_and_fast(real_bot: Assistant) -> None:
    question = "How do I reduce SageMaker inference costs? " + "please explain " * 2000
    assert len(question) > 20_000
    started = time.perf_counter()
    answer = real_bot.ask(question)
    assert time.perf_counter() - started < 5  # generous: the machine is shared
    assert answer.notices and "4,000" in answer.notices[0]
    assert answer.text.startswith("> Note:")


def test_concurrent_asks_from_threads_give_the_same_answers(real_bot: Assistant) -> None:
    questions = [
        "How do I reduce SageMaker inference costs?",
        "When would you use TPUs vs GPUs?",
        "Why go multi-cloud?",
    ]
    expected = {q: real_bot.ask(q).text for q in questions}
    results: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def worker(q: str) -> None:
        try:
            results.append((q, real_bot.ask(q).text))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 12
    assert all(text == expected[q] for q, text in results)


@pytest.mark.slow
def test_first_use_builds_the_index_and_a_corrupt_one_is_rebuilt(
    tmp_path: Path,
    model_dir: Path,
    onnx_embedder,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    # The real Vertex AI documents (and the price tables), not all 27 files: the index is
    # built twice here, and how it is built does not depend on how many files there are.
    kb = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE / "data", kb / "data")
    for path in KNOWLEDGE.glob("vertex-ai*.md"):
        shutil.copy(path, kb / path.name)
    settings = Settings(data_dir=tmp_path / "d", knowledge_dir=kb, model_dir=model_dir)
    with caplog.at_level("WARNING"):
        first = Assistant(settings, embedder=onnx_embedder).ask("What is Vertex AI Vizier?")
    assert first.citations
    assert any("building it from" in r.getMessage() for r in caplog.records)

    for f in (tmp_path / "d" / "chroma").rglob("*.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    caplog.clear()
    with caplog.at_level("WARNING"):
        again = Assistant(settings, embedder=onnx_embedder).ask("What is Vertex AI Vizier?")
    assert again.citations
    assert again.text == first.text
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    assert "Vizier" in first.text and {c.source for c in first.citations} <= {
        p.name for p in kb.glob("*.md")
    }


def test_missing_knowledge_folder_is_an_error_naming_it(tmp_path: Path, model_dir: Path) -> None:
    from assistant.errors import KnowledgeNotFoundError

    settings = Settings(
        data_dir=tmp_path / "d", knowledge_dir=tmp_path / "no-such-kb", model_dir=model_dir
    )
    with pytest.raises(KnowledgeNotFoundError, match="no-such-kb"):
        Assistant(settings).ask("What is KServe?")
