"""Book versions (what lets a replica keep a municipality's Book between transactions),
and an index for the check of a supervisor's open placements.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "matching"
OPEN = "status IN ('proposed', 'accepted', 'confirmed')"


def upgrade() -> None:
    op.create_table(
        "book_versions",
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("version", pg.UUID(as_uuid=True), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", name="pk_book_versions"),
        schema=S,
    )
    op.create_index("ix_placements_open_supervisor", "placements", ["supervisor_id"],
                    postgresql_where=sa.text(OPEN), schema=S)


def downgrade() -> None:
    op.drop_index("ix_placements_open_supervisor", "placements", schema=S)
    op.drop_table("book_versions", schema=S)
