"""The dispatcher with the in-memory unit of work and senders: what it sends, what it
records and publishes, and the fallback to the other channel."""

from __future__ import annotations

import email as email_parser
import email.policy as email_policy

from services.notifications.adapters.ratelimit import TokenBucket
from services.notifications.adapters.templates import Renderer
from services.notifications.domain.model import PermanentFailure, QuietHours, RetryPolicy
from services.notifications.entrypoints.dispatcher import DispatchConfig, Dispatcher
from services.notifications.tests.unit.fakes import FakeEmail, FakeSms, FakeUnitOfWork
from services.notifications.tests.unit.test_handlers import NOW, deliver, known_world, routed
from shared.contracts.matching import PlacementWaitlisted
from shared.contracts.notifications import NotificationDelivered, NotificationFailed


def dispatcher(uow: FakeUnitOfWork, email: FakeEmail, sms: FakeSms) -> Dispatcher:
    return Dispatcher(lambda: uow, email, sms, Renderer(), DispatchConfig(), RetryPolicy(),
                      QuietHours(), TokenBucket(1000), TokenBucket(1000), lambda: NOW)


async def test_a_letter_is_sent_recorded_and_its_delivery_published() -> None:
    uow, world = await known_world()
    cause = await deliver(uow, routed(world, PlacementWaitlisted))
    email, sms = FakeEmail(), FakeSms()
    assert await dispatcher(uow, email, sms).dispatch_once() == 1

    [message] = email.sent
    assert message.to == world.email("participant")
    parsed = email_parser.message_from_bytes(message.data, policy=email_policy.default)
    assert parsed["subject"] == "Du väntar på en plats: feriepraktik"  # in Swedish
    [row] = uow.fake_outbound.to(world.participant)
    assert message.message_id == f"<{row.planned.notification_id}@praktik.example>"
    assert (row.status, row.attempts, row.sent_at, row.tries) == (
        "sent", 1, NOW, [(1, "Delivered", None)])
    [delivered] = uow.of_type(NotificationDelivered)
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
    assert await sender.dispatch_once() == 1

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
    assert "/notifications/sms-opt-out/" not in text  # no opt-out_url configured
    assert (fallback.status, fallback.provider_ref, fallback.segments) == ("sent", "sms-1", 1)
    assert [d.channel for d in uow.of_type(NotificationDelivered)] == ["sms"]
