"""Slot rules as data: every rule handles its own examples (it is the rule that wins on
them), and no rule is without examples."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.agent import (
    constraints,
    counts,
    durations,
    money,
    names,
    providers,
    sizes,
    team,
    workloads,
)
from assistant.agent.extract import normalise
from assistant.agent.rules import Candidate, Rule, read
from assistant.interview import cues


def _default(rules: tuple[Rule, ...]) -> Callable[[str], dict[str, Candidate]]:
    return lambda text: read(text, rules)


# family -> (its rules, how it reads a text: the engine's default resolution, or the
# family's own policy: first or last named, priority, the amount nearest its word)
FAMILIES: dict[str, tuple[tuple[Rule, ...], Callable[[str], dict[str, Candidate]]]] = {
    "durations": (durations.RULES, _default(durations.RULES)),
    "counts": (counts.RULES, _default(counts.RULES)),
    "constraints": (constraints.RULES, _default(constraints.RULES)),
    "compliance": (constraints.COMPLIANCE, _default(constraints.COMPLIANCE)),
    "sizes": (sizes.RULES, _default(sizes.RULES)),
    "team": (team.RULES, _default(team.RULES)),
    "workloads": (workloads.RULES, workloads.read_workloads),
    "money": (money.RULES, money.read_money),
    "names": (names.RULES, names.read_names),
    "providers": (providers.RULES, _default(providers.RULES)),
    "interview.reason": (cues.REASON, _default(cues.REASON)),
    "interview.relation": (cues.RELATION, _default(cues.RELATION)),
    "interview.action": (cues.ACTION, _default(cues.ACTION)),
    "interview.overclaim": (cues.OVERCLAIM, _default(cues.OVERCLAIM)),
}
ALL = [(family, rule) for family, (rules, _) in FAMILIES.items() for rule in rules]


@pytest.mark.parametrize(("family", "rule"), ALL, ids=[r.id for _, r in ALL])
def test_every_rule_has_examples_and_wins_on_them(family: str, rule: Rule) -> None:
    assert rule.examples, f"{rule.id} has no examples"
    reader = FAMILIES[family][1]
    for text, want in rule.examples:
        found = reader(normalise(text)).get(rule.slot)
        assert found is not None, (rule.id, text)
        assert (found.rule.id, found.value) == (rule.id, pytest.approx(want)), text


def test_rule_ids_are_unique() -> None:
    from assistant.agent import qtypes

    ids = [rule.id for _, rule in ALL] + [r.id for r in qtypes.RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("our 6-hour job runs 6 hours every weekday", 132.0),  # the longer phrase wins
        ("three ML people, 5 days a week, 10 hours a day", 216.7),
        ("an endpoint up around the clock for 2 weeks", 336.0),
    ],
)
def test_overlapping_phrases_resolve_to_the_longest(text: str, hours: float) -> None:
    got = durations.hours_per_month(normalise(text))
    assert got is not None and got[0] == pytest.approx(hours)


@pytest.mark.parametrize(
    ("text", "regimes"),
    [
        ("hipaa applies and data must stay in the eu", "HIPAA, data residency (EU)"),
        ("we need soc 2, and pci-dss for payments", "SOC2, PCI"),
        ("unregulated, but gdpr applies to the eu users", "GDPR"),
    ],
)
def test_every_regime_named_is_kept(text: str, regimes: str) -> None:
    found = constraints.compliance(normalise(text))
    assert found is not None and found[0] == regimes


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("serving a fine-tuned model", "workload", "inference"),  # the first named
        ("train it, then serve it", "workload", "training"),
        ("batch transform, or serverless?", "mode", "serverless"),  # by priority
        ("real-time, and no spot", "spot", False),
    ],
)
def test_slots_resolved_by_position_or_priority(text: str, slot: str, value: object) -> None:
    assert workloads.workloads(normalise(text))[slot][0] == value


def test_an_amount_the_budget_took_is_no_engineers_cost() -> None:
    text = normalise("Our budget is $400k for 2 engineers; each engineer costs $180k a year.")
    found = money.money(text)
    assert found["budget"][0] == 400_000 and found["engineer_cost"][0] == 180_000
    only = money.money(normalise("We have 3 engineers and a $400k budget."))
    assert only["budget"][0] == 400_000 and "engineer_cost" not in only


def test_the_first_instance_and_the_last_place_named_are_read() -> None:
    found = names.names(normalise("g5.xlarge or g5.12xlarge? no longer london, stockholm"))
    assert found["instance_type"][0] == "g5.xlarge" and found["place"][0] == "stockholm"


def test_a_database_instance_is_not_read_as_a_machine_to_price() -> None:
    assert "instance_type" not in names.names(normalise("db.r6g.2xlarge or db.r6g.4xlarge on RDS?"))
    found = names.names(normalise("an ml.r5.2xlarge notebook next to our db.r6g.large"))
    assert found["instance_type"][0] == "ml.r5.2xlarge"


def test_aws_lambda_and_plain_words_are_no_other_provider() -> None:
    for text in (
        "an aws lambda function calls our sagemaker endpoint",
        "lambda or fargate for the api?",
        "we run on gcp in europe-west4",
    ):
        assert providers.elsewhere(normalise(text)) is None, text


@pytest.mark.parametrize(
    ("text", "hours", "months"),
    [
        ("8 hours a day for 3 months", 240.0, 3.0),  # the rate, for three months
        ("roughly 40 hours a week for the next month", 173.3, 1.0),  # the rate, not 730
        ("for the quarter if they just stay up the whole time", 730.0, 3.0),
        ("a 36 hour fine-tune", 36.0, 1.0),
        ("800 hours a month", 800.0, 1.0),  # an impossible rate stays as said, to be refused
    ],
)
def test_a_rate_runs_over_the_stretch_of_time_stated_with_it(
    text: str, hours: float, months: float
) -> None:
    got = durations.hours_per_month(normalise(text))
    assert got is not None and (got[0], got[3]) == pytest.approx((hours, months))
