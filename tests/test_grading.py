"""Interview grading content first: the same points score alike in prose, bullets and one
comma-separated sentence; a terse list of the right options earns something; the score
agrees with its feedback; keyword salad and wrong answers stay low."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assistant import Assistant
from assistant.interview import load_bank

REPO = Path(__file__).resolve().parents[1]
IDLE = (
    "A model on a SageMaker real-time endpoint gets a few hundred requests a day. "
    "How would you cut its cost?"
)
LINES = [
    "real-time endpoint bills every hour, so a few hundred requests a day mostly pays for idle "
    "time",
    "move to Serverless Inference: scales to zero between requests, if callers accept cold "
    "starts and the model fits in memory",
    "if callers can wait, Asynchronous Inference scales to zero when the queue is empty",
    "or share the endpoint with other models via a multi-model endpoint to spread the instance "
    "cost",
]
FORMS = {
    "prose": " ".join(line[0].upper() + line[1:] + "." for line in LINES),
    "bullets": "\n".join(f"- {line}" for line in LINES),
    "one sentence": ", ".join(LINES) + ".",
}
TERSE = (
    "Serverless inference (scale to zero, cold starts), multi-model endpoints, async "
    "inference, batch transform."
)


@pytest.fixture(scope="module")
def graded(real_bot: Assistant) -> dict[str, float]:
    return {
        name: real_bot.grade(IDLE, text).score for name, text in {**FORMS, "terse": TERSE}.items()
    }


def test_the_same_points_score_alike_in_prose_bullets_and_one_sentence(graded) -> None:  # type: ignore[no-untyped-def]
    scores = [graded[name] for name in FORMS]
    assert min(scores) >= 7, graded
    assert max(scores) - min(scores) <= 1.5, graded


def test_a_terse_list_of_the_right_options_earns_credit_below_the_explained_answer(graded) -> None:  # type: ignore[no-untyped-def]
    assert 0 < graded["terse"] < min(graded[name] for name in FORMS), graded


def test_points_listed_as_strong_earn_credit_and_the_summary_counts_them(
    real_bot: Assistant,
) -> None:
    g = real_bot.grade(IDLE, TERSE)
    assert g.covered and g.score > 0
    rubric = next(q for q in load_bank(REPO / "knowledge") if q.question == IDLE)
    m = re.match(r"(\d+) of (\d+) key points", g.summary)
    assert m, g.summary
    assert (int(m.group(1)), int(m.group(2))) == (len(g.covered), len(rubric.points))
    assert g.summary in g.feedback


def test_a_reason_earns_more_than_naming_the_point(real_bot: Assistant) -> None:
    named = real_bot.grade(IDLE, "serverless inference, multi-model endpoint, batch transform")
    reasoned = real_bot.grade(
        IDLE,
        "Serverless inference, because it scales to zero between requests; callers must "
        "accept cold starts. A multi-model endpoint, so the instance cost is shared. Batch "
        "transform if nobody waits for the answer, since billing stops when the job ends.",
    )
    assert reasoned.score > named.score > 0
    assert "with reasons" in reasoned.summary and "only named" in named.summary


def test_a_myth_costs_points_and_its_sentence_earns_nothing(real_bot: Assistant) -> None:
    right = FORMS["prose"]
    wrong = right + " An async endpoint always keeps one instance running, it cannot go to zero."
    g_right, g_wrong = real_bot.grade(IDLE, right), real_bot.grade(IDLE, wrong)
    assert g_wrong.score < g_right.score
    assert "misconception" in g_wrong.summary and "misconception" in g_wrong.feedback


def test_overclaims_the_rubric_does_not_make_cost_points(real_bot: Assistant) -> None:
    plain = FORMS["prose"]
    sure = plain + " Serverless always costs nothing when idle and there's no downside."
    g_plain, g_sure = real_bot.grade(IDLE, plain), real_bot.grade(IDLE, sure)
    assert g_sure.score < g_plain.score
    assert "more certain than the facts" in g_sure.summary


@pytest.mark.slow
def test_blind_levels_are_ordered(grade_once) -> None:  # type: ignore[no-untyped-def]
    """On the blind interviewers' answers: excellent and good well above partial, partial
    above wrong and confidently wrong, and off-topic, salad and the pasted question near
    zero. (Not yet met, and so not asserted: excellent above good; see the README.)"""
    by_id = {q.id: q for q in load_bank(REPO / "knowledge")}
    means: dict[str, list[float]] = {}
    for path in sorted((REPO / "evals" / "calibration" / "blind").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            score = grade_once(by_id[case["question_id"]].question, case["answer"]).score
            means.setdefault(case["level"], []).append(score)
    mean = {level: sum(v) / len(v) for level, v in means.items()}
    assert min(mean["excellent"], mean["good"]) > mean["partial"] + 2, mean
    assert max(mean["wrong"], mean["confident_wrong"]) < mean["partial"], mean
    for level in ("off_topic", "salad", "pasted"):
        assert mean[level] <= 2, (level, mean[level])
