"""Notifications' behaviour on one page.

Consumers only *record* what to send (rows keyed by cause event, recipient and channel,
in the consumer's transaction); the dispatcher sends. `EVENT_HANDLERS` keeps the read
models and turns each routed event into planned notifications via `domain.routing.ROUTES`.
Every handler is `handler(message, uow, deps)` (`shared.wiring`); `bootstrap` binds `deps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.notifications.dependencies import Dependencies
from services.notifications.domain import letters
from services.notifications.domain.commands import (
    RecordDeliveryReceipt,
    SendDigests,
    SetSmsOptOut,
)
from services.notifications.domain.letters import (
    Facts,
    ParticipantFacts,
    SessionFacts,
    WorkplaceFacts,
)
from services.notifications.domain.model import (
    Contact,
    PlannedNotification,
    day_before_at,
    other_channel,
)
from services.notifications.domain.routing import DIGEST_TEMPLATE, ROUTES, Route
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import (
    ParticipantErased,
    ParticipantRegistered,
    PlacementSlotsOffered,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertified,
)
from shared.errors import NotFound, Rejected
from shared.wiring import Handler

# -- the contact directory -----------------------------------------------------------------


async def on_contact(e: ContactDetailsRecorded, uow: NotificationsUnitOfWork,
                     deps: Dependencies) -> None:
    known = await uow.directory.contact(e.person_id)
    await uow.directory.save_contact(Contact(
        e.person_id, e.role, e.name, e.email, e.phone, e.language, e.sms_allowed,
        known.sms_opt_out if known else False, e.municipality_code))


async def on_contact_tombstone(key: str, uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    """A null value on the compacted contacts topic: the person was erased."""
    try:
        person_id = UUID(key)
    except ValueError:
        raise Rejected.field("key", "a contacts tombstone's key is a person id") from None
    await uow.directory.drop_contact(person_id)
    await uow.outbound.erase(person_id, deps.clock())


async def on_participant_erased(e: ParticipantErased, uow: NotificationsUnitOfWork,
                                deps: Dependencies) -> None:
    await uow.directory.drop_contact(e.participant_id)
    await uow.directory.drop_participant(e.participant_id)
    await uow.outbound.erase(e.participant_id, deps.clock())


# -- read models -------------------------------------------------------------------------


async def on_participant(e: ParticipantRegistered, uow: NotificationsUnitOfWork,
                         deps: Dependencies) -> None:
    await uow.directory.save_participant(ParticipantFacts(
        e.participant_id, e.municipality_code, e.birth_date, e.preferred_language,
        tuple(e.guardian_ids)))


async def on_workplace(e: WorkplaceRegistered, uow: NotificationsUnitOfWork,
                       deps: Dependencies) -> None:
    await uow.directory.save_workplace(WorkplaceFacts(
        e.workplace_id, e.name, e.address, e.client_contact, e.manager_id, e.municipality_code))


async def on_supervisor(e: SupervisorRegistered, uow: NotificationsUnitOfWork,
                        deps: Dependencies) -> None:
    await uow.directory.save_supervisor(e.supervisor_id, e.workplace_id, e.municipality_code)


async def on_offer(e: PlacementSlotsOffered, uow: NotificationsUnitOfWork,
                   deps: Dependencies) -> None:
    await uow.directory.save_offer(e.offer_id, e.workplace_id, e.supervisor_id,
                                   e.without_client_contact)


async def on_session(e: CourseSessionScheduled, uow: NotificationsUnitOfWork,
                     deps: Dependencies) -> None:
    await uow.directory.save_session(
        SessionFacts(e.session_id, e.course, e.topic, e.starts_at, e.ends_at, e.venue,
                     e.digital), e.municipality_code, e.cancelled)
    await notify(e, uow, deps)


async def on_enrolment(e: EnrolmentRecorded, uow: NotificationsUnitOfWork,
                       deps: Dependencies) -> None:
    if e.status == "cancelled":
        await uow.outbound.cancel_reminders(e.person_id, e.session_id, deps.clock())
    await notify(e, uow, deps)


_PLACEMENT_STATUS: dict[type[EventData], str] = {
    PlacementProposed: "proposed", PlacementConfirmed: "confirmed"}


async def on_placement(e: PlacementProposed | PlacementConfirmed, uow: NotificationsUnitOfWork,
                       deps: Dependencies) -> None:
    await uow.directory.save_placements([_placement_row(e)])
    await notify(e, uow, deps)


async def on_placements(items: list[tuple[CloudEvent, PlacementProposed | PlacementConfirmed]],
                        uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    """`on_placement` for a run of events of one type: one upsert, one lookup per fact."""
    await uow.directory.save_placements([_placement_row(e) for _, e in items])
    await notify_many(items, uow, deps)


def _placement_row(e: PlacementProposed | PlacementConfirmed) -> dict[str, Any]:
    return {"placement_id": e.placement_id, "status": _PLACEMENT_STATUS[type(e)],
            "request_id": e.request_id, "participant_id": e.participant_id,
            "workplace_id": e.workplace_id, "supervisor_id": e.supervisor_id,
            "municipality_code": e.municipality_code, "program": e.program}


async def on_placement_closed(e: PlacementDeclined | PlacementCancelled | PlacementCompleted,
                              uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    status = {PlacementDeclined: "declined", PlacementCancelled: "cancelled",
              PlacementCompleted: "completed"}[type(e)]
    await uow.directory.save_placement(
        e.placement_id, status, request_id=getattr(e, "request_id", None),
        municipality_code=getattr(e, "municipality_code", None))


async def on_routed(e: EventData, uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    await notify(e, uow, deps)


async def on_routed_many(items: list[tuple[CloudEvent, EventData]],
                         uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    await notify_many(items, uow, deps)


# -- routing: from an event to planned notifications -----------------------------------------


async def _facts(events: list[Any], uow: NotificationsUnitOfWork) -> list[Facts]:
    """What the letters about these events need to know, each fact looked up once for all
    of them (one query per kind of fact)."""
    d = uow.directory

    def ids(name: str, among: list[Any] = events) -> set[UUID]:
        return {v for e in among if (v := getattr(e, name, None)) is not None}

    without_workplace = [e for e in events if getattr(e, "workplace_id", None) is None]
    # Looked up by the event's supervisor_id, which an enrolment has not (None).
    workplace_of: dict[Any, UUID] = await d.supervisor_workplaces(
        ids("supervisor_id", without_workplace))
    workplace_ids = [getattr(e, "workplace_id", None) or workplace_of.get(
        getattr(e, "supervisor_id", None)) for e in events]
    participants = await d.participants(ids("participant_id"))
    workplaces = await d.workplaces(w for w in workplace_ids if w is not None)
    sessions = await d.sessions(ids("session_id"))
    names = {pid: c.name for pid, c in
             (await d.contacts(ids("participant_id") | ids("supervisor_id"))).items()}
    without = await d.offers_without_client_contact(ids("offer_id"))
    facts = []
    for e, workplace_id in zip(events, workplace_ids, strict=True):
        participant_id = getattr(e, "participant_id", None)
        supervisor_id = getattr(e, "supervisor_id", None)
        facts.append(Facts(
            participants.get(participant_id) if participant_id else None,
            workplaces.get(workplace_id) if workplace_id else None,
            sessions.get(e.session_id) if getattr(e, "session_id", None) else None,
            workplace_id,
            {i: names[i] for i in (participant_id, supervisor_id) if i in names},
            getattr(e, "offer_id", None) in without))
    return facts


def _audience(route: Route, e: Any, facts: Facts) -> list[tuple[UUID, str]]:
    """(person id, role) of each recipient of `route` for event `e`."""
    p = facts.participant
    match route.audience:
        case "participant":
            return [(e.participant_id, "participant")]
        case "guardians":
            return [(g, "guardian") for g in (p.guardian_ids if p else ())]
        case "guardians_of_minor":
            start = getattr(e, "period_start", None)
            if p is None or start is None or not p.is_minor_on(start):
                return []
            return [(g, "guardian") for g in p.guardian_ids]
        case "supervisor":
            return [(e.supervisor_id, "supervisor")]
        case "manager":
            return [(facts.workplace.manager_id, "manager")] if facts.workplace else []
        case "invited":
            return [(i.person_id, i.role) for i in e.invited]
        case "person":
            return [(e.person_id, e.role)]
    raise AssertionError(route.audience)


def _context(route: Route, e: Any, facts: Facts, deps: Dependencies,
             person_id: UUID) -> dict[str, Any]:
    tz = deps.timezone
    match route.template:
        case "course_invitation":
            reason = next((i.reason for i in e.invited if i.person_id == person_id), "")
            return letters.course_invitation(e, tz, reason)
        case "enrolment_confirmation" | "enrolment_waitlisted" | "course_reminder":
            return {**letters.enrolment(e, facts, tz), "session_id": str(e.session_id)}
        case "certificate" | "certification_note":
            return letters.certification(e, facts)
        case "placement_proposal":
            link = e.acceptance_url or (
                f"{deps.public_base_url}/matching/placements/{e.placement_id}/respond")
            return letters.proposal(e, facts, tz, link)
        case "consent_request":
            link = (f"{deps.public_base_url}/registration/participants/"
                    f"{e.participant_id}/consents")
            return letters.consent_request(e, facts, link)
        case "welcome_letter":
            return letters.welcome_letter(e, facts)
        case "day_one_checklist":
            return letters.day_one_checklist(e, facts)
        case "waitlisted":
            return letters.waitlisted(e)
    raise AssertionError(route.template)


def _when(route: Route, e: Any, facts: Facts, deps: Dependencies, now: datetime) -> datetime | None:
    """When the message may go; None when it is too late to be of use."""
    if route.timing == "now":
        return now
    starts_at = facts.session.starts_at if facts.session else getattr(e, "starts_at", None)
    if starts_at is None or starts_at <= now:
        return None
    return max(now, day_before_at(starts_at, deps.reminder_hour, deps.timezone))


def plan(e: Any, facts: Facts, deps: Dependencies, cause_event_id: str,
         correlation_id: str | None, now: datetime) -> list[PlannedNotification]:
    """Every message the routing table asks for, for one event (pure)."""
    planned: list[PlannedNotification] = []
    for route in ROUTES.get(type(e), ()):
        if not route.when(e):
            continue
        not_before = _when(route, e, facts, deps, now)
        if not_before is None:
            continue
        for person_id, role in _audience(route, e, facts):
            context = _context(route, e, facts, deps, person_id)
            for channel in route.channels:
                planned.append(PlannedNotification(
                    cause_event_id=cause_event_id, recipient_id=person_id, channel=channel,
                    template=route.template, context=context, not_before=not_before,
                    correlation_id=correlation_id, recipient_role=role,
                    placement_id=getattr(e, "placement_id", None),
                    about_participant_id=getattr(e, "participant_id", None),
                    municipality_code=getattr(e, "municipality_code", None)))
    return planned


async def notify(e: EventData, uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    if type(e) not in ROUTES:
        return
    cause = uow.cause
    if cause is None:
        raise Rejected.field("id", "a routed event needs its CloudEvent id")
    await notify_many([(cause, e)], uow, deps)


async def notify_many(items: Sequence[tuple[CloudEvent, EventData]],
                      uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    """Plan the notifications of each routed event (its CloudEvent is the cause)."""
    routed = [(cause, e, routes) for cause, e in items
              if (routes := [r for r in ROUTES.get(type(e), ()) if r.when(e)])]
    needing = [e for _, e, routes in routed if any(r.facts for r in routes)]
    facts = dict(zip(map(id, needing), await _facts(needing, uow), strict=True))
    for cause, e, _ in routed:
        uow.outbound.add(plan(e, facts.get(id(e), Facts()), deps, cause.id,
                              cause.correlationid or cause.id, deps.clock()))


EVENT_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    ContactDetailsRecorded: on_contact,
    ParticipantRegistered: on_participant,
    WorkplaceRegistered: on_workplace,
    SupervisorRegistered: on_supervisor,
    PlacementSlotsOffered: on_offer,
    ParticipantErased: on_participant_erased,
    CourseSessionScheduled: on_session,
    EnrolmentRecorded: on_enrolment,
    SupervisorCertified: on_routed,
    PlacementProposed: on_placement,
    PlacementConfirmed: on_placement,
    PlacementWaitlisted: on_routed,
    PlacementDeclined: on_placement_closed,
    PlacementCancelled: on_placement_closed,
    PlacementCompleted: on_placement_closed,
}


BATCH_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    SupervisorCertified: on_routed_many,
    PlacementProposed: on_placements,
    PlacementConfirmed: on_placements,
    PlacementWaitlisted: on_routed_many,
}
"""Set-based twins of EVENT_HANDLERS for the busiest events (see
shared.kafka.consumer.Subscription): the same rows, one statement per kind."""


# -- commands ------------------------------------------------------------------------------


async def record_receipt(cmd: RecordDeliveryReceipt, uow: NotificationsUnitOfWork,
                         deps: Dependencies) -> None:
    """A delivery receipt; a failed one falls back to e-mail (one message per channel)."""
    row = await uow.outbound.record_receipt(cmd.provider_ref, cmd.status)
    if row is None:
        raise NotFound("no SMS with that id")
    if cmd.status == "failed":
        uow.outbound.add([fallback_of(row, deps.clock())])


def fallback_of(row: Any, now: datetime) -> PlannedNotification:
    """The same message on the other channel, for the same cause (so at most one)."""
    return PlannedNotification(
        cause_event_id=row.cause_event_id, recipient_id=row.recipient_id,
        channel=other_channel(row.channel), template=row.template, context=row.context,
        not_before=now, correlation_id=row.correlation_id, recipient_role=row.recipient_role,
        placement_id=row.placement_id, about_participant_id=row.about_participant_id,
        municipality_code=row.municipality_code)


async def set_sms_opt_out(cmd: SetSmsOptOut, uow: NotificationsUnitOfWork,
                          deps: Dependencies) -> None:
    if not await uow.directory.set_sms_opt_out(cmd.person_id, cmd.opt_out):
        raise NotFound("no contact details for that person")


async def send_digests(cmd: SendDigests, uow: NotificationsUnitOfWork, deps: Dependencies) -> int:
    """Once a local day per coordinator: yesterday's placements and failed messages."""
    day = deps.quiet.local_date(cmd.now)
    since = cmd.now - timedelta(days=1)
    planned = []
    for coordinator in await uow.directory.coordinators():
        assert coordinator.municipality_code is not None
        if not await uow.outbound.mark_digest(coordinator.person_id, day):
            continue
        counts = await uow.directory.placement_counts(coordinator.municipality_code, since)
        failed = await uow.outbound.failures(coordinator.municipality_code, since)
        planned.append(PlannedNotification(
            cause_event_id=f"digest:{coordinator.person_id}:{day.isoformat()}",
            recipient_id=coordinator.person_id, channel="email", template=DIGEST_TEMPLATE,
            context={"day": day.isoformat(), "municipality_code": coordinator.municipality_code,
                     "proposed": counts.get("proposed", 0),
                     "confirmed": counts.get("confirmed", 0),
                     "declined": counts.get("declined", 0),
                     "cancelled": counts.get("cancelled", 0),
                     "completed": counts.get("completed", 0),
                     "failed_messages": failed,
                     "link": f"{deps.public_base_url}/notifications/placements"},
            not_before=cmd.now, recipient_role="coordinator",
            municipality_code=coordinator.municipality_code))
    uow.outbound.add(planned)
    return len(planned)


COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    RecordDeliveryReceipt: record_receipt,
    SetSmsOptOut: set_sms_opt_out,
    SendDigests: send_digests,
}

