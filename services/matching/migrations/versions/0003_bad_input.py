"""Plumbing for bad input: the inbox's payload digest, and the outbox's set-aside rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from shared.migrations import add_bad_input_plumbing, drop_bad_input_plumbing

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_bad_input_plumbing("matching")


def downgrade() -> None:
    drop_bad_input_plumbing("matching")
