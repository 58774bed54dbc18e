"""Notifications' tables: plumbing (outbox, inbox), the contact directory, the read models
the letters need, and the notifications themselves (one row per cause, recipient, channel)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.tables import Tables

metadata = service_metadata("notifications")
tables = Tables.for_metadata(metadata)

contacts = Table(
    "contacts", metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("role", String, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", String),
    Column("language", String, nullable=False),
    Column("sms_allowed", Boolean, nullable=False),
    Column("sms_opt_out", Boolean, nullable=False, server_default=text("false")),
    Column("municipality_code", String(4)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("email_opt_out", Boolean, nullable=False, server_default=text("false")),
)

municipalities = Table(
    "municipalities", metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("coordinator_name", Text, nullable=False),
    Column("coordinator_email", Text, nullable=False),
    Column("coordinator_phone", String, nullable=False),
)
"""Who a municipality's messages come from (MunicipalityProfileRecorded)."""

participants = Table(
    "participants", metadata,
    Column("participant_id", Uuid, primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("language", String, nullable=False),
    Column("guardian_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
)

workplaces = Table(
    "workplaces", metadata,
    Column("workplace_id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("address", Text),
    Column("client_contact", Boolean, nullable=False),
    Column("manager_id", Uuid),
    Column("municipality_code", String(4), nullable=False),
)

supervisors = Table(
    "supervisors", metadata,
    Column("supervisor_id", Uuid, primary_key=True),
    Column("workplace_id", Uuid, nullable=False),
    Column("municipality_code", String(4), nullable=False),
)

offers = Table(
    "offers", metadata,
    Column("offer_id", Uuid, primary_key=True),
    Column("workplace_id", Uuid, nullable=False),
    Column("supervisor_id", Uuid, nullable=False),
    Column("without_client_contact", Boolean, nullable=False),
    Column("arrival_time", String),
    Column("arrival_place", Text),
    Column("work_starts", String),
    Column("work_ends", String),
    Column("bring", Text),
    Column("contact_name", Text),
    Column("contact_phone", String),
)

sessions = Table(
    "sessions", metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("course", String, nullable=False),
    Column("topic", Text),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("venue", Text, nullable=False),
    Column("digital", Boolean, nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("cancelled", Boolean, nullable=False, server_default=text("false")),
)

placements = Table(
    "placements", metadata,
    Column("placement_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("participant_id", Uuid),
    Column("workplace_id", Uuid),
    Column("supervisor_id", Uuid),
    Column("municipality_code", String(4)),
    Column("program", String),
    Column("offer_id", Uuid),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("status", String, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("variant", String),
)

notifications = Table(
    "notifications", metadata,
    Column("notification_id", Uuid, primary_key=True),
    Column("cause_event_id", String, nullable=False),
    Column("recipient_id", Uuid, nullable=False),
    Column("channel", String, nullable=False),
    Column("template", String, nullable=False),
    Column("context", JSONB, nullable=False),
    Column("recipient_role", String, nullable=False, server_default=""),
    Column("correlation_id", String),
    Column("placement_id", Uuid),
    Column("about_participant_id", Uuid),
    Column("municipality_code", String(4)),
    Column("status", String, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("not_before", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("provider_ref", String),
    Column("receipt_status", String),
    Column("segments", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("cause_event_id", "recipient_id", "channel", "template",
                     name="uq_notifications_cause_recipient_channel_template"),
)

attempts = Table(
    "attempts", metadata,
    Column("notification_id", Uuid, primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("outcome", String, nullable=False),
    Column("error", Text),
)

digests = Table(
    "digests", metadata,
    Column("coordinator_id", Uuid, primary_key=True),
    Column("day", Date, primary_key=True),
)

sms_receipts = Table(
    "sms_receipts", metadata,
    Column("provider_ref", String, primary_key=True),
    Column("status", String, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Delivery receipts that came before their SMS was settled (`adapters/receipts.py`)."""
