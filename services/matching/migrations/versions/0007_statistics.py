"""Issue 18: statistics for funders (erased people counted anonymously).

What an erasure leaves of a participant's requests for the statistics: one anonymous
fact each (programme, municipality, gender, period, status, sector, outcome and
follow-up; no ids, no birth date), under a key drawn at random at the erasure.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.create_table(
        "erased_facts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_key", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("request_status", sa.String(), nullable=False),
        sa.Column("placement_status", sa.String(), nullable=True),
        sa.Column("sector", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("follow_up", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_erased_facts"),
        schema=S,
    )
    op.create_index("ix_erased_facts_municipality_period", "erased_facts",
                    ["municipality_code", "period_start"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_erased_facts_municipality_period", "erased_facts", schema=S)
    op.drop_table("erased_facts", schema=S)
