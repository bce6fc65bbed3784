"""The contradiction check: a guidance sentence that says otherwise than the answer's own
tool result is left out; one that agrees, or bears on something else, stays."""

from __future__ import annotations

import pytest

from assistant.agent import coherence
from assistant.agent.registry import REGISTRY
from assistant.models import ToolCall


def _calls(context: dict[str, dict[str, object]]) -> list[ToolCall]:
    return [ToolCall(name=n, args=dict(a), result=REGISTRY[n].run(a)) for n, a in context.items()]


CASES = [(rule, text, drops) for rule in coherence.RULES for text, drops in rule.examples]


IDS = [f"{r.id}:{t[:30]}" for r, t, _ in CASES]


@pytest.mark.parametrize(("rule", "text", "drops"), CASES, ids=IDS)
def test_each_rule_on_its_examples(rule: coherence.Rule, text: str, drops: bool) -> None:
    checker = coherence.Checker(_calls(rule.context))
    assert checker.keeps(text) is not drops
    if drops:
        assert checker.dropped[-1][0] == rule.id  # the rule that fired is the one named


def test_every_rule_has_a_sentence_it_drops_and_one_it_keeps() -> None:
    for rule in coherence.RULES:
        assert {drops for _, drops in rule.examples} == {True, False}, rule.id


def test_with_no_tool_result_nothing_is_dropped() -> None:
    checker = coherence.Checker([])
    for rule in coherence.RULES:
        assert all(checker.keeps(text) for text, _ in rule.examples)


def test_the_contexts_are_what_the_examples_assume() -> None:
    sized = _calls({"select_accelerator": {"workload": "inference", "params_billion": 70,
                                           "precision": "bf16"}})[0].result["memory"]  # fmt: skip
    assert (sized["weights_gb"], sized["chips_needed"]) == (140.0, 2)
    assert _calls({"choose_infrastructure": {"team_size": 9, "ml_models": 22,
                                             "data_stays_in_cloud": False}})[0].result[
        "overall"] == "kubernetes"  # fmt: skip
    assert _calls({"choose_infrastructure": {"team_size": 2, "ml_models": 2}})[0].result[
        "overall"] == "managed"  # fmt: skip
