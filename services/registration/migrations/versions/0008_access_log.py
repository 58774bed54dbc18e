"""Issue 20: the access log, who among staff read whose record, when and why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "registration"


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reader", sa.String(), nullable=False),
        sa.Column("reader_role", sa.String(), nullable=False),
        sa.Column("participant_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("record", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
        schema=S,
    )
    op.create_index("ix_access_log_participant", "access_log", ["participant_id", "read_at"],
                    schema=S)
    op.create_index("ix_access_log_municipality", "access_log",
                    ["municipality_code", "read_at"], schema=S)


def downgrade() -> None:
    op.drop_table("access_log", schema=S)
