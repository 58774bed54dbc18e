"""Registration's tables in its own schema. Identity numbers appear only as a keyed
hash and a Fernet token; everything else a coordinator may read back."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.db import service_metadata
from shared.tables import Tables

SCHEMA = "registration"
metadata: MetaData = service_metadata(SCHEMA)
tables = Tables.for_metadata(metadata)


def _contact_columns(prefix: str = "", *, optional: bool = False) -> list[Column]:
    return [
        Column(f"{prefix}name", String, nullable=optional),
        Column(f"{prefix}email", String, nullable=True),
        Column(f"{prefix}phone", String, nullable=True),
        Column(f"{prefix}language", String, nullable=False, server_default="sv"),
        Column(f"{prefix}sms_allowed", Boolean, nullable=False, server_default="false"),
    ]


def _stamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


participants = Table(
    "participants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("external_ref", String, nullable=True),
    Column("identity_hash", String, nullable=False),
    Column("sealed_identity", LargeBinary, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("gender", String, nullable=False),
    Column("needs", JSONB, nullable=False),
    *_contact_columns(),
    *_stamps(),
    UniqueConstraint("municipality_code", "external_ref", name="uq_participants_ref"),
    UniqueConstraint("municipality_code", "identity_hash", name="uq_participants_identity"),
    Index("ix_participants_listing", "municipality_code", "created_at"),
)

guardians = Table(
    "guardians",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("identity_hash", String, nullable=True),
    Column("sealed_identity", LargeBinary, nullable=True),
    *_contact_columns(),
    *_stamps(),
    UniqueConstraint("municipality_code", "identity_hash", name="uq_guardians_identity"),
)

participant_guardians = Table(
    "participant_guardians",
    metadata,
    Column("participant_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.participants.id", ondelete="CASCADE"), nullable=False),
    Column("guardian_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.guardians.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("participant_id", "guardian_id"),
    Index("ix_participant_guardians_guardian", "guardian_id"),
)

consents = Table(
    "consents",
    metadata,
    Column("participant_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.participants.id", ondelete="CASCADE"), nullable=False),
    Column("guardian_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.guardians.id", ondelete="CASCADE"), nullable=False),
    Column("program", String, nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # How the answer came (link, coordinator, intake), the guardian's message, and the
    # placement a link answered for: erased with the participant (the cascade).
    Column("via", String, nullable=False, server_default="coordinator"),
    Column("message", Text, nullable=True),
    Column("placement_id", UUID(as_uuid=True), nullable=True),
    PrimaryKeyConstraint("participant_id", "guardian_id", "program"),
)

workplaces = Table(
    "workplaces",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("external_ref", String, nullable=True),
    Column("org_number", String, nullable=False),
    Column("name", String, nullable=False),
    Column("sector", String, nullable=False),
    Column("client_contact", Boolean, nullable=False),
    # Learnt from training: open for placements (manager at the breakfast meeting).
    Column("opened", Boolean, nullable=False, server_default=text("false")),
    Column("min_age", Integer, nullable=True),
    Column("address", String, nullable=True),
    # Null: the manager was erased, and no new one is registered yet.
    Column("manager_id", UUID(as_uuid=True), nullable=True),
    *_contact_columns("manager_", optional=True),
    *_stamps(),
    UniqueConstraint("municipality_code", "external_ref", name="uq_workplaces_ref"),
    Index("ix_workplaces_listing", "municipality_code", "created_at"),
    Index("ix_workplaces_manager", "manager_id"),
)

supervisors = Table(
    "supervisors",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("workplace_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.workplaces.id"), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("external_ref", String, nullable=True),
    Column("languages", JSONB, nullable=False),
    Column("max_participants", Integer, nullable=False),
    # Learnt from training: the valid certificate's last day (null: none valid).
    Column("certified_until", Date, nullable=True),
    # Left the workplace (`SupervisorLeft`); erased: the row stays for the offers naming
    # it, without name, contact or reference.
    Column("left_at", DateTime(timezone=True), nullable=True),
    Column("left_reason", String, nullable=True),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    *_contact_columns(),
    *_stamps(),
    UniqueConstraint("municipality_code", "external_ref", name="uq_supervisors_ref"),
    Index("ix_supervisors_listing", "municipality_code", "created_at"),
)

offers = Table(
    "offers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("workplace_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.workplaces.id"), nullable=False),
    Column("supervisor_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.supervisors.id"), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("external_ref", String, nullable=True),
    Column("program", String, nullable=False),
    Column("occupation", String(4), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("min_age", Integer, nullable=True),
    Column("without_client_contact", Boolean, nullable=False),
    Column("supports", JSONB, nullable=False),
    Column("status", String, nullable=False),
    Column("withdrawn_reason", String, nullable=True),
    # The welcome letter's facts (all optional).
    Column("arrival_time", Time, nullable=True),
    Column("arrival_place", String, nullable=True),
    Column("work_starts", Time, nullable=True),
    Column("work_ends", Time, nullable=True),
    Column("bring", String, nullable=True),
    Column("contact_name", String, nullable=True),
    Column("contact_phone", String, nullable=True),
    Column("variant", String, nullable=True),
    *_stamps(),
    UniqueConstraint("municipality_code", "external_ref", name="uq_offers_ref"),
    Index("ix_offers_listing", "municipality_code", "program", "created_at"),
)

requests = Table(
    "requests",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("participant_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.participants.id", ondelete="CASCADE"), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("external_ref", String, nullable=True),
    Column("program", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("preferences", JSONB, nullable=False),
    Column("needs", JSONB, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", String, nullable=False),
    Column("withdrawn_reason", String, nullable=True),
    Column("variant", String, nullable=True),
    Column("only_preferences", Boolean, nullable=False, server_default=text("false")),
    # Learnt from matching: where the request stands now (null: nothing heard yet).
    Column("placement_status", String, nullable=True),
    Column("placement_id", UUID(as_uuid=True), nullable=True),
    Column("placement_offer_id", UUID(as_uuid=True), nullable=True),
    Column("placement_reasons", JSONB, nullable=True),
    Column("placement_changed_at", DateTime(timezone=True), nullable=True),
    *_stamps(),
    UniqueConstraint("municipality_code", "external_ref", name="uq_requests_ref"),
    Index("ix_requests_listing", "municipality_code", "program", "created_at"),
    Index("ix_requests_participant", "participant_id"),
    Index("ix_requests_placement", "placement_id"),
)

placements = Table(
    "placements",
    metadata,
    Column("placement_id", UUID(as_uuid=True), primary_key=True),
    Column("request_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.requests.id", ondelete="CASCADE"), nullable=False),
    Column("participant_id", UUID(as_uuid=True),
           ForeignKey(f"{SCHEMA}.participants.id", ondelete="CASCADE"), nullable=False),
    Column("offer_id", UUID(as_uuid=True), nullable=True),
    Column("status", String, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_placements_request", "request_id"),
    Index("ix_placements_participant", "participant_id"),
)
"""Every placement registration heard of from matching, by id (a request's columns hold
only its latest): the links of an old placement still find it. Erased with the
participant (the cascade)."""

coordinators = Table(
    "coordinators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    *_contact_columns(),
    *_stamps(),
)

municipality_profiles = Table(
    "municipality_profiles",
    metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("name", String, nullable=False),
    Column("coordinator_name", String, nullable=False),
    Column("coordinator_email", String, nullable=False),
    Column("coordinator_phone", String, nullable=False),
    Column("consent_rule", String, nullable=False, server_default="either"),
    Column("offer_answer_programs", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("offer_answer_days", Integer, nullable=False, server_default=text("3")),
    Column("guardian_answers_offer", Boolean, nullable=False, server_default=text("false")),
    Column("age_rules", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("only_preferences_programs", JSONB, nullable=False,
           server_default=text("'[]'::jsonb")),
    Column("workplace_answer_days", Integer, nullable=False, server_default=text("3")),
    Column("consent_days", Integer, nullable=False, server_default=text("5")),
    *_stamps(),
)
"""Who a municipality's messages come from, and its rules for answers (one row each)."""

