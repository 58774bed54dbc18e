"""The matching schema: read models learnt from events, requests, placements, rounds."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from shared.db import service_metadata
from shared.tables import Tables

metadata: MetaData = service_metadata("matching")
tables = Tables.for_metadata(metadata)

OPEN_SQL = "status IN ('proposed', 'accepted', 'confirmed')"

participants = Table(
    "participants", metadata,
    Column("participant_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("gender", String, nullable=False),
    Column("preferred_language", String, nullable=False),
    Column("needs", ARRAY(String), nullable=False, server_default="{}"),
    Column("guardian_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
)

consents = Table(
    "consents", metadata,
    Column("participant_id", UUID(as_uuid=True), primary_key=True),
    Column("guardian_id", UUID(as_uuid=True), primary_key=True),
    Column("program", String, primary_key=True),
    Column("granted", Boolean, nullable=False),
)

consent_states = Table(
    "consent_states", metadata,
    Column("participant_id", UUID(as_uuid=True), primary_key=True),
    Column("program", String, primary_key=True),
    Column("state", String, nullable=False),
)
"""The participant's consent per programme as registration last stated it (under the
municipality's rule); absent where only older senders spoke."""

offer_rules = Table(
    "offer_rules", metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("programs", ARRAY(String), nullable=False, server_default="{}"),
    Column("days", Integer, nullable=False),
    Column("guardian_answers", Boolean, nullable=False),
    Column("workplace_days", Integer, nullable=True),
    Column("consent_days", Integer, nullable=True),
)
"""Each municipality's rules for answers to offers (its MunicipalityProfileRecorded)."""

