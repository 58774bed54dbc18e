"""Issue 18: workplaces close, managers invited, deep dives as supports.

A workplace's openness can end (`closed_at`, `closed_reason`; `opened_at` is cleared) and
its manager can be erased (`manager_id` nullable); a supervisor can leave (`left_at`); a
deep dive names the needs it trains for (`sessions.supports`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "training"


def upgrade() -> None:
    op.add_column("sessions", sa.Column("supports", postgresql.ARRAY(sa.Text()),
                                        nullable=False, server_default=sa.text("'{}'")),
                  schema=S)
    op.alter_column("workplaces", "manager_id", nullable=True, schema=S)
    op.add_column("workplaces", sa.Column("closed_at", sa.DateTime(timezone=True),
                                          nullable=True), schema=S)
    op.add_column("workplaces", sa.Column("closed_reason", sa.String(), nullable=True),
                  schema=S)
    op.add_column("supervisors", sa.Column("left_at", sa.DateTime(timezone=True),
                                           nullable=True), schema=S)


def downgrade() -> None:
    op.drop_column("supervisors", "left_at", schema=S)
    op.drop_column("workplaces", "closed_reason", schema=S)
    op.drop_column("workplaces", "closed_at", schema=S)
    op.execute(sa.text(f"delete from {S}.workplaces where manager_id is null"))
    op.alter_column("workplaces", "manager_id", nullable=False, schema=S)
    op.drop_column("sessions", "supports", schema=S)
