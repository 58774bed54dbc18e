"""Registration's tables, plus the shared outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import create_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "registration"
UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB()


def _contact(prefix: str = "") -> list[sa.Column]:
    return [
        sa.Column(f"{prefix}name", sa.String(), nullable=False),
        sa.Column(f"{prefix}email", sa.String(), nullable=True),
        sa.Column(f"{prefix}phone", sa.String(), nullable=True),
        sa.Column(f"{prefix}language", sa.String(), nullable=False, server_default="sv"),
        sa.Column(f"{prefix}sms_allowed", sa.Boolean(), nullable=False,
                  server_default=sa.text("false")),
    ]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    ]


def upgrade() -> None:
    create_plumbing_tables(SCHEMA)
    op.create_table(
        "participants",
        sa.Column("id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("identity_hash", sa.String(), nullable=False),
        sa.Column("sealed_identity", sa.LargeBinary(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("needs", JSONB, nullable=False),
        *_contact(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
        sa.UniqueConstraint("municipality_code", "external_ref", name="uq_participants_ref"),
        sa.UniqueConstraint("municipality_code", "identity_hash",
                            name="uq_participants_identity"),
        schema=SCHEMA,
    )
    op.create_index("ix_participants_listing", "participants",
                    ["municipality_code", "created_at"], schema=SCHEMA)
    op.create_table(
        "guardians",
        sa.Column("id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("identity_hash", sa.String(), nullable=True),
        sa.Column("sealed_identity", sa.LargeBinary(), nullable=True),
        *_contact(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_guardians"),
        sa.UniqueConstraint("municipality_code", "identity_hash", name="uq_guardians_identity"),
        schema=SCHEMA,
    )
    op.create_table(
        "participant_guardians",
        sa.Column("participant_id", UUID, nullable=False),
        sa.Column("guardian_id", UUID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], [f"{SCHEMA}.participants.id"],
                                ondelete="CASCADE",
                                name="fk_participant_guardians_participant_id_participants"),
        sa.ForeignKeyConstraint(["guardian_id"], [f"{SCHEMA}.guardians.id"], ondelete="CASCADE",
                                name="fk_participant_guardians_guardian_id_guardians"),
        sa.PrimaryKeyConstraint("participant_id", "guardian_id",
                                name="pk_participant_guardians"),
        schema=SCHEMA,
    )
    op.create_index("ix_participant_guardians_guardian", "participant_guardians",
                    ["guardian_id"], schema=SCHEMA)
    op.create_table(
        "consents",
        sa.Column("participant_id", UUID, nullable=False),
        sa.Column("guardian_id", UUID, nullable=False),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.ForeignKeyConstraint(["participant_id"], [f"{SCHEMA}.participants.id"],
                                ondelete="CASCADE", name="fk_consents_participant_id_participants"),
        sa.ForeignKeyConstraint(["guardian_id"], [f"{SCHEMA}.guardians.id"], ondelete="CASCADE",
                                name="fk_consents_guardian_id_guardians"),
        sa.PrimaryKeyConstraint("participant_id", "guardian_id", "program", name="pk_consents"),
        schema=SCHEMA,
    )
    op.create_table(
        "workplaces",
        sa.Column("id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("org_number", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("sector", sa.String(), nullable=False),
        sa.Column("client_contact", sa.Boolean(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("manager_id", UUID, nullable=False),
        *_contact("manager_"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_workplaces"),
        sa.UniqueConstraint("municipality_code", "external_ref", name="uq_workplaces_ref"),
        schema=SCHEMA,
    )
    op.create_index("ix_workplaces_listing", "workplaces", ["municipality_code", "created_at"],
                    schema=SCHEMA)
    op.create_table(
        "supervisors",
        sa.Column("id", UUID, nullable=False),
        sa.Column("workplace_id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("languages", JSONB, nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        *_contact(),
        *_stamps(),
        sa.ForeignKeyConstraint(["workplace_id"], [f"{SCHEMA}.workplaces.id"],
                                name="fk_supervisors_workplace_id_workplaces"),
        sa.PrimaryKeyConstraint("id", name="pk_supervisors"),
        sa.UniqueConstraint("municipality_code", "external_ref", name="uq_supervisors_ref"),
        schema=SCHEMA,
    )
    op.create_index("ix_supervisors_listing", "supervisors", ["municipality_code", "created_at"],
                    schema=SCHEMA)
    op.create_table(
        "offers",
        sa.Column("id", UUID, nullable=False),
        sa.Column("workplace_id", UUID, nullable=False),
        sa.Column("supervisor_id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("occupation", sa.String(4), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("without_client_contact", sa.Boolean(), nullable=False),
        sa.Column("supports", JSONB, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("withdrawn_reason", sa.String(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["workplace_id"], [f"{SCHEMA}.workplaces.id"],
                                name="fk_offers_workplace_id_workplaces"),
        sa.ForeignKeyConstraint(["supervisor_id"], [f"{SCHEMA}.supervisors.id"],
                                name="fk_offers_supervisor_id_supervisors"),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
        sa.UniqueConstraint("municipality_code", "external_ref", name="uq_offers_ref"),
        schema=SCHEMA,
    )
    op.create_index("ix_offers_listing", "offers", ["municipality_code", "program", "created_at"],
                    schema=SCHEMA)
    op.create_table(
        "requests",
        sa.Column("id", UUID, nullable=False),
        sa.Column("participant_id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("external_ref", sa.String(), nullable=True),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("preferences", JSONB, nullable=False),
        sa.Column("needs", JSONB, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("withdrawn_reason", sa.String(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["participant_id"], [f"{SCHEMA}.participants.id"],
                                ondelete="CASCADE", name="fk_requests_participant_id_participants"),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
        sa.UniqueConstraint("municipality_code", "external_ref", name="uq_requests_ref"),
        schema=SCHEMA,
    )
    op.create_index("ix_requests_listing", "requests",
                    ["municipality_code", "program", "created_at"], schema=SCHEMA)
    op.create_index("ix_requests_participant", "requests", ["participant_id"], schema=SCHEMA)
    op.create_table(
        "coordinators",
        sa.Column("id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        *_contact(),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_coordinators"),
        schema=SCHEMA,
    )
    op.create_table(
        "erasures",
        sa.Column("participant_id", UUID, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("participant_id", name="pk_erasures"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("erasures", "coordinators", "requests", "offers", "supervisors", "workplaces",
                  "consents", "participant_guardians", "guardians", "participants", "inbox",
                  "outbox"):
        op.drop_table(table, schema=SCHEMA)
