"""The dispatcher with the in-memory unit of work and senders: what it sends, what it
records and publishes, and the fallback to the other channel."""

from __future__ import annotations

import email as email_parser
import email.policy as email_policy
from datetime import timedelta
from email.message import EmailMessage

from services.notifications.adapters.email import OutgoingEmail
from services.notifications.adapters.ratelimit import TokenBucket
from services.notifications.adapters.templates import Renderer
from services.notifications.domain.commands import OptOutByLink, RecordDeliveryReceipt
from services.notifications.domain.model import PermanentFailure, QuietHours, RetryPolicy
from services.notifications.entrypoints.dispatcher import DispatchConfig, Dispatcher
from services.notifications.tests.examples import LINKS
from services.notifications.tests.unit.fakes import FakeEmail, FakeSms, FakeUnitOfWork
from services.notifications.tests.unit.test_handlers import (
    NOW,
    command,
    deliver,
    known_world,
    routed,
)
from shared.contracts.matching import PlacementProposed, PlacementWaitlisted
from shared.contracts.notifications import NotificationDelivered, NotificationFailed
from shared.contracts.training import EnrolmentRecorded


def dispatcher(uow: FakeUnitOfWork, email: FakeEmail, sms: FakeSms) -> Dispatcher:
    return Dispatcher(lambda: uow, email, sms, Renderer(), DispatchConfig(), RetryPolicy(),
                      QuietHours(), TokenBucket(1000), TokenBucket(1000), lambda: NOW)


async def test_a_letter_is_sent_recorded_and_its_delivery_published() -> None:
    uow, world = await known_world()
    cause = await deliver(uow, routed(world, PlacementWaitlisted))
    email, sms = FakeEmail(), FakeSms()
    assert await dispatcher(uow, email, sms).dispatch_once() == 2  # participant, guardian

    [message] = [m for m in email.sent if m.to == world.email("participant")]
    parsed = email_parser.message_from_bytes(message.data, policy=email_policy.default)
    assert parsed["subject"] == "Du väntar på en plats: feriejobb"  # in Swedish
    [row] = uow.fake_outbound.to(world.participant)
    assert message.message_id == f"<{row.planned.notification_id}@praktik.example>"
    assert (row.status, row.attempts, row.sent_at, row.tries) == (
        "sent", 1, NOW, [(1, "Delivered", None)])
    [delivered] = [d for d in uow.of_type(NotificationDelivered)
                   if d.recipient_id == world.participant]
    assert (delivered.notification_id, delivered.cause_event_id, delivered.channel,
            delivered.template, delivered.attempts) == (
        row.planned.notification_id, cause.id, "email", "waitlisted", 1)
    assert sms.sent == []
    assert await dispatcher(uow, email, sms).dispatch_once() == 0  # nothing left to claim


async def test_a_refused_letter_fails_once_and_goes_by_sms() -> None:
    woken: list[int] = []
    uow, world = await known_world(after_record=lambda: woken.append(1))
    await deliver(uow, routed(world, PlacementWaitlisted))
    woken.clear()
    email = FakeEmail({world.email("participant"): PermanentFailure("550 no such user")})
    sms = FakeSms()
    sender = dispatcher(uow, email, sms)
    assert await sender.dispatch_once() == 2  # the participant's fails, the guardian's not

    [failed] = uow.of_type(NotificationFailed)
    assert (failed.channel, failed.attempts, failed.error) == ("email", 1, "550 no such user")
    letter, fallback = uow.fake_outbound.to(world.participant)
    assert (letter.planned.channel, letter.status, letter.last_error) == (
        "email", "failed", "550 no such user")
    assert (fallback.planned.channel, fallback.planned.template, fallback.status) == (
        "sms", "waitlisted", "pending")
    assert woken == [1]  # the fallback's commit wakes the dispatcher

    assert await sender.dispatch_once() == 1
    [(to, text)] = sms.sent
    assert to == world.phone("participant")
    assert "/l/" not in text  # no links configured: no opt-out link
    assert (fallback.status, fallback.provider_ref, fallback.segments) == ("sent", "sms-1", 1)
    assert [d.channel for d in uow.of_type(NotificationDelivered)] == ["email", "sms"]


def linked(uow: FakeUnitOfWork, email: FakeEmail, sms: FakeSms) -> Dispatcher:
    """A dispatcher that signs opt-out links (as bootstrap's does)."""
    return Dispatcher(lambda: uow, email, sms, Renderer(), DispatchConfig(links=LINKS),
                      RetryPolicy(), QuietHours(), TokenBucket(1000), TokenBucket(1000),
                      lambda: NOW)


def parsed(message: OutgoingEmail) -> EmailMessage:
    found = email_parser.message_from_bytes(message.data, policy=email_policy.default)
    assert isinstance(found, EmailMessage)
    return found


