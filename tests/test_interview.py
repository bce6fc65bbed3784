"""Interview practice: the bank is honest, the grader is calibrated against a careful
interviewer's scores, and sessions run, probe, sum up, save and resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import KNOWLEDGE, REPO
from typer.testing import CliRunner

from assistant import Assistant
from assistant.evaluation import spearman
from assistant.interview import InterviewSession, load_bank
from assistant.interview.units import LIST_DENSITY, relation_density

BANK = load_bank(KNOWLEDGE)
CALIBRATION = [
    case
    for path in sorted((REPO / "evals" / "calibration").glob("*.yaml"))
    for case in yaml.safe_load(path.read_text())
]
SEEDS = (
    "When would you use SageMaker vs self-managed Kubernetes?",
    "How do you reduce SageMaker inference costs?",
    "When would you use TPUs vs GPUs?",
)
TOPICS = {
    "build-vs-buy", "managed-vs-self-managed", "inference-cost", "training-cost", "tpu-vs-gpu",
    "multi-cloud", "serving-stacks", "pipelines-registries", "monitoring-drift",
    "feature-stores", "compliance", "capacity-planning",
}  # fmt: skip
SUPPORT_COSINE = 0.5  # a point and the section that states it
SUPPORT_WORDS = 0.5


def _section(source: str, heading: str) -> str:
    lines = (KNOWLEDGE / source).read_text().splitlines()
    start = next(
        (
            i
            for i, ln in enumerate(lines)
            if ln.startswith("#") and ln.lstrip("#").strip() == heading
        ),
        None,
    )
    assert start is not None, f"{source} has no section {heading!r}"
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    body = []
    for ln in lines[start + 1 :]:
        if ln.startswith("#") and len(ln) - len(ln.lstrip("#")) <= level:
            break
        body.append(ln)
    return "\n".join(body)


def test_bank_has_enough_questions_across_the_topics() -> None:
    assert len(BANK) >= 30
    assert {q.topic for q in BANK} >= TOPICS
    assert set(SEEDS) <= {q.question for q in BANK}
    assert {q.difficulty for q in BANK} == {"easy", "medium", "hard"}
    for q in BANK:
        assert 4 <= len(q.points) <= 8, q.id
        assert q.misconceptions, q.id
    spot = [
        m
        for q in BANK
        if q.question == "How do you reduce SageMaker inference costs?"
        for m in q.misconceptions
    ]
    assert any("spot" in m.claim.lower() and "real-time" in m.claim.lower() for m in spot)


def test_every_point_cites_a_section_that_states_it(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieval import tokenize

    weak = []
    for q in BANK:
        for p in q.points:
            assert p.sources, f"{q.id}: point without a source: {p.point}"
            texts = [_section(s.source, s.heading) for s in p.sources]
            vectors = onnx_embedder.embed([p.point, *texts])
            cosine = float((vectors[1:] @ vectors[0]).max())
            words = set(tokenize(p.point))
            shared = max(len(words & set(tokenize(t))) / len(words) for t in texts)
            if cosine < SUPPORT_COSINE and shared < SUPPORT_WORDS:
                weak.append(f"{q.id}: {p.point!r} (cosine {cosine:.2f}, words {shared:.2f})")
    assert not weak, "\n".join(weak)


def test_calibration_set_is_large_and_varied() -> None:
    assert len(CALIBRATION) >= 40
    assert len({c["question_id"] for c in CALIBRATION}) >= 10
    assert {c["kind"] for c in CALIBRATION} == {
        "strong", "partial", "weak", "off-topic", "misconception"
    }  # fmt: skip
    ids = {q.id for q in BANK}
    assert all(c["question_id"] in ids for c in CALIBRATION)


@pytest.fixture(scope="module")
def graded(grade_once) -> list[tuple[dict, float]]:  # type: ignore[no-untyped-def, type-arg]
    by_id = {q.id: q for q in BANK}
    return [
        (case, grade_once(by_id[case["question_id"]].question, case["answer"]).score)
        for case in CALIBRATION
    ]


def test_grader_agrees_with_the_interviewer(graded) -> None:  # type: ignore[no-untyped-def]
    rho = spearman([c["score"] for c, _ in graded], [s for _, s in graded])
    assert rho >= 0.8, f"Spearman {rho:.3f}"


def test_strong_answers_score_high_and_off_topic_answers_score_low(graded) -> None:  # type: ignore[no-untyped-def]
    for case, score in graded:
        if case["kind"] == "strong":
            assert score >= 7, (case["question_id"], score)
        if case["kind"] == "off-topic":
            assert score <= 1, (case["question_id"], score)


@pytest.mark.parametrize("question", SEEDS)
@pytest.mark.parametrize(
    "answer",
    [
        "",
        "I don't know.",
        "The best banana bread uses very ripe bananas, brown butter and a pinch of salt.",
        "sagemaker kubernetes eks gke tpu gpu spot inferentia serverless autoscaling "
        "multi-model endpoints savings plans compliance team size models budget xla jax",
    ],
    ids=["empty", "dont-know", "off-topic", "keyword-salad"],
)
def test_non_answers_score_at_most_one(real_bot: Assistant, question: str, answer: str) -> None:
    assert real_bot.grade(question, answer).score <= 1


def test_keyword_salad_scores_below_a_weak_honest_answer(real_bot: Assistant) -> None:
    q = "How do you reduce SageMaker inference costs?"
    salad = "multi-model endpoints serverless autoscaling inferentia savings plans spot"
    honest = (
        "I would look at sharing instances between models, since small models waste a "
        "whole endpoint each."
    )
    assert relation_density(salad) < LIST_DENSITY
    assert real_bot.grade(q, salad).score < real_bot.grade(q, honest).score


def test_stating_a_misconception_costs_points_and_is_named(real_bot: Assistant) -> None:
    q = "How do you reduce SageMaker inference costs?"
    good = (
        "Host many small models on one multi-model endpoint so they share instances. Use "
        "serverless inference for spiky traffic since it scales to zero between requests."
    )
    wrong = good + " And put the real-time endpoints on spot instances to save up to 90%."
    corrected = good + " Never put real-time endpoints on spot instances; keep spot for training."
    g_good, g_wrong, g_corrected = (real_bot.grade(q, a) for a in (good, wrong, corrected))
    assert g_wrong.score < g_good.score
    assert "misconception" in g_wrong.feedback
    assert "misconception" not in g_corrected.feedback


def test_question_pasted_back_scores_zero(real_bot: Assistant) -> None:
    for q in SEEDS:
        assert real_bot.grade(q, q).score <= 1


def test_feedback_cites_the_sections_of_the_points(real_bot: Assistant) -> None:
    g = real_bot.grade(SEEDS[0], "Small teams should start on SageMaker.")
    assert g.missed and g.citations
    for c in g.citations:
        assert f"[{c.n}]" in g.feedback
        assert (KNOWLEDGE / c.source).exists()
    assert "A model answer:" in g.feedback


def test_question_outside_the_bank_is_graded_on_derived_points(real_bot: Assistant) -> None:
    g = real_bot.grade(
        "What does SageMaker Debugger give you during training?",
        "It captures tensors during training and runs rules that flag problems like "
        "vanishing gradients or overfitting, so you can stop bad jobs early.",
    )
    assert "not in the interview bank" in g.feedback
    assert g.score > 0 and g.citations


def test_bad_grade_input_is_a_value_error(real_bot: Assistant) -> None:
    with pytest.raises(ValueError, match="question"):
        real_bot.grade("  ", "anything")
    with pytest.raises(ValueError, match="answer"):
        real_bot.grade(SEEDS[0], None)  # type: ignore[arg-type]


def test_session_asks_probes_sums_up_and_resumes(real_bot: Assistant) -> None:
    session = InterviewSession(real_bot, topic="tpu-vs-gpu", count=2, seed=1)
    first = session.current()
    assert first is not None and first.topic == "tpu-vs-gpu"
    grade = session.answer("GPUs are flexible.")
    assert grade.missed
    probe = session.follow_up()
    assert probe and probe.startswith("Follow-up:")
    resumed = InterviewSession.resume(real_bot, session.id)
    assert resumed.follow_up() == probe  # saved after every step
    resumed.answer_follow_up("I am not sure.")
    second = resumed.current()
    assert second is not None and second.id != first.id
    strong = " ".join(p.point for p in second.points)
    resumed.answer(strong)
    resumed.skip_follow_up()
    assert resumed.done
    summary = resumed.summary()
    assert summary["answered"] == 2
    assert set(summary["by_topic"]) == {"tpu-vs-gpu"}
    assert summary["weakest"] and summary["weakest"][0]["read"][0].startswith("knowledge/")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"topic": "cooking"}, "topic"),
        ({"difficulty": "extreme"}, "difficulty"),
        ({"count": 0}, "count"),
    ],
)
def test_session_rejects_bad_settings_by_name(
    real_bot: Assistant, kwargs: dict, field: str
) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=field):
        InterviewSession(real_bot, **kwargs)


def test_cli_interview_runs_a_session(isolated_env: Path, real_bot: Assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.cli import app

    monkeypatch.setenv("MLINFRA_DATA_DIR", str(real_bot.settings.data_dir))
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(real_bot.settings.model_dir))
    answer = (
        "TPUs suit large transformer training in JAX or TensorFlow on Google Cloud, while "
        "GPUs suit PyTorch, custom CUDA kernels and real-time inference on any cloud.\n\n"
    )
    result = CliRunner().invoke(
        app,
        ["interview", "--topic", "tpu-vs-gpu", "--count", "1", "--seed", "3"],
        input=answer + "\n\n",
    )
    assert result.exit_code == 0, result.output
    assert "Score:" in result.stdout
    assert "Session summary" in result.stdout
