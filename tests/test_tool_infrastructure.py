"""`choose_infrastructure`: the guidance's rules, the resolutions of its gaps, and flips."""

from __future__ import annotations

import pytest
from conftest import KNOWLEDGE
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tools import InfrastructureContext, choose_infrastructure

SMALL_URGENT = {
    "team_size": 3,
    "ml_models": 4,
    "budget": 500_000,
    "engineer_cost": 180_000,
    "time_to_market": "urgent",
}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # only use_managed: managed throughout
        (SMALL_URGENT, ("managed", "managed", "managed", "managed")),
        # only use_kubernetes, by team size / model count: the guidance's hybrid split
        ({"team_size": 12, "ml_models": 30}, ("managed", "kubernetes", "managed", "hybrid")),
        ({"team_size": 5}, ("managed", "kubernetes", "managed", "hybrid")),
        ({"ml_models": 10}, ("managed", "kubernetes", "managed", "hybrid")),
        ({"multi_cloud": True}, ("managed", "kubernetes", "managed", "hybrid")),
        # compliance counts only together with custom controls
        ({"compliance": "HIPAA"}, ("managed", "managed", "managed", "managed")),
        (
            {"compliance": "hipaa", "requires_custom_controls": True},
            ("managed", "kubernetes", "managed", "hybrid"),
        ),
        (
            {"compliance": "FedRAMP", "requires_custom_controls": True},
            ("managed", "kubernetes", "managed", "hybrid"),
        ),
        ({"requires_custom_controls": True}, ("managed", "managed", "managed", "managed")),
        # both rules hold: hybrid, serving on Kubernetes
        ({**SMALL_URGENT, "multi_cloud": True}, ("managed", "kubernetes", "managed", "hybrid")),
        # neither holds: managed throughout
        (
            {"team_size": 2, "ml_models": 3, "time_to_market": "flexible"},
            ("managed", "managed", "managed", "managed"),
        ),
        # data must stay out of the provider's managed services: all on Kubernetes
        (
            {"team_size": 8, "data_stays_in_cloud": False},
            ("kubernetes", "kubernetes", "kubernetes", "kubernetes"),
        ),
        (
            {**SMALL_URGENT, "data_stays_in_cloud": False},
            ("kubernetes", "kubernetes", "kubernetes", "kubernetes"),
        ),
    ],
)
def test_decision_table(case: dict, expected: tuple[str, str, str, str]) -> None:  # type: ignore[type-arg]
    r = choose_infrastructure(case)
    assert (r.training, r.serving, r.experimentation, r.overall) == expected


def test_budget_rule_is_strictly_more_than_twice_engineer_cost() -> None:
    at = choose_infrastructure({**SMALL_URGENT, "budget": 360_000})
    above = choose_infrastructure({**SMALL_URGENT, "budget": 360_001})
    assert (at.use_managed, above.use_managed) == (False, True)


def test_small_team_of_three_with_four_models_flips_at_five_engineers() -> None:
    r = choose_infrastructure(SMALL_URGENT)
    assert r.overall == "managed"
    changes = {f.change: f.overall for f in r.flips}
    assert changes["team_size >= 5"] == "hybrid"
    assert changes["ml_models >= 10"] == "hybrid"
    assert choose_infrastructure({**SMALL_URGENT, "team_size": 12}).overall == "hybrid"


def test_defaults_are_listed_as_assumptions() -> None:
    r = choose_infrastructure({"team_size": 4})
    assumed = " ".join(r.assumptions)
    assert "team_size" not in assumed
    assert "ml_models = 1" in assumed and "data_stays_in_cloud = True" in assumed
    assert len(r.assumptions) == 8


def test_accepts_a_model_a_dict_or_keywords_alike() -> None:
    a = choose_infrastructure(InfrastructureContext(team_size=6))
    b = choose_infrastructure({"team_size": 6})
    c = choose_infrastructure(team_size=6)
    assert a.model_dump() == b.model_dump() == c.model_dump()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"team_size": 0}, "team_size"),
        ({"ml_models": -1}, "ml_models"),
        ({"budget": -5}, "budget"),
        ({"engineer_cost": 0}, "engineer_cost"),
        ({"time_to_market": "asap"}, "time_to_market"),
        ({"team_sise": 3}, "team_sise"),
        ({"compliance": 7}, "compliance"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_field(bad: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=field):
        choose_infrastructure(bad)


def test_every_reason_cites_a_section_that_exists() -> None:
    for case in (
        {
            "team_size": 12,
            "ml_models": 30,
            "multi_cloud": True,
            "compliance": "PCI",
            "requires_custom_controls": True,
        },
        SMALL_URGENT,
        {"compliance": "SOC2"},
        {"data_stays_in_cloud": False},
    ):
        for reason in choose_infrastructure(case).reasons:
            text = (KNOWLEDGE / reason.source).read_text()
            assert f"## {reason.heading}\n" in text, reason


contexts = st.fixed_dictionaries(
    {},
    optional={
        "team_size": st.integers(1, 60),
        "ml_models": st.integers(0, 200),
        "budget": st.floats(0, 5e6, allow_nan=False),
        "engineer_cost": st.floats(1, 1e6, allow_nan=False),
        "time_to_market": st.sampled_from(["urgent", "normal", "flexible"]),
        "multi_cloud": st.booleans(),
        "compliance": st.sampled_from(["none", "HIPAA", "PCI", "SOC2", "GDPR"]),
        "requires_custom_controls": st.booleans(),
        "data_stays_in_cloud": st.booleans(),
    },
)


@settings(max_examples=300, deadline=None)
@given(contexts)
def test_properties_hold_for_any_context(case: dict) -> None:  # type: ignore[type-arg]
    r = choose_infrastructure(case)
    stages = {r.training, r.serving, r.experimentation}
    assert r.overall == (stages.pop() if len(stages) == 1 else "hybrid")
    assert r.reasons, "every decision says why"
    if r.use_kubernetes:
        assert r.serving == "kubernetes"
    if not case.get("data_stays_in_cloud", True):
        assert r.overall == "kubernetes"
    for flip in r.flips:  # every flip really flips, by re-running with that one change
        changed = {**r.inputs, flip.field: flip.value}
        assert choose_infrastructure(changed).overall == flip.overall != r.overall


def test_cli_choose_json_and_errors() -> None:
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["choose", "--json", "--team-size", "12", "--ml-models", "30"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["overall"] == "hybrid" and data["serving"] == "kubernetes"
    text = runner.invoke(
        app, ["choose", "--team-size", "3", "--time-to-market", "urgent", "--budget", "500000"]
    )
    assert "overall: managed" in text.stdout and "team_size >= 5" in text.stdout
    bad = runner.invoke(app, ["choose", "--team-size", "0", "--time-to-market", "asap"])
    assert bad.exit_code == 1
    assert "team_size" in bad.stderr and "time_to_market" in bad.stderr
    assert "Traceback" not in bad.output
