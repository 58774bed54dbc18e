"""Who may do what on a secured bus: the ACL plan, as data, and the admin that applies it.

The broker runs the `StandardAuthorizer` and denies what no ACL allows (CONTRACT.md,
"Senders"). Each service is the principal `User:<service>`; each municipal system a
sender, `User:sender-<name>`; `User:admin` is the super user the stack, the operators'
tools and the tests use. What each service writes and reads is in `SERVICE_PLAN`, taken
from the services' subscriptions and published topics (tests/plumbing/test_acl_plan.py
holds the two together). Names on the broker carry the environment's topic prefix
(shared.kafka.naming): topics and consumer groups alike.

Kafka implies DESCRIBE from READ and WRITE; the plan states it anyway, so that what an
operator lists (`describe_acls`) reads as what a principal may do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from shared.contracts import topics
from shared.kafka.naming import physical

Operation = Literal["READ", "WRITE", "DESCRIBE", "IDEMPOTENT_WRITE", "ALTER_CONFIGS",
                    "DESCRIBE_CONFIGS"]
Resource = Literal["TOPIC", "GROUP", "CLUSTER"]
Pattern = Literal["LITERAL", "PREFIXED"]

CLUSTER = "kafka-cluster"
"""The name of the one cluster resource (for IDEMPOTENT_WRITE)."""
ADMIN_USER = "admin"
"""The super user (`super.users=User:admin`): creates topics, users and ACLs."""
SENDER_USER_PREFIX = "sender-"


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on the resource named `name`
    (exactly, or every name starting with it when `pattern` is PREFIXED)."""

    principal: str
    operation: Operation
    resource: Resource
    name: str
    pattern: Pattern = "LITERAL"
    host: str = "*"

    def __str__(self) -> str:
        star = "*" if self.pattern == "PREFIXED" else ""
        return f"{self.principal} {self.operation} {self.resource}:{self.name}{star}"


@dataclass(frozen=True)
class ServicePlan:
    """The contract topics one service writes, reads and configures."""

    owns: tuple[str, ...]
    """It alone writes these (its outbox)."""
    consumes: tuple[str, ...]
    """It reads these, and writes its dead letters to their `.dlq` twins."""
    configures: tuple[str, ...] = ()
    """It sets these topics' configs (registration keeps the intake short-lived)."""


SERVICE_PLAN: Mapping[str, ServicePlan] = {
    "registration": ServicePlan(
        owns=(topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS),
        consumes=(topics.REGISTRATION_INTAKE, topics.TRAINING_EVENTS, topics.MATCHING_EVENTS),
        configures=(topics.REGISTRATION_INTAKE,
                    topics.dead_letter_topic(topics.REGISTRATION_INTAKE)),
    ),
    "matching": ServicePlan(
        owns=(topics.MATCHING_EVENTS,),
        consumes=(topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS),
    ),
    "training": ServicePlan(
        owns=(topics.TRAINING_EVENTS,),
        consumes=(topics.REGISTRATION_EVENTS,),
    ),
    "notifications": ServicePlan(
        owns=(topics.NOTIFICATIONS_EVENTS,),
        consumes=(topics.REGISTRATION_CONTACTS, topics.REGISTRATION_EVENTS,
                  topics.TRAINING_EVENTS, topics.MATCHING_EVENTS),
    ),
}
SERVICES = tuple(SERVICE_PLAN)


def principal(user: str) -> str:
    """The broker's principal of a SCRAM user: `User:<user>`."""
    return f"User:{user}"


def check_sender_name(sender: str) -> str:
    """`sender` when it is a valid sender name (`topics.SENDER_NAME`), else ValueError."""
    if not topics.SENDER_NAME.match(sender):
        raise ValueError(f"not a sender name (lower-case letters, digits, inner hyphens, "
                         f"at most 40, not `dlq`): {sender!r}")
    return sender


