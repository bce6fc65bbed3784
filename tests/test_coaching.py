"""Coaching over time: a practice history per user that loses nothing, mastery per topic,
spaced repetition that brings a missed point back before a mastered one, follow-ups fitted
to the answer, and a mock interview with a time limit and a markdown report (Python API and
CLI)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import KNOWLEDGE
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from assistant import Assistant
from assistant.interview import InterviewSession, load_bank
from assistant.interview.history import RATINGS, History

BANK = load_bank(KNOWLEDGE)
Q = BANK[0]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _entry(q, at: datetime, ratings: dict[str, str], score: float = 5.0) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A recorded answer in which each point of `q` got the rating given (default missed)."""
    lists: dict[str, list[str]] = {"covered": [], "missed": [], "reasoned": [], "named": []}
    for p in q.points:
        rating = ratings.get(p.point, "again")
        if rating == "again":
            lists["missed"].append(p.point)
        else:
            lists["covered"].append(p.point)
            if rating == "easy":
                lists["reasoned"].append(p.point)
            if rating == "hard":
                lists["named"].append(p.point)
    return {"question_id": q.id, "topic": q.topic, "score": score, "at": at.isoformat(), **lists}


def test_history_keeps_every_answer_and_imports_an_old_file_past_a_torn_line(
    tmp_path: Path,
) -> None:
    import json

    h = History(tmp_path, "ana")
    for i in (1, 3):
        h.record(_entry(Q, T0 + timedelta(minutes=i), {}, score=float(i)))
    # An earlier version's file, with answers from before and after, and a torn last line.
    h.path.parent.mkdir(parents=True)
    old = [_entry(Q, T0 + timedelta(minutes=i), {}, score=float(i)) for i in (0, 2)]
    h.path.write_text("".join(json.dumps(e) + "\n" for e in old) + '{"question_id": "x", "sco')
    again = History(tmp_path, "ana")
    assert [r["score"] for r in again.entries()] == [0.0, 1.0, 2.0, 3.0]  # in time order
    assert again.damaged == 1 and not h.path.exists()
    assert h.path.with_name("ana.jsonl.imported").exists()  # kept, not deleted
    assert [r["score"] for r in History(tmp_path, "ana").entries()] == [0.0, 1.0, 2.0, 3.0]
    assert History(tmp_path, "bo").entries() == []  # one history per user


@pytest.mark.parametrize("user", ["", "../etc", "a b", "x" * 65])
def test_a_bad_user_name_is_refused_by_name(tmp_path: Path, user: str) -> None:
    with pytest.raises(ValueError, match="user must be"):
        History(tmp_path, user)


@settings(max_examples=40, deadline=None)
@given(
    earlier=st.lists(st.sampled_from(RATINGS), min_size=0, max_size=4),
    gap=st.integers(min_value=1, max_value=30),
)
def test_a_missed_point_comes_back_before_a_mastered_one(
    tmp_path_factory: pytest.TempPathFactory, earlier: list[str], gap: int
) -> None:
    """Whatever came before, after an answer that misses point A and gives point B with its
    reason, A is due no later than B, and sooner than B when both had the same history."""
    a, b = Q.points[0].point, Q.points[1].point
    h = History(tmp_path_factory.mktemp("h"), "p")
    at = T0
    for rating in earlier:
        h.record(_entry(Q, at, {a: rating, b: rating}))
        at += timedelta(days=gap)
    h.record(_entry(Q, at, {a: "again", b: "easy"}))
    cards = h.cards(BANK)
    assert cards[(Q.id, a)].due < cards[(Q.id, b)].due
    replay = h.cards(BANK)  # the same history gives the same schedule
    assert {k: c.due for k, c in replay.items()} == {k: c.due for k, c in cards.items()}


def test_mastery_and_the_next_questions_follow_the_history(tmp_path: Path) -> None:
    h = History(tmp_path, "ana")
    weak, strong = BANK[0], next(q for q in BANK if q.topic != BANK[0].topic)
    h.record(_entry(weak, T0, {}, score=1.0))
    h.record(_entry(strong, T0, {p.point: "easy" for p in strong.points}, score=9.5))
    m = h.mastery(BANK, now=T0 + timedelta(hours=1))
    assert m[weak.topic]["mean"] == 1.0 and m[weak.topic]["mastered"] == 0.0
    assert m[strong.topic]["mean"] == 9.5
    assert m[strong.topic]["mastered"] == pytest.approx(
        len(strong.points) / sum(len(q.points) for q in BANK if q.topic == strong.topic), abs=0.01
    )
    later = T0 + timedelta(hours=1)
    first = h.next_questions(BANK, 1, now=later)[0]
    assert first.id == weak.id  # the missed points are due again, before anything new
    assert m[weak.topic]["due"] == len(weak.points)
    order = [d.question.id for d in h.schedule(BANK, now=later)]
    assert order.index(strong.id) == len(order) - 1  # mastered: the last to come back


