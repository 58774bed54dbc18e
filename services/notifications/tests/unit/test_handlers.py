"""Handlers with the in-memory unit of work: what each one records, to whom, with which
template and context; that the set-based handlers record the same; that nothing is
published (outcomes are the dispatcher's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from services.notifications import handlers
from services.notifications.dependencies import Dependencies
from services.notifications.domain.commands import (
    ForgetUnmatchedReceipts,
    RecordDeliveryReceipt,
    SendDigests,
    SetSmsOptOut,
)
from services.notifications.domain.model import PlannedNotification
from services.notifications.tests.examples import LINKS, World
from services.notifications.tests.unit.fakes import FakeUnitOfWork, Row
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.matching import (
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import ParticipantErased
from shared.contracts.training import (
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertified,
)
from shared.errors import NotFound, Rejected
from shared.links import DEVELOPMENT_SECRET

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)  # 12:00 in Stockholm
DEPS = Dependencies(links=LINKS, clock=lambda: NOW)


def envelope(data: EventData) -> CloudEvent:
    return new_event(data, source="urn:test", subject=str(uuid.uuid4()))


async def deliver(uow: FakeUnitOfWork, data: EventData) -> CloudEvent:
    """As the consumer does: the event's handler in a unit of work, caused by its envelope."""
    event = envelope(data)
    async with uow:
        with uow.caused_by(event):
            await handlers.EVENT_HANDLERS[type(data)](data, uow, DEPS)
        await uow.commit()
    return event


async def deliver_batch(uow: FakeUnitOfWork, datas: list[EventData]) -> list[CloudEvent]:
    items = [(envelope(d), d) for d in datas]
    async with uow:
        await handlers.BATCH_HANDLERS[type(datas[0])](items, uow, DEPS)
        await uow.commit()
    return [e for e, _ in items]


async def command(uow: FakeUnitOfWork, cmd: object) -> Any:
    async with uow:
        result = await handlers.COMMAND_HANDLERS[type(cmd)](cmd, uow, DEPS)
        await uow.commit()
    return result


async def known_world(world: World | None = None, **kwargs: Any) -> tuple[FakeUnitOfWork, World]:
    """A unit of work whose directory knows the world's people and registrations."""
    world = world or World(now=NOW)
    uow = FakeUnitOfWork(clock=lambda: NOW, **kwargs)
    for data in [*world.contacts(), *world.registration()]:
        await deliver(uow, data)
    return uow, world


def routed(world: World, kind: type) -> Any:
    return next(e for e in world.routed() if type(e) is kind)


def token_of(url: str) -> str:
    """The token of a portal link, which is always `{public_base_url}/l/{token}`."""
    prefix = f"{LINKS.base_url}/l/"
    assert url.startswith(prefix), url
    return url.removeprefix(prefix)


def claims(url: str) -> dict[str, Any]:
    """A link's claims, checked against the key but not the clock (NOW is in the past)."""
    return jwt.decode(token_of(url), DEVELOPMENT_SECRET, algorithms=["HS256"],
                      options={"verify_exp": False})


def sent(rows: list[Row]) -> list[tuple[str, str, str]]:
    return [(r.planned.template, r.planned.channel, r.planned.recipient_role) for r in rows]


async def test_contacts_and_facts_are_kept_and_an_opt_out_outlives_new_details() -> None:
    uow, world = await known_world()
    d = uow.fake_directory
    assert d.contact_of[world.guardian].language == "en"
    assert d.participant_of[world.participant].guardian_ids == (world.guardian,)
    assert d.workplace_of[world.workplace].manager_id == world.manager
    assert d.supervisor_of[world.supervisor] == (world.workplace, world.municipality)
    offer = d.offer_of[world.offer]
    assert offer.without_client_contact is True
    assert (offer.arrival_time, offer.work_starts, offer.work_ends) == ("08:30", "09:00", "15:00")
    assert uow.fake_outbound.rows == {}

    await command(uow, SetSmsOptOut(world.supervisor, True))
    supervisor = next(c for c in world.contacts() if c.person_id == world.supervisor)
    await deliver(uow, supervisor.model_copy(update={"name": "Kim Berg-Ek"}))
    assert d.contact_of[world.supervisor].name == "Kim Berg-Ek"
    assert d.contact_of[world.supervisor].sms_opt_out is True
    with pytest.raises(NotFound):
        await command(uow, SetSmsOptOut(uuid.uuid4(), True))


