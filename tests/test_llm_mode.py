"""LLM mode wiring: the real agent (`create_agent`), tools and guardrails, driven by
scripted chat models, since no language model runs on the test machine."""

from __future__ import annotations

import json
import re

import pytest
from conftest import KNOWLEDGE
from fakes import ScriptedChatModel, final, raises, tool_call

from assistant import Assistant, Settings

pytest.importorskip("langchain.agents")

QUESTION = "We're 3 engineers; what does one g5.xlarge cost on SageMaker all month?"
COST_ARGS = {"instance_type": "g5.xlarge", "hours_per_month": 730, "platforms": ["sagemaker"]}


def _bot(real_bot: Assistant, steps: list) -> Assistant:  # type: ignore[type-arg]
    settings = Settings(
        data_dir=real_bot.settings.data_dir,
        knowledge_dir=KNOWLEDGE,
        model_dir=real_bot.settings.model_dir,
        llm="scripted:test",
        llm_timeout=20,
    )
    return Assistant(
        settings,
        embedder=real_bot.embedder,
        store=real_bot.store,
        chat_model=ScriptedChatModel.make(steps),
    )


def _tool_result(messages, name: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    for m in messages:
        if getattr(m, "type", "") == "tool" and m.name == name:
            return json.loads(m.content)
    raise AssertionError(f"no {name} result in the conversation")


def _passage(messages, words: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The number and first sentence of the passage given to the model that mentions
    `words` (from the system prompt's numbered passages)."""
    system = messages[0].content
    for block in re.split(r"\n\n(?=\[\d+\] )", system):
        m = re.match(r"\[(\d+)\] .*?\n(.*)", block, re.S)
        if m and words in m.group(2).lower():
            body = " ".join(m.group(2).split())
            sentence = re.split(r"(?<=\.)\s", body.lstrip("#- "))[0]
            return int(m.group(1)), sentence
    raise AssertionError(f"no passage mentions {words!r}")


def _faithful(messages) -> str:  # type: ignore[no-untyped-def]
    cost = _tool_result(messages, "estimate_cost")
    monthly = cost["options"][0]["monthly_usd"]
    n, sentence = _passage(messages, "sagemaker")
    return (
        f"One ml.g5.xlarge endpoint on SageMaker costs ${monthly:,.2f} a month.\n{sentence} [{n}]"
    )


def test_faithful_agent_answer_keeps_its_cited_sentences_and_tool_numbers(
    real_bot: Assistant,
) -> None:
    bot = _bot(real_bot, [tool_call("estimate_cost", COST_ARGS), final(_faithful)])
    answer = bot.ask(QUESTION)
    assert answer.backend == "scripted:test"
    assert [c.name for c in answer.tool_calls] == ["estimate_cost"]
    monthly = answer.tool_calls[0].result["options"][0]["monthly_usd"]
    assert f"${monthly:,.2f}" in answer.text
    assert answer.citations and {c.n for c in answer.citations} == {1}
    assert "[1]" in answer.text
    assert "sagemaker" in answer.citations[0].text.lower()
    assert answer.notices == []


def test_citing_a_passage_it_was_not_given_is_dropped_and_reported(real_bot: Assistant) -> None:
    def invented(messages) -> str:  # type: ignore[no-untyped-def]
        return _faithful(messages) + "\nSageMaker endpoints are always free on Sundays. [42]"

    bot = _bot(real_bot, [tool_call("estimate_cost", COST_ARGS), final(invented)])
    answer = bot.ask(QUESTION)
    assert "Sundays" not in answer.text
    assert "[42]" not in answer.text
    assert any("[42]" in n and "not given" in n for n in answer.notices)
    assert answer.citations  # the faithful sentences stay


def test_misquoted_tool_number_is_dropped(real_bot: Assistant) -> None:
    def misquote(messages) -> str:  # type: ignore[no-untyped-def]
        return _faithful(messages) + "\nWith EKS you would pay only $12.34 a month."

    bot = _bot(real_bot, [tool_call("estimate_cost", COST_ARGS), final(misquote)])
    answer = bot.ask(QUESTION)
    assert "12.34" not in answer.text
    assert any("12.34" in n for n in answer.notices)


def test_sentence_its_citation_does_not_support_is_dropped(real_bot: Assistant) -> None:
    def unsupported(messages) -> str:  # type: ignore[no-untyped-def]
        n, _ = _passage(messages, "sagemaker")
        return _faithful(messages) + f"\nBanana bread needs three ripe bananas and butter. [{n}]"

    bot = _bot(real_bot, [tool_call("estimate_cost", COST_ARGS), final(unsupported)])
    answer = bot.ask(QUESTION)
    assert "Banana" not in answer.text
    assert any("does not support" in n for n in answer.notices)


def test_provider_error_falls_back_to_the_offline_answer_with_a_notice(
    real_bot: Assistant,
) -> None:
    bot = _bot(real_bot, [raises(ConnectionError("provider unreachable"))])
    answer = bot.ask(QUESTION)
    assert answer.backend == "offline"
    assert any("failed" in n and "ConnectionError" in n for n in answer.notices)
    assert "answered offline" in answer.text  # visible, not only in the notices
    assert [c.name for c in answer.tool_calls] == ["estimate_cost"]


def test_provider_timeout_falls_back_to_the_offline_answer(real_bot: Assistant) -> None:
    import time

    def slow(messages):  # type: ignore[no-untyped-def]
        time.sleep(3)
        raise AssertionError("the agent should have been abandoned by now")

    bot = _bot(real_bot, [slow])
    bot.settings.llm_timeout = 0.5
    started = time.perf_counter()
    answer = bot.ask(QUESTION)
    assert time.perf_counter() - started < 2.5
    assert answer.backend == "offline"
    assert any("timed out" in n for n in answer.notices)


def test_answer_with_nothing_left_after_the_checks_falls_back(real_bot: Assistant) -> None:
    bot = _bot(real_bot, [final(lambda m: "It costs $0. [99]")])
    answer = bot.ask(QUESTION)
    assert answer.backend == "offline"
    assert any("checks" in n for n in answer.notices)


def test_missing_provider_extra_names_the_pip_install(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.agent.llm import LLMUnavailable, load_chat_model

    settings = Settings(data_dir=tmp_path, llm="anthropic:claude-test")
    try:
        import langchain_anthropic  # noqa: F401
    except ImportError:
        with pytest.raises(LLMUnavailable, match=r"pip install 'mlinfra\[anthropic\]'"):
            load_chat_model(settings)
    else:
        pytest.skip("langchain-anthropic is installed here")


@pytest.mark.live
def test_live_provider_answers_with_citations(real_bot: Assistant) -> None:
    import os

    if not os.environ.get("MLINFRA_LIVE_TESTS") or not os.environ.get("MLINFRA_LLM"):
        pytest.skip("set MLINFRA_LIVE_TESTS=1 and MLINFRA_LLM to run against a provider")
    settings = Settings(
        data_dir=real_bot.settings.data_dir,
        knowledge_dir=KNOWLEDGE,
        model_dir=real_bot.settings.model_dir,
    )
    bot = Assistant(settings, embedder=real_bot.embedder, store=real_bot.store)
    answer = bot.ask("When would you use TPUs vs GPUs?")
    assert answer.backend != "offline"
    assert answer.citations
