"""Plumbing for bad input: the inbox's payload digest, and the outbox's set-aside rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from shared.migrations import add_bad_input_plumbing, drop_bad_input_plumbing

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_bad_input_plumbing("notifications")


def downgrade() -> None:
    drop_bad_input_plumbing("notifications")
