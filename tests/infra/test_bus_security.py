"""The secured bus against a real broker of this module's own (devkit/secured.py:
`scripts/stack kafka-up` with `PRAKTIK_KAFKA_SECURITY=sasl_ssl`, on free ports; the
development broker is never touched): SASL/SCRAM over TLS, the StandardAuthorizer denying
by default, the services' ACLs as the stack made them, a sender's as `shared.kafka.acls`
plans them, applied with the confluent-kafka `SecurityAdmin`.

Each refusal is checked beside what the same client may do, so that a broker that refused
everything would fail these tests too."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from confluent_kafka import Consumer
from confluent_kafka import KafkaError as ConfluentError

from devkit.secured import SecuredBroker, secured_broker
from devkit.wait import eventually
from shared.contracts import topics
from shared.kafka.acls import Acl, principal, sender_acls, sender_user, service_acls
from shared.kafka.admin import ensure_topics
from shared.kafka.security import KafkaSecurity
from shared.kafka.security_admin import ConfluentSecurityAdmin, client_config

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    with secured_broker(tmp_path_factory.mktemp("secured-stack")) as running:
        yield running


@asynccontextmanager
async def producer(broker: SecuredBroker, security: KafkaSecurity) -> AsyncIterator[
        AIOKafkaProducer]:
    """Idempotent, as the services' producers are."""
    client = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True,
                              request_timeout_ms=15000, **security.aiokafka_kwargs())
    try:
        await client.start()
        yield client
    finally:
        await client.stop()


async def send(broker: SecuredBroker, security: KafkaSecurity, topic: str) -> bytes:
    value = uuid.uuid4().hex.encode()
    async with producer(broker, security) as client:
        await client.send_and_wait(topic, value)
    return value


