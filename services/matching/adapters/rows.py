"""Rows of the matching schema to domain values and back (no queries here)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from services.matching.adapters import orm
from services.matching.domain.answers import OfferRules
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import Offer, Placement, Request
from services.matching.domain.rounds import Preference


def uuid_array(name: str) -> Any:
    """A bound array of ids: one statement (and one prepared plan) for any count."""
    return bindparam(name, type_=ARRAY(PG_UUID(as_uuid=True)))


def text_array(name: str) -> Any:
    return bindparam(name, type_=ARRAY(sa.String))


def participant_from_row(row: Any) -> Participant:
    return Participant(row.participant_id, row.municipality_code, row.birth_date, row.gender,
                       row.preferred_language, frozenset(row.needs), tuple(row.guardian_ids))


def participant_row(p: Participant) -> dict[str, Any]:
    return {"participant_id": p.participant_id, "municipality_code": p.municipality_code,
            "birth_date": p.birth_date, "gender": p.gender,
            "preferred_language": p.preferred_language, "needs": sorted(p.needs),
            "guardian_ids": list(p.guardian_ids)}


def rules_from_row(row: Any) -> OfferRules:
    return OfferRules(row.municipality_code, frozenset(row.programs), row.days,
                      row.guardian_answers, row.workplace_days, row.consent_days)


def rules_row(r: OfferRules) -> dict[str, Any]:
    return {"municipality_code": r.municipality_code, "programs": sorted(r.programs),
            "days": r.days, "guardian_answers": r.guardian_answers,
            "workplace_days": r.workplace_days, "consent_days": r.consent_days}


def workplace_from_row(row: Any) -> Workplace:
    return Workplace(row.workplace_id, row.municipality_code, row.sector, row.client_contact,
                     row.min_age)


def supervisor_from_row(row: Any) -> Supervisor:
    return Supervisor(row.supervisor_id, row.workplace_id, row.municipality_code,
                      frozenset(row.languages), row.max_participants, row.has_left)


def certificate_from_row(row: Any) -> Certificate:
    return Certificate(row.supervisor_id, row.valid_until, row.expired)


def offer_from_row(row: Any) -> Offer:
    return Offer(
        offer_id=row.offer_id, workplace_id=row.workplace_id,
        supervisor_id=row.supervisor_id, municipality_code=row.municipality_code,
        program=row.program, occupation=row.occupation, period_start=row.period_start,
        period_end=row.period_end, capacity=row.capacity, min_age=row.min_age,
        without_client_contact=row.without_client_contact,
        supports=frozenset(row.supports), withdrawn=row.withdrawn, held=row.held,
        variant=row.variant,
    )


def offer_row(o: Offer) -> dict[str, Any]:
    return {
        "offer_id": o.offer_id, "workplace_id": o.workplace_id,
        "supervisor_id": o.supervisor_id, "municipality_code": o.municipality_code,
        "program": o.program, "occupation": o.occupation, "period_start": o.period_start,
        "period_end": o.period_end, "capacity": o.capacity, "min_age": o.min_age,
        "without_client_contact": o.without_client_contact, "supports": sorted(o.supports),
        "withdrawn": o.withdrawn, "held": o.held, "variant": o.variant,
    }


def request_from_row(row: Any) -> Request:
    preferences: tuple[Preference, ...] = tuple(
        ("occupation", str(p["occupation"])) if "occupation" in p
        else ("workplace", str(p["workplace"]))
        for p in row.preferences
    )
    return Request(
        request_id=row.request_id, participant_id=row.participant_id,
        municipality_code=row.municipality_code, program=row.program,
        period_start=row.period_start, period_end=row.period_end,
        preferences=preferences,
        needs=frozenset(row.needs), priority=row.priority, requested_at=row.requested_at,
        status=row.status, reasons=tuple(row.reasons), lottery=row.lottery,
        variant=row.variant, only_preferences=row.only_preferences,
        round_id=row.round_id,
    )


def request_row(request: Request) -> dict[str, Any]:
    row = {
        "request_id": request.request_id, "participant_id": request.participant_id,
        "municipality_code": request.municipality_code, "program": request.program,
        "period_start": request.period_start, "period_end": request.period_end,
        "preferences": [{kind: value} for kind, value in request.preferences],
        "needs": sorted(request.needs), "priority": request.priority,
        "requested_at": request.requested_at, "status": request.status,
        "reasons": list(request.reasons), "lottery": request.lottery,
        "variant": request.variant, "only_preferences": request.only_preferences,
        "round_id": request.round_id,
    }
    if request.status == "erased":
        row["participant_id"] = None
        row["preferences"] = []
        row["needs"] = []
    return row


_PLACEMENT_FIELDS = [c.name for c in orm.placements.columns]


def placement_from_row(row: Any) -> Placement:
    return Placement(**{name: getattr(row, name) for name in _PLACEMENT_FIELDS})


def placement_row(p: Placement) -> dict[str, Any]:
    return {name: getattr(p, name) for name in _PLACEMENT_FIELDS}
