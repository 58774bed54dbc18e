"""The whole system (tests/e2e's fixtures: the four services as processes, a database of
this package's own) with a small season of municipality 1380 played through the HTTP
APIs, and the ids the walk fills path parameters with (`Seeded.values`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from devkit.processes import System
from devkit.publisher import Publisher
from devkit.wait import eventually
from praktik_cli.demo import answering, applying, registering, training
from praktik_cli.demo.people import synthetic_identity_number
from praktik_cli.demo.plan import SUMMER_REQUESTS, Plan
from praktik_cli.demo.records import Participant, Request
from praktik_cli.demo.season import Season
from shared.auth import Role, issue_token
from shared.contracts import intake, topics
from shared.contracts.envelope import new_event
from tests.e2e.conftest import (  # noqa: F401 (fixtures, with this package as their scope)
    Outside,
    OwnDatabase,
    e2e_infra,
    endpoints,
    outside,
    system,
)

OWN, OTHER = "1380", "1381"

PLAN = Plan(workplaces={OWN: 3}, summer_requests=0, prao_requests=0, work_trials=0,
            workplace_declines=0, participant_declines=0, seed=18, phone_share=1.0)
"""One municipality, three workplaces (the applicants are `BIRTH_DATES`)."""


@dataclass(frozen=True)
class Seeded:
    season: Season
    values: dict[str, str]
    """Path parameter (and body field) name → a seeded thing of 1380 it names."""
    ids: frozenset[str]
    """Every id of 1380's people and things: none may show in another's listing."""

    by_service: dict[str, dict[str, str]]
    """Where a service names a seeded thing otherwise (matching's year is the season's)."""

    def values_for(self, service: str) -> dict[str, str]:
        return self.values | self.by_service.get(service, {})

    def token(self, code: str, role: Role = "coordinator") -> str:
        return issue_token(self.season.endpoints.secret, f"{role}-{code}", role, [code],
                           ttl_s=3600)


@pytest.fixture(scope="package")
async def season(e2e_infra: OwnDatabase, system: System,  # noqa: F811
                 outside: Outside) -> AsyncIterator[Season]:  # noqa: F811
    """The demo's phases for workplaces, training and offers; applicants of our own (of
    ages every programme's rule takes), a round, and everyone's answers by link."""
    async with Season(PLAN, endpoints(e2e_infra, system, outside)) as played:
        await played.check_ready()
        await registering.register_workplaces(played)
        await registering.record_profiles(played)
        await training.train(played)
        await registering.offer(played)
        await played.settle("matching")
        for n, born in enumerate(BIRTH_DATES):
            await _apply(played, n, born)
        await played.settle("matching")
        await answering.run_rounds(played, "summer_job")
        await answering.respond(played, "answers by link")
        await _unreachable(played, outside)
        await _refused_intake(e2e_infra)
        await played.settle()
        await played.wait_for_messages()
        yield played


BIRTH_DATES = (date(2010, 9, 1), date(2011, 2, 3))
"""Minors of 16 at the summer (feriearbete): each has a guardian, whose consent counts."""


async def _apply(season: Season, n: int, born: date) -> None:
    """A minor with a guardian, consent given with the application, a summer job asked
    for at every occupation offered."""
    reg = season.endpoints.registration
    person, guardian = season.people.make(), season.people.make()
    out = await season.call("POST", f"{reg}/participants", {
        "external_ref": f"access-{season.plan.tag}-p-{n}", "municipality_code": OWN,
        "personal_identity_number": synthetic_identity_number(born), "name": person.name,
        "email": person.email, "phone": person.phone, "sms_allowed": person.sms_allowed,
        "gender": ("female", "male")[n % 2], "preferred_language": "sv",
        "guardians": [{"name": guardian.name, "email": guardian.email,
                       "phone": guardian.phone, "language": "sv", "sms_allowed": True}],
    })
    person.id = uuid.UUID(out["participant_id"])
    guardian.id = uuid.UUID(out["guardians"][0]["guardian_id"])
    participant = Participant(person.id, OWN, born, "female", person, [], [guardian],
                              consent="early")
    season.participants[person.id] = participant
    await applying.give_consent(season, participant, "summer_job", True)
    start, end = SUMMER_REQUESTS[n % 2]
    occupations = sorted({o.occupation for o in season.offers if o.program == "summer_job"})
    made = await season.call("POST", f"{reg}/requests", {
        "external_ref": f"access-{season.plan.tag}-r-{n}", "participant_id": str(person.id),
        "municipality_code": OWN, "program": "summer_job", "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "preferences": [{"occupation": o} for o in occupations[:3]]})
    request = Request(uuid.UUID(made["request_id"]), person.id, OWN, "summer_job", start, end)
    season.requests[request.id] = request


async def _unreachable(season: Season, outside: Outside) -> None:  # noqa: F811
    """An adult whose only address refuses mail, waiting for a work trial: the message
    saying so reaches no one (what notifications lists as undelivered)."""
    reg = season.endpoints.registration
    person = season.people.make(phone=False)
    outside.mail.respond(person.email or "", 550)
    born = date(1990, 5, 5)
    out = await season.call("POST", f"{reg}/participants", {
        "external_ref": f"access-{season.plan.tag}-unreachable", "municipality_code": OWN,
        "personal_identity_number": synthetic_identity_number(born), "name": person.name,
        "email": person.email, "gender": "male", "preferred_language": "sv"})
    person.id = uuid.UUID(out["participant_id"])
    season.participants[person.id] = Participant(person.id, OWN, born, "male", person, [],
                                                 [])
    start, end = SUMMER_REQUESTS[0]
    await season.call("POST", f"{reg}/requests", {
        "external_ref": f"access-{season.plan.tag}-unreachable-r", "municipality_code": OWN,
        "participant_id": str(person.id), "program": "work_trial",
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "preferences": [{"occupation": "5311"}]})


async def _refused_intake(infra: OwnDatabase) -> None:
    """An intake request of 1380's that registration refuses (an identity number that is
    none): what it lists for 1380's coordinators."""
    data = intake.RegisterParticipant(
        municipality_code=OWN, personal_identity_number="19900101-0000", name="Avvisad Intag",
        external_ref="access-refused")
    event = new_event(data, source="urn:test", subject=REFUSED_ID).model_copy(
        update={"id": REFUSED_ID})
    async with Publisher(infra.kafka_bootstrap, infra.kafka_security) as publisher:
        await publisher.send(topics.REGISTRATION_INTAKE, event, data.kafka_key(REFUSED_ID))


