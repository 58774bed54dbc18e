"""Topic names of the bus contract (CONTRACT.md): fixed, never renamed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTRATION_INTAKE = "registration.intake.v1"
REGISTRATION_EVENTS = "registration.events.v1"
REGISTRATION_CONTACTS = "registration.contacts.v1"
TRAINING_EVENTS = "training.events.v1"
MATCHING_EVENTS = "matching.events.v1"
NOTIFICATIONS_EVENTS = "notifications.events.v1"

DLQ_SUFFIX = ".dlq"

SENDER_INTAKE_PREFIX = f"{REGISTRATION_INTAKE}."
"""A sender's own intake topic is `registration.intake.v1.<sender>` (CONTRACT.md, Senders)."""
SENDER_ANSWERS_PREFIX = "registration.answers.v1."
"""A sender's answers topic is `registration.answers.v1.<sender>` (a contract addition)."""
SENDER_NAME = re.compile(r"^(?!dlq$)[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
"""A sender's name: lowercase letters, digits and inner hyphens, at most 40, never `dlq`
(`registration.intake.v1.dlq` is the shared intake's dead-letter topic)."""


def dead_letter_topic(topic: str) -> str:
    """The dead-letter twin of a topic: `<topic>.dlq`."""
    return f"{topic}{DLQ_SUFFIX}"


def sender_intake(name: str) -> str:
    """The intake topic only sender `name` may write: `registration.intake.v1.<name>`."""
    return f"{SENDER_INTAKE_PREFIX}{name}"


def sender_answers(name: str) -> str:
    """The answers topic only sender `name` may read: `registration.answers.v1.<name>`."""
    return f"{SENDER_ANSWERS_PREFIX}{name}"


def sender_of(topic: str) -> str | None:
    """The sender whose own intake topic `topic` is (a contract name), else None."""
    name = topic.removeprefix(SENDER_INTAKE_PREFIX)
    return name if name != topic and SENDER_NAME.match(name) else None


def intake_family(topic: str) -> str:
    """The contract topic whose events `topic` carries: a sender's intake topic carries
    the requests of `registration.intake.v1`; any other topic its own."""
    return REGISTRATION_INTAKE if sender_of(topic) is not None else topic


def sender_topics(name: str, intake_retention_ms: int = 7 * 24 * 3600 * 1000,
                  ) -> list[TopicSpec]:
    """A sender's own topics: its intake (short-lived: identity numbers), the intake's
    `.dlq`, and its answers topic."""
    short = {"retention.ms": str(intake_retention_ms)}
    return [TopicSpec(sender_intake(name), short),
            TopicSpec(dead_letter_topic(sender_intake(name)), short),
            TopicSpec(sender_answers(name))]


@dataclass(frozen=True)
class TopicSpec:
    """How a contract topic is created: its name and its Kafka topic configs."""

    name: str
    config: dict[str, str] = field(default_factory=dict)


def contract_topics(intake_retention_ms: int = 7 * 24 * 3600 * 1000) -> list[TopicSpec]:
    """Every topic of the contract plus its `.dlq` twin.

    The intake topic and its DLQ carry personal identity numbers, so they keep
    messages only briefly; the contacts topic is log-compacted (key = person id).
    """
    short = {"retention.ms": str(intake_retention_ms)}
    specs = [
        TopicSpec(REGISTRATION_INTAKE, short),
        TopicSpec(dead_letter_topic(REGISTRATION_INTAKE), short),
        TopicSpec(REGISTRATION_CONTACTS, {"cleanup.policy": "compact"}),
        TopicSpec(dead_letter_topic(REGISTRATION_CONTACTS)),
    ]
    for name in (REGISTRATION_EVENTS, TRAINING_EVENTS, MATCHING_EVENTS, NOTIFICATIONS_EVENTS):
        specs += [TopicSpec(name), TopicSpec(dead_letter_topic(name))]
    return specs
