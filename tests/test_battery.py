"""The blind battery's checks read an answer as its reader does: its lead, whole words,
dollar amounts, the tools it ran and their arguments; bad cases are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO

from assistant import battery
from assistant.models import ToolCall

ANSWER = """**About $1,029.30 a month** for one ml.g5.xlarge in us-east-1. That is 730 h at $1.41/h.

**What the guidance says**
- Serverless endpoints scale to zero when no requests arrive. [1]
"""


def cost_call(**inputs: object) -> ToolCall:
    base = {"instance_type": "g5.xlarge", "hours_per_month": 730.0, "spot": False,
            "platforms": ["sagemaker", "eks", "vertex", "gke"], "instance_count": 1}  # fmt: skip
    return ToolCall(name="estimate_cost", args={}, result={"inputs": base | inputs,
                    "options": [{"instance_type": "ml.g5.xlarge"}]})  # fmt: skip


def test_the_lead_is_the_first_two_sentences_without_markup_or_headings() -> None:
    assert battery.lead_of(ANSWER) == (
        "About $1,029.30 a month for one ml.g5.xlarge in us-east-1. That is 730 h at $1.41/h."
    )
    assert battery.lead_of("## Heading\n\n| a | b |\n|---|---|\nNo: it does not fit. Why.") == (
        "No: it does not fit. Why."
    )


def test_mentions_match_whole_words_and_alternatives_only() -> None:
    assert battery.mentions("I know it", "no") is False
    assert battery.mentions("No, it does not fit", "yes|no")
    assert battery.mentions("scale-to-zero endpoints", "scale to zero")
    assert battery.mentions("ML.G5.XLARGE", "ml.g5.xlarge")
    assert battery.mentions("ml.g5.xlarge", "g5.x") is False


def test_dollar_amounts_in_every_common_form() -> None:
    text = "$1,029.30 a month, $3.2k a quarter, USD 400, 1,200 dollars and $2 million"
    assert battery.usd_amounts(text) == [1029.30, 3200.0, 400.0, 1200.0, 2_000_000.0]
    assert battery.usd_amounts("730 hours and 8 GPUs") == []


def test_checks_pass_and_fail_on_what_the_answer_holds() -> None:
    reply = battery.Reply(ANSWER, tool_calls=[cost_call()])
    expect = {"decline": False, "lead": ["ml.g5.xlarge", "month"], "has": ["scale to zero"],
              "must_not": ["eu-west-1"], "tool": "estimate_cost",
              "args": {"instance_type": "ml.g5.xlarge", "hours": 720, "purchase": "on-demand",
                       "provider": "aws"},
              "usd": [950, 1100]}  # fmt: skip
    failed = [c for c in battery.check(expect, reply) if not c.ok]  # AWS, but Google priced too
    assert [c.kind for c in failed] == ["args"] and "provider" in failed[0].detail
    expect["args"].pop("provider")
    assert all(c.ok for c in battery.check(expect, reply))
    wrong = dict(expect, usd=[1200, 1400], lead=["spot"], args={"region": "eu-central-1"})
    failed = {c.kind: c.detail for c in battery.check(wrong, reply) if not c.ok}
    assert set(failed) == {"usd", "lead", "args"}
    assert "1029.3" in failed["usd"] and "region" in failed["args"]
    declined = battery.check({"decline": True, "tool": "none"}, battery.Reply("x", True))
    assert all(c.ok for c in declined)
    assert not battery.check({"decline": True, "tool": "none"}, reply)[1].ok


def test_the_baseline_is_scored_on_its_checks_only() -> None:
    expect = {"decline": False, "lead": ["month"], "tool": "estimate_cost", "usd": [1, 2]}
    kinds = [c.kind for c in battery.check(expect, battery.Reply("A month."), ["decline", "lead"])]
    assert kinds == ["decline", "lead"]


def test_causes_name_what_to_fix() -> None:
    expect = {"decline": False, "tool": "estimate_cost",
              "args": {"region": "eu-central-1", "hours": 48}, "usd": [10, 20]}  # fmt: skip
    case = {"id": "x", "category": "cost", "turns": ["q"], "expect": expect}
    reply = battery.Reply("About $700 a month.", tool_calls=[cost_call()])
    results = battery.run(lambda turns: reply, [case], lambda: None)
    assert results[0].causes == [
        "region ignored or misread", "duration misread", "figure outside the reference range"
    ]  # fmt: skip
    assert battery.cause_counts(results)[0] == ("region ignored or misread", 1)
    rates = battery.check_rates(results)
    assert rates["args"] == {"n": 1, "met": 0.0} and rates["tool"] == {"n": 1, "met": 1.0}
    unread = dict(case, expect=dict(expect, has=["eu-central-1|Frankfurt", "spot"]))
    assert battery.run(lambda t: reply, [unread], lambda: None)[0].causes[:2] == [
        "region ignored or misread", "the answer omits what was asked"
    ]  # fmt: skip
    failed = battery.Reply("`estimate_cost` could not run: unknown 'ml.g9.huge'")
    assert battery.run(lambda t: failed, [case], lambda: None)[0].causes[0] == (
        "instance or item not in the price table"
    )


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ({"category": "cost", "turns": ["q"], "expect": {"decline": False}}, "id"),
        ({"id": "a", "category": "price", "turns": ["q"], "expect": {"decline": False}},
         "category"),
        ({"id": "a", "category": "cost", "turns": [], "expect": {"decline": False}}, "turns"),
        ({"id": "a", "category": "cost", "turns": ["q"], "expect": {}}, "decline"),
        ({"id": "a", "category": "cost", "turns": ["q"],
          "expect": {"decline": False, "leed": ["x"]}}, "leed"),
        ({"id": "a", "category": "cost", "turns": ["q"],
          "expect": {"decline": False, "usd": [5, 1]}}, "usd"),
        ({"id": "a", "category": "cost", "turns": ["q"],
          "expect": {"decline": False, "usd": [1, 5]}}, "reference.source"),
        ({"id": "a", "category": "out_of_scope", "turns": ["q"],
          "expect": {"decline": True}}, "near_domain"),
        ({"id": "a", "category": "cost", "turns": ["q"],
          "expect": {"decline": False, "tool": "price_finder"}}, "expect.tool"),
    ],
)  # fmt: skip
def test_a_bad_case_is_refused_naming_its_field(case: dict, field: str, tmp_path: Path) -> None:  # type: ignore[type-arg]
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump([case]))
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        battery.load(tmp_path)


def test_near_domain_is_read_beside_the_checks_too(tmp_path: Path) -> None:
    # The writers' brief lists near_domain with decline and tool, so writers put it there.
    case = {"id": "a", "category": "out_of_scope", "turns": ["q"],
            "expect": {"decline": True, "near_domain": True, "tool": "none"}}  # fmt: skip
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump([case]))
    (loaded,) = battery.load(tmp_path)
    assert loaded["near_domain"] is True and "near_domain" not in loaded["expect"]


def test_the_shipped_battery_is_blind_sized_and_sourced() -> None:
    cases = battery.load(REPO / "evals" / "cases" / "real")
    assert len(cases) >= 200
    out = [c for c in cases if c["category"] == "out_of_scope"]
    assert len(out) >= 40 and sum(c["near_domain"] for c in out) >= len(out) / 2
    assert sum(len(c["turns"]) > 1 for c in cases) >= 30
    priced = [c for c in cases if c["expect"].get("usd")]
    assert len(priced) >= 40
    for case in priced:  # a provider's own page, never a blog
        source = case["expect"]["reference"]["source"]
        assert "blog" not in source and any(
            host in source for host in ("aws.amazon.com", "cloud.google.com", "azure.microsoft.com")
        ), (case["id"], source)


def test_regimes_tool_names_and_accelerator_totals_are_read_as_written() -> None:
    infra = ToolCall(name="choose_infrastructure", args={"compliance": "PCI-DSS, GDPR"})
    assert battery.checks.arg_matches(infra, "compliance", ["PCI", "GDPR"])
    assert not battery.checks.arg_matches(infra, "compliance", ["PCI", "HIPAA"])
    assert battery.mentions("Computed by `choose_infrastructure`", "choose_infrastructure")
    two_nodes = ToolCall(name="estimate_cost", result={
        "inputs": {"instance_type": "p5.48xlarge", "instance_count": 2},
        "options": [{"instance_type": "p5.48xlarge"}]})  # fmt: skip
    assert battery.checks.arg_matches(two_nodes, "accelerator", "h100")
    assert battery.checks.arg_matches(two_nodes, "accelerator_count", 16)
    assert not battery.checks.arg_matches(two_nodes, "accelerator_count", 8)


def test_a_new_batch_is_scored_and_logged_at_first_sight(
    tmp_path: Path, model_dir: Path, indexed_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("MLINFRA_DATA_DIR", str(indexed_data))  # tmp_path / "data", indexed
    evals = tmp_path / "evals"
    (evals / "cases").mkdir(parents=True)
    batch = evals / "new.yaml"
    batch.write_text(yaml.safe_dump([
        {"id": "n-1", "category": "out_of_scope", "near_domain": False,
         "turns": ["What is a good recipe for banana bread?"],
         "expect": {"decline": True, "tool": "none"}},
        {"id": "n-2", "category": "sizing", "turns": ["TPU or GPU for PyTorch inference?"],
         "expect": {"decline": False, "lead": ["GPU"], "must_not": ["banana"],
                    "tool": "select_accelerator", "args": {"framework": "pytorch"}}},
    ]))  # fmt: skip
    answers = evals / "answers.yaml"
    answers.write_text(yaml.safe_dump([
        {"question_id": "tpu-vs-gpu-when", "level": "excellent", "form": "prose", "score": 9,
         "answer": "TPUs for large transformer training in JAX or TensorFlow on Google Cloud, "
                   "where XLA compiles big matrix multiplications; GPUs for PyTorch, custom "
                   "CUDA kernels, other clouds and real-time inference."},
        {"question_id": "tpu-vs-gpu-when", "level": "off_topic", "form": "prose", "score": 0,
         "answer": "I like to cook pasta on Sundays with my family."},
    ]))  # fmt: skip
    runner = CliRunner()
    args = ["eval", "--evals", str(evals), "--no-baseline", "--first-sight", "--writer", "w1"]
    scored = runner.invoke(app, [*args, "--battery", str(batch)])
    assert scored.exit_code == 0, scored.output
    graded = runner.invoke(app, [*args, "--answers", str(answers)])
    assert graded.exit_code == 0, graded.output
    log = (evals / "first_sight.md").read_text()
    assert "## " in log and "new.yaml" in log and "commit:" in log and "w1" in log
    assert "cases: 2; mean share of checks met" in log and "| out_of_scope | 1 |" in log
    assert "interview answers answers.yaml" in log and "| excellent | 1 | 9.00 |" in log
    refused = runner.invoke(app, ["eval", "--evals", str(evals), "--first-sight"])
    assert refused.exit_code == 1 and "--first-sight needs --battery" in refused.output
