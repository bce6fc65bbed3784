"""The offline agent: routing natural-language questions to the tools with the right
arguments, follow-ups, the composed answer, streaming and the decision record."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from conftest import REPO

from assistant import Assistant
from assistant.agent.planner import facts, plan
from assistant.models import Answer
from assistant.tools import TOOLS

CASES = yaml.safe_load((REPO / "evals" / "cases" / "routing.yaml").read_text())


def _history(turns: list[str]) -> list[dict[str, str]]:
    out = []
    for turn in turns:
        out += [{"role": "user", "content": turn}, {"role": "assistant", "content": "(answer)"}]
    return out


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, int | float) and isinstance(got, int | float):
        return abs(got - want) < 1e-6
    return bool(got == want)


def test_routing_table_is_large_and_includes_the_seed_questions() -> None:
    assert len(CASES) >= 40
    questions = {c["q"] for c in CASES}
    for seed in (
        "When would you use SageMaker vs self-managed Kubernetes?",
        "How do you reduce SageMaker inference costs?",
        "When would you use TPUs vs GPUs?",
    ):
        assert seed in questions


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_question_routes_to_the_right_tool_arguments_and_decision(case: dict) -> None:  # type: ignore[type-arg]
    p = plan(case["q"], _history(case.get("history", [])))
    assert [c.name for c in p.calls] == case["tools"]
    for field, want in (case.get("args") or {}).items():
        got = p.calls[0].args.get(field)
        assert _same(got, want), f"{field}: {got!r}, expected {want!r}"
    if case.get("result"):
        fn, _ = TOOLS[p.calls[0].name]
        result = fn(dict(p.calls[0].args)).model_dump()
        for field, want in case["result"].items():
            assert result[field] == want, f"{field}: {result[field]!r}, expected {want!r}"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("We're three engineers", "team_size", 3),
        ("a 5-person team", "team_size", 5),
        ("team size is 7", "team_size", 7),
        ("we run 12 production models", "ml_models", 12),
        ("a budget of $1.2M", "budget", 1_200_000),
        ("budget: 300,000 usd", "budget", 300_000),
        ("a $25k/month budget", "budget", 300_000),
        ("engineers cost 180k", "engineer_cost", 180_000),
        ("$15k a month per engineer", "engineer_cost", 180_000),
        ("launch in 6 weeks", "time_to_market", "urgent"),
        ("go live within 6 months", "time_to_market", "normal"),
        ("no rush at all", "time_to_market", "flexible"),
        ("it runs 24/7", "hours_per_month", 730),
        ("8 hours a day on weekdays", "hours_per_month", 176),
        ("200 hours a month", "hours_per_month", 200),
        ("for 3 days", "hours_per_month", 72),
        ("10k requests a day", "requests_per_month", 300_000),
        ("5 requests per second", "requests_per_month", 13_140_000),
        ("takes 250 ms per request", "avg_duration_ms", 250),
        ("a 70B model", "params_billion", 70),
        ("350M parameters", "params_billion", 0.35),
        ("in 4-bit", "precision", "int4"),
        ("trained with Flax", "framework", "jax"),
        ("a ResNet", "model_type", "cnn"),
        ("HIPAA workloads", "compliance", "HIPAA"),
        ("SOC 2 audit", "compliance", "SOC2"),
        ("data can't leave our data center", "data_stays_in_cloud", False),
        ("we run on both AWS and GCP", "multi_cloud", True),
        ("on preemptible VMs", "spot", True),
        ("ml.g5.2xlarge", "instance_type", "ml.g5.2xlarge"),
        ("a3-highgpu-8g", "instance_type", "a3-highgpu-8g"),
        ("a g5.2xlarge in ap-southeast-2", "region", "ap-southeast-2"),
        ("a v5e slice in europe-west4", "region", "europe-west4"),
        ("deployed to us-east-1.", "region", "us-east-1"),
    ],
)
def test_facts_are_read_from_common_phrasings(text: str, field: str, value: Any) -> None:
    found = facts(text)
    assert field in found, f"{field} not read from {text!r}: {found}"
    assert _same(found[field].value, value)


def test_tool_arguments_say_where_they_came_from() -> None:
    p = plan(
        "what if we were 12?", _history(["We're 3 engineers with 4 models, SageMaker or K8s?"])
    )
    assert p.follow_up
    given = p.calls[0].given
    assert "this question" in given["team_size"]
    assert "earlier" in given["ml_models"]


def test_new_question_keeps_team_facts_but_not_the_last_workload() -> None:
    history = _history(
        ["We're 3 engineers; what does a g5.xlarge cost for 200 hours a month on AWS?"]
    )
    p = plan("Which GPU should we pick for serving a 7B model?", history)
    assert [c.name for c in p.calls] == ["select_accelerator"]
    assert "cloud" not in p.calls[0].args
    assert p.calls[0].args["params_billion"] == 7


def test_answer_leads_with_the_decision_cites_its_reasons_and_lists_assumptions(
    real_bot: Assistant,
) -> None:
    q = "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?"
    answer = real_bot.ask(q)
    assert answer.text.startswith("**Decision: a managed platform throughout**")
    assert [c.name for c in answer.tool_calls] == ["choose_infrastructure"]
    assert answer.tool_calls[0].args == {"team_size": 3, "ml_models": 4, "time_to_market": "urgent"}
    first_reason = answer.text.split("Why:\n")[1].splitlines()[0]
    assert re.search(r"\[\d+\]$", first_reason)  # the rule's section is cited
    assert {c.n for c in answer.citations} == {
        int(n) for n in re.findall(r"\[(\d+)\]", answer.text)
    }
    # the defaults on one line of the text; every input with its words in the details
    assert "*Assumed: budget = 250000.0;" in answer.text and "**Inputs**" not in answer.text
    assert "Assumed: budget = 250000.0 (default)" in answer.details
    assert 'Input: choose_infrastructure.team_size = 3 from "3 engineers" (this question)' in (
        answer.details
    )


def test_follow_up_reruns_the_tool_with_the_earlier_arguments_updated(
    real_bot: Assistant,
) -> None:
    first = "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?"
    a1 = real_bot.ask(first)
    a2 = real_bot.ask(
        "what if we were 12?",
        history=[{"role": "user", "content": first}, {"role": "assistant", "content": a1.text}],
    )
    assert a1.tool_calls[0].result["overall"] == "managed"
    assert a2.tool_calls[0].args["team_size"] == 12
    assert a2.tool_calls[0].args["ml_models"] == 4
    assert a2.tool_calls[0].result["overall"] == "hybrid"
    assert a2.text.startswith("**Decision: hybrid**")


def test_cost_answer_shows_the_arithmetic_and_the_numbers_equal_the_tool(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("How much does a g5.xlarge cost on SageMaker vs EKS running 24/7?")
    result = answer.tool_calls[0].result
    for option in result["options"]:
        assert f"${option['monthly_usd']:,.2f}" in answer.text
        for line in option["breakdown"]:
            assert line["formula"] in answer.text
        for price in option["assumptions"]:
            assert price["as_of"] in answer.text and price["source"] in answer.text


def test_impossible_input_in_words_is_a_clear_message_naming_the_field(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("What would a g5.xlarge cost for 800 hours a month?")
    assert "hours_per_month" in answer.text
    assert "744" in answer.text
    assert answer.tool_calls == []


def test_serverless_without_volume_asks_a_clarifying_question(real_bot: Assistant) -> None:
    answer = real_bot.ask("What would SageMaker serverless inference cost us?")
    assert "how many requests a month" in answer.text
    assert answer.tool_calls == []


def test_stream_yields_the_text_piece_by_piece_then_the_answer(real_bot: Assistant) -> None:
    items = list(real_bot.stream("How do you reduce SageMaker inference costs?"))
    *pieces, last = items
    assert isinstance(last, Answer)
    assert len(pieces) >= 3 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == last.text
    # a how-to question: the guidance leads, the numbers come after it
    assert pieces[0].startswith("**") and "**The numbers**" not in pieces[0]


def test_decision_record_has_the_sections_a_design_doc_needs(real_bot: Assistant) -> None:
    answer = real_bot.ask("How much does a g5.xlarge cost on SageMaker vs EKS running 24/7?")
    record = answer.to_markdown()
    for heading in ("# Decision record:", "## Question", "## Context", "## Answer",
                    "## Tool inputs", "## Sources"):  # fmt: skip
        assert heading in record
    assert "as of 2025-01-26" in record  # the SageMaker unit price's date (AWS's FMBench table)
    for c in answer.citations:
        assert f"[{c.n}] `knowledge/{c.source}`" in record


def test_a_region_code_reaches_estimate_cost_and_carries_into_a_follow_up() -> None:
    first = plan("What would a g5.2xlarge cost in ap-southeast-2 running around the clock?")
    assert first.calls[0].args["region"] == "ap-southeast-2"
    history = [{"role": "user", "content": "What would a g5.2xlarge cost in ap-southeast-2?"},
               {"role": "assistant", "content": ""}]  # fmt: skip
    second = plan("and in eu-west-1?", history)
    assert second.calls[0].args["region"] == "eu-west-1"
    assert second.calls[0].args["instance_type"] == "g5.2xlarge"


def test_a_cost_answer_leads_with_the_instance_asked_about_then_the_cheaper_ones() -> None:
    from assistant.agent import render
    from assistant.tools import estimate_cost

    def lead(**fields: Any) -> str:
        result = estimate_cost(**fields).model_dump()
        return render.cost(result, lambda source, heading: "")[0]

    # Vertex AI's L4 twin is cheaper than SageMaker's ml.g5.xlarge, yet the question was
    # about ml.g5.xlarge: its price comes first, the cheaper options after it
    asked = lead(instance_type="ml.g5.xlarge")
    assert asked.startswith("**About $1,028.13 a month** on SageMaker: 1 x ml.g5.xlarge in "
                            "us-east-1 at $1.4084 an hour x 730 hours")  # fmt: skip
    assert "Compared: Vertex AI $" in asked and "(g2-standard-4)" in asked
    # the instance left to the tool's default: the cheapest leads, with its margin
    cheapest = lead(hours_per_month=730)
    assert cheapest.startswith("**Cheapest: Vertex AI at $")
    assert re.search(r"\*\*, \$[\d,.]+ \(\d+%\) less than SageMaker: ", cheapest), cheapest


@pytest.mark.parametrize(
    ("question", "instance", "region"),
    [
        ("What does a Standard_NC24ads_A100_v4 cost a month in westeurope?",
         "standard_nc24ads_a100_v4", "westeurope"),
        ("price of ND96isr_H100_v5 for 100 hours in eastus", "nd96isr_h100_v5", "eastus"),
        ("How much is an NC8as_T4_v3 in swedencentral running 12 hours a day?",
         "nc8as_t4_v3", "swedencentral"),
    ],
)  # fmt: skip
def test_azure_sizes_and_region_codes_are_read_and_priced(
    question: str, instance: str, region: str
) -> None:
    (call,) = plan(question).calls
    assert call.name == "estimate_cost"
    assert (call.args["instance_type"], call.args["region"]) == (instance, region)
    result = TOOLS["estimate_cost"][0](call.args)
    assert {o.platform for o in result.options} == {"azure-vm", "azure-ml", "aks"}


@pytest.mark.parametrize(
    ("question", "purchase"),
    [
        ("What would a 3-year savings plan do to our ml.g5.2xlarge endpoint bill?",
         "savings-plan-3y"),
        ("Standard_NC24ads_A100_v4 in westeurope with a one-year reservation, monthly cost?",
         "committed-1y"),
        ("a2-highgpu-1g on GKE with committed use discounts, what per month?", "committed-1y"),
        ("We are committed to GCP; what does an a2-highgpu-1g cost?", None),
    ],
)  # fmt: skip
def test_commitments_are_read_and_shown_in_the_lead(question: str, purchase: str | None) -> None:
    from assistant.agent import render

    (call,) = plan(question).calls
    assert call.args.get("purchase") == purchase
    result = TOOLS["estimate_cost"][0](call.args).model_dump()
    lead = render.cost(result, lambda source, heading: "")[0]
    assert ("up to" in lead and "at best" in lead) == (purchase is not None and any(
        o["commitment"] for o in result["options"]))  # fmt: skip


@pytest.mark.parametrize(
    ("question", "region"),
    [
        ("What would an ml.g5.2xlarge endpoint cost us in Frankfurt, running all month?",
         "eu-central-1"),
        ("We want one Standard_NC24ads_A100_v4 node in Amsterdam, monthly cost?", "westeurope"),
        ("g2-standard-4 in the Netherlands for a month, how much?", "europe-west4"),
        ("price of a g5.xlarge in Ireland", "eu-west-1"),
        ("what does ml.g5.xlarge cost in Tokyo?", "ap-northeast-1"),
        ("NC8as_T4_v3 in Sweden Central for a month, cost?", "swedencentral"),
        ("g5.xlarge in eu-west-2, not London pricing, how much?", "eu-west-2"),  # a code wins
    ],
)  # fmt: skip
def test_a_place_named_in_words_is_the_region_of_the_cloud_priced(
    question: str, region: str
) -> None:
    (call,) = plan(question).calls
    assert call.args["region"] == region
    TOOLS["estimate_cost"][0](call.args)  # a region the tool prices


def test_every_place_name_resolves_on_every_cloud_to_a_real_region() -> None:
    from assistant.tools.regions import PLACE_REGIONS, REGION_CODES

    for name, codes in PLACE_REGIONS.items():
        assert set(codes) == {"aws", "gcp", "azure"}, name
        for cloud, code in codes.items():
            assert code in REGION_CODES[cloud], (name, cloud, code)


@pytest.mark.parametrize(
    ("question", "platforms"),
    [
        ("Four inf2.xlarge on plain EC2 in Ireland around the clock: monthly cost?", ["ec2"]),
        ("one g2-standard-8 in Iowa, never shut off. Monthly bill for the VM?",
         ["compute-engine"]),
        ("five Standard_NC8as_T4_v3 nodes in an AKS pool, cost a month?", ["aks"]),
        ("What does an ml.g5.2xlarge SageMaker endpoint cost a month?", ["sagemaker"]),
        # an instance's name implies its cloud: its VM, managed platform and Kubernetes
        ("What does a g5.xlarge cost a month?", ["ec2", "sagemaker", "eks"]),
        ("What does an a2-highgpu-1g cost a month?", ["compute-engine", "vertex", "gke"]),
        ("What does an endpoint up 200 hours a month cost in europe-west4?", ["vertex", "gke"]),
        ("What do 4 H100s cost for a week?", None),  # nothing named or implied
    ],
)  # fmt: skip
def test_only_the_platforms_named_or_implied_are_compared(
    question: str, platforms: list[str] | None
) -> None:
    (call,) = plan(question).calls
    assert call.args.get("platforms") == platforms


@pytest.mark.parametrize(
    ("question", "tools"),
    [
        ("Two p5.48xlarge on spot in us-east-1 for a 72-hour run - what's the damage?",
         ["estimate_cost"]),
        ("ballpark for a 72 hour run on one p5.48xlarge, us-east-1?", ["estimate_cost"]),
        ("Four p4d.24xlarge in Frankfurt for two weeks. Total for the job?", ["estimate_cost"]),
        ("if i run a p4d.24xlarge on spot for a week what am i looking at", ["estimate_cost"]),
        # how it is bought and for how long, with no cost word, still asks a price
        ("trn1.32xlarge in Ohio for 3 days, ondemand", ["estimate_cost"]),
        ("one p4d.24xlarge on spot over two weeks in Oregon", ["estimate_cost"]),
        # a budget or a salary per year is a fact, not a price asked for
        ("2 ML engineers at $200k each, 3 models, the ML infra budget is $150k a year. "
         "Should we self-host Kubeflow on EKS or use SageMaker?", ["choose_infrastructure"]),
    ],
)  # fmt: skip
def test_prices_asked_in_other_words_run_the_cost_tool(question: str, tools: list[str]) -> None:
    assert [c.name for c in plan(question).calls][:1] == tools


def _turns(*texts: str) -> list[dict[str, str]]:
    return [m for t in texts for m in ({"role": "user", "content": t},
                                       {"role": "assistant", "content": "..."})]  # fmt: skip


@pytest.mark.parametrize(
    ("earlier", "question", "expect"),
    [
        ("What does a g5.12xlarge cost a month in Frankfurt?", "ok and on spot?",
         {"spot": True, "region": "eu-central-1"}),
        ("What does an inf2.xlarge cost a month in Oregon?",
         "hmm. and if we moved it to Stockholm instead?", {"region": "eu-north-1"}),
        ("Four Standard_NC24ads_A100_v4 nodes in AKS in Amsterdam, monthly cost?",
         "and if we put the same four in Sweden Central instead?",
         {"region": "swedencentral", "instance_type": "standard_nc24ads_a100_v4"}),
        ("p5.48xlarge in London for 5 days, cost?",
         "Our DPO says London is no longer in the EU. The same run in Stockholm instead?",
         {"region": "eu-north-1"}),
        ("What would an ml.g5.12xlarge endpoint cost a month?",
         "ok that's a lot. what if we sign up for a 1-year SageMaker savings plan?",
         {"purchase": "savings-plan-1y"}),
        # news stated, then asked whether it changes the earlier answer
        ("What does a g5.12xlarge cost a month in Frankfurt?",
         "Finance wants everything on spot from now on. Does that change the number?",
         {"spot": True, "region": "eu-central-1"}),
    ],
)  # fmt: skip
def test_a_follow_up_in_other_words_re_runs_the_last_priced_tool_with_the_change(
    earlier: str, question: str, expect: dict[str, Any]
) -> None:
    p = plan(question, _turns(earlier))
    assert p.follow_up and [c.name for c in p.calls] == ["estimate_cost"]
    assert {k: p.calls[0].args.get(k) for k in expect} == expect


@pytest.mark.parametrize(
    ("text", "team"),
    [
        ("Eight platform and ML engineers, twenty models", 8),
        ("12 ML/platform engineers, 60 models", 12),
        ("small nlp lab, 2 of us can do infra", 2),
        ("me + 1 postdoc, need one model endpoint", 2),
        ("twenty-five engineers, eighty models", 25),
        ("we have 3 models and 2 engineers", 2),
    ],
)
def test_team_sizes_in_other_words(text: str, team: int) -> None:
    assert facts(text)["team_size"].value == team


@pytest.mark.parametrize(
    ("text", "when"),
    [("Vertex AI or GKE? Not in a rush.", "flexible"), ("we need it live asap", "urgent")],
)
def test_a_negated_rush_is_not_urgent(text: str, when: str) -> None:
    assert facts(text)["time_to_market"].value == when


def test_asking_what_a_described_model_should_run_on_runs_the_selector() -> None:
    p = plan("Our PyTorch transformer has 3 billion parameters and scores documents in a "
             "nightly batch. What should it run on?")  # fmt: skip
    (call,) = p.calls
    assert call.name == "select_accelerator"
    assert call.args["framework"] == "pytorch" and call.args["latency"] == "batch"
    assert plan("What should we run on for our Postgres reporting database?").calls == []


def test_a_turn_that_leans_on_a_conceptual_one_searches_with_it() -> None:
    earlier = "What is a feature store, in two lines?"
    p = plan("could we run it on plain Redis?", _turns(earlier))
    assert p.calls == [] and p.leans and p.query.startswith(earlier)
    alone = plan("What is a model registry for?", _turns(earlier))
    assert not alone.leans and alone.query == "What is a model registry for?"


def test_the_pick_is_redone_when_a_later_turn_changes_the_framework() -> None:
    earlier = "We serve a 13B model in real time on GCP with PyTorch. Which accelerator?"
    p = plan("the team is porting the serving code to JAX. would that change your pick?",
             _turns(earlier))  # fmt: skip
    assert p.follow_up and [c.name for c in p.calls] == ["select_accelerator"]
    assert p.calls[0].args["framework"] == "jax" and p.calls[0].args["params_billion"] == 13
