"""The consumer's dead-letter and redelivery paths without a broker or a database: the
real `BatchProcessor` and `run_batch` on records built here, a fake inbox and a fake
transactional store behind the real unit of work (tests/plumbing/batches.py).

The subscriber's loop is played by `deliver_all`: fetch past each partition's position,
hand the batch to `run_batch`, and again, as FastStream's batch subscriber does; a
rewind makes the next fetch return the same records.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import TopicPartition
from structlog.testing import capture_logs

from shared.contracts import topics
from shared.contracts.registration import PlacementRequested
from shared.contracts.topics import dead_letter_topic
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.kafka.dead_letter import (
    HEADER_EXCEPTION,
    HEADER_FIELD,
    HEADER_KIND,
    HEADER_OFFSET,
    HEADER_REASON,
    HEADER_TOPIC,
)
from shared.kafka.delivery import run_batch
from shared.kafka.naming import physical
from shared.kafka.offsets import OffsetCommitter
from shared.waits import RetryWaits
from tests.plumbing.batches import Delivery, Inbox, Log, Store, act, event, request_id

PREFIX = "run-1."
"""An environment's topic prefix: the records arrive on `<prefix><topic>`."""
TOPIC = topics.REGISTRATION_EVENTS
MAX_ATTEMPTS = 3


def processor(store: Store) -> BatchProcessor:
    subscription = Subscription("probe", [TOPIC], {PlacementRequested: act})
    return BatchProcessor(subscription, store.uow, Inbox(), label="probe.events",
                          max_attempts=MAX_ATTEMPTS, topic_prefix=PREFIX)


def headers(letter: dict[str, Any]) -> dict[str, str]:
    return dict(letter["headers"])


async def deliver_all(batches: BatchProcessor, log: Log, offsets: OffsetCommitter,
                      most: int = 10) -> int:
    """Play the subscriber's loop until the log is read to its end; how many deliveries."""
    retry = RetryWaits("test consumer", initial_s=0.001, max_s=0.002)
    for delivery in range(most):
        batch = log.fetch()
        if not batch:
            return delivery
        await run_batch(batches, Delivery(batch, log), retry, offsets)
    raise AssertionError(f"the log was not read to its end in {most} deliveries")


def committer(log: Log) -> OffsetCommitter:
    return OffsetCommitter("test", lambda: log)


async def test_bad_records_are_dead_lettered_with_their_reason_and_the_good_ones_handled(
) -> None:
    store, log = Store(), Log(physical(PREFIX, TOPIC))
    first, refused, crashing, last = event(), event(priority=-1), event(priority=-2), event()
    log.append(first)
    log.append(b"{not json")
    log.append(refused)
    log.append(crashing)
    log.append(last)

    with capture_logs() as logs:  # (and no traceback rendered: milliseconds)
        outcome = await processor(store).process(log.fetch())

    assert (outcome.handled, outcome.dead_lettered) == (2, 3)
    assert [line["offset"] for line in logs if line["event"] == "message dead-lettered"] \
        == [1, 2, 3]
    assert store.committed.effects == [request_id(first), request_id(last)], \
        "the good ones keep their effects, in order"
    letters = {headers(letter)[HEADER_OFFSET]: letter for letter in store.letters()}
    assert sorted(letters) == ["1", "2", "3"]
    assert {letter["topic"] for letter in letters.values()} == {dead_letter_topic(TOPIC)}
    not_json, rule, crash = (headers(letters[offset]) for offset in ("1", "2", "3"))
    assert not_json[HEADER_KIND] == "malformed_json"
    assert not_json[HEADER_TOPIC] == TOPIC, "the contract's name, not the prefixed one"
    assert rule[HEADER_KIND] == "rejected" and rule[HEADER_FIELD] == "data.priority"
    assert crash[HEADER_KIND] == "rejected" and crash[HEADER_EXCEPTION] == "RuntimeError"
    assert "priority -2" in crash[HEADER_REASON]
    assert letters["1"]["value"] == b"{not json", "the original bytes"


async def test_a_transient_failure_rewinds_and_the_retry_handles_the_batch_once() -> None:
    store, log = Store(away=1), Log(physical(PREFIX, TOPIC), partitions=2)
    events = [event() for _ in range(4)]
    for n, each in enumerate(events):
        log.append(each, partition=n % 2)
    offsets = committer(log)

    deliveries = await deliver_all(processor(store), log, offsets)

    assert deliveries == 2, "the failed batch is fetched again after the rewind"
    assert store.commits == 1, "nothing committed for the failed try"
    assert sorted(store.committed.effects) == sorted(request_id(e) for e in events)
    assert store.letters() == [], "a transient failure dead-letters nothing"
    assert sorted(offsets.pending.values()) == [2, 2], "due once handled, both partitions"


