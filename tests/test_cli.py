"""The `mlinfra` CLI through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import KNOWLEDGE
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture
def env(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("MLINFRA_KNOWLEDGE_DIR", str(KNOWLEDGE))
    return {}


@pytest.fixture
def indexed(env: dict, indexed_data: Path) -> dict:  # type: ignore[type-arg]
    """`env` over a copy of the real index: the commands that read it need not build it
    (the ingest tests keep an empty data dir)."""
    return env


def test_ingest_reports_a_summary_and_a_second_run_embeds_nothing(env: dict) -> None:  # type: ignore[type-arg]
    runner = CliRunner()
    first = runner.invoke(app, ["ingest"])
    assert first.exit_code == 0, first.output
    files = len(
        [p for p in KNOWLEDGE.rglob("*.md") if "data" not in p.relative_to(KNOWLEDGE).parts]
    )
    assert f"added {files}," in first.stdout
    second = runner.invoke(app, ["ingest"])
    assert second.exit_code == 0
    assert f"unchanged {files} files; embedded 0 chunks" in second.stdout


def test_ask_json_matches_the_contract(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["ask", "--json", "When would you use TPUs vs GPUs?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "citations", "tool_calls"}
    assert data["citations"] and {"n", "chunk_id", "source", "heading", "text", "score"} <= set(
        data["citations"][0]
    )


def test_ask_renders_markdown_and_a_sources_table(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["ask", "What is Vertex AI Reduction Server?"])
    assert result.exit_code == 0, result.output
    assert "Sources" in result.stdout and "vertex-ai" in result.stdout


def test_sources_lists_passages_with_scores(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["sources", "--json", "--k", "3", "Kubeflow Pipelines"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and all("score" in h and "chunk" in h for h in hits)


def test_empty_question_is_a_clear_error_not_a_traceback(env: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["ask", "  "])
    assert result.exit_code == 1
    assert "question is empty" in result.stderr
    assert "Traceback" not in result.output


def test_ingest_of_a_missing_path_names_it(env: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "missing-dir")])
    assert result.exit_code == 1
    assert "missing-dir" in result.stderr


def test_chat_answers_follow_ups_until_exit(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app, ["chat"], input="When should I use TPUs?\nand for PyTorch models?\nexit\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Sources") == 2


def test_chat_follow_up_reruns_the_decision_tool(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app,
        ["chat", "--verbose"],
        input="We're 3 engineers with 4 models, launch in 6 weeks. SageMaker or Kubernetes?\n"
        "what if we were 12?\nexit\n",
    )
    assert result.exit_code == 0, result.output
    assert "Decision: a managed platform throughout" in result.stdout
    assert "Decision: hybrid" in result.stdout
    assert "team_size = 12" in result.stdout  # --verbose lists the inputs under each answer
    plain = CliRunner().invoke(app, ["ask", "We're 3 engineers with 4 models. SageMaker or k8s?"])
    assert plain.exit_code == 0 and "team_size = 3 from" not in plain.stdout


def test_ask_markdown_prints_a_decision_record(indexed: dict) -> None:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app, ["ask", "--markdown", "What does a g5.xlarge cost on SageMaker vs EKS 24/7?"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Decision record:")
    assert "## Sources" in result.stdout and "Computed by `estimate_cost`" in result.stdout


def test_cost_takes_a_region_and_a_commitment_and_names_a_bad_one() -> None:
    runner = CliRunner()
    args = ["cost", "--instance-type", "NC24ads_A100_v4", "--region", "westeurope"]
    result = runner.invoke(app, [*args, "--purchase", "committed-3y", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {o["platform"] for o in data["options"]} == {"azure-ml", "aks"}
    assert all(a["region"] == "westeurope" for o in data["options"]
               for a in o["assumptions"] if a["region"])  # fmt: skip
    assert data["options"][0]["commitment"]["up_to_pct"] == 72
    text = runner.invoke(app, [*args, "--purchase", "committed-3y"])
    assert "up to 72% off the compute" in " ".join(text.output.split())  # wrapped at 80
    bad = runner.invoke(app, [*args, "--purchase", "reserved"])
    assert bad.exit_code == 1 and "purchase" in bad.output
