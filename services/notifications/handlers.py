"""Notifications' behaviour on one page.

Consumers only *record* what to send (rows keyed by cause event, recipient and channel,
in the consumer's transaction); the dispatcher sends. `EVENT_HANDLERS` keeps the read
models and turns each routed event into planned notifications via `domain.routing.ROUTES`.
Every handler is `handler(message, uow, deps)` (`shared.wiring`); `bootstrap` binds `deps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from services.notifications.dependencies import Dependencies
from services.notifications.domain.commands import (
    ForgetUnmatchedReceipts,
    OptOutByLink,
    RecordDeliveryReceipt,
    SendDigests,
    SetSmsOptOut,
)
from services.notifications.domain.letters import (
    Facts,
    OfferFacts,
    ParticipantFacts,
    PlacementFacts,
    SessionFacts,
    WorkplaceFacts,
)
from services.notifications.domain.model import (
    Channel,
    Contact,
    PlannedNotification,
    other_channel,
)
from services.notifications.domain.planning import plan
from services.notifications.domain.routing import DIGEST_TEMPLATE, ROUTES
from services.notifications.domain.sender import MunicipalityProfile
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import (
    PlacementAccepted,
    PlacementCancelled,
    PlacementCompleted,
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
    PersonErased,
    PlacementSlotsOffered,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseCompleted,
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    SupervisorCertified,
    WorkplaceClosed,
)
from shared.errors import NotFound, Rejected
from shared.links import BadLink
from shared.wiring import Handler

# -- the contact directory -----------------------------------------------------------------


async def on_contact(e: ContactDetailsRecorded, uow: NotificationsUnitOfWork,
                     deps: Dependencies) -> None:
    known = await uow.directory.contact(e.person_id)
    await uow.directory.save_contact(Contact(
        e.person_id, e.role, e.name, e.email, e.phone, e.language, e.sms_allowed,
        known.sms_opt_out if known else False, e.municipality_code,
        known.email_opt_out if known else False))


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
    """The supervisor of each open placement is told it has ended (planned first, from the
    placement facts, and about the placement rather than the person); then the person's
    details, read models and messages go."""
    await notify(e, uow, deps)
    await uow.outbound.flush()
    await uow.directory.drop_contact(e.participant_id)
    await uow.directory.drop_participant(e.participant_id)
    await uow.directory.forget_participant(e.participant_id)
    await uow.outbound.erase(e.participant_id, deps.clock())


async def on_person_erased(e: PersonErased, uow: NotificationsUnitOfWork,
                           deps: Dependencies) -> None:
    """A supervisor, manager or guardian erased: their contact details, their place in
    the read models (a guardian among a child's guardians, a supervisor's workplace and
    placements, a manager's workplace) and their messages' content go; unsent ones are
    cancelled. The delivery records stay, anonymous, as for a participant."""
    await uow.directory.drop_contact(e.person_id)
    await uow.directory.forget_person(e.person_id, e.role)
    await uow.outbound.erase(e.person_id, deps.clock())


# -- read models -------------------------------------------------------------------------


async def on_profile(e: MunicipalityProfileRecorded, uow: NotificationsUnitOfWork,
                     deps: Dependencies) -> None:
    await uow.directory.save_profile(MunicipalityProfile(
        e.municipality_code, e.name, e.coordinator_name, str(e.coordinator_email),
        e.coordinator_phone))


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


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


async def on_offer(e: PlacementSlotsOffered, uow: NotificationsUnitOfWork,
                   deps: Dependencies) -> None:
    await uow.directory.save_offer(OfferFacts(
        e.offer_id, e.without_client_contact, _clock(e.arrival_time), e.arrival_place,
        _clock(e.work_starts), _clock(e.work_ends), e.bring, e.contact_name,
        e.contact_phone), e.workplace_id, e.supervisor_id)


async def on_session(e: CourseSessionScheduled, uow: NotificationsUnitOfWork,
                     deps: Dependencies) -> None:
    await uow.directory.save_session(
        SessionFacts(e.session_id, e.course, e.topic, e.starts_at, e.ends_at, e.venue,
                     e.digital, e.cancelled), e.municipality_code, e.cancelled)
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
            "municipality_code": e.municipality_code, "program": e.program,
            "offer_id": e.offer_id, "period_start": e.period_start,
            "period_end": e.period_end, "variant": e.variant}


_CLOSED: dict[type[EventData], str] = {
    PlacementAccepted: "accepted", PlacementDeclined: "declined",
    PlacementCancelled: "cancelled", PlacementCompleted: "completed"}


async def on_placement_news(
        e: PlacementAccepted | PlacementDeclined | PlacementCancelled | PlacementCompleted,
        uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    """Told from the facts kept so far (the message first, then the new status)."""
    await notify(e, uow, deps)
    await uow.directory.save_placement(
        e.placement_id, _CLOSED[type(e)], request_id=getattr(e, "request_id", None),
        municipality_code=getattr(e, "municipality_code", None))


async def on_routed(e: EventData, uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    await notify(e, uow, deps)


async def on_routed_many(items: list[tuple[CloudEvent, EventData]],
                         uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    await notify_many(items, uow, deps)


# -- routing: from an event to planned notifications -----------------------------------------


def _ids(events: list[Any], name: str, placements: dict[Any, PlacementFacts]) -> set[UUID]:
    return {v for e in events if (v := _fact(e, name, placements)) is not None}


def _fact(e: Any, name: str, placements: dict[Any, PlacementFacts]) -> Any:
    """A fact of the event, else of its placement (declines, cancellations carry less)."""
    value = getattr(e, name, None)
    if value is None and (p := placements.get(getattr(e, "placement_id", None))):
        value = getattr(p, name, None)
    return value


async def _facts(events: list[Any], uow: NotificationsUnitOfWork,
                 now: datetime) -> list[Facts]:
    """What the letters about these events need to know, each fact looked up once for all
    of them (one query per kind of fact)."""
    d = uow.directory
    placements: dict[Any, PlacementFacts] = await d.placements(
        {p for e in events for name in ("placement_id", "replaces")
         if (p := getattr(e, name, None)) is not None})
    replaced = {id(e): placements.get(getattr(e, "replaces", None)) for e in events}
    open_of: dict[Any, list[PlacementFacts]] = {
        e.participant_id: await d.open_placements_of(e.participant_id)
        for e in events if isinstance(e, ParticipantErased)}
    withdrawn = {e.placement_id for e in events
                 if isinstance(e, PlacementCancelled) and await uow.outbound.withdraw(
                     e.placement_id, "day_one_checklist", now)}
    # Looked up by the event's supervisor_id, which an enrolment has not (None).
    workplace_of = await d.supervisor_workplaces(_ids(
        [e for e in events if _fact(e, "workplace_id", placements) is None],
        "supervisor_id", placements))
    workplace_ids = [_fact(e, "workplace_id", placements) or workplace_of.get(
        _fact(e, "supervisor_id", placements))
        or next((o.workplace_id for o in open_of.get(getattr(e, "participant_id", None), ())),
                None) for e in events]
    participants = await d.participants(_ids(events, "participant_id", placements))
    workplaces = await d.workplaces(
        [w for w in workplace_ids if w is not None]
        + [p.workplace_id for p in replaced.values() if p and p.workplace_id])
    sessions = await d.sessions(_ids(events, "session_id", placements)
                                | _ids(events, "refresher_session_id", placements))
    names = {pid: c.name for pid, c in (await d.contacts(
        _ids(events, "participant_id", placements)
        | _ids(events, "supervisor_id", placements))).items()}
    offers = await d.offers(_ids(events, "offer_id", placements))
    facts = []
    for e, workplace_id in zip(events, workplace_ids, strict=True):
        participant_id = _fact(e, "participant_id", placements)
        supervisor_id = _fact(e, "supervisor_id", placements)
        session_id = getattr(e, "session_id", None) or getattr(e, "refresher_session_id", None)
        facts.append(Facts(
            participants.get(participant_id) if participant_id else None,
            workplaces.get(workplace_id) if workplace_id else None,
            sessions.get(session_id) if session_id else None,
            workplace_id,
            {i: names[i] for i in (participant_id, supervisor_id) if i in names},
            offers.get(_fact(e, "offer_id", placements)),
            placements.get(getattr(e, "placement_id", None)),
            tuple(open_of.get(participant_id, ())) if isinstance(e, ParticipantErased) else (),
            getattr(e, "placement_id", None) in withdrawn,
            *_replaced(replaced.get(id(e)), workplaces)))
    return facts


def _replaced(p: PlacementFacts | None, workplaces: dict[UUID, WorkplaceFacts],
              ) -> tuple[PlacementFacts | None, str | None]:
    """The placement a participant moves up from, and its workplace's name."""
    workplace = workplaces.get(p.workplace_id) if p and p.workplace_id else None
    return p, workplace.name if workplace else None


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
    now = deps.clock()
    facts = dict(zip(map(id, needing), await _facts(needing, uow, now), strict=True))
    config = deps.plan
    for cause, e, _ in routed:
        uow.outbound.add(plan(e, facts.get(id(e), Facts()), config, cause.id,
                              cause.correlationid or cause.id, now))


EVENT_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    ContactDetailsRecorded: on_contact,
    MunicipalityProfileRecorded: on_profile,
    ParticipantRegistered: on_participant,
    WorkplaceRegistered: on_workplace,
    SupervisorRegistered: on_supervisor,
    PlacementSlotsOffered: on_offer,
    ParticipantErased: on_participant_erased,
    PersonErased: on_person_erased,
    GuardianConsentRecorded: on_routed,
    CourseSessionScheduled: on_session,
    EnrolmentRecorded: on_enrolment,
    CourseCompleted: on_routed,
    SupervisorCertified: on_routed,
    SupervisorCertificationExpiring: on_routed,
    SupervisorCertificationExpired: on_routed,
    WorkplaceClosed: on_routed,
    PlacementProposed: on_placement,
    PlacementConfirmed: on_placement,
    PlacementWaitlisted: on_routed,
    PlacementDeadlineApproaching: on_routed,
    PlacementDeadlineExtended: on_routed,
    PlacementAccepted: on_placement_news,
    PlacementDeclined: on_placement_news,
    PlacementCancelled: on_placement_news,
    PlacementCompleted: on_placement_news,
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
    """A delivery receipt, on its SMS; one that came before the dispatcher recorded the
    provider's id is kept and applied when it does (`Dispatcher`, `adapters/receipts.py`).
    Never an error to the provider: it would not send the receipt again."""
    now = deps.clock()
    row = await uow.receipts.record(cmd.provider_ref, cmd.status, now)
    if row is not None:
        uow.outbound.add(receipt_effects(row, cmd.status, now))


def receipt_effects(row: Any, status: str, now: datetime) -> list[PlannedNotification]:
    """A failed SMS falls back to e-mail (one message per channel and template, so another
    e-mail the same event sent this person does not stop it, and a second receipt adds
    nothing)."""
    return [fallback_of(row, now)] if status == "failed" else []


async def forget_unmatched_receipts(cmd: ForgetUnmatchedReceipts, uow: NotificationsUnitOfWork,
                                    deps: Dependencies) -> int:
    return await uow.receipts.forget(cmd.before)


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
    if not await uow.directory.set_opt_out(cmd.person_id, "sms", cmd.opt_out):
        raise NotFound("no contact details for that person")


async def opt_out_by_link(cmd: OptOutByLink, uow: NotificationsUnitOfWork,
                          deps: Dependencies) -> None:
    """The link's person stops the link's channel; the link is used up with it."""
    link = deps.links.signer.read(cmd.token, "opt_out")
    if link.channel not in ("sms", "email"):
        raise BadLink("link_invalid", link.municipality_code)
    channel: Channel = "sms" if link.channel == "sms" else "email"
    await uow.used_links.claim(link)
    if not await uow.directory.set_opt_out(link.subject, channel, True):
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
                     **{k: counts.get(k, 0) for k in (
                         "proposed", "confirmed", "declined", "cancelled", "completed")},
                     "failed_messages": failed, "link": deps.links.start_page()},
            not_before=cmd.now, recipient_role="coordinator",
            municipality_code=coordinator.municipality_code))
    uow.outbound.add(planned)
    return len(planned)


COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    RecordDeliveryReceipt: record_receipt,
    ForgetUnmatchedReceipts: forget_unmatched_receipts,
    SetSmsOptOut: set_sms_opt_out,
    OptOutByLink: opt_out_by_link,
    SendDigests: send_digests,
}