async def test_a_redelivered_event_has_no_second_effect() -> None:
    store, log = Store(), Log(physical(PREFIX, TOPIC))
    first, second = event(), event()
    for each in (first, second):
        log.append(each)
    batches = processor(store)
    await batches.process(log.fetch())

    # The offsets were never committed (the process died): the next owner reads it all
    # again, and the sender repeated one event meanwhile.
    log.seek(TopicPartition(log.topic, 0), 0)
    log.append(first)
    outcome = await batches.process(log.fetch())

    assert (outcome.handled, outcome.duplicates, outcome.dead_lettered) == (0, 3, 0)
    assert store.committed.effects == [request_id(first), request_id(second)]


async def test_a_reused_id_with_another_payload_is_a_conflict_not_a_redelivery() -> None:
    store, log = Store(), Log(physical(PREFIX, TOPIC))
    original = event()
    log.append(original)
    log.append(event(event_id=original.id))  # same id, another request

    outcome = await processor(store).process(log.fetch())

    assert (outcome.handled, outcome.dead_lettered) == (1, 1)
    assert store.committed.effects == [request_id(original)]
    (letter,) = store.letters()
    assert headers(letter)[HEADER_KIND] == "conflict"
    assert headers(letter)[HEADER_OFFSET] == "1"


async def test_a_batch_failing_for_an_unknown_reason_is_tried_then_taken_apart() -> None:
    """An error not known to be transient outside the handler's reach (the database
    refuses the commit): the batch is tried `max_attempts` times, then record by record,
    and the one that fails alone is dead-lettered with the error's type."""
    store, log = Store(), Log(physical(PREFIX, TOPIC))
    before, poison, after = event(), event(), event()
    for each in (before, poison, after):
        log.append(each)
    store.refused.add(request_id(poison))
    batches, offsets = processor(store), committer(log)

    with capture_logs() as logs:
        deliveries = await deliver_all(batches, log, offsets)

    assert deliveries == MAX_ATTEMPTS + 1
    assert [line["attempt"] for line in logs
            if line["event"] == "unexpected failure handling a batch; will retry"] == [1, 2, 3]
    assert store.committed.effects == [request_id(before), request_id(after)]
    (letter,) = store.letters()
    assert headers(letter)[HEADER_OFFSET] == "1"
    assert headers(letter)[HEADER_KIND] == "rejected"
    assert headers(letter)[HEADER_EXCEPTION] == "IntegrityError"
    assert headers(letter)[HEADER_REASON] == f"failed {MAX_ATTEMPTS} times: IntegrityError"
    assert batches.failures == 0, "the partition moved on: the count starts over"
    assert list(offsets.pending.values()) == [3]


async def test_a_transient_failure_is_tried_again_for_ever_waiting_longer_each_time(
) -> None:
    store, log = Store(away=5), Log(physical(PREFIX, TOPIC))
    log.append(event())
    with capture_logs() as logs:
        deliveries = await deliver_all(processor(store), log, committer(log))
    assert deliveries == 6
    assert len(store.committed.effects) == 1
    waits = [line for line in logs if line["event"] == "retrying"]
    assert [line["attempt"] for line in waits] == [1, 2, 3, 4, 5]
    assert all(line["error_type"] == "OperationalError" for line in waits)
    assert all(0.0005 <= line["retry_in_s"] <= 0.002 for line in waits), "within the bounds"


async def test_the_waits_start_over_after_a_success_or_a_cancellation() -> None:
    waits = RetryWaits("test", initial_s=0.001, max_s=0.002)
    with capture_logs() as logs:
        await waits.failed(OSError("away"))
        await waits.failed(OSError("away"))
        waits.succeeded()
        await waits.failed(OSError("away"))
    assert [line["attempt"] for line in logs if line["event"] == "retrying"] == [1, 2, 1]

    slow = RetryWaits("test", initial_s=60, max_s=60)
    waiting = asyncio.create_task(slow.failed(OSError("away")))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    with capture_logs() as logs:
        slow.initial_s = slow.max_s = 0.001
        await slow.failed(OSError("away"))
    assert [line["attempt"] for line in logs if line["event"] == "retrying"] == [1]