REFUSED_ID = str(uuid.uuid4())
"""The refused intake request's id, which registration's listing names it by."""


def _placement(season: Season, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A placement of a participant with a guardian, confirmed if any is."""
    guarded = {str(p.id) for p in season.participants.values() if p.guardians}
    rows = [r for r in rows if r["participant_id"] in guarded]
    assert rows, "the season placed no participant who has a guardian"
    return sorted(rows, key=lambda r: r["status"] != "confirmed")[0]


@pytest.fixture(scope="package")
async def seeded(season: Season) -> Seeded:
    """The ids of one connected story in 1380: a participant with a guardian, placed (a
    request, an offer) at a workplace with its manager and supervisor, the supervisor
    enrolled in a session, messages sent about the placement."""
    mat, trn, ntf = (season.endpoints.matching, season.endpoints.training,
                     season.endpoints.notifications)
    rows = await season.call(
        "GET", f"{mat}/matching/placements?municipality_code={OWN}&limit=1000")
    placement = _placement(season, rows)
    participant = next(p for p in season.participants.values()
                       if str(p.id) == placement["participant_id"])
    workplace = next(w for w in season.workplaces if str(w.id) == placement["workplace_id"])
    session = next(s for s in season.sessions["base_course"]
                   if s["municipality_code"] == OWN)
    roster = await season.call("GET", f"{trn}/sessions/{session['session_id']}/enrolments")
    assert any(r["person_id"] == placement["supervisor_id"] for r in roster), roster
    messages = await season.call(
        "GET", f"{ntf}/notifications/placements/{placement['placement_id']}")
    assert messages["messages"], "no notification about the placement to walk"
    await eventually(lambda: _undelivered(season), what="the unreachable adult's message "
                     "to fail")
    await eventually(lambda: _refused(season), what="the refused intake request listed")
    values = {
        "municipality_code": OWN, "code": OWN,
        "participant_id": placement["participant_id"],
        "guardian_id": str(participant.guardians[0].id),
        "request_id": placement["request_id"], "offer_id": placement["offer_id"],
        "placement_id": placement["placement_id"],
        "workplace_id": placement["workplace_id"], "manager_id": str(workplace.manager.id),
        "supervisor_id": placement["supervisor_id"],
        "person_id": placement["supervisor_id"],
        "session_id": session["session_id"],
        "year": str(date.fromisoformat(session["starts_at"][:10]).year),
        "template": "placement_proposal",  # names no one's data (RESOURCE_FREE)
    }
    ids = _all_ids(season) | {r["placement_id"] for r in rows} | {OWN, REFUSED_ID}
    return Seeded(season, values, frozenset(ids),
                  {"matching": {"year": str(SUMMER_REQUESTS[0][0].year)},
                   "registration": {"name": "access-walk"}})


async def _refused(season: Season) -> bool:
    listed = await season.call("GET", f"{season.endpoints.registration}/intake/rejections"
                               f"?municipality_code={OWN}")
    return bool(listed)


async def _undelivered(season: Season) -> bool:
    listed = await season.call("GET", f"{season.endpoints.notifications}/notifications/"
                               f"undelivered?municipality_code={OWN}")
    return bool(listed)


def _all_ids(season: Season) -> set[str]:
    ids = season.person_ids()
    ids |= {str(w.id) for w in season.workplaces} | {str(o.id) for o in season.offers}
    ids |= {str(r) for r in season.requests}
    ids |= {str(s["session_id"]) for group in season.sessions.values() for s in group}
    return ids
