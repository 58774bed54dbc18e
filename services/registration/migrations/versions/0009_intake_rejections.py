"""Issue 20: the intake requests registration refused, for a coordinator's start page
(which fields failed and why; never the values).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "registration"


def upgrade() -> None:
    op.create_table(
        "intake_rejections",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("errors", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_rejections"),
        schema=S,
    )
    op.create_index("ix_intake_rejections_municipality", "intake_rejections",
                    ["municipality_code", "rejected_at"], schema=S)


def downgrade() -> None:
    op.drop_table("intake_rejections", schema=S)
