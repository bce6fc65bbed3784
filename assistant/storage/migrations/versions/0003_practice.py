"""Interview practice history: one row per graded answer, per user.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
    )
    op.create_index("ix_practice_user_at", "practice", ["user_key", "at"])


def downgrade() -> None:
    op.drop_table("practice")