async def read_all(broker: SecuredBroker, security: KafkaSecurity, topic: str,
                   group: str) -> list[bytes]:
    """Everything on `topic` (one partition), in the consumer group `group`."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                **security.aiokafka_kwargs())
    await consumer.start()
    try:
        end = (await consumer.end_offsets([TopicPartition(topic, 0)]))[TopicPartition(topic, 0)]
        values: list[bytes] = []
        while len(values) < end:
            batches = await consumer.getmany(timeout_ms=1000)
            values += [record.value for batch in batches.values() for record in batch]
        await consumer.commit()
        return values
    finally:
        await consumer.stop()


def _read_error(config: dict[str, str], topic: str, group: str) -> int | None:
    """What librdkafka reports when the group `group` subscribes to `topic`: the error
    code of the first error, or None once a record (or the end) arrives."""
    consumer = Consumer({**config, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        consumer.subscribe([topic])
        for _ in range(60):  # bounded: 30 s
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is None or error.code() == ConfluentError._PARTITION_EOF:
                return None
            return int(error.code())
        raise AssertionError(f"neither a record nor an error from {topic} in 30 s")
    finally:
        consumer.close()


async def read_error(broker: SecuredBroker, security: KafkaSecurity, topic: str,
                     group: str) -> int | None:
    """Subscribe to `topic` in `group` with librdkafka (it reports refusals as errors)."""
    config = client_config(broker.bootstrap, security)
    return await asyncio.to_thread(_read_error, config, topic, group)


async def rules_in_force(admin: ConfluentSecurityAdmin, who: str, expected: list[Acl]) -> None:
    """Wait until the broker's authorizer holds exactly `expected` for `who` (a change is
    committed by the controller first, then applied by the broker from its metadata)."""
    await eventually(lambda: _holds(admin, who, expected), what=f"the ACLs of {who}")


async def _holds(admin: ConfluentSecurityAdmin, who: str, expected: list[Acl]) -> bool:
    return await admin.describe_acls(who) == sorted(expected)


async def refused(broker: SecuredBroker, security: KafkaSecurity, topic: str) -> bool:
    try:
        await send(broker, security, topic)
    except KafkaError:
        return True
    return False


async def test_a_client_without_valid_credentials_is_refused(broker: SecuredBroker) -> None:
    admin = broker.security()
    await send(broker, admin, topics.REGISTRATION_INTAKE)  # the admin gets in
    wrong = KafkaSecurity("SASL_SSL", admin.username, "not-" + (admin.password or ""),
                          admin.cafile)
    nobody = KafkaSecurity("SASL_SSL", "nobody", secrets.token_hex(16), admin.cafile)
    for security in (KafkaSecurity(), wrong, nobody):  # no TLS/SASL; wrong password; no user
        client = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, request_timeout_ms=5000,
                                  **security.aiokafka_kwargs())
        with pytest.raises(KafkaError):
            await client.start()
        await client.stop()


async def test_a_client_that_does_not_trust_the_broker_is_refused(
        broker: SecuredBroker, tmp_path: Path) -> None:
    from devkit import tls

    other_ca = tls.write(tmp_path / "other").ca
    admin = broker.security()
    stranger = KafkaSecurity("SASL_SSL", admin.username, admin.password, str(other_ca))
    client = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, request_timeout_ms=5000,
                              **stranger.aiokafka_kwargs())
    with pytest.raises(KafkaError):
        await client.start()
    await client.stop()


async def test_matching_writes_its_own_topic_and_reads_what_it_consumes(
        broker: SecuredBroker) -> None:
    matching = broker.security("matching")
    assert matching.username == "matching"
    await send(broker, matching, topics.MATCHING_EVENTS)
    await send(broker, matching, topics.dead_letter_topic(topics.REGISTRATION_EVENTS))
    fact = await send(broker, broker.security("registration"), topics.REGISTRATION_EVENTS)
    assert fact in await read_all(broker, matching, topics.REGISTRATION_EVENTS,
                                  "matching.security-test")


async def test_matching_may_not_write_trainings_topic_nor_use_anothers_group(
        broker: SecuredBroker) -> None:
    matching = broker.security("matching")
    with pytest.raises(TopicAuthorizationFailedError):
        await send(broker, matching, topics.TRAINING_EVENTS)
    with pytest.raises(TopicAuthorizationFailedError):
        await send(broker, matching, topics.REGISTRATION_EVENTS)
    assert await read_error(broker, matching, topics.REGISTRATION_EVENTS,
                            "training.main") == ConfluentError.GROUP_AUTHORIZATION_FAILED
    assert await read_error(broker, matching, topics.NOTIFICATIONS_EVENTS,
                            "matching.main") == ConfluentError.TOPIC_AUTHORIZATION_FAILED
    assert await read_error(broker, matching, topics.TRAINING_EVENTS, "matching.main") is None
    await send(broker, broker.security("training"), topics.TRAINING_EVENTS)  # training may


@pytest.fixture(scope="module")
async def senders(broker: SecuredBroker) -> AsyncIterator[dict[str, KafkaSecurity]]:
    """Two senders, as `praktik senders add` makes them: users, topics, ACLs."""
    admin = ConfluentSecurityAdmin.connect(broker.bootstrap, broker.security())
    made: dict[str, KafkaSecurity] = {}
    for name in ("kommun-a", "kommun-b"):
        password = secrets.token_hex(16)
        await admin.upsert_scram_user(sender_user(name), password)
        await ensure_topics(broker.bootstrap, 1, topics.sender_topics(name),
                            security=broker.security())
        await admin.create_acls(sender_acls(name))
        made[name] = broker.as_user(sender_user(name), password)
        own = principal(sender_user(name))
        await rules_in_force(admin, own, [a for a in sender_acls(name) if a.principal == own])
    yield made
    for name in made:
        await admin.delete_acls(sender_acls(name))
        await admin.delete_scram_user(sender_user(name))


async def test_a_sender_writes_its_intake_and_reads_its_own_answers(
        broker: SecuredBroker, senders: dict[str, KafkaSecurity]) -> None:
    sender = senders["kommun-a"]
    await send(broker, sender, topics.sender_intake("kommun-a"))
    answer = await send(broker, broker.security("registration"),
                        topics.sender_answers("kommun-a"))
    assert answer in await read_all(broker, sender, topics.sender_answers("kommun-a"),
                                    "sender-kommun-a")
    registration = broker.security("registration")
    assert await read_all(broker, registration, topics.sender_intake("kommun-a"),
                          "registration.senders-test")


async def test_a_sender_is_refused_what_is_not_its_own(
        broker: SecuredBroker, senders: dict[str, KafkaSecurity]) -> None:
    sender = senders["kommun-a"]
    for topic in (topics.TRAINING_EVENTS, topics.sender_intake("kommun-b"),
                  topics.REGISTRATION_INTAKE, topics.sender_answers("kommun-a")):
        with pytest.raises(TopicAuthorizationFailedError):
            await send(broker, sender, topic)
    for topic in (topics.REGISTRATION_EVENTS, topics.sender_answers("kommun-b"),
                  topics.sender_intake("kommun-a")):
        assert await read_error(broker, sender, topic, "sender-kommun-a") == (
            ConfluentError.TOPIC_AUTHORIZATION_FAILED), topic
    assert await read_error(broker, sender, topics.sender_answers("kommun-a"),
                            "sender-kommun-b") == ConfluentError.GROUP_AUTHORIZATION_FAILED
    assert await read_error(broker, sender, topics.sender_answers("kommun-a"),
                            "sender-kommun-a.check") is None  # its own: fine


async def test_the_admin_lists_removes_and_restores_a_senders_rights(
        broker: SecuredBroker, senders: dict[str, KafkaSecurity]) -> None:
    admin = ConfluentSecurityAdmin.connect(broker.bootstrap, broker.security())
    who = principal(sender_user("kommun-b"))
    planned = sorted(acl for acl in sender_acls("kommun-b") if acl.principal == who)
    assert await admin.describe_acls(who) == planned
    assert await admin.describe_acls(principal("matching")) == service_acls("matching")
    await admin.delete_acls(planned)
    try:
        await rules_in_force(admin, who, [])
        # Allowed nothing at all, its (idempotent) producer is refused as it starts.
        with pytest.raises(ClusterAuthorizationFailedError):
            await send(broker, senders["kommun-b"], topics.sender_intake("kommun-b"))
    finally:
        await admin.create_acls(planned)
    await rules_in_force(admin, who, planned)
    await send(broker, senders["kommun-b"], topics.sender_intake("kommun-b"))


async def test_a_removed_user_can_no_longer_connect(broker: SecuredBroker) -> None:
    admin = ConfluentSecurityAdmin.connect(broker.bootstrap, broker.security())
    password = secrets.token_hex(16)
    await admin.upsert_scram_user("sender-gone", password)
    await admin.create_acls(sender_acls("gone"))
    own = principal("sender-gone")
    await rules_in_force(admin, own, [a for a in sender_acls("gone") if a.principal == own])
    await ensure_topics(broker.bootstrap, 1, topics.sender_topics("gone"),
                        security=broker.security())
    gone = broker.as_user("sender-gone", password)
    await send(broker, gone, topics.sender_intake("gone"))
    await admin.delete_scram_user("sender-gone")
    await admin.delete_scram_user("sender-gone")  # again: nothing to do
    await eventually(lambda: refused(broker, gone, topics.sender_intake("gone")),
                     what="the removed user refused")
    await admin.delete_acls(sender_acls("gone"))
