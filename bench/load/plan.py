"""What a configuration sets up through `registration.intake.v1`, the requests it sends,
and the certificates that training would publish."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bench.load.config import MUNICIPALITIES, OCCUPATION, PERIOD, PROGRAM, SEATS, SOURCE
from bench.registration import _synthetic_pin
from services.registration.domain.validation import municipalities
from shared.contracts.base import EventData
from shared.contracts.envelope import new_event
from shared.contracts.registry import encode
from shared.contracts.training import SupervisorCertified, WorkplaceOpened


def _intake(type_: str, data: dict[str, Any], now: str) -> bytes:
    return json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "type": type_,
                       "source": SOURCE, "time": now, "datacontenttype": "application/json",
                       "data": data}).encode()


@dataclass
class Plan:
    """What a configuration sets up, and the requests it sends. The intake names new things
    by `external_ref` (ids are registration's to give) and links them by `*_ref`."""

    run: str
    codes: list[str]
    supervisors: int = 0
    participants: list[tuple[str, str]] = field(default_factory=list)
    """(municipality, participant's external_ref)"""
    setup: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def make(cls, run: str, requests: int) -> Plan:
        every = sorted(municipalities())
        plan = cls(run, every[:: max(1, len(every) // MUNICIPALITIES)][:MUNICIPALITIES])
        now = datetime.now(UTC).isoformat()
        per_code = math.ceil(requests / len(plan.codes))
        # 25% spare room: every request can be proposed, none waits for want of seats.
        seats_each = math.ceil(per_code * 1.25 / SEATS)
        for code in plan.codes:
            for n in range(seats_each):
                plan.supervisors += 1
                ref = f"{run}-{code}-{n}"
                plan.setup += [
                    (code.encode(), _intake("WorkplaceRegistered", {
                        "external_ref": f"{ref}-w", "org_number": "212000-1355",
                        "name": f"Bench workplace {n}", "sector": "municipal",
                        "municipality_code": code, "client_contact": False,
                        "manager": {"name": f"Manager {n}", "email": f"m{n}.{code}@example.org"},
                    }, now)),
                    (code.encode(), _intake("SupervisorRegistered", {
                        "external_ref": f"{ref}-s", "workplace_ref": f"{ref}-w",
                        "municipality_code": code, "name": f"Supervisor {n}",
                        "email": f"s{n}.{code}@example.org", "languages": ["sv"],
                        "max_participants": SEATS,
                    }, now)),
                    (code.encode(), _intake("PlacementSlotsOffered", {
                        "external_ref": f"{ref}-o", "workplace_ref": f"{ref}-w",
                        "supervisor_ref": f"{ref}-s", "municipality_code": code,
                        "program": PROGRAM, "occupation": OCCUPATION,
                        "period_start": PERIOD[0].isoformat(),
                        "period_end": PERIOD[1].isoformat(), "capacity": SEATS,
                    }, now)),
                ]
        for index in range(requests):
            code = plan.codes[index % len(plan.codes)]
            ref = f"{run}-p{index}"
            plan.participants.append((code, ref))
            plan.setup.append((code.encode(), _intake("ParticipantRegistered", {
                "external_ref": ref, "municipality_code": code,
                "personal_identity_number": _synthetic_pin(index),
                "name": f"Load Person {index}", "email": f"load{index}@example.org",
                "preferred_language": "sv",
            }, now)))
        return plan

    def requests(self, participants: Iterable[tuple[str, str]]
                 ) -> list[tuple[str, bytes, bytes]]:
        """(request's external_ref, key, intake message) per participant."""
        now = datetime.now(UTC).isoformat()
        out = []
        for code, participant in participants:
            ref = f"{participant}-r"
            out.append((ref, code.encode(), _intake("PlacementRequested", {
                "external_ref": ref, "participant_ref": participant,
                "municipality_code": code, "program": PROGRAM,
                "period_start": PERIOD[0].isoformat(), "period_end": date(2027, 4, 30).isoformat(),
                "preferences": [{"occupation": OCCUPATION}],
            }, now)))
        return out


def certificates(supervisors: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """What training publishes once a supervisor has taken the base course, and once
    the workplace's manager has attended the breakfast meeting too: the workplace is
    open (matching places participants only there)."""
    out = []
    opened: set[str] = set()
    for s in supervisors:
        facts: list[tuple[EventData, str]] = [(SupervisorCertified(
            supervisor_id=s["supervisor_id"], workplace_id=s["workplace_id"],
            municipality_code=s["municipality_code"], certified_at=date(2026, 1, 1),
            valid_until=date(2029, 1, 1)), str(s["supervisor_id"]))]
        if str(s["workplace_id"]) not in opened:
            opened.add(str(s["workplace_id"]))
            facts.append((WorkplaceOpened(workplace_id=s["workplace_id"],
                                          municipality_code=s["municipality_code"]),
                          str(s["workplace_id"])))
        for data, subject in facts:
            event = new_event(data, source="urn:bench:training", subject=subject)
            out.append(((data.kafka_key(event.subject) or "").encode(), encode(event)))
    return out

