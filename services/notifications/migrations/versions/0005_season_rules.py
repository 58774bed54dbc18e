"""Issue 18: messages for the season's rules (deadlines, closed workplaces).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "notifications"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
