"""Interview sessions and conversations in the shared-state database, per user key.

A session is its whole saved state (`InterviewSession.save`), written over in one statement
(the last save wins, whole). A conversation is a title and its messages, one row each, so
writers appending to the same conversation at once lose nothing. Every read and write names
the user: one user's conversations are not another's to read.

    conversations = ConversationStore(data_dir)            # SQLite in the data dir
    cid = conversations.create("ana", "Spot training")
    conversations.append(cid, "ana", [{"role": "user", "content": "..."}])
    conversations.get(cid, "ana")["messages"]

An assistant message may carry `answer`, the whole `Answer` it was as a dict (citations,
tool calls): it is kept beside the text and given back by `get`, for the web UI to show a
reopened conversation's sources again.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from assistant.storage.db import Database

ROLES = ("user", "assistant")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_MESSAGE_CHARS = 100_000


def _now() -> str:
    """UTC to the microsecond, so 'the latest changed first' holds within a second too."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


def check_id(what: str, value: object) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(f"{what} must be 1-64 letters, digits, '_' or '-', got {value!r}")
    return value


def _upsert(conn: Any, table: Any, row: dict[str, Any], key: str) -> None:
    """Insert `row`, or update the row with its `key` (one statement, so racing writers of
    one key do not collide)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**row)
    changed = {k: v for k, v in row.items() if k != key}
    conn.execute(statement.on_conflict_do_update(index_elements=[key], set_=changed))


class SessionStore:
    """Interview sessions' saved states."""

    def __init__(self, data_dir: Path, url: str | None = None) -> None:
        self.database = Database(url, Path(data_dir))

    def save(self, session_id: str, user: str, state: dict[str, Any]) -> None:
        from assistant.storage.tables import interview_sessions

        row = {"id": check_id("session id", session_id), "user_key": user,
               "updated": _now(), "state": json.dumps(state)}  # fmt: skip
        with self.database.connect("saving the interview session") as conn:
            _upsert(conn, interview_sessions, row, "id")

    def load(self, session_id: str) -> dict[str, Any] | None:
        """The saved state, or None when there is no session of that id."""
        from sqlalchemy import select

        from assistant.storage.tables import interview_sessions as t

        check_id("session id", session_id)
        with self.database.connect("reading the interview session") as conn:
            state = conn.execute(select(t.c.state).where(t.c.id == session_id)).scalar()
        if state is None:
            return None
        try:
            loaded = json.loads(state)
        except ValueError as exc:
            raise ValueError(
                f"saved interview session {session_id} cannot be read: {exc}"
            ) from None
        if not isinstance(loaded, dict):
            raise ValueError(f"saved interview session {session_id} cannot be read: not a state")
        return loaded

    def ids(self, user: str | None = None) -> list[str]:
        """The saved sessions' ids (of one user when given), sorted."""
        from sqlalchemy import select

        from assistant.storage.tables import interview_sessions as t

        query = select(t.c.id).order_by(t.c.id)
        if user is not None:
            query = query.where(t.c.user_key == user)
        with self.database.connect("listing interview sessions") as conn:
            return [str(i) for i in conn.execute(query).scalars()]


