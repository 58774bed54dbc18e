"""One registry from (topic, `type`) to the model of its `data`, and the codec."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected, problems_from_validation
from shared.contracts.intake import INTAKE_REQUESTS
from shared.contracts.matching import MATCHING_EVENTS
from shared.contracts.notifications import NOTIFICATION_EVENTS
from shared.contracts.registration import REGISTRATION_EVENTS
from shared.contracts.training import TRAINING_EVENTS


def _by_type(models: tuple[type[EventData], ...]) -> dict[str, type[EventData]]:
    return {model.TYPE: model for model in models}


EVENTS_BY_TOPIC: dict[str, dict[str, type[EventData]]] = {
    topics.REGISTRATION_INTAKE: _by_type(INTAKE_REQUESTS),
    topics.REGISTRATION_EVENTS: _by_type(REGISTRATION_EVENTS),
    topics.REGISTRATION_CONTACTS: _by_type(CONTACT_EVENTS),
    topics.TRAINING_EVENTS: _by_type(TRAINING_EVENTS),
    topics.MATCHING_EVENTS: _by_type(MATCHING_EVENTS),
    topics.NOTIFICATIONS_EVENTS: _by_type(NOTIFICATION_EVENTS),
}

CONTRACT_TOPICS: tuple[str, ...] = tuple(EVENTS_BY_TOPIC)
"""The contract's topics (tests may add private topics to the registry at run time)."""

TOPIC_OF: dict[type[EventData], str] = {
    model: topic for topic, models in EVENTS_BY_TOPIC.items() for model in models.values()
}


def topic_of(data: EventData) -> str:
    """The topic an event of this model is published on."""
    return TOPIC_OF[type(data)]


def model_for(topic: str, event_type: str) -> type[EventData]:
    try:
        return EVENTS_BY_TOPIC[topic][event_type]
    except KeyError:
        raise MessageRejected(
            "unknown_type", f"unknown event type {event_type!r} on {topic}"
        ) from None


def encode(event: CloudEvent) -> bytes:
    """Envelope to bytes: absent optional attributes are left out, `data` is kept whole."""
    absent = {attribute for attribute in _OPTIONAL_ATTRIBUTES
              if getattr(event, attribute) is None}
    return event.model_dump_json(exclude=absent).encode()


_OPTIONAL_ATTRIBUTES = ("subject", "correlationid", "causationid")


def decode(raw: bytes | None) -> CloudEvent:
    """Bytes to envelope; refuses what is not JSON or not a CloudEvent."""
    if raw is None:
        raise MessageRejected("malformed_json", "message has no value (tombstone)")
    try:  # the common case in one pass; what fails is parsed again to say why
        return CloudEvent.model_validate_json(raw)
    except ValidationError:
        pass
    try:
        obj: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessageRejected("malformed_json", f"value is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise MessageRejected("not_cloudevent", "value is not a JSON object")
    try:
        return CloudEvent.model_validate(obj)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise MessageRejected("not_cloudevent", f"not a CloudEvent: {detail}", problems) from None


def parse_data(topic: str, event: CloudEvent) -> EventData:
    """Validate the envelope's `data` against the model its topic and type name."""
    model = model_for(topic, event.type)
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, prefix="data")
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise MessageRejected(
            "schema_violation", f"{event.type} data invalid: {detail}", problems
        ) from None
