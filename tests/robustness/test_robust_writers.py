"""Concurrent writers lose nothing: many threads saving interview sessions (one session
each, and several on the same session) and storing feedback at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from assistant import Assistant, Settings
from assistant.interview import InterviewSession
from assistant.models import Answer

REPO = Path(__file__).resolve().parents[2]


def _bot(real_bot: Assistant, data: Path) -> Assistant:
    settings = Settings(data_dir=data, model_dir=real_bot.settings.model_dir)
    return Assistant(settings, embedder=real_bot.embedder, store=real_bot.store)


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrent_interview_saves_lose_no_session_and_leave_no_half_file(
    real_bot: Assistant, tmp_path: Path
) -> None:
    bot = _bot(real_bot, tmp_path / "data")
    sessions = [InterviewSession(bot, count=3, seed=i) for i in range(24)]
    shared = sessions[0]
    errors: list[str] = []
    gate = threading.Barrier(24 + 8)

    def own(session: InterviewSession) -> None:
        gate.wait()
        try:
            for _ in range(10):
                session.save()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    def same(i: int) -> None:  # eight writers of one session, each at its own step
        gate.wait()
        try:
            for step in range(10):
                shared.index = i * 10 + step
                shared.save()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    _run([threading.Thread(target=own, args=(s,)) for s in sessions[1:]]
         + [threading.Thread(target=same, args=(i,)) for i in range(9)])  # fmt: skip
    assert not errors
    assert sorted(InterviewSession.saved(bot)) == sorted(s.id for s in sessions)
    for s in sessions:  # every session whole
        assert InterviewSession.resume(bot, s.id).question_ids == s.question_ids
    assert InterviewSession.resume(bot, shared.id).index in {i * 10 + 9 for i in range(9)}


def test_a_damaged_saved_session_is_a_clear_error_naming_it(
    real_bot: Assistant, tmp_path: Path
) -> None:
    import pytest
    from sqlalchemy import update

    from assistant.storage.db import Database
    from assistant.storage.tables import interview_sessions

    bot = _bot(real_bot, tmp_path / "data")
    session = InterviewSession(bot, count=2, seed=0)
    session.save()
    with Database(None, bot.settings.data_dir).connect("damaging") as conn:
        conn.execute(update(interview_sessions).values(state='{"id": "cut sho'))
    with pytest.raises(ValueError, match=session.id):
        InterviewSession.resume(bot, session.id)


def test_a_session_saved_as_a_file_by_an_earlier_version_resumes(
    real_bot: Assistant, tmp_path: Path
) -> None:
    bot = _bot(real_bot, tmp_path / "data")
    session = InterviewSession(bot, count=2, seed=0)
    state = {"id": session.id, "settings": session.settings, "index": 1, "records": [],
             "question_ids": session.question_ids, "pending_follow_up": None}  # fmt: skip
    folder = InterviewSession.folder(bot)
    folder.mkdir(parents=True)
    (folder / f"{session.id}-old.json").write_text(json.dumps(state | {"id": "x"}))
    assert f"{session.id}-old" in InterviewSession.saved(bot)
    resumed = InterviewSession.resume(bot, f"{session.id}-old")
    assert resumed.question_ids == session.question_ids and resumed.index == 1
    resumed.save()  # from now on in the database
    assert InterviewSession._store(bot).load(f"{session.id}-old")["index"] == 1


def test_concurrent_feedback_from_many_threads_is_all_kept(tmp_path: Path) -> None:
    from assistant.storage.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "data")
    errors: list[str] = []
    gate = threading.Barrier(32)

    def writer(i: int) -> None:
        gate.wait()
        try:
            for j in range(20):
                store.add(Answer(question=f"q{i}-{j}", text="a"), 1 if j % 2 else -1)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    _run([threading.Thread(target=writer, args=(i,)) for i in range(32)])
    assert not errors
    rows = json.loads(store.export("json"))
    assert len(rows) == 32 * 20
    assert {r["question"] for r in rows} == {f"q{i}-{j}" for i in range(32) for j in range(20)}
