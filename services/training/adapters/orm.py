"""The training schema: plumbing tables plus sessions, enrolments, people, certificates."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.db import service_metadata
from shared.tables import Tables

metadata = service_metadata("training")
tables = Tables.for_metadata(metadata)

MONEY = Numeric(12, 2)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("course", String, nullable=False),
    Column("topic", Text, nullable=True),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("venue", Text, nullable=False),
    Column("digital", Boolean, nullable=False),
    Column("capacity", BigInteger, nullable=False),
    Column("trainers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("lunch", Boolean, nullable=False),
    Column("cancelled", Boolean, nullable=False, server_default=text("false")),
    Column("venue_cost", MONEY, nullable=False, server_default=text("0")),
    Column("food_cost", MONEY, nullable=False, server_default=text("0")),
    Column("material_cost", MONEY, nullable=False, server_default=text("0")),
    Column("supports", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    # supports: a deep dive's need tags (what a supervisor who completes it is trained for).
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("capacity >= 1", name="capacity"),
    CheckConstraint("ends_at > starts_at", name="period"),
    Index("ix_sessions_course_starts_at", "course", "starts_at"),
    Index("ix_sessions_starts_at", "starts_at"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("session_id", Uuid, nullable=False),
    Column("person_id", Uuid, nullable=False),
    Column("role", String, nullable=False),
    Column("status", String, nullable=False),
    Column("queue", BigInteger, nullable=False),
    Column("name", Text, nullable=True),
    Column("dietary_needs", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("attended", Boolean, nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("session_id", "person_id"),
    ForeignKeyConstraint(["session_id"], ["training.sessions.session_id"]),
    UniqueConstraint("session_id", "queue"),
    CheckConstraint("status in ('enrolled', 'waitlisted', 'cancelled')", name="status"),
    Index("ix_enrolments_person_id", "person_id"),
)

workplaces = Table(
    "workplaces",
    metadata,
    Column("workplace_id", Uuid, primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("manager_id", Uuid, nullable=True),
    # manager_id: None once the manager was erased (the workplace then is not open).
    Column("name", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    # opened_at: set while the workplace is open; cleared when it closes (closed_at, reason).
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_reason", String, nullable=True),
    Column("sector", String, nullable=True),
    # sector: WorkplaceRegistered's (for the statistics); None where registered before.
    Index("ix_workplaces_manager_id", "manager_id"),
)

supervisors = Table(
    "supervisors",
    metadata,
    Column("supervisor_id", Uuid, primary_key=True),
    Column("workplace_id", Uuid, nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("left_at", DateTime(timezone=True), nullable=True),
    # left_at: no longer supervises there (SupervisorLeft, or erased); cleared when
    # registered again.
    Index("ix_supervisors_workplace_id", "workplace_id"),
    Index("ix_supervisors_municipality_code", "municipality_code"),
)

completions = Table(
    "completions",
    metadata,
    Column("session_id", Uuid, nullable=False),
    Column("person_id", Uuid, nullable=False),
    Column("role", String, nullable=False),
    Column("course", String, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("session_id", "person_id"),
    Index("ix_completions_person_id", "person_id"),
)

certifications = Table(
    "certifications",
    metadata,
    Column("supervisor_id", Uuid, nullable=False),
    Column("session_id", Uuid, nullable=False),
    Column("workplace_id", Uuid, nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("certified_at", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("expired_at", Date, nullable=True),
    Column("superseded", Boolean, nullable=False, server_default=text("false")),
    # superseded: a newer base course renewed it before it expired; it never expires alone.
    Column("warned_at", Date, nullable=True),
    # warned_at: the day SupervisorCertificationExpiring was published (once).
    PrimaryKeyConstraint("supervisor_id", "session_id"),
    Index("ix_certifications_valid_until", "valid_until"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("person_id", Uuid, nullable=False),
    Column("session_id", Uuid, nullable=False),
    Column("reason", String, nullable=False),
    Column("invited_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("person_id", "session_id"),
)

evaluation_answers = Table(
    "evaluation_answers",
    metadata,
    # Anonymous: no person id. Who answered is evaluation_respondents, kept apart.
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("session_id", Uuid, nullable=False),
    Column("course", String, nullable=False),
    Column("overall", SmallInteger, nullable=False),
    Column("usefulness", SmallInteger, nullable=False),
    Column("comment", Text, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(["session_id"], ["training.sessions.session_id"]),
    CheckConstraint("overall between 1 and 5", name="overall"),
    CheckConstraint("usefulness between 1 and 5", name="usefulness"),
    Index("ix_evaluation_answers_session_id", "session_id"),
)

evaluation_respondents = Table(
    "evaluation_respondents",
    metadata,
    # One answer per attendee and session, whatever link it came by; not what they said.
    Column("session_id", Uuid, nullable=False),
    Column("person_id", Uuid, nullable=False),
    PrimaryKeyConstraint("session_id", "person_id"),
)
