"""The ACL plan (shared.kafka.acls): what it allows, read the way Kafka's authorizer reads
it, and that it follows what each service really subscribes to and publishes. No I/O:
the services are built, never started."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from services.matching.bootstrap import build as build_matching
from services.matching.settings import MatchingSettings
from services.notifications.bootstrap import build as build_notifications
from services.notifications.settings import NotificationsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.settings import RegistrationSettings
from services.training.bootstrap import build as build_training
from services.training.settings import TrainingSettings
from shared.contracts import topics
from shared.contracts.topics import contract_topics, dead_letter_topic
from shared.kafka.acls import (
    CLUSTER,
    SERVICE_PLAN,
    SERVICES,
    Acl,
    Operation,
    Resource,
    check_sender_name,
    principal,
    sender_acls,
    sender_user,
    service_acls,
)
from shared.kafka.security import KafkaSecurity
from shared.kafka.security_admin import (
    apply_service_plan,
    client_config,
    from_binding,
    to_binding,
)
from shared.runtime import Service

URL = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"
PREFIX = "test-0123456789."
PRIMARIES = [spec.name for spec in contract_topics() if not spec.name.endswith(".dlq")]


def allows(acls: Iterable[Acl], who: str, operation: Operation, resource: Resource,
           name: str) -> bool:
    """Whether `acls` let `who` do `operation` on `name`, as the StandardAuthorizer decides
    with allow rules only: literal or prefixed match, DESCRIBE implied by READ and WRITE."""
    implied = {operation} | ({"READ", "WRITE"} if operation == "DESCRIBE" else set())
    return any(acl.principal == who and acl.resource == resource and acl.operation in implied
               and (acl.name == name if acl.pattern == "LITERAL" else name.startswith(acl.name))
               for acl in acls)


def every_service_acl(prefix: str = "") -> list[Acl]:
    return [acl for service in SERVICES for acl in service_acls(service, prefix)]


@pytest.mark.parametrize("topic", PRIMARIES)
def test_one_service_alone_writes_each_topic_and_whoever_reads_it_writes_its_dlq(
        topic: str) -> None:
    acls = every_service_acl(PREFIX)
    writers = {s for s in SERVICES if allows(acls, principal(s), "WRITE", "TOPIC", PREFIX + topic)}
    readers = {s for s in SERVICES if allows(acls, principal(s), "READ", "TOPIC", PREFIX + topic)}
    owners = {s for s, plan in SERVICE_PLAN.items() if topic in plan.owns}
    if topic == topics.REGISTRATION_INTAKE:
        assert writers == set(), "the shared intake is written by operators (User:admin)"
    else:
        assert writers == owners and len(owners) == 1
    assert readers == {s for s, plan in SERVICE_PLAN.items() if topic in plan.consumes}
    dead_letters = PREFIX + dead_letter_topic(topic)
    assert {s for s in SERVICES
            if allows(acls, principal(s), "WRITE", "TOPIC", dead_letters)} == readers
    assert not any(allows(acls, principal(s), "READ", "TOPIC", dead_letters) for s in SERVICES)


def test_training_alone_writes_training_events() -> None:
    acls = every_service_acl()
    assert [s for s in SERVICES if allows(acls, principal(s), "WRITE", "TOPIC",
                                          topics.TRAINING_EVENTS)] == ["training"]
    assert [s for s in SERVICES if allows(acls, principal(s), "WRITE", "TOPIC",
                                          topics.MATCHING_EVENTS)] == ["matching"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_name_carries_the_prefix_and_groups_are_the_services_own(service: str) -> None:
    acls = service_acls(service, PREFIX)
    for acl in acls:
        if acl.resource == "CLUSTER":
            assert (acl.operation, acl.name) == ("IDEMPOTENT_WRITE", CLUSTER)
        else:
            assert acl.name.startswith(PREFIX), acl
        assert acl.principal == principal(service)
    who = principal(service)
    assert allows(acls, who, "READ", "GROUP", f"{PREFIX}{service}.main")
    assert allows(acls, who, "READ", "GROUP", f"{PREFIX}{service}-test-abcdef12.main")
    others = [s for s in SERVICES if s != service]
    assert not any(allows(acls, who, "READ", "GROUP", f"{PREFIX}{s}.main") for s in others)
    assert not allows(acls, who, "READ", "GROUP", f"{service}.main"), "another environment's"
    assert not allows(acls, who, "READ", "TOPIC", f"{PREFIX}{topics.sender_intake('x')}")


def test_only_registration_configures_the_intake() -> None:
    acls = every_service_acl()
    intake = topics.REGISTRATION_INTAKE
    assert [s for s in SERVICES
            if allows(acls, principal(s), "ALTER_CONFIGS", "TOPIC", intake)] == ["registration"]
    assert not allows(acls, principal("registration"), "ALTER_CONFIGS", "TOPIC",
                      topics.REGISTRATION_EVENTS)


def test_a_service_outside_the_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="no ACL plan for 'portal'"):
        service_acls("portal")


def test_a_sender_writes_its_intake_and_reads_its_answers_and_nothing_else() -> None:
    acls = sender_acls("kommun-a", PREFIX)
    who = principal("sender-kommun-a")
    intake, answers = topics.sender_intake("kommun-a"), topics.sender_answers("kommun-a")
    assert allows(acls, who, "WRITE", "TOPIC", PREFIX + intake)
    assert allows(acls, who, "READ", "TOPIC", PREFIX + answers)
    assert allows(acls, who, "READ", "TOPIC", PREFIX + dead_letter_topic(intake))
    assert not allows(acls, who, "READ", "TOPIC", PREFIX + intake)
    assert not allows(acls, who, "WRITE", "TOPIC", PREFIX + answers)
    for topic in PRIMARIES:
        for operation in ("READ", "WRITE", "DESCRIBE"):
            assert not allows(acls, who, operation, "TOPIC", PREFIX + topic), (operation, topic)
    assert allows(acls, who, "READ", "GROUP", f"{PREFIX}sender-kommun-a")
    assert allows(acls, who, "READ", "GROUP", f"{PREFIX}sender-kommun-a.answers")
    assert not any(acl.resource == "CLUSTER" for acl in acls)


def test_a_sender_whose_name_starts_anothers_gets_nothing_of_the_other() -> None:
    short, long = sender_acls("ab", PREFIX), sender_acls("abc", PREFIX)
    who = principal(sender_user("ab"))
    for acl in long:
        resource = acl.name
        for operation in ("READ", "WRITE", "DESCRIBE"):
            assert not allows(short, who, operation, acl.resource, resource), acl
    for name in ("sender-abc", "sender-abc.answers"):
        assert not allows(short, who, "READ", "GROUP", PREFIX + name)


def test_registration_serves_each_sender_on_its_own_topics() -> None:
    acls = sender_acls("kommun-a", PREFIX)
    registration = principal("registration")
    intake, answers = topics.sender_intake("kommun-a"), topics.sender_answers("kommun-a")
    assert allows(acls, registration, "READ", "TOPIC", PREFIX + intake)
    assert allows(acls, registration, "WRITE", "TOPIC", PREFIX + answers)
    assert allows(acls, registration, "WRITE", "TOPIC", PREFIX + dead_letter_topic(intake))
    assert not allows(acls, registration, "WRITE", "TOPIC", PREFIX + intake)
    assert {acl.principal for acl in acls} == {registration, principal("sender-kommun-a")}


@pytest.mark.parametrize("name", ["dlq", "a.b", "Kommun", "-a", "a-", "", "x" * 41, "a_b"])
def test_a_sender_name_that_would_make_ambiguous_topics_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a sender name"):
        check_sender_name(name)
    with pytest.raises(ValueError):
        sender_acls(name)


def _built() -> list[Service]:
    common: dict[str, Any] = {"database_url": URL, "development": True}
    return [build_registration(RegistrationSettings(**common)),
            build_matching(MatchingSettings(**common)),
            build_training(TrainingSettings(**common)),
            build_notifications(NotificationsSettings(**common))]


def _published(service: Service) -> set[str]:
    """Contract topics it publishes (a sender's answers topic, `{sender}`, aside)."""
    return {topic for topic in service.published if "{" not in topic}


async def test_the_plan_is_what_each_service_subscribes_to_and_publishes() -> None:
    services = _built()
    try:
        assert [service.name for service in services] == list(SERVICES)
        for service in services:
            plan = SERVICE_PLAN[service.name]
            consumed = {t for subscription in service.subscriptions for t in subscription.topics}
            assert consumed == set(plan.consumes), service.name
            assert _published(service) == set(plan.owns), service.name
            for subscription in service.subscriptions:
                if subscription.pattern:  # the senders' intake topics: sender_acls
                    assert re.fullmatch(subscription.pattern, topics.sender_intake("kommun-a"))
                    assert not re.fullmatch(subscription.pattern, topics.REGISTRATION_EVENTS)
    finally:
        for service in services:
            await service.producer.stop()
            await service.engine.dispose()


class FakeAdmin:
    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.acls: set[Acl] = set()

    async def upsert_scram_user(self, name: str, password: str) -> None:
        self.users[name] = password

    async def create_acls(self, acls: Sequence[Acl]) -> None:
        self.acls |= set(acls)


async def test_applying_the_plan_sets_each_services_password_and_every_acl() -> None:
    admin = FakeAdmin()
    credentials = {s: (s, f"pw-{s}") for s in SERVICES}
    count = await apply_service_plan(admin, PREFIX, credentials)
    assert admin.users == {s: f"pw-{s}" for s in SERVICES}
    assert admin.acls == set(every_service_acl(PREFIX)) and count == len(admin.acls)
    await apply_service_plan(admin, PREFIX, credentials)  # again: the same, nothing twice
    assert admin.acls == set(every_service_acl(PREFIX))


def test_a_rule_goes_to_confluent_kafka_and_back_unchanged() -> None:
    for acl in [*sender_acls("kommun-a", PREFIX), *every_service_acl(PREFIX)]:
        assert from_binding(to_binding(acl)) == acl


def test_the_admin_client_authenticates_and_verifies_the_broker_with_the_ca() -> None:
    secured = KafkaSecurity("SASL_SSL", "admin", "secret", "/stack/tls/ca.pem")
    assert client_config("127.0.0.1:1", secured) == {
        "bootstrap.servers": "127.0.0.1:1", "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "admin", "sasl.password": "secret",
        "ssl.endpoint.identification.algorithm": "https", "ssl.ca.location": "/stack/tls/ca.pem"}
    assert client_config("127.0.0.1:1") == {"bootstrap.servers": "127.0.0.1:1",
                                            "security.protocol": "PLAINTEXT"}
