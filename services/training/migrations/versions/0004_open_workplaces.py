"""Issue 18: workplaces close, managers invited, deep dives as supports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "training"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