async def test_a_proposal_goes_to_the_supervisor_twice_and_asks_the_guardian() -> None:
    woken: list[int] = []
    uow, world = await known_world(after_record=lambda: woken.append(1))
    proposed: PlacementProposed = routed(world, PlacementProposed)
    cause = await deliver(uow, proposed)

    rows = uow.fake_outbound.rows.values()
    assert {(r.planned.recipient_id, *sent([r])[0]) for r in rows} == {
        (world.supervisor, "placement_proposal", "email", "supervisor"),
        (world.supervisor, "placement_proposal", "sms", "supervisor"),
        (world.guardian, "consent_request", "email", "guardian"),
        (world.participant, "placement_offer", "email", "participant"),
    }
    assert all(r.planned.cause_event_id == cause.id == r.planned.correlation_id
               and r.planned.placement_id == world.placement
               and r.planned.about_participant_id == world.participant
               and r.planned.municipality_code == world.municipality
               and r.not_before == NOW for r in rows)
    [proposal, _] = uow.fake_outbound.to(world.supervisor)
    link = claims(proposal.context["link"])
    assert proposed.accept_by is not None
    assert (link["act"], link["sub"], link["for"], link["mun"], link["exp"]) == (
        "workplace_answer", str(world.placement), str(world.supervisor), world.municipality,
        int(proposed.accept_by.timestamp()))
    assert proposal.context["workplace_name"] == "Ekonomiskt bistånd"
    [consent] = uow.fake_outbound.to(world.guardian)
    assert consent.context["participant_name"] == "Elsa Ek"
    link = claims(consent.context["link"])
    assert (link["act"], link["sub"], link["for"], link["exp"]) == (
        "consent", str(world.placement), str(world.guardian),
        int(LINKS.first_day(proposed.period_start).timestamp()))
    assert uow.fake_directory.placement_of[world.placement]["status"] == "proposed"
    assert woken == [1] and uow.events == []  # the dispatcher is woken; nothing published


async def test_a_confirmed_placement_welcomes_the_participant_and_a_minors_guardian() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementConfirmed))
    [letter] = uow.fake_outbound.to(world.participant)
    assert sent([letter]) == [("welcome_letter", "email", "participant")]
    assert letter.context["address"] == "Stortorget 1, Hässleholm"
    assert letter.context["supervisor_name"] == "Kim Berg"
    assert letter.context["secrecy"] is True
    assert sent(uow.fake_outbound.to(world.guardian)) == [
        ("welcome_letter", "email", "guardian")]
    assert sent(uow.fake_outbound.to(world.supervisor)) == [
        ("day_one_checklist", "email", "supervisor")]
    assert uow.fake_directory.placement_of[world.placement]["status"] == "confirmed"


async def test_a_decline_by_the_workplace_changes_the_status_and_tells_the_family() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed))
    before = set(uow.fake_outbound.rows)
    await deliver(uow, PlacementDeclined(
        placement_id=world.placement, request_id=world.request, by="workplace",
        reason="no_capacity", municipality_code=world.municipality))
    placement = uow.fake_directory.placement_of[world.placement]
    assert (placement["status"], placement["request_id"], placement["supervisor_id"]) == (
        "declined", world.request, world.supervisor)
    news = [uow.fake_outbound.rows[i] for i in set(uow.fake_outbound.rows) - before]
    assert sorted(sent(news)) == [("placement_declined", "email", "guardian"),
                                  ("placement_declined", "email", "participant")]
    assert all(r.context["by"] == "workplace" and r.context["period_start"]
               == world.start.isoformat() for r in news)  # from the placement read model


async def test_invitation_confirmation_reminder_and_a_cancelled_enrolment() -> None:
    uow, world = await known_world()
    session: CourseSessionScheduled = routed(world, CourseSessionScheduled)
    session = session.model_copy(update={"starts_at": NOW + timedelta(days=3),
                                         "ends_at": NOW + timedelta(days=3, hours=7)})
    await deliver(uow, session)
    [invitation] = uow.fake_outbound.to(world.supervisor)
    assert sent([invitation]) == [("course_invitation", "email", "supervisor")]
    assert invitation.context["venue"] == "Kulturhuset, Hässleholm"
    assert invitation.context["starts_at"] == "2026-05-07 12:00"  # local time

    enrolled = EnrolmentRecorded(
        session_id=world.session, person_id=world.supervisor, role="supervisor",
        status="enrolled", course="base_course", starts_at=session.starts_at,
        municipality_code=world.municipality)
    await deliver(uow, enrolled)
    by_template = {r.planned.template: r for r in uow.fake_outbound.to(world.supervisor)}
    assert by_template["enrolment_confirmation"].not_before == NOW
    reminder = by_template["course_reminder"]
    assert reminder.planned.channel == "sms"
    assert reminder.not_before == datetime(2026, 5, 6, 7, 0, tzinfo=UTC)  # 09:00 the day before
    assert reminder.context["session_id"] == str(world.session)

    await deliver(uow, enrolled.model_copy(update={"status": "cancelled",
                                                   "previous_status": "enrolled"}))
    assert (reminder.status, reminder.last_error) == ("cancelled", "enrolment cancelled")
    assert by_template["enrolment_confirmation"].status == "pending"


