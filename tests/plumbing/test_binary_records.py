"""The consumer reads CloudEvents in binary content mode beside structured mode, and
dead-letters a record that is neither, with its reason (the real `BatchProcessor` on the
fakes of tests/plumbing/batches.py)."""

from __future__ import annotations

from typing import Any

from devkit.publisher import binary_mode
from shared.contracts import topics
from shared.contracts.registration import PlacementRequested
from shared.contracts.topics import dead_letter_topic
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.kafka.dead_letter import HEADER_FIELD, HEADER_KIND, HEADER_OFFSET, HEADER_REASON
from tests.plumbing.batches import Inbox, Log, Store, act, event, request_id

TOPIC = topics.REGISTRATION_EVENTS


def processor(store: Store) -> BatchProcessor:
    subscription = Subscription("probe", [TOPIC], {PlacementRequested: act})
    return BatchProcessor(subscription, store.uow, Inbox(), label="probe.events")


def headers(letter: dict[str, Any]) -> dict[str, str]:
    return dict(letter["headers"])


async def test_binary_and_structured_records_are_handled_alike_in_one_batch() -> None:
    store, log = Store(), Log(TOPIC)
    structured, binary = event(), event()
    log.append(structured)
    value, ce_headers = binary_mode(binary)
    log.append(value, headers=ce_headers)

    outcome = await processor(store).process(log.fetch())

    assert (outcome.handled, outcome.dead_lettered) == (2, 0)
    assert store.committed.effects == [request_id(structured), request_id(binary)]


async def test_a_binary_redelivery_is_a_duplicate_of_the_structured_original() -> None:
    store, log = Store(), Log(TOPIC)
    original = event()
    log.append(original)
    value, ce_headers = binary_mode(original)
    log.append(value, headers=ce_headers)

    outcome = await processor(store).process(log.fetch())

    assert (outcome.handled, outcome.duplicates, outcome.dead_lettered) == (1, 1, 0)


async def test_a_record_neither_structured_nor_binary_is_dead_lettered_with_its_reason(
) -> None:
    store, log = Store(), Log(TOPIC)
    value, ce_headers = binary_mode(event())
    no_id = [(name, raw) for name, raw in ce_headers if name != "ce_id"]
    log.append(value, headers=no_id)
    log.append(b"{not json", headers=[*ce_headers, ("ce_extra", b"x")])
    log.append(value, headers=[])  # the data alone, no ce_ headers: no CloudEvent at all
    after = event()
    log.append(after)

    outcome = await processor(store).process(log.fetch())

    assert (outcome.handled, outcome.dead_lettered) == (1, 3)
    assert store.committed.effects == [request_id(after)]
    letters = {headers(letter)[HEADER_OFFSET]: letter for letter in store.letters()}
    assert {letter["topic"] for letter in letters.values()} == {dead_letter_topic(TOPIC)}
    missing, not_json, bare = (headers(letters[offset]) for offset in ("0", "1", "2"))
    assert (missing[HEADER_KIND], missing[HEADER_FIELD]) == ("not_cloudevent", "id")
    assert missing[HEADER_REASON].startswith("binary mode")
    assert missing["orig.ce_type"] == "PlacementRequested", "the sender's headers are kept"
    assert not_json[HEADER_KIND] == "malformed_json" and "binary mode" in not_json[
        HEADER_REASON]
    assert bare[HEADER_KIND] == "not_cloudevent" and "binary" not in bare[HEADER_REASON]
    assert letters["0"]["value"] == value, "the original bytes, to replay with the headers"
