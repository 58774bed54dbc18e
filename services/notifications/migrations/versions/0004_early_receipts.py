"""Delivery receipts that come before their SMS is settled are kept, not lost.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "notifications"


def upgrade() -> None:
    op.create_table(
        "sms_receipts",
        sa.Column("provider_ref", sa.String(), primary_key=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        schema=SCHEMA)
    op.create_index("ix_sms_receipts_received_at", "sms_receipts", ["received_at"],
                    schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_sms_receipts_received_at", "sms_receipts", schema=SCHEMA)
    op.drop_table("sms_receipts", schema=SCHEMA)
