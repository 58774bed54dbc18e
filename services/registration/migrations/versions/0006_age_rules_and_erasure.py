"""Issue 18: age rules per programme, the summer-job variants,
supervisors leaving, erasure of supervisors, managers and guardians.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "registration"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