async def test_a_certificate_and_a_waitlisting() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, SupervisorCertified))
    [certificate] = uow.fake_outbound.to(world.supervisor)
    assert sent([certificate]) == [("certificate", "email", "supervisor")]
    assert certificate.context["supervisor_name"] == "Kim Berg"
    [note] = uow.fake_outbound.to(world.manager)
    assert sent([note]) == [("certification_note", "email", "manager")]
    assert note.context["workplace_name"] == "Ekonomiskt bistånd"

    event = routed(world, PlacementWaitlisted)
    await deliver(uow, event)
    [waitlisted] = uow.fake_outbound.to(world.participant)
    assert sent([waitlisted]) == [("waitlisted", "email", "participant")]
    draw = f"http://portal.test/omgang/{event.round_id}?forfragan={event.request_id}"
    assert waitlisted.context == {"program": "summer_job", "reasons": ["no_capacity", "consent"],
                                  "participant_name": "Elsa Ek", "draw_url": draw}
    [guardians] = uow.fake_outbound.to(world.guardian)
    assert sent([guardians]) == [("waitlisted", "email", "guardian")]


def _recorded(uow: FakeUnitOfWork) -> set[tuple[Any, ...]]:
    return {(r.planned.notification_id, r.planned.template, r.planned.recipient_role,
             str(sorted((k, v) for k, v in r.context.items() if "link" not in k)),
             r.not_before, r.planned.placement_id)
            for r in uow.fake_outbound.rows.values()}


async def test_the_batch_handlers_record_what_the_per_message_handlers_record() -> None:
    worlds = [World(now=NOW), World(now=NOW, municipality="1280")]
    one_by_one, batched = FakeUnitOfWork(clock=lambda: NOW), FakeUnitOfWork(clock=lambda: NOW)
    for world in worlds:
        for uow in (one_by_one, batched):
            for data in [*world.contacts(), *world.registration()]:
                await deliver(uow, data)
    for kind in handlers.BATCH_HANDLERS:
        datas = [routed(w, kind) for w in worlds]
        causes = await deliver_batch(batched, datas)
        for data, cause in zip(datas, causes, strict=True):
            async with one_by_one:
                with one_by_one.caused_by(cause):
                    await handlers.EVENT_HANDLERS[kind](data, one_by_one, DEPS)
                await one_by_one.commit()
    assert len(one_by_one.fake_outbound.rows) == 2 * 11  # 2 + 4 + 3 + 2 messages a world
    assert _recorded(batched) == _recorded(one_by_one)
    assert batched.fake_directory.placement_of.keys() == {w.placement for w in worlds}
    assert ({k: {**v, "updated_at": None} for k, v in batched.fake_directory.placement_of.items()}
            == {k: {**v, "updated_at": None}
                for k, v in one_by_one.fake_directory.placement_of.items()})


async def test_erasure_drops_the_person_and_the_content_of_their_messages() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementConfirmed))
    await deliver(uow, ParticipantErased(participant_id=world.participant,
                                         municipality_code=world.municipality))
    assert world.participant not in uow.fake_directory.contact_of
    assert world.participant not in uow.fake_directory.participant_of
    about = [r for r in uow.fake_outbound.rows.values()
             if r.planned.about_participant_id == world.participant]
    assert len(about) == 3  # the participant's, the guardian's and the supervisor's letters
    assert all((r.status, r.last_error, r.context) == ("cancelled", None, {}) for r in about)


async def test_a_contacts_tombstone_erases_the_person() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementWaitlisted))
    with pytest.raises(Rejected):
        await handlers.on_contact_tombstone("not-a-person-id", uow, DEPS)
    async with uow:
        await handlers.on_contact_tombstone(str(world.participant), uow, DEPS)
        await uow.commit()
    assert world.participant not in uow.fake_directory.contact_of
    [letter] = uow.fake_outbound.to(world.participant)
    assert (letter.status, letter.context) == ("cancelled", {})
    assert world.guardian in uow.fake_directory.contact_of