class ConversationStore:
    """Chat conversations, per user key."""

    def __init__(self, data_dir: Path, url: str | None = None) -> None:
        self.database = Database(url, Path(data_dir))

    def create(
        self, user: str, title: str = "", messages: list[dict[str, Any]] | None = None
    ) -> str:
        """A new conversation of `user`; returns its id."""
        from assistant.storage.tables import conversations

        if not isinstance(title, str):
            raise ValueError("title must be a string")
        cid = secrets.token_hex(8)
        now = _now()
        checked = _messages(messages or [])
        with self.database.connect("saving the conversation") as conn:
            row = {"id": cid, "user_key": user, "title": title.strip()[:200],
                   "created": now, "updated": now}  # fmt: skip
            conn.execute(conversations.insert().values(**row))
            _add(conn, cid, checked, now)
        return cid

    def append(self, conversation_id: str, user: str, messages: list[dict[str, Any]]) -> None:
        """Add `messages` at the end of the conversation (a `KeyError` when `user` has no
        conversation of that id)."""
        from sqlalchemy import update

        from assistant.storage.tables import conversations as c

        checked = _messages(messages)
        now = _now()
        with self.database.connect("saving the conversation") as conn:
            done = conn.execute(update(c).where(c.c.id == conversation_id, c.c.user_key == user)
                                .values(updated=now))  # fmt: skip
            if done.rowcount == 0:
                raise KeyError(f"no conversation {conversation_id!r}")
            _add(conn, conversation_id, checked, now)

    def add_turn(self, conversation_id: str | None, user: str,
                 messages: list[dict[str, Any]]) -> str:  # fmt: skip
        """`messages` added to the conversation, or to a new one titled by the first
        message's text when `conversation_id` is None; returns the conversation's id."""
        if conversation_id is not None:
            self.append(conversation_id, user, messages)
            return conversation_id
        first = str(messages[0].get("content", "")) if messages else ""
        return self.create(user, " ".join(first.split())[:80], messages)

    def get(self, conversation_id: str, user: str) -> dict[str, Any]:
        """The conversation with its messages, oldest first (a `KeyError` when `user` has
        none of that id)."""
        from sqlalchemy import select

        from assistant.storage.tables import conversations as c
        from assistant.storage.tables import messages as m

        with self.database.connect("reading the conversation") as conn:
            head = conn.execute(
                select(c.c.id, c.c.title, c.c.created, c.c.updated)
                .where(c.c.id == conversation_id, c.c.user_key == user)
            ).first()  # fmt: skip
            if head is None:
                raise KeyError(f"no conversation {conversation_id!r}")
            rows = conn.execute(select(m.c.role, m.c.content, m.c.answer).where(
                m.c.conversation_id == conversation_id).order_by(m.c.id)).all()  # fmt: skip
        return {"id": head.id, "title": head.title, "created": head.created,
                "updated": head.updated, "messages": [_message(r) for r in rows]}  # fmt: skip

    def list(self, user: str, limit: int = 100) -> list[dict[str, Any]]:
        """`user`'s conversations, the latest changed first (id, title, created, updated)."""
        from sqlalchemy import select

        from assistant.storage.tables import conversations as c

        with self.database.connect("listing conversations") as conn:
            rows = conn.execute(
                select(c.c.id, c.c.title, c.c.created, c.c.updated)
                .where(c.c.user_key == user).order_by(c.c.updated.desc(), c.c.id).limit(limit)
            ).all()  # fmt: skip
        return [dict(r._mapping) for r in rows]

    def delete(self, conversation_id: str, user: str) -> None:
        from sqlalchemy import delete

        from assistant.storage.tables import conversations as c
        from assistant.storage.tables import messages as m

        with self.database.connect("deleting the conversation") as conn:
            owned = conn.execute(delete(c).where(c.c.id == conversation_id, c.c.user_key == user))
            if owned.rowcount == 0:
                raise KeyError(f"no conversation {conversation_id!r}")
            conn.execute(delete(m).where(m.c.conversation_id == conversation_id))


def _message(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"role": row.role, "content": row.content}
    if row.answer is not None:
        with contextlib.suppress(ValueError):  # unreadable: the text still stands
            out["answer"] = json.loads(row.answer)
    return out


def _messages(messages: object) -> list[dict[str, Any]]:
    if not isinstance(messages, list):
        raise ValueError("messages must be a list of {role, content}")
    out = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise ValueError(f"messages[{i}].role must be one of {', '.join(ROLES)}")
        content = message.get("content")
        if not isinstance(content, str):
            raise ValueError(f"messages[{i}].content must be a string")
        if len(content) > MAX_MESSAGE_CHARS:
            raise ValueError(f"messages[{i}].content is longer than {MAX_MESSAGE_CHARS} characters")
        checked: dict[str, Any] = {"role": str(message["role"]), "content": content}
        answer = message.get("answer")
        if answer is not None:
            if message["role"] != "assistant" or not isinstance(answer, dict):
                raise ValueError(f"messages[{i}].answer must be an assistant message's answer "
                                 "(an object)")  # fmt: skip
            checked["answer"] = json.dumps(answer, default=str)
        out.append(checked)
    return out


def _add(conn: Any, conversation_id: str, messages: list[dict[str, Any]], now: str) -> None:
    from assistant.storage.tables import messages as m

    if messages:
        conn.execute(m.insert(), [{"conversation_id": conversation_id, "created": now,
                                   "answer": None, **msg} for msg in messages])  # fmt: skip
