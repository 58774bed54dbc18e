"""Issue 20: rounds previewed and published. Each request's lottery number in a round
(`round_draws`, published with the seed) and the seed of the next round, drawn once at
its first preview (`round_seeds`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.create_table(
        "round_draws",
        sa.Column("round_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("request_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("lottery", sa.Integer, nullable=False),
        schema=S)
    op.create_table(
        "round_seeds",
        sa.Column("municipality_code", sa.String(4), primary_key=True),
        sa.Column("program", sa.String, primary_key=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        schema=S)


def downgrade() -> None:
    op.drop_table("round_seeds", schema=S)
    op.drop_table("round_draws", schema=S)
