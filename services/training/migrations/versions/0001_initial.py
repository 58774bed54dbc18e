"""Training's tables: plumbing (outbox, inbox), sessions, enrolments, people, records.

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

SCHEMA = "training"
NOW = sa.text("now()")


def upgrade() -> None:
    create_plumbing_tables(SCHEMA)
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("digital", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("trainers", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'[]'::jsonb")),
        sa.Column("lunch", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("venue_cost", sa.Numeric(12, 2), nullable=False, server_default=sa.text("0")),
        sa.Column("food_cost", sa.Numeric(12, 2), nullable=False, server_default=sa.text("0")),
        sa.Column("material_cost", sa.Numeric(12, 2), nullable=False,
                  server_default=sa.text("0")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("session_id", name="pk_sessions"),
        sa.CheckConstraint("capacity >= 1", name="ck_sessions_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_sessions_period"),
        schema=SCHEMA,
    )
    op.create_index("ix_sessions_course_starts_at", "sessions", ["course", "starts_at"],
                    schema=SCHEMA)
    op.create_index("ix_sessions_starts_at", "sessions", ["starts_at"], schema=SCHEMA)
    op.create_table(
        "enrolments",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("queue", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("dietary_needs", postgresql.ARRAY(sa.Text()), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("session_id", "person_id", name="pk_enrolments"),
        sa.ForeignKeyConstraint(["session_id"], [f"{SCHEMA}.sessions.session_id"],
                                name="fk_enrolments_session_id_sessions"),
        sa.UniqueConstraint("session_id", "queue", name="uq_enrolments_session_id"),
        sa.CheckConstraint("status in ('enrolled', 'waitlisted', 'cancelled')",
                           name="ck_enrolments_status"),
        schema=SCHEMA,
    )
    op.create_index("ix_enrolments_person_id", "enrolments", ["person_id"], schema=SCHEMA)
    op.create_table(
        "workplaces",
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("workplace_id", name="pk_workplaces"),
        schema=SCHEMA,
    )
    op.create_index("ix_workplaces_manager_id", "workplaces", ["manager_id"], schema=SCHEMA)
    op.create_table(
        "supervisors",
        sa.Column("supervisor_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("supervisor_id", name="pk_supervisors"),
        schema=SCHEMA,
    )
    op.create_index("ix_supervisors_workplace_id", "supervisors", ["workplace_id"],
                    schema=SCHEMA)
    op.create_index("ix_supervisors_municipality_code", "supervisors", ["municipality_code"],
                    schema=SCHEMA)
    op.create_table(
        "completions",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "person_id", name="pk_completions"),
        schema=SCHEMA,
    )
    op.create_index("ix_completions_person_id", "completions", ["person_id"], schema=SCHEMA)
    op.create_table(
        "certifications",
        sa.Column("supervisor_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("certified_at", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("expired_at", sa.Date(), nullable=True),
        sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("supervisor_id", "session_id", name="pk_certifications"),
        schema=SCHEMA,
    )
    op.create_index("ix_certifications_valid_until", "certifications", ["valid_until"],
                    schema=SCHEMA)
    op.create_table(
        "invitations",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("person_id", "session_id", name="pk_invitations"),
        schema=SCHEMA,
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("overall", sa.SmallInteger(), nullable=False),
        sa.Column("content", sa.SmallInteger(), nullable=True),
        sa.Column("trainers", sa.SmallInteger(), nullable=True),
        sa.Column("organisation", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.CheckConstraint("overall between 1 and 5", name="ck_evaluations_overall"),
        schema=SCHEMA,
    )
    op.create_index("ix_evaluations_session_id", "evaluations", ["session_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("evaluations", "invitations", "certifications", "completions", "supervisors",
                  "workplaces", "enrolments", "sessions", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
