"""Initial matching schema: read models, requests, placements, rounds, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from shared.migrations import create_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "matching"
OPEN = "status IN ('proposed', 'accepted', 'confirmed')"


def _uuid() -> pg.UUID[UUID]:
    return pg.UUID(as_uuid=True)


def upgrade() -> None:
    create_plumbing_tables(S)
    op.create_table(
        "participants",
        sa.Column("participant_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("gender", sa.String, nullable=False),
        sa.Column("preferred_language", sa.String, nullable=False),
        sa.Column("needs", pg.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("guardian_ids", pg.ARRAY(_uuid()), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("participant_id", name="pk_participants"),
        schema=S,
    )
    op.create_table(
        "consents",
        sa.Column("participant_id", _uuid(), nullable=False),
        sa.Column("guardian_id", _uuid(), nullable=False),
        sa.Column("program", sa.String, nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "guardian_id", "program", name="pk_consents"),
        schema=S,
    )
    op.create_table(
        "workplaces",
        sa.Column("workplace_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("sector", sa.String, nullable=False),
        sa.Column("client_contact", sa.Boolean, nullable=False),
        sa.Column("min_age", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("workplace_id", name="pk_workplaces"),
        schema=S,
    )
    op.create_index("ix_workplaces_municipality_code", "workplaces", ["municipality_code"],
                    schema=S)
    op.create_table(
        "supervisors",
        sa.Column("supervisor_id", _uuid(), nullable=False),
        sa.Column("workplace_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("languages", pg.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("max_participants", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("supervisor_id", name="pk_supervisors"),
        schema=S,
    )
    op.create_index("ix_supervisors_municipality_code", "supervisors", ["municipality_code"],
                    schema=S)
    op.create_table(
        "certificates",
        sa.Column("supervisor_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("expired", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("supervisor_id", name="pk_certificates"),
        schema=S,
    )
    op.create_index("ix_certificates_municipality_code", "certificates",
                    ["municipality_code"], schema=S)
    op.create_table(
        "offers",
        sa.Column("offer_id", _uuid(), nullable=False),
        sa.Column("workplace_id", _uuid(), nullable=False),
        sa.Column("supervisor_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("program", sa.String, nullable=False),
        sa.Column("occupation", sa.String(4), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("min_age", sa.Integer, nullable=True),
        sa.Column("without_client_contact", sa.Boolean, nullable=False),
        sa.Column("supports", pg.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("held", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.CheckConstraint("held >= 0", name="ck_offers_held_not_negative"),
        sa.PrimaryKeyConstraint("offer_id", name="pk_offers"),
        schema=S,
    )
    op.create_index("ix_offers_municipality_code", "offers", ["municipality_code"], schema=S)
    op.create_table(
        "requests",
        sa.Column("request_id", _uuid(), nullable=False),
        sa.Column("participant_id", _uuid(), nullable=True),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("program", sa.String, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("preferences", pg.JSONB, nullable=False),
        sa.Column("needs", pg.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("reasons", pg.ARRAY(sa.String), nullable=False, server_default="{}"),
        sa.Column("lottery", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("request_id", name="pk_requests"),
        schema=S,
    )
    op.create_index("ix_requests_municipality_status", "requests",
                    ["municipality_code", "status"], schema=S)
    op.create_index("ix_requests_participant", "requests", ["participant_id"], schema=S)
    op.create_table(
        "placements",
        sa.Column("placement_id", _uuid(), nullable=False),
        sa.Column("request_id", _uuid(), nullable=True),
        sa.Column("participant_id", _uuid(), nullable=True),
        sa.Column("offer_id", _uuid(), nullable=False),
        sa.Column("workplace_id", _uuid(), nullable=False),
        sa.Column("supervisor_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("program", sa.String, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("preference_rank", sa.Integer, nullable=True),
        sa.Column("round_id", _uuid(), nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("consent_required", sa.Boolean, nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("gender", sa.String, nullable=False),
        sa.Column("sector", sa.String, nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String, nullable=True),
        sa.Column("outcome", sa.String, nullable=True),
        sa.PrimaryKeyConstraint("placement_id", name="pk_placements"),
        schema=S,
    )
    op.create_index("ix_placements_municipality_status", "placements",
                    ["municipality_code", "status"], schema=S)
    op.create_index("ix_placements_status_accept_by", "placements", ["status", "accept_by"],
                    schema=S)
    op.create_index("ix_placements_request", "placements", ["request_id"], schema=S)
    # One open placement per request, and per participant and programme: a second
    # replica that raced past the municipality lock would fail here, not double-place.
    op.create_index("uq_placements_open_request", "placements", ["request_id"], unique=True,
                    postgresql_where=sa.text(OPEN), schema=S)
    op.create_index("uq_placements_open_participant_program", "placements",
                    ["participant_id", "program"], unique=True,
                    postgresql_where=sa.text(OPEN), schema=S)
    op.create_table(
        "rounds",
        sa.Column("round_id", _uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("program", sa.String, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("placed", sa.Integer, nullable=False),
        sa.Column("waitlisted", sa.Integer, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name="pk_rounds"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("rounds", "placements", "requests", "offers", "certificates", "supervisors",
                  "workplaces", "consents", "participants", "inbox", "outbox"):
        op.drop_table(table, schema=S)
