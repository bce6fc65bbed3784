"""The shared-state database (`assistant/storage/`), each test on SQLite and on a real
PostgreSQL server: feedback, interview sessions and conversations round-trip, twenty
writers at once lose nothing, one user cannot read another's conversations, the schema the
migrations make is the one the code reads, and a database that goes away is a clear error
(its password never shown) after which the next call works."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.errors import DatabaseUnavailableError
from assistant.models import Answer, Citation
from assistant.storage.db import HEAD, Database, forget_engines
from assistant.storage.feedback import FeedbackStore
from assistant.storage.records import ConversationStore, SessionStore

WRITERS = 20


def _answer(i: int) -> Answer:
    citation = Citation(n=1, chunk_id="c", source="spot.md", heading="Spot", text="t", score=0.5)
    return Answer(question=f"q{i}", text=f"answer {i} [1]", citations=[citation])


def _together(work: list[threading.Thread]) -> None:
    for t in work:
        t.start()
    for t in work:
        t.join()


def test_feedback_round_trips(database_url: str, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path, database_url, user="ana")
    first = store.add(_answer(1), 1, " clear ")
    second = store.add(_answer(2), -1)
    assert second > first
    rows = store.rows()
    assert [(r["question"], r["rating"], r["comment"]) for r in rows] == [
        ("q1", 1, "clear"), ("q2", -1, "")]  # fmt: skip
    assert '"source": "spot.md"' in rows[0]["citations"]
    with pytest.raises(ValueError, match="rating"):
        store.add(_answer(3), 5)


def test_twenty_writers_lose_nothing(database_url: str, tmp_path: Path) -> None:
    feedback = FeedbackStore(tmp_path, database_url)
    sessions = SessionStore(tmp_path, database_url)
    conversations = ConversationStore(tmp_path, database_url)
    from assistant.interview.history import History

    history = History(tmp_path, "team", database_url)
    shared = conversations.create("team", "one conversation, many writers")
    errors: list[str] = []
    gate = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        gate.wait()
        try:
            for i in range(5):
                feedback.add(_answer(w * 10 + i), 1 if i % 2 else -1, f"w{w}-{i}")
                sessions.save(f"s-{w}", "team", {"writer": w, "step": i})
                history.record({"question_id": f"q{w}", "topic": "t", "score": float(i)})
                conversations.append(shared, "team", [
                    {"role": "user", "content": f"w{w} q{i}"},
                    {"role": "assistant", "content": f"w{w} a{i}"}])  # fmt: skip
        except Exception as exc:  # reported below
            errors.append(f"{type(exc).__name__}: {exc}")

    _together([threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)])
    assert not errors
    assert sorted(r["comment"] for r in feedback.rows()) == sorted(
        f"w{w}-{i}" for w in range(WRITERS) for i in range(5))  # fmt: skip
    assert sessions.ids() == sorted(f"s-{w}" for w in range(WRITERS))
    assert all(sessions.load(f"s-{w}") == {"writer": w, "step": 4} for w in range(WRITERS))
    kept = history.entries()
    assert sorted((e["question_id"], e["score"]) for e in kept) == sorted(
        (f"q{w}", float(i)) for w in range(WRITERS) for i in range(5))  # fmt: skip
    messages = conversations.get(shared, "team")["messages"]
    assert len(messages) == WRITERS * 10
    for w in range(WRITERS):  # each writer's turns in its order, each question before its answer
        mine = [m["content"] for m in messages if m["content"].startswith(f"w{w} ")]
        assert mine == [f"w{w} {k}{i}" for i in range(5) for k in ("q", "a")]


def test_conversations_are_their_users_own(database_url: str, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path, database_url)
    cid = store.create("ana", "Spot training", [{"role": "user", "content": "spot?"}])
    store.append(cid, "ana", [{"role": "assistant", "content": "Use checkpoints. [1]"}])
    other = store.create("bo", "TPUs")
    assert store.get(cid, "ana")["messages"][-1]["content"] == "Use checkpoints. [1]"
    assert [c["id"] for c in store.list("ana")] == [cid]
    assert [c["title"] for c in store.list("bo")] == ["TPUs"]
    for call in (lambda: store.get(cid, "bo"), lambda: store.append(cid, "bo", []),
                 lambda: store.delete(other, "ana")):  # fmt: skip
        with pytest.raises(KeyError, match="no conversation"):
            call()
    with pytest.raises(ValueError, match=r"messages\[0\]\.role must be one of user, assistant"):
        store.append(cid, "ana", [{"role": "system", "content": "x"}])
    with pytest.raises(ValueError, match=r"messages\[0\]\.answer must be an assistant"):
        store.append(cid, "ana", [{"role": "user", "content": "x", "answer": {"text": "x"}}])
    store.delete(cid, "ana")
    assert store.list("ana") == []


def test_an_assistant_message_keeps_its_whole_answer(database_url: str, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path, database_url)
    answer = {"question": "spot?", "text": "Use checkpoints. [1]",
              "citations": [{"n": 1, "source": "training.md", "heading": "Spot"}]}  # fmt: skip
    cid = store.create("ana", "Spot", [{"role": "user", "content": "spot?"},
                                       {"role": "assistant", "content": answer["text"],
                                        "answer": answer}])  # fmt: skip
    user, reply = store.get(cid, "ana")["messages"]
    assert "answer" not in user and reply["answer"] == answer
    # A chat's turns: the first makes the conversation, titled by its question; the next
    # one is added to it.
    turn = [{"role": "user", "content": "  Spot   for\ntraining? "},
            {"role": "assistant", "content": "Yes. [1]", "answer": answer}]  # fmt: skip
    made = store.add_turn(None, "ana", turn)
    assert store.add_turn(made, "ana", turn) == made
    kept = store.get(made, "ana")
    assert kept["title"] == "Spot for training?" and len(kept["messages"]) == 4
    with pytest.raises(KeyError, match="no conversation"):
        store.add_turn(made, "bo", turn)


def test_the_migrations_make_the_schema_the_code_reads(database_url: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from assistant.storage.tables import metadata

    database = Database(database_url, tmp_path)
    with database.connect("checking") as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == HEAD
        assert compare_metadata(context, metadata) == []


def test_feedback_of_an_earlier_version_is_imported_once(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "feedback.sqlite3")
    old.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created TEXT, rating INTEGER, "
                "comment TEXT, question TEXT, answer TEXT, citations TEXT, tool_calls TEXT, "
                "backend TEXT)")  # fmt: skip
    old.execute("INSERT INTO feedback VALUES (1, '2026-11-30T10:00:00Z', 1, 'kept', 'old q', "
                "'old a', '[]', '[]', 'offline')")  # fmt: skip
    old.commit()
    old.close()
    store = FeedbackStore(tmp_path)
    store.add(_answer(1), -1, "new")
    assert [r["comment"] for r in store.rows()] == ["kept", "new"]
    assert (tmp_path / "feedback.sqlite3.imported").exists()
    assert [r["comment"] for r in FeedbackStore(tmp_path).rows()] == ["kept", "new"]


def test_a_database_that_cannot_be_reached_is_named_without_its_password(
    tmp_path: Path,
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://mlinfra:hunter2-secret@127.0.0.1:{port}/mlinfra"
    with pytest.raises(DatabaseUnavailableError) as failed:
        FeedbackStore(tmp_path, url).add(_answer(1), 1)
    message = str(failed.value)
    assert "hunter2-secret" not in message and "***" in message
    assert f"127.0.0.1:{port}" in message and "saving feedback failed" in message


def test_a_database_that_goes_away_is_a_clear_error_and_the_next_call_after_it_works(
    pg_server: object, tmp_path: Path
) -> None:
    server = pg_server
    server.create_db("comeback")  # type: ignore[attr-defined]
    url = server.url.rsplit("/", 1)[0] + "/comeback"  # type: ignore[attr-defined]
    store = FeedbackStore(tmp_path, url)
    store.add(_answer(1), 1)
    server.stop()  # type: ignore[attr-defined]
    try:
        with pytest.raises(DatabaseUnavailableError, match="unavailable"):
            store.add(_answer(2), 1)
    finally:
        server.start()  # type: ignore[attr-defined]
    store.add(_answer(3), 1)  # the same store, as a long-running API process would
    assert [r["question"] for r in store.rows()] == ["q1", "q3"]
    forget_engines()
