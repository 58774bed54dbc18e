"""Fakes of the portal's ports (dependencies.py): the services' link APIs, answering from
dictionaries and recording what was posted; a token can be made to fail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.portal.dependencies import Dependencies, ServiceApis
from services.portal.domain.views import Contact
from shared.clock import Clock, utc_now
from shared.links import DEVELOPMENT_SECRET, LinkSigner, Purpose

SIGNER = LinkSigner(DEVELOPMENT_SECRET)
SUPPORT = Contact(name="Praktiks support", email="support@praktik.example")
UPPSALA = Contact(name="Uppsala kommun", email="praktik@uppsala.example",
                  phone="018-727 00 00", coordinator_name="Kim Koordinator")

PLACEMENT: dict[str, Any] = {
    "program": "prao", "period_start": "2027-03-15", "period_end": "2027-03-19",
    "occupation": "Vårdbiträde", "workplace": {"name": "Lindens äldreboende",
                                              "address": "Storgatan 1, Uppsala"},
    "supervisor_first_name": "Eva", "participant_first_name": "Sam", "secrecy": True,
    "arrival_time": "08:30", "arrival_place": "Receptionen", "work_starts": "08:30",
    "work_ends": "15:00", "bring": "Inneskor", "contact": {"name": "Eva", "phone": "070-1"}}
READS: dict[str, dict[str, Any]] = {
    "consent": {"guardian_first_name": "Anna", "state": "pending", "answered": False},
    "workplace_answer": {"status": "proposed", "accept_by": "2027-03-01T15:00:00+00:00",
                         "decline_reasons": ["no_capacity", "other"], "answered": False},
    "offer_answer": {"status": "proposed", "answer_by": "2027-03-04T15:00:00+00:00",
                     "answered": False},
    "enrolment": {"course": "Grundutbildning för handledare", "topic": "",
                  "start": "2027-04-01T07:00:00+00:00", "end": "2027-04-01T14:00:00+00:00",
                  "venue": "Stadshuset, Uppsala", "digital": False, "status": "enrolled",
                  "waitlist_position": None, "answered": False},
    "evaluation": {"course": "Grundutbildning för handledare", "date": "2027-04-01",
                   "answered": False},
    "opt_out": {"channel": "sms", "opted_out": False},
}


class FakeService:
    """One service's link API; `failures[token]` is raised by every call with that token."""

    def __init__(self, purposes: tuple[str, ...]) -> None:
        self.reads = {p: dict(READS[p]) for p in purposes}
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.failures: dict[str, Exception] = {}
        self.answer_failures: dict[str, Exception] = {}

    def _check(self, token: str) -> None:
        if token in self.failures:
            raise self.failures[token]

    async def read(self, purpose: Purpose, token: str) -> Mapping[str, Any]:
        self._check(token)
        return self.reads[purpose]

    async def answer(self, purpose: Purpose, token: str, body: Mapping[str, Any]) -> None:
        self._check(token)
        if token in self.answer_failures:
            raise self.answer_failures[token]
        self.answers.append((purpose, dict(body)))


class FakeRegistration(FakeService):
    def __init__(self) -> None:
        super().__init__(("consent",))
        self.placement_facts = dict(PLACEMENT)
        self.contacts: dict[str, Contact] = {"0380": UPPSALA}

    async def placement(self, token: str) -> Mapping[str, Any]:
        self._check(token)
        return self.placement_facts

    async def contact(self, municipality_code: str) -> Contact | None:
        return self.contacts.get(municipality_code)


class FakeMatching(FakeService):
    def __init__(self) -> None:
        super().__init__(("workplace_answer", "offer_answer"))
        self.draws: dict[str, dict[str, Any]] = {}
        """Each round's published draw, by its id."""

    async def round_draw(self, round_id: str) -> Mapping[str, Any] | None:
        return self.draws.get(round_id)


def fake_apis() -> ServiceApis:
    return ServiceApis(registration=FakeRegistration(),
                       matching=FakeMatching(),
                       training=FakeService(("enrolment", "evaluation")),
                       notifications=FakeService(("opt_out",)))


def deps(clock: Clock = utc_now) -> Dependencies:
    return Dependencies(links=SIGNER, support=SUPPORT, clock=clock)


def token(purpose: Purpose, *, municipality: str | None = "0380", days: float = 7,
          channel: str | None = None) -> str:
    """A link as notifications signs it (expired when `days` < 0)."""
    if purpose == "opt_out" and channel is None:
        channel = "sms"
    return SIGNER.sign(purpose, uuid4(), uuid4(), datetime.now(UTC) + timedelta(days=days),
                       municipality, channel)
