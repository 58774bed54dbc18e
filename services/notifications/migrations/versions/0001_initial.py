"""Notifications' tables: plumbing, contacts, read models, notifications, attempts, digests.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import create_plumbing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notifications"
NOW = sa.text("now()")


def upgrade() -> None:
    create_plumbing_tables(SCHEMA)
    op.create_table(
        "contacts",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("sms_allowed", sa.Boolean(), nullable=False),
        sa.Column("sms_opt_out", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("municipality_code", sa.String(4), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("person_id", name="pk_contacts"),
        schema=SCHEMA,
    )
    op.create_index("ix_contacts_role_municipality", "contacts", ["role", "municipality_code"],
                    schema=SCHEMA)
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("guardian_ids", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'[]'::jsonb")),
        sa.PrimaryKeyConstraint("participant_id", name="pk_participants"),
        schema=SCHEMA,
    )
    op.create_table(
        "workplaces",
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("client_contact", sa.Boolean(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("workplace_id", name="pk_workplaces"),
        schema=SCHEMA,
    )
    op.create_table(
        "supervisors",
        sa.Column("supervisor_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("supervisor_id", name="pk_supervisors"),
        schema=SCHEMA,
    )
    op.create_table(
        "offers",
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("supervisor_id", sa.Uuid(), nullable=False),
        sa.Column("without_client_contact", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name="pk_offers"),
        schema=SCHEMA,
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("digital", sa.Boolean(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("session_id", name="pk_sessions"),
        schema=SCHEMA,
    )
    op.create_table(
        "placements",
        sa.Column("placement_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=True),
        sa.Column("workplace_id", sa.Uuid(), nullable=True),
        sa.Column("supervisor_id", sa.Uuid(), nullable=True),
        sa.Column("municipality_code", sa.String(4), nullable=True),
        sa.Column("program", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("placement_id", name="pk_placements"),
        schema=SCHEMA,
    )
    op.create_index("ix_placements_municipality_updated", "placements",
                    ["municipality_code", "updated_at"], schema=SCHEMA)
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("cause_event_id", sa.String(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("context", postgresql.JSONB(), nullable=False),
        sa.Column("recipient_role", sa.String(), nullable=False, server_default=""),
        sa.Column("correlation_id", sa.String(), nullable=True),
        sa.Column("placement_id", sa.Uuid(), nullable=True),
        sa.Column("about_participant_id", sa.Uuid(), nullable=True),
        sa.Column("municipality_code", sa.String(4), nullable=True),
        sa.Column("status", sa.String(), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_ref", sa.String(), nullable=True),
        sa.Column("receipt_status", sa.String(), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("notification_id", name="pk_notifications"),
        sa.UniqueConstraint("cause_event_id", "recipient_id", "channel",
                            name="uq_notifications_cause_recipient_channel"),
        schema=SCHEMA,
    )
    op.create_index("ix_notifications_due", "notifications", ["not_before"], schema=SCHEMA,
                    postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.create_index("ix_notifications_placement", "notifications", ["placement_id"],
                    schema=SCHEMA)
    op.create_index("ix_notifications_recipient", "notifications", ["recipient_id"],
                    schema=SCHEMA)
    op.create_index("ix_notifications_provider_ref", "notifications", ["provider_ref"],
                    schema=SCHEMA)
    op.create_index("ix_notifications_about", "notifications", ["about_participant_id"],
                    schema=SCHEMA)
    op.create_table(
        "attempts",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("notification_id", "attempt", name="pk_attempts"),
        schema=SCHEMA,
    )
    op.create_table(
        "digests",
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("coordinator_id", "day", name="pk_digests"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("digests", "attempts", "notifications", "placements", "sessions", "offers",
                  "supervisors", "workplaces", "participants", "contacts", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