async def test_the_municipality_signs_and_replies_go_to_its_coordinator() -> None:
    uow, world = await known_world()
    profile = world.profile()
    await deliver(uow, profile)
    await deliver(uow, routed(world, PlacementWaitlisted))
    email, sms = FakeEmail(), FakeSms()
    await linked(uow, email, sms).dispatch_once()
    [message] = [m for m in email.sent if m.to == world.email("participant")]
    letter = parsed(message)
    assert letter["from"] == "Hässleholms kommun via Praktik <noreply@praktik.example>"
    assert letter["reply-to"] == str(profile.coordinator_email)
    body = letter.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Eva Lund, praktiksamordnare" in text and "+46451123456" in text
    url = text.split("Tryck här: ")[1].split()[0]
    link = LINKS.signer.read(url.removeprefix(f"{LINKS.base_url}/l/"), "opt_out")
    assert (link.subject, link.channel) == (world.participant, "email")


async def test_without_a_profile_no_reply_to_and_the_code_signs() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementWaitlisted))
    email, sms = FakeEmail(), FakeSms()
    await linked(uow, email, sms).dispatch_once()
    letter = parsed(next(m for m in email.sent if m.to == world.email("participant")))
    assert letter["reply-to"] is None
    assert letter["from"] == f'"Praktik ({world.municipality})" <noreply@praktik.example>'
    body = letter.get_body(("plain",))
    assert body is not None and f"kommunkod {world.municipality}" in body.get_content()


async def test_every_sms_carries_its_opt_out_link() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed))
    email, sms = FakeEmail(), FakeSms()
    await linked(uow, email, sms).dispatch_once()
    [(to, text)] = sms.sent
    assert to == world.phone("supervisor")
    url = text.split("Inga fler sms: ")[1].split()[0]
    link = LINKS.signer.read(url.removeprefix(f"{LINKS.base_url}/l/"), "opt_out")
    assert (link.purpose, link.subject, link.channel) == ("opt_out", world.supervisor, "sms")


async def test_an_email_opt_out_sends_sms_instead() -> None:
    uow, world = await known_world()
    await command(uow, OptOutByLink(LINKS.signer.sign(
        "opt_out", world.participant, world.participant, NOW + timedelta(days=365),
        world.municipality, channel="email")))
    await deliver(uow, routed(world, PlacementWaitlisted))
    email, sms = FakeEmail(), FakeSms()
    sender = linked(uow, email, sms)
    await sender.dispatch_once()
    assert world.email("participant") not in [m.to for m in email.sent]
    letter, fallback = uow.fake_outbound.to(world.participant)
    assert (letter.status, letter.last_error) == ("failed", "opted out of e-mail")
    assert (fallback.planned.channel, fallback.status) == ("sms", "pending")
    await sender.dispatch_once()
    assert [to for to, _ in sms.sent] == [world.phone("participant")]


async def test_a_receipt_that_beats_the_settle_is_applied_by_it_with_one_fallback() -> None:
    """The provider posts "failed" for the reminder SMS before the dispatcher has written
    the provider's id: the settle applies the kept receipt, and the reminder goes by
    e-mail once."""
    uow, world = await known_world()
    await deliver(uow, world.session_event())
    await deliver(uow, routed(world, EnrolmentRecorded))
    email, sms = FakeEmail(), FakeSms()
    await command(uow, RecordDeliveryReceipt("sms-1", "failed"))  # FakeSms's first id
    assert list(uow.fake_receipts.kept) == ["sms-1"]
    sender = linked(uow, email, sms)
    await sender.dispatch_once()
    assert len(sms.sent) == 1 and uow.fake_receipts.kept == {}
    mine = {(r.planned.template, r.planned.channel): r
            for r in uow.fake_outbound.to(world.supervisor)}
    assert mine[("course_reminder", "sms")].receipt_status == "failed"
    assert mine[("course_reminder", "email")].status == "pending"
    await sender.dispatch_once()
    assert [parsed(m)["subject"].startswith("Påminnelse") for m in email.sent].count(True) == 1


async def test_a_failed_sms_receipt_falls_back_beside_another_email_of_the_event() -> None:
    """One enrolment sends its person an e-mail (the confirmation) and an SMS (the
    reminder): when the SMS's receipt says failed, the reminder goes by e-mail too."""
    uow, world = await known_world()
    await deliver(uow, world.session_event())
    await deliver(uow, routed(world, EnrolmentRecorded))
    email, sms = FakeEmail(), FakeSms()
    sender = linked(uow, email, sms)
    await sender.dispatch_once()
    by = {(r.planned.template, r.planned.channel): r
          for r in uow.fake_outbound.to(world.supervisor)}
    reminder = by[("course_reminder", "sms")]
    assert by[("enrolment_confirmation", "email")].status == "sent"
    assert reminder.status == "sent" and reminder.provider_ref is not None
    await command(uow, RecordDeliveryReceipt(reminder.provider_ref, "failed"))
    fallback = next(r for r in uow.fake_outbound.to(world.supervisor)
                    if (r.planned.template, r.planned.channel) == ("course_reminder", "email"))
    assert fallback.status == "pending"
    before = len(email.sent)
    await sender.dispatch_once()
    assert len(email.sent) == before + 1
    assert parsed(email.sent[-1])["subject"].startswith("Påminnelse")