def sender_user(sender: str) -> str:
    """The SCRAM user of a sender: `sender-<name>`."""
    return SENDER_USER_PREFIX + check_sender_name(sender)


def _topic(who: str, operations: Sequence[Operation], names: Sequence[str],
           prefix: str) -> list[Acl]:
    return [Acl(who, op, "TOPIC", physical(prefix, name)) for name in names for op in operations]


def service_acls(service: str, prefix: str = "") -> list[Acl]:
    """What the broker allows `User:<service>` (under the topic `prefix`): WRITE on the
    topics it owns; READ on those it consumes and WRITE on their `.dlq` twins (its dead
    letters go there); consumer groups whose names start with `<prefix><service>`
    (`<service>.<subscription>`, and the tests' `<service>-test-…`); IDEMPOTENT_WRITE."""
    plan = SERVICE_PLAN.get(service)
    if plan is None:
        raise ValueError(f"no ACL plan for {service!r} (one of {', '.join(SERVICES)})")
    who = principal(service)
    dead_letters = [topics.dead_letter_topic(name) for name in plan.consumes]
    return sorted({
        *_topic(who, ("WRITE", "DESCRIBE"), [*plan.owns, *dead_letters], prefix),
        *_topic(who, ("READ", "DESCRIBE"), plan.consumes, prefix),
        *_topic(who, ("ALTER_CONFIGS", "DESCRIBE_CONFIGS"), plan.configures, prefix),
        Acl(who, "READ", "GROUP", physical(prefix, service), "PREFIXED"),
        Acl(who, "IDEMPOTENT_WRITE", "CLUSTER", CLUSTER),
    })


def every_service_acl(prefix: str = "") -> list[Acl]:
    """`service_acls` of every service in the plan, under the topic `prefix`."""
    return [acl for service in SERVICES for acl in service_acls(service, prefix)]


def sender_acls(sender: str, prefix: str = "") -> list[Acl]:
    """Everything the broker allows for one sender's topics (under the topic `prefix`).

    `User:sender-<name>` writes its intake topic; reads its answers topic and its intake
    topic's `.dlq`; uses the consumer group `sender-<name>` and those starting with
    `sender-<name>.` (not another sender's whose name merely starts the same). And
    registration, for this sender only: reads the intake topic, writes its `.dlq` and
    the answers topic. Nothing else: not another sender's topics, nor the events."""
    who, user = principal(sender_user(sender)), sender_user(sender)
    intake, answers = topics.sender_intake(sender), topics.sender_answers(sender)
    registration = principal("registration")
    dead_letters = topics.dead_letter_topic(intake)
    return sorted({
        *_topic(who, ("WRITE", "DESCRIBE"), [intake], prefix),
        *_topic(who, ("READ", "DESCRIBE"), [answers, dead_letters], prefix),
        Acl(who, "READ", "GROUP", physical(prefix, user)),
        Acl(who, "READ", "GROUP", physical(prefix, f"{user}."), "PREFIXED"),
        *_topic(registration, ("READ", "DESCRIBE"), [intake], prefix),
        *_topic(registration, ("WRITE", "DESCRIBE"), [answers, dead_letters], prefix),
    })


class SecurityAdmin(Protocol):
    """Users and ACLs on the broker (implemented with confluent-kafka in
    shared.kafka.security_admin; every call is idempotent)."""

    async def upsert_scram_user(self, name: str, password: str) -> None:
        """Create the SCRAM-SHA-512 user `name`, or set its password."""

    async def delete_scram_user(self, name: str) -> None:
        """Remove the user (nothing when there is none)."""

    async def create_acls(self, acls: Sequence[Acl]) -> None:
        """Add the rules (those already there stay as they are)."""

    async def delete_acls(self, acls: Sequence[Acl]) -> None:
        """Remove exactly these rules (none that merely match them)."""

    async def describe_acls(self, principal: str) -> list[Acl]:
        """Every rule of `principal` (`User:<name>`), sorted."""
