"""Issue 18: stable re-matching after a round (the round's order kept with each request).

Each request remembers the last round it took part in (`round_id`); with its
`priority` and `lottery` that is its place in the round's order, which the places
freed after the round follow (domain/rematch.py), across restarts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.add_column("requests", sa.Column("round_id", pg.UUID(as_uuid=True), nullable=True),
                  schema=S)


def downgrade() -> None:
    op.drop_column("requests", "round_id", schema=S)
