"""A subscription by pattern (registration's senders' intake topics), without a broker or
a database: the records of a topic the pattern found are validated as its family's
(`registration.intake.v1`), the handler learns the topic a message came from
(`uow.cause_topic`), and a refusal goes to that topic's own `.dlq`."""

from __future__ import annotations

from typing import Any

from shared.contracts import intake, topics
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.kafka.naming import physical
from shared.unit_of_work import UnitOfWork
from tests.plumbing.batches import Inbox, Log, Store, event

PREFIX = "run-1."
SENDER = "skola-halmstad"


async def test_a_pattern_topic_is_read_as_its_family_and_named_to_the_handler() -> None:
    seen: list[tuple[str | None, str]] = []

    async def handle(data: Any, uow: UnitOfWork) -> None:
        seen.append((uow.cause_topic, type(data).__name__))

    subscription = Subscription("senders", [], {intake.RequestPlacement: handle},
                                pattern=r"registration\.intake\.v1\.[a-z0-9-]+")
    store, log = Store(), Log(physical(PREFIX, topics.sender_intake(SENDER)))
    log.append(event())
    log.append(b"{not json")
    outcome = await BatchProcessor(subscription, store.uow, Inbox(), label="r.senders",
                                   topic_prefix=PREFIX).process(log.fetch())
    assert (outcome.handled, outcome.dead_lettered) == (1, 1)
    assert seen == [(topics.sender_intake(SENDER), "RequestPlacement")]
    [letter] = store.letters()
    assert letter["topic"] == topics.dead_letter_topic(topics.sender_intake(SENDER))
