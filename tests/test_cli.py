"""The `mlinfra` CLI through Typer's runner."""

from __future__ import annotations

import json
import os
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
    # The question-type classifier's bank is embedded and fitted with the index, once.
    data = Path(os.environ["MLINFRA_DATA_DIR"])
    kept = sorted(data.glob("question-types-*.np[yz]"))
    assert sorted(p.suffix for p in kept) == [".npy", ".npz"]
    made = {p: p.stat().st_mtime_ns for p in kept}
    second = runner.invoke(app, ["ingest"])
    assert second.exit_code == 0
    assert f"unchanged {files} files; embedded 0 chunks" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in kept} == made


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


def test_chat_saves_the_conversation_and_resumes_it_with_its_history(indexed: dict) -> None:  # type: ignore[type-arg]
    runner = CliRunner()
    first = runner.invoke(app, ["chat"], input="We're 3 engineers with 4 models, launch in "
                          "6 weeks. SageMaker or Kubernetes?\nexit\n")  # fmt: skip
    assert first.exit_code == 0, first.output
    cid = first.stdout.split("Saved as conversation ")[1].split(":")[0]
    listed = runner.invoke(app, ["conversations", "list"])
    assert cid in listed.stdout and "We're 3 engineers" in listed.stdout
    # A new process goes on where the first left off: the follow-up reruns the tool on the
    # saved question's inputs.
    again = runner.invoke(app, ["chat", "--resume", cid, "--verbose"],
                          input="what if we were 12?\nexit\n")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "1 earlier answers" in again.stdout and "team_size = 12" in again.stdout
    shown = runner.invoke(app, ["conversations", "show", cid])
    assert shown.exit_code == 0
    assert shown.stdout.count("## ") == 2 and "Sources:" in shown.stdout
    assert "what if we were 12?" in shown.stdout
    as_json = json.loads(runner.invoke(app, ["conversations", "show", cid, "--format",
                                             "json"]).stdout)  # fmt: skip
    assert [a["question"] for a in as_json][1] == "what if we were 12?"
    assert as_json[0]["citations"] and as_json[0]["tool_calls"]
    assert runner.invoke(app, ["conversations", "list", "--user", "bo"]).stdout.startswith(
        "No saved conversations of 'bo'"
    )
    assert runner.invoke(app, ["conversations", "delete", cid]).exit_code == 0
    gone = runner.invoke(app, ["chat", "--resume", cid], input="exit\n")
    assert gone.exit_code == 1 and f"no conversation '{cid}'" in gone.stderr


def test_chat_no_save_keeps_nothing_and_a_bad_format_is_named(indexed: dict) -> None:  # type: ignore[type-arg]
    runner = CliRunner()
    result = runner.invoke(app, ["chat", "--no-save", "--user", "nosave"],
                           input="When should I use TPUs?\nexit\n")  # fmt: skip
    assert result.exit_code == 0 and "Saved as" not in result.stdout
    assert (
        "No saved conversations"
        in runner.invoke(app, ["conversations", "list", "--user", "nosave"]).stdout
    )
    bad = runner.invoke(app, ["conversations", "show", "abc", "--format", "yaml"])
    assert bad.exit_code == 2 and "--format must be one of markdown, json" in bad.stderr


def test_chat_goes_on_when_the_database_cannot_take_a_turn(
    indexed: dict,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[type-arg]
) -> None:
    monkeypatch.setenv("MLINFRA_DATABASE_URL",
                       "postgresql+psycopg://mlinfra:s3cret-pw@127.0.0.1:1/nowhere")  # fmt: skip
    result = CliRunner().invoke(app, ["chat"], input="When should I use TPUs?\n"
                                "and for PyTorch models?\nexit\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Sources") == 2  # both answered
    assert result.stderr.count("this turn was not saved") == 2
    assert "s3cret-pw" not in result.output + result.stderr and "Saved as" not in result.stdout


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
