"""One registry from (topic, `type`) to the model of its `data`, and the codec."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import (
    MAX_MESSAGE,
    FieldProblem,
    MessageRejected,
    rejected_by_validation,
)
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
    """The model of `event_type` on `topic` (a sender's intake topic has the intake's)."""
    try:
        return EVENTS_BY_TOPIC[topics.intake_family(topic)][event_type]
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
    """Bytes to envelope; refuses what is not JSON or not a CloudEvent.

    Parsed strictly in one pass (pydantic's JSON parser: bounded nesting, no lone
    surrogates; strict types, so a number is not a timestamp). Whatever the bytes,
    the only exception is `MessageRejected`."""
    if raw is None:
        raise MessageRejected("malformed_json", "message has no value (tombstone)")
    try:
        event = CloudEvent.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            raise MessageRejected("malformed_json",
                                  f"value is not valid JSON: {errors[0]['msg']}") from None
        if errors and not errors[0]["loc"] and errors[0]["type"] == "model_type":
            raise MessageRejected("not_cloudevent", "value is not a JSON object") from None
        raise rejected_by_validation("not_cloudevent", "not a CloudEvent", exc) from None
    except Exception as exc:  # whatever else a parser may raise: the message is refused
        raise MessageRejected(
            "malformed_json", f"value cannot be parsed: {type(exc).__name__}"
        ) from None
    if b"\\u0000" in raw:  # the scan runs only where it may find something
        where = _nul_in(event.data, "data")
        if where is not None:
            raise MessageRejected("schema_violation", f"{where}: text may not contain NUL",
                                  [FieldProblem(where, "text may not contain NUL (U+0000)")])
    return event


def _nul_in(value: Any, path: str) -> str | None:
    """Where `value` holds a NUL (Postgres text cannot): refused here, not by the database."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _nul_in(str(key), path) or _nul_in(item, f"{path}.{key}"[:MAX_MESSAGE])
        if found is not None:
            return found
    return None


def parse_data(topic: str, event: CloudEvent) -> EventData:
    """Validate the envelope's `data` against the model its topic and type name.

    Strict, as JSON: a string is not a boolean, a float not an integer (the envelope's
    `data` is re-serialised once, so JSON's own rules decide what a date or a UUID is)."""
    model = model_for(topic, event.type)
    try:
        return model.model_validate_json(to_json(event.data), strict=True)
    except ValidationError as exc:
        raise rejected_by_validation("schema_violation", f"{event.type} data invalid", exc,
                                     prefix="data") from None
    except ValueError as exc:  # data that JSON cannot carry (NaN from a lax sender)
        raise MessageRejected("schema_violation", f"{event.type} data invalid: {exc}") from None
