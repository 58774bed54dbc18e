"""Issue 18: open workplaces
(the workplace's openness, what a supervisor is trained for, only-my-choices,
the summer-job variant).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