workplaces = Table(
    "workplaces", metadata,
    Column("workplace_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("sector", String, nullable=False),
    Column("client_contact", Boolean, nullable=False),
    Column("min_age", Integer, nullable=True),
    Index("ix_workplaces_municipality_code", "municipality_code"),
)

supervisors = Table(
    "supervisors", metadata,
    Column("supervisor_id", UUID(as_uuid=True), primary_key=True),
    Column("workplace_id", UUID(as_uuid=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("languages", ARRAY(String), nullable=False, server_default="{}"),
    Column("max_participants", Integer, nullable=False),
    Column("has_left", Boolean, nullable=False, server_default=text("false")),
    Index("ix_supervisors_municipality_code", "municipality_code"),
)

open_workplaces = Table(
    "open_workplaces", metadata,
    Column("workplace_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Index("ix_open_workplaces_municipality_code", "municipality_code"),
)
"""The workplaces training has opened (`WorkplaceOpened`) and not closed since."""

supervisor_supports = Table(
    "supervisor_supports", metadata,
    Column("supervisor_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("supports", ARRAY(String), nullable=False, server_default="{}"),
    Index("ix_supervisor_supports_municipality_code", "municipality_code"),
)
"""What each supervisor's completed deep dives train them for (`SupervisorSupportsRecorded`)."""

certificates = Table(
    "certificates", metadata,
    Column("supervisor_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("expired", Boolean, nullable=False, server_default=text("false")),
    Index("ix_certificates_municipality_code", "municipality_code"),
)

offers = Table(
    "offers", metadata,
    Column("offer_id", UUID(as_uuid=True), primary_key=True),
    Column("workplace_id", UUID(as_uuid=True), nullable=False),
    Column("supervisor_id", UUID(as_uuid=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("program", String, nullable=False),
    Column("occupation", String(4), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("min_age", Integer, nullable=True),
    Column("without_client_contact", Boolean, nullable=False),
    Column("supports", ARRAY(String), nullable=False, server_default="{}"),
    Column("withdrawn", Boolean, nullable=False, server_default=text("false")),
    Column("held", Integer, nullable=False, server_default=text("0")),
    Column("variant", String, nullable=True),
    CheckConstraint("held >= 0", name="held_not_negative"),
    Index("ix_offers_municipality_code", "municipality_code"),
)

requests = Table(
    "requests", metadata,
    Column("request_id", UUID(as_uuid=True), primary_key=True),
    Column("participant_id", UUID(as_uuid=True), nullable=True),
    Column("municipality_code", String(4), nullable=False),
    Column("program", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("preferences", JSONB, nullable=False),
    Column("needs", ARRAY(String), nullable=False, server_default="{}"),
    Column("priority", Integer, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String, nullable=False),
    Column("reasons", ARRAY(String), nullable=False, server_default="{}"),
    Column("lottery", Integer, nullable=True),
    Column("variant", String, nullable=True),
    Column("only_preferences", Boolean, nullable=False, server_default=text("false")),
    Column("round_id", UUID(as_uuid=True), nullable=True),
    Index("ix_requests_municipality_status", "municipality_code", "status"),
    Index("ix_requests_participant", "participant_id"),
)

placements = Table(
    "placements", metadata,
    Column("placement_id", UUID(as_uuid=True), primary_key=True),
    Column("request_id", UUID(as_uuid=True), nullable=True),
    Column("participant_id", UUID(as_uuid=True), nullable=True),
    Column("offer_id", UUID(as_uuid=True), nullable=False),
    Column("workplace_id", UUID(as_uuid=True), nullable=False),
    Column("supervisor_id", UUID(as_uuid=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("program", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("preference_rank", Integer, nullable=True),
    Column("round_id", UUID(as_uuid=True), nullable=True),
    Column("status", String, nullable=False),
    Column("consent_required", Boolean, nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("accept_by", DateTime(timezone=True), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("gender", String, nullable=False),
    Column("sector", String, nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("end_reason", String, nullable=True),
    Column("outcome", String, nullable=True),
    Column("answer_by", DateTime(timezone=True), nullable=True),
    Column("guardian_answer", Boolean, nullable=False, server_default=text("false")),
    Column("participant_accepted_at", DateTime(timezone=True), nullable=True),
    Column("guardian_accepted_at", DateTime(timezone=True), nullable=True),
    Column("guardian_accepted_by", UUID(as_uuid=True), nullable=True),
    Column("declined_by", String, nullable=True),
    Column("consent_by", DateTime(timezone=True), nullable=True),
    Column("guardian_answer_by", DateTime(timezone=True), nullable=True),
    Column("reminded", ARRAY(String), nullable=False, server_default="{}"),
    Column("ended_on", Date, nullable=True),
    Column("follow_up_outcome", String, nullable=True),
    Column("followed_up_on", Date, nullable=True),
    Index("ix_placements_municipality_status", "municipality_code", "status"),
    Index("ix_placements_status_accept_by", "status", "accept_by"),
    Index("ix_placements_request", "request_id"),
    Index("uq_placements_open_request", "request_id", unique=True,
          postgresql_where=text(OPEN_SQL)),
    Index("uq_placements_open_participant_program", "participant_id", "program", unique=True,
          postgresql_where=text(OPEN_SQL)),
    Index("ix_placements_open_supervisor", "supervisor_id", postgresql_where=text(OPEN_SQL)),
    Index("ix_placements_open_answer_by", "answer_by",
          postgresql_where=text(f"answer_by IS NOT NULL AND {OPEN_SQL}")),
    Index("ix_placements_open_consent_by", "consent_by",
          postgresql_where=text(f"consent_by IS NOT NULL AND {OPEN_SQL}")),
)

rounds = Table(
    "rounds", metadata,
    Column("round_id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("program", String, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("placed", Integer, nullable=False),
    Column("waitlisted", Integer, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
)

round_draws = Table(
    "round_draws", metadata,
    Column("round_id", UUID(as_uuid=True), primary_key=True),
    Column("request_id", UUID(as_uuid=True), primary_key=True),
    Column("lottery", Integer, nullable=False),
)
"""Each request's lottery number in a round, published with the round's seed: the draw
depends only on the seed and the set of requests (`domain.rounds.draw_lottery`), so
anyone can draw it again and check their own number."""

round_seeds = Table(
    "round_seeds", metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("program", String, primary_key=True),
    Column("seed", BigInteger, nullable=False),
    Column("drawn_at", DateTime(timezone=True), nullable=False),
)
"""The seed of a municipality's next round of a programme, drawn once, at its first
preview: every preview shows the draw the round will make, and no preview draws anew.
The round that runs takes it (and removes it)."""

book_versions = Table(
    "book_versions", metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("version", UUID(as_uuid=True), nullable=False),
)
"""A fresh random value per saved Book, written under the municipality's lock: a replica
keeps a Book between transactions only while this still names the state it holds."""

erased_facts = Table(
    "erased_facts", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("person_key", UUID(as_uuid=True), nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("program", String, nullable=False),
    Column("gender", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("request_status", String, nullable=False),
    Column("placement_status", String, nullable=True),
    Column("sector", String, nullable=True),
    Column("outcome", String, nullable=True),
    Column("follow_up", String, nullable=True),
    Index("ix_erased_facts_municipality_period", "municipality_code", "period_start"),
)
"""What statistics keep of an erased participant's requests: one anonymous fact each (no
ids, no birth date). `person_key` is drawn at random at the erasure, only so that the
person's requests count as one applicant."""
