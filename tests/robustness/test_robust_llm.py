"""LLM faults beyond those of tests/test_llm_mode.py: malformed tool calls (a tool that does
not exist, arguments of the wrong shape, arguments that are not an object) followed by an
answer built on them. The user gets the offline answer or only checked sentences, with a
visible notice, never a traceback and never the invented number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import ScriptedChatModel, final, tool_call

from assistant import Assistant, Settings

REPO = Path(__file__).resolve().parents[2]
QUESTION = "How much does one ml.g5.xlarge SageMaker endpoint cost a month?"


def _bot(real_bot: Assistant, steps: list) -> Assistant:  # type: ignore[type-arg]
    settings = Settings(
        data_dir=real_bot.settings.data_dir,
        model_dir=real_bot.settings.model_dir,
        llm="scripted:test",
        llm_timeout=20,
    )
    return Assistant(
        settings, embedder=real_bot.embedder, store=real_bot.store,
        chat_model=ScriptedChatModel.make(steps),
    )  # fmt: skip


def _not_an_object() -> Callable[[list], object]:  # type: ignore[type-arg]
    from langchain_core.messages import AIMessage

    def step(messages):  # type: ignore[no-untyped-def]
        return AIMessage(
            content="",
            invalid_tool_calls=[{"name": "estimate_cost", "args": "{not json", "id": "bad-1",
                                 "error": "malformed JSON", "type": "invalid_tool_call"}],
        )  # fmt: skip

    return step


INVENTED = "SageMaker costs $0.00 a month for this endpoint."


@pytest.mark.parametrize(
    "first_step",
    [
        tool_call("delete_everything", {"confirm": True}),
        tool_call("estimate_cost", {"hours_per_month": "lots", "instance_type": 42}),
        tool_call("estimate_cost", {"no_such_field": 1}),
        _not_an_object(),
    ],
    ids=["unknown-tool", "wrong-types", "unknown-field", "not-json"],
)
def test_a_malformed_tool_call_never_yields_the_invented_number(
    real_bot: Assistant,
    first_step,  # type: ignore[no-untyped-def]
) -> None:
    bot = _bot(real_bot, [first_step, final(lambda messages: INVENTED)])
    answer = bot.ask(QUESTION)
    assert "$0.00" not in answer.text  # the unchecked number never reaches the user
    assert answer.text.strip()
    # the drop or the fallback is said, not silent
    assert answer.notices or "answered offline" in answer.text
