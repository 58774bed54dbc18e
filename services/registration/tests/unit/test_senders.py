"""Senders with in-memory fakes: the registry's rules, the sender's checks at its intake
topic (identity from the topic, source and municipality against the registration), and
what reaches its answers topic: its registered events, its refusals, its outcomes."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from services.registration.domain import commands
from services.registration.domain.senders import Sender
from services.registration.entrypoints import sender_intake
from services.registration.entrypoints.translate import TRANSLATIONS
from services.registration.handlers import COMMAND_HANDLERS, NEWS_HANDLERS
from services.registration.tests import support
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import DEPS, HALMSTAD, handle, kid
from shared.contracts import intake, topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected
from shared.contracts.matching import PlacementCompleted, PlacementProposed
from shared.errors import NotFound, Rejected
from shared.kafka.broker import broker_pattern
from shared.wiring import bind_all

LAHOLM, KUNGSBACKA = "1381", "1384"
SCHOOL = "urn:school:halmstad"
AT = datetime(2026, 11, 23, 12, tzinfo=UTC)


async def _register(uow: FakeUnitOfWork, name: str = "skola-halmstad",
                    municipalities: tuple[str, ...] = (HALMSTAD, LAHOLM),
                    source: str | None = SCHOOL) -> Sender:
    sender: Sender = await handle(uow, commands.RegisterSender(name, municipalities, source))
    return sender


def _envelope(data: Any, source: str = SCHOOL) -> CloudEvent:
    return CloudEvent(specversion="1.0", id=str(uuid.uuid4()), type=data.TYPE, source=source,
                      time=AT, data=data.model_dump(mode="json", exclude_none=True))


async def _from_sender(uow: FakeUnitOfWork, sender: str, data: Any,
                       source: str = SCHOOL) -> CloudEvent:
    """One message on `sender`'s intake topic, through the consumer's handler for it."""
    handler = sender_intake.subscription(bind_all(COMMAND_HANDLERS, DEPS)).handlers[type(data)]
    event = _envelope(data, source)
    async with uow:
        uow.cause, uow.cause_topic = event, topics.sender_intake(sender)
        try:
            await handler(data, uow)
            await uow.commit()
        finally:
            uow.cause = uow.cause_topic = None
    return event


def _answers(uow: FakeUnitOfWork, sender: str) -> list[dict[str, Any]]:
    return [json.loads(m.value or b"") for m in uow.committed
            if m.topic == topics.sender_answers(sender)]


# -- the registry ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Skola", "skola_halmstad", "-skola", "skola-", "dlq", "",
                                  "a" * 41, "skola.halmstad"])
def test_a_senders_name_is_lowercase_letters_digits_and_inner_hyphens(name: str) -> None:
    with pytest.raises(Rejected) as refused:
        Sender.register(name, SCHOOL, [HALMSTAD], AT)
    assert refused.value.first_field == "name"


def test_every_failing_field_is_named_at_once() -> None:
    with pytest.raises(Rejected) as refused:
        Sender.register("ok-name", "not a uri", ["9999"], AT)
    assert [p.field for p in refused.value.problems] == ["source", "municipalities"]
    with pytest.raises(Rejected) as empty:
        Sender.register("ok-name", None, [], AT)
    assert empty.value.first_field == "municipalities"


def test_a_sender_without_a_source_is_named_by_its_own() -> None:
    sender = Sender.register("hr-kungsbacka", None, [KUNGSBACKA], AT)
    assert sender.source == "urn:praktik:sender:hr-kungsbacka"


async def test_registering_again_changes_municipalities_and_keeps_the_first_time() -> None:
    uow = FakeUnitOfWork()
    first = await _register(uow)
    assert first.registered_at == DEPS.clock()
    again = await _register(uow, municipalities=(KUNGSBACKA,))
    assert again.municipalities == {KUNGSBACKA} and again.registered_at == first.registered_at
    assert [s.name for s in await handle(uow, commands.ListSenders())] == ["skola-halmstad"]


async def test_two_senders_cannot_share_a_source() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    with pytest.raises(Rejected) as refused:
        await _register(uow, name="other")
    assert refused.value.first_field == "source"


async def test_removing_a_sender_forgets_it_and_a_second_remove_is_not_found() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    await _register(uow, name="hr-kungsbacka", municipalities=(KUNGSBACKA,), source=None)
    await handle(uow, commands.RemoveSender("skola-halmstad"))
    assert [s.name for s in await handle(uow, commands.ListSenders())] == ["hr-kungsbacka"]
    with pytest.raises(NotFound):
        await handle(uow, commands.RemoveSender("skola-halmstad"))


# -- the intake topic of a sender -----------------------------------------------------


async def test_a_senders_message_is_registered_and_answered_on_its_own_topic() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    event = await _from_sender(uow, "skola-halmstad",
                               intake.RegisterWorkplace(**support.workplace_body(HALMSTAD)))
    [answer] = _answers(uow, "skola-halmstad")
    assert answer["type"] == "WorkplaceRegistered" and answer["causationid"] == event.id
    registered = [json.loads(m.value or b"") for m in uow.committed
                  if m.topic == topics.REGISTRATION_EVENTS]
    assert [e["id"] for e in registered] == [answer["id"]]  # the same event, copied
    assert not [m for m in uow.committed if m.topic.startswith(topics.SENDER_ANSWERS_PREFIX)
                and m.topic != topics.sender_answers("skola-halmstad")]


@pytest.mark.parametrize(("source", "municipality", "kind", "field"), [
    ("urn:school:laholm", HALMSTAD, "source_mismatch", "source"),
    (SCHOOL, KUNGSBACKA, "municipality_not_registered", "data.municipality_code"),
])
async def test_a_message_the_sender_may_not_send_is_refused_with_its_reason(
        source: str, municipality: str, kind: str, field: str) -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    with pytest.raises(MessageRejected) as refused:
        await _from_sender(uow, "skola-halmstad", intake.RegisterWorkplace(
            **support.workplace_body(municipality)), source=source)
    assert (refused.value.kind, refused.value.first_field) == (kind, field)
    assert uow.workplaces.items == {} and uow.committed == []


async def test_a_topic_of_no_registered_sender_is_refused() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    with pytest.raises(MessageRejected) as refused:
        await _from_sender(uow, "skola-laholm",
                           intake.RegisterWorkplace(**support.workplace_body(HALMSTAD)))
    assert refused.value.kind == "sender_not_registered"


async def test_a_refusal_is_answered_on_the_senders_topic_with_its_reason() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    data = intake.RegisterWorkplace(**support.workplace_body(KUNGSBACKA))
    event = _envelope(data)
    error = MessageRejected("municipality_not_registered", "no", [])
    async with uow:
        uow.cause, uow.cause_topic = event, topics.sender_intake("skola-halmstad")
        await sender_intake.answer_sender_rejection(event, None, error, cast(Any, uow))
        await uow.commit()
    [answer] = _answers(uow, "skola-halmstad")
    assert answer["type"] == "IntakeRejected" and answer["causationid"] == event.id
    assert answer["data"]["reason"] == "municipality_not_registered"
    assert answer["data"]["source_event_id"] == event.id


# -- outcomes -------------------------------------------------------------------------


async def _requested_by_sender(uow: FakeUnitOfWork) -> tuple[uuid.UUID, uuid.UUID]:
    await _register(uow)
    pid = await handle(uow, kid())
    start = date(2026, 11, 23) + timedelta(days=30)
    await _from_sender(uow, "skola-halmstad", intake.RequestPlacement(
        municipality_code=HALMSTAD, program="prao", period_start=start,
        period_end=start + timedelta(days=4), participant_id=pid,
        preferences=[{"occupation": "5311"}], needs=[], priority=1))
    [request_id] = list(uow.requests.items)
    return pid, request_id


async def _hear(uow: FakeUnitOfWork, data: Any) -> None:
    async with uow:
        uow.cause = _envelope(data, "urn:praktik:matching")
        await NEWS_HANDLERS[type(data)](data, uow, DEPS)
        await uow.commit()
        uow.cause = None


async def test_the_outcomes_of_a_senders_request_reach_its_answers_topic() -> None:
    uow = FakeUnitOfWork()
    pid, request_id = await _requested_by_sender(uow)
    request = uow.requests.items[request_id]
    placement_id = uuid.uuid4()
    await _hear(uow, PlacementProposed(
        placement_id=placement_id, request_id=request_id, participant_id=pid,
        offer_id=uuid.uuid4(), workplace_id=uuid.uuid4(), supervisor_id=uuid.uuid4(),
        municipality_code=HALMSTAD, program="prao", period_start=request.period_start,
        period_end=request.period_end))
    await _hear(uow, PlacementCompleted(placement_id=placement_id, outcome="employed"))
    types = [a["type"] for a in _answers(uow, "skola-halmstad")]
    assert types == ["PlacementRequested", "PlacementProposed", "PlacementCompleted"]


async def test_outcomes_of_requests_no_sender_sent_go_to_no_answers_topic() -> None:
    uow = FakeUnitOfWork()
    await _register(uow)
    pid = await handle(uow, kid())
    await _hear(uow, PlacementProposed(
        placement_id=uuid.uuid4(), request_id=uuid.uuid4(), participant_id=pid,
        offer_id=uuid.uuid4(), workplace_id=uuid.uuid4(), supervisor_id=uuid.uuid4(),
        municipality_code=HALMSTAD, program="prao", period_start=date(2027, 1, 4),
        period_end=date(2027, 1, 8)))
    assert not [m for m in uow.committed if m.topic.startswith(topics.SENDER_ANSWERS_PREFIX)]


def test_every_intake_request_has_a_handler_on_the_senders_topics() -> None:
    subscription = sender_intake.subscription(bind_all(COMMAND_HANDLERS, DEPS))
    assert set(subscription.handlers) == set(TRANSLATIONS)
    assert subscription.pattern is not None and subscription.topics == []


@pytest.mark.parametrize(("topic", "read"), [
    ("test-1a.registration.intake.v1.skola-halmstad", True),
    ("test-1a.registration.intake.v1.skola-halmstad.dlq", False),
    ("test-1a.registration.intake.v1.dlq", False),
    ("test-1a.registration.intake.v1", False),
    ("test-1a.registration.answers.v1.skola-halmstad", False),
    ("registration.intake.v1.skola-halmstad", False),
    ("other.test-1a.registration.intake.v1.skola-halmstad", False),
])
def test_the_pattern_reads_every_senders_intake_topic_and_nothing_else(
        topic: str, read: bool) -> None:
    pattern = re.compile(broker_pattern("test-1a.", sender_intake.SENDER_INTAKE_PATTERN))
    assert bool(pattern.match(topic)) is read
