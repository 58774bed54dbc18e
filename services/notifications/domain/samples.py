"""Sample events and facts for every route of the table: one municipality's people
(`World`), and each template's variables as planning gives them (`sample_contexts`), so
that staff can read every message with sample data, and tests can render them all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from services.notifications.domain.letters import (
    Facts,
    OfferFacts,
    ParticipantFacts,
    PlacementFacts,
    SessionFacts,
    WorkplaceFacts,
)
from services.notifications.domain.links import Links
from services.notifications.domain.planning import PlanConfig, plan
from services.notifications.domain.routing import DIGEST_TEMPLATE
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.matching import (
    PlacementAccepted,
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import (
    GuardianConsentRecorded,
    MunicipalityProfileRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PlacementSlotsOffered,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseCompleted,
    CourseSessionScheduled,
    EnrolmentRecorded,
    Invitee,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    SupervisorCertified,
    WorkplaceClosed,
)


@dataclass
class World:
    """One municipality's people: a minor participant with a guardian, a workplace with
    client contact (social services), its manager and a supervisor, a coordinator."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    municipality: str = "1293"
    participant: UUID = field(default_factory=uuid.uuid4)
    guardian: UUID = field(default_factory=uuid.uuid4)
    supervisor: UUID = field(default_factory=uuid.uuid4)
    manager: UUID = field(default_factory=uuid.uuid4)
    coordinator: UUID = field(default_factory=uuid.uuid4)
    workplace: UUID = field(default_factory=uuid.uuid4)
    offer: UUID = field(default_factory=uuid.uuid4)
    request: UUID = field(default_factory=uuid.uuid4)
    placement: UUID = field(default_factory=uuid.uuid4)
    session: UUID = field(default_factory=uuid.uuid4)
    breakfast: UUID = field(default_factory=uuid.uuid4)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    languages: dict[str, str] = field(default_factory=lambda: {
        "participant": "sv", "guardian": "en", "supervisor": "sv", "manager": "en",
        "coordinator": "sv"})

    def email(self, role: str) -> str:
        return f"{role}-{self.tag}@example.test"

    def phone(self, role: str) -> str:
        digits = {"participant": "1", "guardian": "2", "supervisor": "3", "manager": "4",
                  "coordinator": "5"}[role]
        return f"+4670{int(self.tag, 16) % 1000000:06d}{digits}"

    def person(self, role: str) -> UUID:
        return getattr(self, role)

    def contacts(self) -> list[ContactDetailsRecorded]:
        names = {"participant": "Elsa Ek", "guardian": "Maja Ek", "supervisor": "Kim Berg",
                 "manager": "Ali Hassan", "coordinator": "Eva Lund"}
        return [ContactDetailsRecorded(
            person_id=self.person(role), role=role, name=names[role], email=self.email(role),
            phone=self.phone(role), language=self.languages[role], sms_allowed=True,
            municipality_code=self.municipality if role == "coordinator" else None)
            for role in names]

    @property
    def start(self) -> date:
        return (self.now + timedelta(days=20)).date()

    def registration(self) -> list[EventData]:
        return [
            ParticipantRegistered(
                participant_id=self.participant, municipality_code=self.municipality,
                birth_date=self.now.date().replace(year=self.now.year - 14), gender="female",
                preferred_language="sv", guardian_ids=[self.guardian]),
            WorkplaceRegistered(
                workplace_id=self.workplace, org_number="212000-1124",
                name="Ekonomiskt bistånd", sector="municipal",
                municipality_code=self.municipality, manager_id=self.manager,
                client_contact=True, address="Stortorget 1, Hässleholm"),
            SupervisorRegistered(
                supervisor_id=self.supervisor, workplace_id=self.workplace,
                municipality_code=self.municipality, languages=["sv"], max_participants=2),
            PlacementSlotsOffered(
                offer_id=self.offer, workplace_id=self.workplace, supervisor_id=self.supervisor,
                municipality_code=self.municipality, program="prao", occupation="3353",
                period_start=self.start, period_end=self.start + timedelta(days=4),
                capacity=1, without_client_contact=True, arrival_time=time(8, 30),
                arrival_place="Receptionen, entré B", work_starts=time(9, 0),
                work_ends=time(15, 0), bring="Lunch och inneskor"),
        ]

    def profile(self) -> MunicipalityProfileRecorded:
        return MunicipalityProfileRecorded(
            municipality_code=self.municipality, name="Hässleholms kommun",
            coordinator_name="Eva Lund", coordinator_email=f"eva.lund-{self.tag}@example.test",
            coordinator_phone="+46451123456")

    def session_event(self) -> CourseSessionScheduled:
        starts = self.now + timedelta(hours=3)
        return CourseSessionScheduled(
            session_id=self.session, course="base_course", starts_at=starts,
            ends_at=starts + timedelta(hours=7), municipality_code=self.municipality,
            venue="Kulturhuset, Hässleholm", digital=False, capacity=20,
            announcement="invitation",
            invited=[Invitee(person_id=self.supervisor, role="supervisor")])

    def breakfast_event(self) -> CourseSessionScheduled:
        starts = self.now + timedelta(days=10)
        return CourseSessionScheduled(
            session_id=self.breakfast, course="manager_breakfast", starts_at=starts,
            ends_at=starts + timedelta(hours=2), municipality_code=self.municipality,
            venue="Teams", digital=True, capacity=30, announcement="invitation",
            invited=[Invitee(person_id=self.manager, role="manager")])

    @property
    def ids(self) -> dict[str, Any]:
        return {"placement_id": self.placement, "request_id": self.request,
                "participant_id": self.participant, "offer_id": self.offer,
                "workplace_id": self.workplace, "supervisor_id": self.supervisor,
                "municipality_code": self.municipality, "program": "prao"}

    @property
    def period(self) -> dict[str, date]:
        return {"period_start": self.start, "period_end": self.start + timedelta(days=4)}

    def news(self) -> dict[str, Any]:
        """What a decline, cancellation or acceptance carries of its placement."""
        return {"placement_id": self.placement, "request_id": self.request,
                "participant_id": self.participant, "municipality_code": self.municipality}

    def routed(self) -> list[EventData]:
        """One event of every routed type, in a sensible order."""
        session = self.session_event()
        return [
            session,
            self.breakfast_event(),
            EnrolmentRecorded(session_id=self.session, person_id=self.supervisor,
                              role="supervisor", status="enrolled", course="base_course",
                              starts_at=session.starts_at,
                              municipality_code=self.municipality),
            SupervisorCertified(supervisor_id=self.supervisor, workplace_id=self.workplace,
                                municipality_code=self.municipality,
                                certified_at=self.now.date(),
                                valid_until=self.now.date() + timedelta(days=3 * 365)),
            PlacementProposed(**self.ids, **self.period, preference_rank=1,
                              consent_required=True,
                              accept_by=self.now + timedelta(days=3)),
            PlacementConfirmed(**self.ids, **self.period),
            PlacementWaitlisted(request_id=uuid.uuid4(), participant_id=self.participant,
                                municipality_code=self.municipality, program="summer_job",
                                reasons=["no_capacity", "consent"], round_id=uuid.uuid4()),
            EnrolmentRecorded(session_id=self.breakfast, person_id=self.manager,
                              role="manager", status="waitlisted", waitlist_position=3,
                              course="manager_breakfast",
                              starts_at=self.breakfast_event().starts_at,
                              municipality_code=self.municipality),
            GuardianConsentRecorded(participant_id=self.participant, guardian_id=self.guardian,
                                    program="prao", granted=False,
                                    municipality_code=self.municipality,
                                    placement_id=self.placement, consent="refused",
                                    via="link"),
            PlacementAccepted(**self.news(), by="workplace", answered_by=self.supervisor,
                              waiting_for=["participant"]),
            PlacementAccepted(**self.news(), by="participant", answered_by=self.participant),
            PlacementDeclined(**self.news(), by="guardian", reason="consent_refused"),
            PlacementCancelled(**self.news(), reason="coordinator"),
            PlacementDeadlineApproaching(**self.news(), awaiting="workplace",
                                         deadline=self.now + timedelta(days=2)),
            PlacementDeadlineExtended(**self.news(), awaiting="consent",
                                      deadline=self.now + timedelta(days=6),
                                      previous_deadline=self.now + timedelta(days=2)),
            WorkplaceClosed(workplace_id=self.workplace, municipality_code=self.municipality,
                            reason="certification_expired", closed_on=self.now.date()),
            ParticipantErased(participant_id=self.participant,
                              municipality_code=self.municipality),
            EnrolmentRecorded(session_id=self.session, person_id=self.manager, role="manager",
                              status="cancelled", previous_status="enrolled",
                              course="base_course", starts_at=session.starts_at,
                              municipality_code=self.municipality),
            CourseCompleted(session_id=self.session, person_id=self.supervisor,
                            role="supervisor", course="base_course",
                            completed_at=session.ends_at),
            SupervisorCertificationExpiring(
                supervisor_id=self.supervisor, workplace_id=self.workplace,
                municipality_code=self.municipality,
                valid_until=self.now.date() + timedelta(days=60),
                refresher_session_id=self.session),
            SupervisorCertificationExpired(
                supervisor_id=self.supervisor, workplace_id=self.workplace,
                municipality_code=self.municipality, expired_at=self.now.date()),
        ]

    def placement_facts(self, status: str = "confirmed") -> PlacementFacts:
        return PlacementFacts(self.placement, status, self.participant, self.workplace,
                              self.supervisor, self.offer, "prao", self.start,
                              self.start + timedelta(days=4), self.municipality)

    def facts(self) -> Facts:
        """What the read models hold after `registration()` and the contacts."""
        session = self.session_event()
        return Facts(
            participant=ParticipantFacts(self.participant, self.municipality,
                                         self.now.date().replace(year=self.now.year - 14),
                                         "sv", (self.guardian,)),
            workplace=WorkplaceFacts(self.workplace, "Ekonomiskt bistånd",
                                     "Stortorget 1, Hässleholm", True, self.manager,
                                     self.municipality),
            session=SessionFacts(session.session_id, session.course, session.topic,
                                 session.starts_at, session.ends_at, session.venue,
                                 session.digital),
            supervisor_workplace_id=self.workplace,
            names={self.participant: "Elsa Ek", self.supervisor: "Kim Berg"},
            offer=OfferFacts(self.offer, True, "08:30", "Receptionen, entré B", "09:00",
                             "15:00", "Lunch och inneskor"),
            placement=self.placement_facts(),
            open_placements=(self.placement_facts(),),
            checklist_sent=True)


# Which (template, role) pairs the table must produce for `World.routed()`.


def digest_context(world: World, links: Links) -> dict[str, object]:
    """The coordinator's daily digest (planned by a job, not by an event)."""
    return {"day": world.now.date().isoformat(), "municipality_code": world.municipality,
            "proposed": 3, "confirmed": 2, "declined": 1, "cancelled": 0, "completed": 4,
            "failed_messages": 1, "link": f"{links.base_url}/notifications/placements"}


def sample_contexts(config: PlanConfig, world: World | None = None) -> dict[str, dict[str, Any]]:
    """Each template's variables, from the world's events as planning reads them (the
    first message of each template)."""
    world = world or World()
    found: dict[str, dict[str, Any]] = {}
    for event in world.routed():
        for planned in plan(event, world.facts(), config, f"sample-{uuid.uuid4()}", None,
                            world.now):
            found.setdefault(planned.template, dict(planned.context))
    found[DIGEST_TEMPLATE] = digest_context(world, config.links)
    return dict(sorted(found.items()))
