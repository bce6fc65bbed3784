"""Question types: the rules win on their own examples, the exemplar classifier types what
no rule decides, and the type changes what the planner runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.agent import qtypes
from assistant.agent.extract import normalise
from assistant.agent.planner import CHOOSE, COST, plan
from assistant.agent.qtypes import Exemplars, QuestionType, by_rules, load_bank

RULES = list(qtypes.RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_type_rule_has_examples_and_wins_on_them(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.examples, f"{rule.id} has no examples"
    for text, want in rule.examples:
        got = by_rules(normalise(text))
        assert got is not None and (got.how, got.type) == (rule.id, want), text


def test_the_bank_is_large_labelled_and_balanced() -> None:
    bank = load_bank()
    counts = {t: sum(1 for _, k in bank if k == t) for t in qtypes.TYPES}
    assert len(bank) >= 300
    assert min(counts.values()) >= 40, counts
    assert len({text.lower() for text, _ in bank}) == len(bank)  # no exemplar twice


def test_a_bad_bank_entry_is_an_error_naming_the_allowed_types(tmp_path: Path) -> None:
    bad = tmp_path / "bank.yaml"
    bad.write_text("- {type: pricing, text: what does it cost}\n")
    with pytest.raises(ValueError, match="type must be one of price, comparison"):
        load_bank(bad)


@pytest.fixture(scope="module")
def exemplars(onnx_embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The bank embedded once for the module (a few seconds), in a folder of its own."""
    folder = tmp_path_factory.mktemp("question-types")
    types = Exemplars(onnx_embedder, folder)
    types.classify(onnx_embedder.embed(["warm up"])[0])  # embeds the bank if it is lazy
    assert list(folder.glob("question-types-*.npy")), "the bank's vectors are kept"
    return types, folder


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Our three-person team runs 12 models; is it time to leave SageMaker for our own "
         "cluster?", "build_vs_buy"),
        ("I keep hearing about inferentia, is it something we should look at for a 3B model",
         "sizing"),
        ("lol what's a good name for my cat", "out_of_scope"),
    ],
)  # fmt: skip
def test_the_classifier_types_what_no_rule_decides(onnx_embedder, exemplars, question: str,  # type: ignore[no-untyped-def]
                                                   qtype: str) -> None:  # fmt: skip
    assert by_rules(normalise(question)) is None
    types, folder = exemplars
    got = types.classify(onnx_embedder.embed([question])[0])
    assert got.type == qtype, got
    again = Exemplars(onnx_embedder, folder)  # a new process reads them back
    assert again.classify(onnx_embedder.embed([question])[0]).type == qtype


def _sure(kind: str):  # type: ignore[no-untyped-def]
    return lambda text: QuestionType(kind, "test", 0.9)


def test_a_price_question_gets_no_build_vs_buy_verdict() -> None:
    q = "We are 3 engineers. What would ml.g5.2xlarge on SageMaker or EKS cost a month?"
    p = plan(q)
    assert p.qtype == "price"
    assert [c.name for c in p.calls] == [COST]


def test_a_sure_build_vs_buy_type_runs_the_chooser_on_the_teams_facts() -> None:
    q = "Two of us, five models in production, and patient data stays in our own data centre."
    assert plan(q).calls == []  # no cue of its own
    p = plan(q, classify=_sure("build_vs_buy"))
    assert [c.name for c in p.calls] == [CHOOSE]
    assert p.calls[0].args["team_size"] == 2 and p.calls[0].args["data_stays_in_cloud"] is False
    unsure = plan(q, classify=lambda text: QuestionType("build_vs_buy", "test", 0.3))
    assert unsure.calls == []  # an unsure type adds nothing


def test_a_follow_up_takes_the_type_of_the_turn_it_follows() -> None:
    history = [{"role": "user", "content": "What does a g5.xlarge cost a month in eu-west-1?"},
               {"role": "assistant", "content": "..."}]  # fmt: skip
    p = plan("and with spot?", history)
    assert p.follow_up and p.qtype == "price" and "turn it follows" in p.qtype_how


def test_a_one_off_job_is_priced_without_engineer_time() -> None:
    job = plan("What would a 48-hour run on a p4d.24xlarge cost on EKS?").calls[0]
    assert job.args["ops_fraction"] == 0.0 and "one-off" in job.given["ops_fraction"]
    from assistant.tools import estimate_cost

    eks = next(o for o in estimate_cost(job.args).options if o.platform == "eks")
    assert all(line.usd == 0 for line in eks.breakdown if "engineer" in line.item)
    always = plan("What would a p4d.24xlarge cost on EKS running 24/7?").calls[0]
    assert "ops_fraction" not in always.args
    asked = plan("48-hour run on a p4d.24xlarge on EKS: total cost including engineer time?")
    assert "ops_fraction" not in asked.calls[0].args


def test_every_tool_has_one_spec_whose_slots_are_its_input_fields() -> None:
    from assistant.agent.registry import REGISTRY, spec
    from assistant.tools import TOOLS

    assert set(REGISTRY) == set(TOOLS)
    for tool in REGISTRY.values():
        fields = set(tool.input.model_fields)
        assert set(tool.slots) <= fields, (tool.name, set(tool.slots) - fields)
        assert tool.description and tool.render and tool.notes
    with pytest.raises(ValueError, match="tool must be one of choose_infrastructure"):
        spec("estimate_costs")


def _turns(*turns: str) -> tuple[str, list[dict[str, str]]]:
    history: list[dict[str, str]] = []
    for turn in turns[:-1]:
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": "..."}]
    return turns[-1], history


def test_and_on_another_cloud_prices_the_equivalent_offer_there() -> None:
    from assistant.agent.offline import run_tools

    q, history = _turns("What does an ml.g5.2xlarge endpoint cost a month on SageMaker?",
                        "and on GCP?")  # fmt: skip
    p = plan(q, history)
    assert p.follow_up and p.calls[0].args["platforms"] == ["vertex", "gke"]
    ((_, call),) = run_tools(p)[0]
    offers = {o["platform"]: o["instance_type"] for o in call.result["options"]}
    assert set(offers) == {"vertex", "gke"}
    assert all(name.startswith("g2-") for name in offers.values())  # L4 for the A10G


def test_if_we_must_stay_on_aws_re_runs_the_selector_there() -> None:
    q, history = _turns("TPU or GPU for training a 7B transformer in JAX?",
                        "if we must stay on AWS?")  # fmt: skip
    p = plan(q, history)
    (call,) = p.calls
    assert call.name == "select_accelerator" and call.args["cloud"] == "aws"
    assert call.args["params_billion"] == 7 and call.args["framework"] == "jax"
