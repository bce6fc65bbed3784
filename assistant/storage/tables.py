"""The shared-state tables (SQLAlchemy Core). The schema is made by the migrations in
`migrations/versions/`, not from here: a test checks the two agree."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)  # fmt: skip

metadata = MetaData()

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", String(32), nullable=False),
    Column("user_key", String(64), nullable=False, server_default=""),
    Column(
        "rating",
        Integer,
        CheckConstraint("rating IN (-1, 1)", name="rating_is_a_thumb"),
        nullable=False,
    ),  # fmt: skip
    Column("comment", Text, nullable=False, server_default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON
    Column("tool_calls", Text, nullable=False),  # JSON
    Column("backend", String(32), nullable=False),
)

interview_sessions = Table(
    "interview_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_key", String(64), nullable=False, server_default=""),
    Column("updated", String(32), nullable=False),
    Column("state", Text, nullable=False),  # JSON: InterviewSession's saved state
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_key", String(64), nullable=False),
    Column("title", String(200), nullable=False, server_default=""),
    Column("created", String(32), nullable=False),
    Column("updated", String(32), nullable=False),
)

# One row per message, so writers appending to one conversation at once lose nothing.
messages = Table(
    "conversation_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        String(64),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),  # fmt: skip
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("created", String(32), nullable=False),
    Column("answer", Text, nullable=True),  # an assistant message's whole `Answer`, as JSON
)

# API keys: only a SHA-256 of each key is kept (the keys are 32 random bytes: no
# dictionary to guess from), and a revoked key keeps its row, with when.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created", String(32), nullable=False),
    Column("revoked", String(32), nullable=True),
)

# Interview practice: one graded answer per row (its JSON), replayed in order by `at`.
practice = Table(
    "practice",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("entry", Text, nullable=False),
)

Index("ix_practice_user_at", practice.c.user_key, practice.c.at)
Index("ix_conversations_user_updated", conversations.c.user_key, conversations.c.updated)
Index("ix_interview_sessions_user", interview_sessions.c.user_key)
Index("ix_feedback_user", feedback.c.user_key)
Index("ix_conversation_messages_conversation", messages.c.conversation_id, messages.c.id)
