"""What a user reads first: the lead answers the question in the form it was asked (the
figure with its unit and period, yes or no with the reason, the decision, the winner and
its margin, or, when a tool could not answer, that in words); the rest bears on it, the
inputs and defaults are one line in the text and in full in `Answer.details`."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.battery.reading import lead_of, usd_amounts
from assistant.composer import DANGLING
from assistant.models import Answer
from assistant.text import split_sentences


def first_sentences(text: str) -> list[str]:
    """The opening sentence of every guidance paragraph (the line under a section's name)."""
    lines = text.splitlines()
    return [split_sentences(nxt)[0] for line, nxt in zip(lines, lines[1:], strict=False)
            if re.fullmatch(r"\*\*[^*]+\*\*", line.strip()) and nxt.strip()]  # fmt: skip


def _total(answer: Answer) -> float:
    result = answer.tool_calls[0].result
    named = str(result["inputs"]["instance_type"]).lower()
    return next(o["monthly_usd"] for o in result["options"] if o["instance_type"].lower() == named)


def test_a_price_question_leads_with_the_figure_its_period_and_how_it_was_reached(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("What would an ml.g5.2xlarge endpoint cost in Frankfurt, all month?")
    lead = lead_of(answer.text, 1)
    assert lead.startswith("About $") and "a month" in lead
    assert "ml.g5.2xlarge" in lead and "eu-central-1" in lead and "730 hours" in lead
    assert usd_amounts(lead)[0] == pytest.approx(_total(answer), abs=0.01)


def test_a_one_off_job_is_priced_for_the_job_not_a_month(real_bot: Assistant) -> None:
    answer = real_bot.ask("What does a 48-hour training job on one p4d.24xlarge cost?")
    lead = lead_of(answer.text, 1)
    assert "for the 48 hours" in lead and "a month" not in lead, lead


@pytest.mark.parametrize(
    ("question", "period", "months"),
    [("What do 5 n2-standard-16 boxes in Belgium cost for a full quarter, 24/7?",
      "for the 3 months", 3),
     ("One g5.2xlarge running for a whole year on demand: annual figure?", "for the year", 12)],
)  # fmt: skip
def test_a_period_longer_than_a_month_is_priced_for_the_whole_period(
    real_bot: Assistant, question: str, period: str, months: int
) -> None:
    answer = real_bot.ask(question)
    lead = lead_of(answer.text, 1)
    assert period in lead and f"x {months} months" in lead, lead
    result = answer.tool_calls[0].result
    named = str(result["inputs"]["instance_type"]).lower()
    monthly = [o["monthly_usd"] for o in result["options"] if o["instance_type"].lower() == named]
    assert usd_amounts(lead)[0] == pytest.approx(months * min(monthly), rel=1e-4)


def test_hours_a_month_past_the_longest_month_are_still_refused(real_bot: Assistant) -> None:
    answer = real_bot.ask("What would a g5.xlarge cost for 800 hours a month?")
    assert "744" in answer.text and answer.tool_calls == []


def test_a_comparison_without_a_named_instance_leads_with_the_winner_and_margin(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("Is SageMaker or Vertex AI cheaper for an always-on GPU endpoint?")
    lead = lead_of(answer.text, 1)
    assert lead.startswith("Cheapest:") and re.search(r"\$[\d,.]+ \(\d+%\) less than", lead), lead


@pytest.mark.parametrize(
    ("question", "verdict"),
    [("Can a 70B model in bf16 be served on two A100 80GB GPUs?", "No:"),
     ("Will Llama 3 8B fit on one L4 for inference in fp16?", "Yes:")],
)  # fmt: skip
def test_a_yes_or_no_sizing_question_is_answered_yes_or_no_with_the_memory(
    real_bot: Assistant, question: str, verdict: str
) -> None:
    lead = lead_of(real_bot.ask(question).text, 1)
    assert lead.startswith(verdict) and "GB is needed" in lead, lead


def test_a_build_or_buy_question_leads_with_the_decision_and_its_first_reason(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("We are 9 ML engineers with 22 models. Managed or our own Kubernetes?")
    lead = lead_of(answer.text, 1)
    assert lead.startswith("Decision:") and "because 9 engineers" in lead, lead


def test_a_price_the_catalog_lacks_is_said_in_words_with_the_nearest_it_has(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("How much for an ml.zz9.4xlarge in eu-west-1 for a week?")
    lead = lead_of(answer.text, 1)
    assert lead.startswith("I have no price for ml.zz9.4xlarge in eu-west-1"), lead
    assert "the nearest I have:" in lead and "mlinfra prices refresh" in answer.text
    assert "{" not in answer.text and "could not run with" not in answer.text
    # and the guidance does not stand in for the missing price with figures of its own
    assert "$" not in answer.text


def test_inputs_and_defaults_are_one_line_in_the_text_and_whole_in_the_details(
    real_bot: Assistant,
) -> None:
    answer = real_bot.ask("What would an ml.g5.2xlarge endpoint cost in Frankfurt, all month?")
    assert "**Inputs**" not in answer.text
    assumed = [line for line in answer.text.splitlines() if line.startswith("*Assumed:")]
    assert len(assumed) == 1 and "instance_count = 1" in assumed[0]
    assert any(d.startswith("Input: estimate_cost.region = 'eu-central-1'") for d in answer.details)
    assert any(d.startswith("Assumed: instance_count = 1") for d in answer.details)


def test_the_guidance_next_to_a_computed_price_quotes_no_other_price(real_bot: Assistant) -> None:
    answer = real_bot.ask("What does an always-on ml.g5.xlarge endpoint cost in us-east-1?")
    guidance = answer.text.split("**What the guidance says**")[-1].split("*Assumed:")[0]
    assert "**What the guidance says**" in answer.text
    assert "$" not in guidance


@pytest.mark.parametrize(
    "question",
    ["What is a feature store for?", "How do spot instances cut training cost?",
     "When should I pick TPUs over GPUs?", "What does KServe add on top of Kubernetes?"],
)  # fmt: skip
def test_no_guidance_paragraph_opens_on_a_dangling_connective(
    real_bot: Assistant, question: str
) -> None:
    text = real_bot.ask(question).text
    for opening in first_sentences(text):
        assert not DANGLING.match(opening), opening


def test_the_stream_yields_the_lead_first_and_joins_to_the_text(real_bot: Assistant) -> None:
    items = list(real_bot.stream("What would an ml.g5.2xlarge endpoint cost in Frankfurt?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    pieces = [i for i in items if isinstance(i, str)]
    assert "".join(pieces) == answer.text
    assert pieces[0].startswith("**About $") and "**What the guidance says**" not in pieces[0]
    assert len(pieces) >= 3  # lead, then the parts as they were made


def test_the_lead_names_the_purchase_option_it_priced(real_bot: Assistant) -> None:
    asked = real_bot.ask("ten g5.2xlarge spot instances in Stockholm for 40 hours?")
    spot = lead_of(asked.text, 1)
    assert "on spot" in spot and "eu-north-1" in spot, spot
    assert asked.tool_calls[0].args["mode"] == "batch"  # no serving stated: work spot suits
    endpoint = real_bot.ask("a real-time g5.2xlarge endpoint on spot in Stockholm, per month?")
    assert "on spot" not in lead_of(endpoint.text, 1)  # serving on spot is refused, in words
    assert "not real-time inference" in endpoint.text
    plan = real_bot.ask("6 g5.2xlarge in Oregon 24/7 on a 3-year savings plan: per month?")
    lead = lead_of(plan.text, 2)
    # no AWS savings-plan rate is in the snapshot: the lead says its figure is on demand
    assert "3-year savings plan" in lead and "on-demand figure" in lead, lead


def test_a_turn_that_changes_the_purchase_keeps_the_earlier_instance(
    real_bot: Assistant,
) -> None:
    first = "What does a TPU v5e-8 slice cost in europe-west1 for a fortnight of JAX training?"
    answer = real_bot.ask(
        "Say we took a 1-year committed use discount instead and kept it running all the time"
        " - what's that per month?",
        history=[{"role": "user", "content": first},
                 {"role": "assistant", "content": real_bot.ask(first).text}],
    )  # fmt: skip
    args = answer.tool_calls[0].args
    assert args["instance_type"] == "tpu-v5litepod-8" and args["region"] == "europe-west1"
    assert args["purchase"] == "committed-1y" and args["hours_per_month"] == 730
    # the earlier turn's fortnight was a one-off job; this turn's month around the clock is not
    assert "ops_fraction" not in args
    assert "a month" in lead_of(answer.text, 1)


def test_a_question_for_the_machines_bill_gets_no_engineer_time(real_bot: Assistant) -> None:
    q = "Our Mumbai EKS cluster runs three inf2.xlarge nodes 24/7. Monthly compute bill for them?"
    asked = real_bot.ask(q)
    assert asked.tool_calls[0].args["ops_fraction"] == 0
    plain = real_bot.ask("Our Mumbai EKS cluster runs three inf2.xlarge nodes 24/7. Per month?")
    assert "ops_fraction" not in plain.tool_calls[0].args
    # the lead's figure is the cloud bill (nodes and the EKS fee), lower than with people
    assert usd_amounts(lead_of(asked.text, 1))[0] < usd_amounts(lead_of(plain.text, 1))[0]
