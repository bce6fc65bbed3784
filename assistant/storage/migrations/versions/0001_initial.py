"""Feedback, interview sessions and conversations.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("user_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("citations", sa.Text, nullable=False),
        sa.Column("tool_calls", sa.Text, nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.CheckConstraint("rating IN (-1, 1)", name="rating_is_a_thumb"),
    )
    op.create_index("ix_feedback_user", "feedback", ["user_key"])
    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated", sa.String(32), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_interview_sessions_user", "interview_sessions", ["user_key"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
    )
    op.create_index("ix_conversations_user_updated", "conversations", ["user_key", "updated"])
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_index("ix_conversation_messages_conversation", "conversation_messages",
                    ["conversation_id", "id"])  # fmt: skip


def downgrade() -> None:
    op.drop_table("conversation_messages")
    op.drop_table("conversations")
    op.drop_table("interview_sessions")
    op.drop_table("feedback")