def test_follow_ups_fit_the_answer(real_bot: Assistant) -> None:
    user = f"t{uuid.uuid4().hex[:8]}"
    q = next(b for b in BANK if b.id == "inference-cost-idle-endpoint")
    s = InterviewSession(real_bot, topic=q.topic, count=3, user=user)
    while s.current() is not None and s.current().id != q.id:  # type: ignore[union-attr]
        s.answer("not sure")
        s.skip_follow_up()
    assert s.current() is not None
    s.answer("An async endpoint always keeps one instance running, it cannot go to zero.")
    assert s.pending_follow_up is not None and s.pending_follow_up["kind"] == "myth"
    assert "Is that right?" in (s.follow_up() or "")
    s.answer_follow_up(
        "Asynchronous Inference can scale its instances to zero when the queue is empty."
    )
    entries = History(real_bot.settings.data_dir, user).entries()
    assert entries[-1]["mode"] == "follow-up" and entries[-2]["myths"]

    s2 = InterviewSession(real_bot, topic=q.topic, count=3, user=user + "b")
    while s2.current() is not None and s2.current().id != q.id:  # type: ignore[union-attr]
        s2.answer("not sure")
        s2.skip_follow_up()
    s2.answer("serverless inference, multi-model endpoint, batch transform")
    assert s2.pending_follow_up is not None and s2.pending_follow_up["kind"] == "why"
    assert (s2.follow_up() or "").endswith("what does it cost or risk?")


def test_mock_interview_spans_topics_times_answers_and_reports(real_bot: Assistant) -> None:
    user = f"m{uuid.uuid4().hex[:8]}"
    s = InterviewSession(real_bot, count=4, mode="mock", time_limit=30, user=user, seed=3)
    topics = [real_bot_question.topic for real_bot_question in map(s._question, s.question_ids)]
    assert len(set(topics)) == 4
    first = s.answer("Spot for training because jobs checkpoint and resume.", seconds=45)
    assert "Over the time limit: 45 s of 30 s." in first.feedback
    while not s.done:
        if s.follow_up():
            s.skip_follow_up()
        else:
            s.answer("I would have to look that up.", seconds=5)
    report = s.report()
    assert report.startswith("# Mock interview report")
    for part in (
        "## Score per topic",
        "## Points missed, with their sources",
        "## Suggested reading",
    ):
        assert part in report
    assert "45 s (over)" in report and "knowledge/" in report
    assert len(re.findall(r"^\| \d \| .* \| \d+(?:\.\d)? s", report, re.M)) == 4  # each timed


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"mode": "exam"}, "mode"), ({"time_limit": 5}, "time_limit"), ({"order": "x"}, "order"),
     ({"count": 0}, "count"), ({"user": "no/slash"}, "user")],
)  # fmt: skip
def test_bad_session_settings_are_refused_by_name(real_bot: Assistant, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=field):
        InterviewSession(real_bot, **kwargs)


def test_cli_mock_report_and_stats(
    isolated_env: Path, real_bot: Assistant, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from assistant import cli_console
    from assistant.cli import app

    monkeypatch.setattr(cli_console, "_assistant", lambda: real_bot)
    monkeypatch.setattr("assistant.cli_interview._assistant", lambda: real_bot)
    user = f"c{uuid.uuid4().hex[:8]}"
    report = tmp_path / "mock.md"
    answers = "Small teams go managed because nobody runs the cluster.\n\n\n" * 2
    result = CliRunner().invoke(
        app,
        ["interview", "--mock", "2", "--time-limit", "60", "--report", str(report), "--user", user],
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert "Mock interview" in result.output and report.exists()
    assert "## Score per topic" in report.read_text()
    stats = CliRunner().invoke(app, ["interview", "--stats", "--user", user])
    assert stats.exit_code == 0, stats.output
    assert f"Practice history of {user}: 2 answers" in stats.output
    bad = CliRunner().invoke(app, ["interview", "--mock", "2", "--time-limit", "3"])
    assert bad.exit_code != 0 and "time_limit" in bad.output
