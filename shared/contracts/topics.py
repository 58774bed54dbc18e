"""Topic names of the bus contract (CONTRACT.md): fixed, never renamed."""

from __future__ import annotations

from dataclasses import dataclass, field

REGISTRATION_INTAKE = "registration.intake.v1"
REGISTRATION_EVENTS = "registration.events.v1"
REGISTRATION_CONTACTS = "registration.contacts.v1"
TRAINING_EVENTS = "training.events.v1"
MATCHING_EVENTS = "matching.events.v1"
NOTIFICATIONS_EVENTS = "notifications.events.v1"

DLQ_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter twin of a topic: `<topic>.dlq`."""
    return f"{topic}{DLQ_SUFFIX}"


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