erasures = Table(
    "erasures",
    metadata,
    Column("participant_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""What remains of an erased participant: an anonymous id, the municipality, the time."""

person_erasures = Table(
    "person_erasures",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("role", String, nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("workplace_id", UUID(as_uuid=True), nullable=True),
    Column("participant_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""What remains of an erased supervisor, manager or guardian: an anonymous id, the role,
the municipality, what `PersonErased` named (so a repeated erasure answers again)."""

senders = Table(
    "senders",
    metadata,
    Column("name", String, primary_key=True),
    Column("source", String, nullable=False, unique=True),
    Column("municipalities", JSONB, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)
"""The municipal systems that write intake on topics of their own (`domain.senders`)."""

sender_subjects = Table(
    "sender_subjects",
    metadata,
    Column("subject_id", UUID(as_uuid=True), primary_key=True),
    Column("sender", String, ForeignKey(f"{SCHEMA}.senders.name", ondelete="CASCADE"),
           nullable=False),
    Column("municipality_code", String(4), nullable=False),
)
"""Whose answers topic hears of a request (its id) and of the placements it led to."""

intake_rejections = Table(
    "intake_rejections",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("rejected_at", DateTime(timezone=True), nullable=False),
    Column("source_event_id", String, nullable=False),
    Column("source", String, nullable=False),
    Column("municipality_code", String(4), nullable=True),
    Column("reason", String, nullable=False),
    Column("errors", JSONB, nullable=False),
    Index("ix_intake_rejections_municipality", "municipality_code", "rejected_at"),
)
"""The intake requests registration refused (each also on the dead-letter topic, and
answered with `IntakeRejected`): the sender's id for it, which fields failed and why,
never the request's values. Kept `intake_rejections_retention_days`."""

access_log = Table(
    "access_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Column("reader", String, nullable=False),
    Column("reader_role", String, nullable=False),
    Column("participant_id", UUID(as_uuid=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("record", String, nullable=False),
    Column("purpose", String, nullable=False),
    Index("ix_access_log_participant", "participant_id", "read_at"),
    Index("ix_access_log_municipality", "municipality_code", "read_at"),
)
"""Who read whose record, when and why (`domain.access`): the participant by id only.
No foreign key: an entry outlives the participant's erasure until its retention ends."""