async def test_receipts_and_an_sms_that_failed_goes_by_email_once() -> None:
    uow, world = await known_world()
    sms = PlannedNotification("cause-1", world.supervisor, "sms", "placement_proposal",
                              {"link": "http://praktik.test/x"}, NOW - timedelta(hours=1),
                              correlation_id="flow-1", recipient_role="supervisor")
    async with uow:
        uow.outbound.add([sms])
        await uow.commit()
    row = uow.fake_outbound.rows[sms.notification_id]
    row.provider_ref = "elks-1"  # as the dispatcher records the provider's id

    await command(uow, RecordDeliveryReceipt("elks-1", "delivered"))
    assert row.receipt_status == "delivered"
    assert len(uow.fake_outbound.rows) == 1
    await command(uow, RecordDeliveryReceipt("elks-1", "failed"))
    [email, _] = uow.fake_outbound.to(world.supervisor)
    assert email.planned.channel == "email"
    assert (email.planned.cause_event_id, email.planned.template, email.context) == (
        "cause-1", "placement_proposal", {"link": "http://praktik.test/x"})
    assert (email.planned.correlation_id, email.not_before) == ("flow-1", NOW)
    await command(uow, RecordDeliveryReceipt("elks-1", "failed"))  # again: no second e-mail
    assert len(uow.fake_outbound.rows) == 2
    assert uow.fake_receipts.kept == {}


async def test_a_receipt_before_its_sms_is_kept_then_applied_once_when_it_is_settled() -> None:
    """The provider's receipt beats the dispatcher's commit of the provider's id: it is
    taken (no error), kept, and applied by the settling step, with the fallback once."""
    uow, world = await known_world()
    sms = PlannedNotification("cause-1", world.supervisor, "sms", "placement_proposal",
                              {"link": "http://praktik.test/x"}, NOW - timedelta(hours=1),
                              recipient_role="supervisor")
    async with uow:
        uow.outbound.add([sms])
        await uow.commit()
    await command(uow, RecordDeliveryReceipt("elks-early", "failed"))
    await command(uow, RecordDeliveryReceipt("elks-early", "sent"))  # does not undo "failed"
    assert uow.fake_receipts.kept == {"elks-early": ("failed", NOW)}
    assert len(uow.fake_outbound.rows) == 1  # nothing to fall back from yet

    row = uow.fake_outbound.rows[sms.notification_id]
    row.provider_ref = "elks-early"  # as the dispatcher's settle writes the provider's id
    async with uow:
        [(applied, status)] = await uow.receipts.apply_kept(["elks-early", "elks-other"])
        uow.outbound.add(handlers.receipt_effects(applied, status, NOW))
        await uow.commit()
    assert (row.receipt_status, uow.fake_receipts.kept) == ("failed", {})
    [email] = [r for r in uow.fake_outbound.to(world.supervisor) if r.planned.channel == "email"]
    assert (email.planned.template, email.planned.cause_event_id) == (
        "placement_proposal", "cause-1")
    async with uow:
        assert await uow.receipts.apply_kept(["elks-early"]) == []  # applied once only
    await command(uow, RecordDeliveryReceipt("elks-early", "failed"))  # a late repeat
    assert len(uow.fake_outbound.rows) == 2


async def test_unmatched_receipts_are_forgotten_after_a_while() -> None:
    uow, _ = await known_world()
    await command(uow, RecordDeliveryReceipt("elks-never", "delivered"))
    assert await command(uow, ForgetUnmatchedReceipts(NOW)) == 0
    assert await command(uow, ForgetUnmatchedReceipts(NOW + timedelta(seconds=1))) == 1
    assert uow.fake_receipts.kept == {}


async def test_each_coordinator_has_one_digest_a_day() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed))
    failed = next(iter(uow.fake_outbound.rows.values()))
    failed.status, failed.finished_at = "failed", NOW - timedelta(hours=1)

    assert await command(uow, SendDigests(NOW)) == 1
    assert await command(uow, SendDigests(NOW + timedelta(hours=2))) == 0
    [digest] = uow.fake_outbound.to(world.coordinator)
    assert sent([digest]) == [("daily_digest", "email", "coordinator")]
    assert digest.planned.cause_event_id == f"digest:{world.coordinator}:2026-05-04"
    assert digest.context == {
        "day": "2026-05-04", "municipality_code": world.municipality, "proposed": 1,
        "confirmed": 0, "declined": 0, "cancelled": 0, "completed": 0, "failed_messages": 1,
        "link": "http://portal.test/"}
