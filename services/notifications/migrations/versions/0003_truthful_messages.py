"""Issue 17: used links, municipality profiles, the offer's welcome facts, the
placement's period, e-mail opt-out, and one message per template in the dedupe key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "notifications"
NOW = sa.text("now()")
OFFER_FACTS = (("arrival_time", sa.String()), ("arrival_place", sa.Text()),
               ("work_starts", sa.String()), ("work_ends", sa.String()),
               ("bring", sa.Text()), ("contact_name", sa.Text()),
               ("contact_phone", sa.String()))


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_id", sa.String(), primary_key=True),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=SCHEMA)
    op.create_table(
        "municipalities",
        sa.Column("municipality_code", sa.String(4), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("coordinator_name", sa.Text(), nullable=False),
        sa.Column("coordinator_email", sa.Text(), nullable=False),
        sa.Column("coordinator_phone", sa.String(), nullable=False),
        schema=SCHEMA)
    for name, kind in OFFER_FACTS:
        op.add_column("offers", sa.Column(name, kind), schema=SCHEMA)
    op.add_column("placements", sa.Column("offer_id", sa.Uuid()), schema=SCHEMA)
    op.add_column("placements", sa.Column("period_start", sa.Date()), schema=SCHEMA)
    op.add_column("placements", sa.Column("period_end", sa.Date()), schema=SCHEMA)
    op.add_column("contacts", sa.Column("email_opt_out", sa.Boolean(), nullable=False,
                                        server_default=sa.text("false")), schema=SCHEMA)
    op.drop_constraint("uq_notifications_cause_recipient_channel", "notifications",
                       schema=SCHEMA, type_="unique")
    op.create_unique_constraint(
        "uq_notifications_cause_recipient_channel_template", "notifications",
        ["cause_event_id", "recipient_id", "channel", "template"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_constraint("uq_notifications_cause_recipient_channel_template", "notifications",
                       schema=SCHEMA, type_="unique")
    op.create_unique_constraint(
        "uq_notifications_cause_recipient_channel", "notifications",
        ["cause_event_id", "recipient_id", "channel"], schema=SCHEMA)
    op.drop_column("contacts", "email_opt_out", schema=SCHEMA)
    for name in ("period_end", "period_start", "offer_id"):
        op.drop_column("placements", name, schema=SCHEMA)
    for name, _ in reversed(OFFER_FACTS):
        op.drop_column("offers", name, schema=SCHEMA)
    op.drop_table("municipalities", schema=SCHEMA)
    op.drop_table("used_links", schema=SCHEMA)
