"""A malformed event on a contract topic lands in `<topic>.dlq`, once per service that
reads the topic, and the flow goes on: a good event right behind it (same key, so the
same partition) is handled, not dead-lettered.

Three kinds of malformed message per topic: not JSON, a CloudEvent of an unknown type,
and a known type whose `data` fails validation.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable

import pytest
from aiokafka import TopicPartition

from devkit.bus import TopicReader
from devkit.processes import System
from devkit.publisher import Publisher
from devkit.wait import eventually
from praktik_cli.demo.people import org_number
from shared.contracts import intake, topics
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.envelope import new_event
from shared.contracts.matching import MatchingRoundCompleted
from shared.contracts.registration import WorkplaceRegistered
from shared.contracts.registry import encode
from shared.contracts.training import WorkplaceOpened
from shared.kafka.dead_letter import HEADER_OFFSET, HEADER_PARTITION, HEADER_TOPIC
from tests.e2e.conftest import OwnDatabase
from tests.e2e.support import committed, readers_of

pytestmark = [pytest.mark.infra]


def _org() -> str:
    return org_number(random.Random(), "municipal")


GOOD: dict[str, Callable[[], EventData]] = {
    topics.REGISTRATION_INTAKE: lambda: intake.RegisterWorkplace(
        external_ref=f"dlq-{uuid.uuid4().hex[:8]}", org_number=_org(), name="Förskolan Dalen",
        sector="municipal", municipality_code="1380", client_contact=False,
        manager=intake.ManagerIntake(name="Chef Dalen", email="chef.dalen@example.com")),
    topics.REGISTRATION_EVENTS: lambda: WorkplaceRegistered(
        workplace_id=uuid.uuid4(), org_number=_org(), name="Skolköket Berga",
        sector="municipal", municipality_code="1380", manager_id=uuid.uuid4(),
        client_contact=False),
    topics.REGISTRATION_CONTACTS: lambda: ContactDetailsRecorded(
        person_id=uuid.uuid4(), role="supervisor", name="Handledare Berga",
        email="handledare.berga@example.com", language="sv", sms_allowed=False),
    topics.TRAINING_EVENTS: lambda: WorkplaceOpened(workplace_id=uuid.uuid4(),
                                                    municipality_code="1380"),
    topics.MATCHING_EVENTS: lambda: MatchingRoundCompleted(
        round_id=uuid.uuid4(), municipality_code="1380", program="summer_job", requests=0,
        placed=0, waitlisted=0, seed=1, duration_ms=1.0),
    topics.NOTIFICATIONS_EVENTS: lambda: MatchingRoundCompleted(  # placeholder, see skip
        round_id=uuid.uuid4(), municipality_code="1380", program="summer_job", requests=0,
        placed=0, waitlisted=0, seed=1, duration_ms=1.0),
}


def malformed(good: bytes) -> list[bytes]:
    envelope = json.loads(good)
    unknown = dict(envelope, id=str(uuid.uuid4()), type="NoSuchEventType")
    invalid = dict(envelope, id=str(uuid.uuid4()), data={"municipality_code": "not-a-code"})
    return [b'{"specversion": "1.0", "id": ', json.dumps(unknown).encode(),
            json.dumps(invalid).encode()]


@pytest.mark.parametrize("topic", list(GOOD))
async def test_malformed_event_is_dead_lettered_and_the_flow_goes_on(
        topic: str, system: System, e2e_infra: OwnDatabase) -> None:
    groups = (await readers_of(system)).get(topic, [])
    if not groups:
        pytest.skip(f"no service reads {topic} (its readers are outside systems)")
    bootstrap = e2e_infra.kafka_bootstrap
    data = GOOD[topic]()
    good_event = new_event(data, source="urn:test", subject=str(uuid.uuid4()))
    key = data.kafka_key(good_event.subject)
    good = encode(good_event)
    watched = [topics.dead_letter_topic(topic), topics.REGISTRATION_EVENTS]
    async with TopicReader(bootstrap, watched) as reader, Publisher(bootstrap) as publisher:
        bad_at = []
        for value in malformed(good):
            sent = await publisher.producer.send_and_wait(topic, value=value,
                                                          key=key.encode() if key else None)
            bad_at.append((sent.partition, sent.offset))
        sent = await publisher.producer.send_and_wait(topic, value=good,
                                                      key=key.encode() if key else None)
        good_at = (sent.partition, sent.offset)
        assert {p for p, _ in bad_at} == {good_at[0]}, "not one partition"

        def letters(at: tuple[int, int]) -> int:
            count = 0
            for record in reader.records:
                if record.topic != topics.dead_letter_topic(topic):
                    continue
                headers = {k: v.decode() for k, v in record.headers}
                if headers.get(HEADER_TOPIC) == topic and (
                        int(headers.get(HEADER_PARTITION, -1)),
                        int(headers.get(HEADER_OFFSET, -1))) == at:
                    count += 1
            return count

        async def all_dead_lettered() -> bool:
            await reader.poll()
            return all(letters(at) >= len(groups) for at in bad_at)

        await eventually(all_dead_lettered, 180,
                         f"{len(bad_at)} dead letters per reader of {topic}", interval_s=0.3)
        tp = TopicPartition(topic, good_at[0])

        async def good_handled() -> bool:
            return all([await committed(bootstrap, g, tp) > good_at[1] for g in groups])

        await eventually(good_handled, 180, f"every reader of {topic} past the good event",
                         interval_s=0.3)
        await reader.poll()
        assert {at: letters(at) for at in bad_at} == {at: len(groups) for at in bad_at}
        assert letters(good_at) == 0, "the good event was dead-lettered"
        if topic == topics.REGISTRATION_INTAKE:  # and registration answered it
            await reader.wait_for(lambda _: any(
                e.get("causationid") == str(good_event.id)
                for e in reader.events(topics.REGISTRATION_EVENTS, "WorkplaceRegistered")),
                timeout_s=180)
