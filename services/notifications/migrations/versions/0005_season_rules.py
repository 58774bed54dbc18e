"""Issue 18: messages for the season's rules (deadlines, closed workplaces): a placement's
summer-job variant (letters name it), and a workplace whose manager was erased.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "notifications"


def upgrade() -> None:
    op.add_column("placements", sa.Column("variant", sa.String()), schema=S)
    op.alter_column("workplaces", "manager_id", nullable=True, schema=S)


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.workplaces WHERE manager_id IS NULL")
    op.alter_column("workplaces", "manager_id", nullable=False, schema=S)
    op.drop_column("placements", "variant", schema=S)
