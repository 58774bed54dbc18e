"""Issue 18: training statistics. A workplace's sector (from WorkplaceRegistered), so that
supervisors trained count by sector; None for workplaces registered before.

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

S = "training"


def upgrade() -> None:
    op.add_column("workplaces", sa.Column("sector", sa.String(), nullable=True), schema=S)


def downgrade() -> None:
    op.drop_column("workplaces", "sector", schema=S)
