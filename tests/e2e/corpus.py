"""The fuzz suite's corpus: per consumed topic, seeded hostile and valid messages, each
with what every consumer group reading it must make of it (see `test_fuzz`)."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args, get_origin
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from praktik_cli.demo.people import org_number
from services.matching.handlers import EVENT_HANDLERS as MATCHING_HANDLERS
from services.notifications.handlers import EVENT_HANDLERS as NOTIFICATIONS_HANDLERS
from services.registration.entrypoints.translate import TRANSLATIONS
from services.registration.handlers import NEWS_HANDLERS
from services.training.handlers import EVENT_HANDLERS as TRAINING_HANDLERS
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.registry import EVENTS_BY_TOPIC, decode, parse_data
from shared.kafka.dead_letter import (
    HEADER_CONSUMER,
    HEADER_KIND,
    HEADER_OFFSET,
    HEADER_PARTITION,
    HEADER_REASON,
    HEADER_TOPIC,
)
from tests.e2e.support import ConsumerGroup

SEED = 20261201
PER_TOPIC = 220
"""Messages per consumed topic (five topics: 1,100 a run)."""
NEAR_LIMIT = 900_000
OVER_DLQ_LIMIT = 1_020_000
"""A value the broker takes, whose dead letter (value plus headers) is over the
services' `kafka_max_message_bytes` (1,000,000): truncated, with `dlq.truncated`."""
HEADER_TRUNCATED = "dlq.truncated"
REQUIRED_HEADERS = (HEADER_TOPIC, HEADER_PARTITION, HEADER_OFFSET, HEADER_CONSUMER,
                    HEADER_KIND, HEADER_REASON)
MUNICIPALITIES = ("1380", "1383")
COMPACTED = {topics.REGISTRATION_CONTACTS}

HANDLED: dict[tuple[str, str], set[type[EventData]]] = {
    ("registration", "intake"): set(TRANSLATIONS),
    ("registration", "news"): set(NEWS_HANDLERS),
    ("matching", "events"): set(MATCHING_HANDLERS),
    ("training", "registration"): set(TRAINING_HANDLERS),
    **{("notifications", name): set(NOTIFICATIONS_HANDLERS)
       for name in ("contacts", "registration", "training", "matching")},
}
"""The event types each subscription has a handler for (others it skips)."""

Outcome = Literal["handled", "duplicate", "dead", "conflict"]


@dataclass
class Case:
    """One corpus record and what must become of it."""

    kind: str
    topic: str
    value: bytes | None
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    outcome: Outcome = "dead"
    dlq_kind: str | None = None
    model: type[EventData] | None = None
    event_id: str | None = None
    partition: int = -1
    offset: int = -1
    after: Case | None = None
    """The first copy of a duplicated or reused id: same key, so before it in its partition."""

    def expected(self, reader: ConsumerGroup) -> str:
        """`handled` or `dead-lettered:<kind>` for one consumer group."""
        if self.outcome == "conflict":  # only a group that claims the id can tell
            return "dead-lettered:conflict" if self.handles(reader) else "handled"
        if self.outcome == "dead":
            return f"dead-lettered:{self.dlq_kind}"
        return "handled"

    def handles(self, reader: ConsumerGroup) -> bool:
        return self.model in HANDLED.get((reader.service, reader.subscription), set())


# -- valid data ---------------------------------------------------------------------------

Rng = random.Random


def _uuid(rng: Rng) -> str:
    return str(UUID(int=rng.getrandbits(128), version=4))


FIELD_VALUES: dict[str, Callable[[Rng], Any]] = {
    "municipality_code": lambda rng: rng.choice(MUNICIPALITIES),
    "occupation": lambda _: "5311",
    "org_number": lambda rng: org_number(rng, "municipal"),
    "period_start": lambda _: "2027-06-14",
    "period_end": lambda _: "2027-07-02",
    "birth_date": lambda _: "2010-04-01",
    "starts_at": lambda _: "2027-03-01T08:00:00Z",
    "ends_at": lambda _: "2027-03-01T10:00:00Z",
    "completed_at": lambda _: "2027-03-01T10:00:00Z",
    "certified_at": lambda _: "2027-03-01",
    "valid_until": lambda _: "2030-03-01",
    "expired_at": lambda _: "2030-03-02",
    "preferred_language": lambda _: "sv",
    "language": lambda _: "sv",
    "personal_identity_number": lambda _: "20100401-2389",
    "source": lambda _: "urn:test",
    "source_event_id": _uuid,
    "errors": lambda _: [{"field": "data.name", "message": "fuzz"}],
}


def _value(annotation: Any, rng: Rng) -> Any:
    origin = get_origin(annotation)
    if origin is Literal:
        return get_args(annotation)[0]
    if origin is list:
        return []
    if origin is not None:  # X | None and the like: the first alternative that is not None
        return _value(next(a for a in get_args(annotation) if a is not type(None)), rng)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return example(annotation, rng)
    simple: dict[Any, Any] = {UUID: _uuid(rng), bool: False, int: 1, float: 1.0, str: "Fuzz",
                              date: "2027-06-14", datetime: "2027-03-01T08:00:00Z",
                              AwareDatetime: "2027-03-01T08:00:00Z"}
    return simple[annotation]


def example(model: type[BaseModel], rng: Rng) -> dict[str, Any]:
    """Only the required fields of `model`, each with a valid value."""
    return {name: FIELD_VALUES[name](rng) if name in FIELD_VALUES else _value(info.annotation, rng)
            for name, info in model.model_fields.items() if info.is_required()}


def required_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if info.is_required()]


def _fields_of(model: type[BaseModel], annotation: type) -> list[str]:
    return [name for name, info in model.model_fields.items()
            if info.annotation is annotation or annotation in get_args(info.annotation)]


SAFE: dict[str, tuple[str, ...]] = {
    topics.REGISTRATION_INTAKE: ("WorkplaceRegistered",),
    topics.REGISTRATION_EVENTS: ("WorkplaceRegistered", "PlacementSlotsWithdrawn"),
    topics.REGISTRATION_CONTACTS: ("ContactDetailsRecorded",),
    topics.TRAINING_EVENTS: ("WorkplaceOpened", "SupervisorCertified"),
    topics.MATCHING_EVENTS: ("MatchingRoundCompleted", "PlacementCancelled"),
}
"""Types whose valid events every reader handles without a domain refusal (any id)."""

CONFLICT: dict[str, str] = {
    topics.REGISTRATION_INTAKE: "WorkplaceRegistered",
    topics.REGISTRATION_EVENTS: "WorkplaceRegistered",
    topics.REGISTRATION_CONTACTS: "ContactDetailsRecorded",
    topics.TRAINING_EVENTS: "SupervisorCertified",
    topics.MATCHING_EVENTS: "PlacementCancelled",
}
"""A type every reader of the topic handles (claims in its inbox): reused ids of it."""


class Corpus:
    """The seeded generator of one run's messages."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cases: list[Case] = []
        self.keys: dict[int, tuple[dict[str, Any], bytes | None]] = {}
        """Contract keys of the valid envelopes made, by identity (each kept alive)."""

    # envelopes

    def data(self, topic: str, type_: str) -> dict[str, Any]:
        model = EVENTS_BY_TOPIC[topic][type_]
        data = example(model, self.rng)
        if model.KEY_FIELD in model.model_fields and model.KEY_FIELD not in data:
            data[model.KEY_FIELD] = FIELD_VALUES[model.KEY_FIELD](self.rng)  # keyed, ordered
        if topic == topics.REGISTRATION_INTAKE and type_ == "WorkplaceRegistered":
            data |= {"external_ref": f"fuzz-{_uuid(self.rng)}", "name": "Fuzzskolan",
                     "manager": {"name": "Chef Fuzz", "email": "chef.fuzz@example.com"}}
        return data

    def envelope(self, type_: str, data: Any, **attributes: Any) -> dict[str, Any]:
        event_id = _uuid(self.rng)
        return {"specversion": "1.0", "id": event_id, "type": type_, "source": "urn:test",
                "time": "2026-12-01T08:00:00Z", "subject": _uuid(self.rng),
                "datacontenttype": "application/json", "correlationid": event_id,
                "data": data, **attributes}

    def key_of(self, topic: str, envelope: dict[str, Any]) -> bytes | None:
        """The contract's key of a valid envelope (as made, before any mutation)."""
        if id(envelope) in self.keys:
            return self.keys[id(envelope)][1]
        model = EVENTS_BY_TOPIC[topic].get(envelope["type"])
        if model is None or not isinstance(envelope.get("data"), dict):
            return self.any_key(topic)
        key = model.model_construct(**envelope["data"]).kafka_key(envelope.get("subject"))
        return key.encode() if key is not None else None

    def any_key(self, topic: str) -> bytes | None:
        """A key for a broken message; never none on the compacted topic (the broker
        refuses a record without a key there)."""
        keys = [m.encode() for m in MUNICIPALITIES] + [b"x", _uuid(self.rng).encode()]
        return self.rng.choice(keys if topic in COMPACTED else [*keys, None])

    def valid(self, topic: str, type_: str | None = None) -> dict[str, Any]:
        chosen = type_ or self.rng.choice(SAFE[topic])
        envelope = self.envelope(chosen, self.data(topic, chosen))
        self.keys[id(envelope)] = (envelope, self.key_of(topic, envelope))
        return envelope

    # cases

    def add(self, case: Case) -> Case:
        self.cases.append(case)
        return case

    def event(self, kind: str, topic: str, envelope: dict[str, Any], outcome: Outcome = "dead",
              dlq_kind: str | None = None, key: bytes | Literal["contract"] | None = "contract",
              headers: list[tuple[str, bytes]] | None = None,
              raw: bytes | None = None) -> Case:
        model = EVENTS_BY_TOPIC[topic].get(str(envelope.get("type")))
        return self.add(Case(
            kind, topic, raw if raw is not None else json.dumps(envelope).encode(),
            self.key_of(topic, envelope) if key == "contract" else key, headers or [],
            outcome, dlq_kind, model, str(envelope.get("id"))))

    def handled(self, kind: str, topic: str, envelope: dict[str, Any], **extra: Any) -> Case:
        return self.event(kind, topic, envelope, outcome="handled", **extra)

    def topic(self, topic: str) -> None:
        """The fixed cases of one topic, then random ones up to PER_TOPIC (in this order:
        the seeded generator gives the same corpus every run)."""
        start = len(self.cases)
        self._missing_fields(topic)
        self._deep(topic)
        self._nul_bytes(topic)
        self._surrogates(topic)
        self._huge(topic)
        self._wrong_types(topic)
        self._tombstone(topic)
        while len(self.cases) - start < PER_TOPIC:
            self.random_case(topic)

    def _missing_fields(self, topic: str) -> None:
        """Every type with each required field missing in turn."""
        for type_, model in EVENTS_BY_TOPIC[topic].items():
            for name in required_fields(model):
                envelope = self.valid(topic, type_)
                del envelope["data"][name]
                self.event(f"missing {type_}.{name}", topic, envelope, dlq_kind="schema_violation",
                           key=self.any_key(topic))

    def _deep(self, topic: str) -> None:
        """JSON nested past the parsers' limits, whole or in `data`."""
        deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
        self.add(Case("deep nesting", topic, deep, self.any_key(topic), dlq_kind="malformed_json"))
        envelope = self.valid(topic)
        nested = json.dumps(envelope).encode().replace(
            b'"data": {', b'"data": {"deep": ' + b"[" * 5000 + b"]" * 5000 + b", ", 1)
        self.event("deep nesting in data", topic, envelope, raw=nested, dlq_kind="malformed_json")

    def _nul_bytes(self, topic: str) -> None:
        """NUL bytes in the id, the key, a header value, a UUID of `data`."""
        envelope = self.valid(topic)
        envelope["id"] = envelope["id"][:8] + "\x00" + envelope["id"][8:]
        self.event("NUL in id", topic, envelope, dlq_kind="not_cloudevent")
        self.handled("NUL in key", topic, self.valid(topic), key=b"13\x0080")
        self.handled("NUL in header value", topic, self.valid(topic),
                     headers=[("x-fuzz", b"a\x00b"), ("x-empty", b"")])
        envelope = self.valid(topic)
        self.event("NUL in header and key of a bad one", topic, dict(envelope, type="NoSuchType"),
                   key=b"\x00", headers=[("x-fuzz", b"\x00\xff")], dlq_kind="unknown_type")
        envelope = self.valid(topic)
        uuid_field = next(iter(_fields_of(EVENTS_BY_TOPIC[topic][envelope["type"]], UUID)), None)
        if uuid_field:
            envelope["data"][uuid_field] = "00000000-0000-4000-8000-\x0000000000000"
            self.event("NUL in a UUID of data", topic, envelope, dlq_kind="schema_violation")

    def _surrogates(self, topic: str) -> None:
        """Lone surrogates (JSON escapes: not UTF-8 once decoded) in id, source, correlationid."""
        rng = self.rng
        for attribute in ("id", "source", "correlationid"):
            envelope = self.valid(topic)
            marker = f"SURROGATE-{_uuid(rng)}"
            envelope[attribute] = f"{marker}"
            raw = json.dumps(envelope).encode().replace(marker.encode(),
                                                        b"fuzz\\ud800" + marker.encode())
            self.event(f"lone surrogate in {attribute}", topic, envelope, raw=raw,
                       dlq_kind="malformed_json")

    def _huge(self, topic: str) -> None:
        """Ids of thousands of characters, and values near the size limits."""
        rng = self.rng
        envelope = self.valid(topic)
        envelope["id"] = "i" * rng.randrange(3000, 6000)
        self.event("id of 3,000+ characters", topic, envelope, dlq_kind="not_cloudevent")
        envelope = self.valid(topic)
        envelope["causationid"] = "c" * 4000
        self.event("causationid of 4,000 characters", topic, envelope, dlq_kind="not_cloudevent")
        # near the limits
        envelope = self.valid(topic)
        envelope["data"]["fuzz_note"] = "n" * NEAR_LIMIT
        self.handled("valid, ~900 KB", topic, envelope)
        envelope = self.valid(topic)
        model = EVENTS_BY_TOPIC[topic][envelope["type"]]
        name = ("municipality_code" if "municipality_code" in model.model_fields
                else _fields_of(model, UUID)[0])
        envelope["data"][name] = "v" * NEAR_LIMIT
        self.event("~900 KB, invalid field", topic, envelope, dlq_kind="schema_violation")
        envelope = self.valid(topic)
        envelope["data"]["fuzz_note"] = "n" * OVER_DLQ_LIMIT
        envelope["type"] = "NoSuchType"
        self.event("1,020 KB, dead letter over the limit", topic, envelope,
                   dlq_kind="unknown_type")

    def _wrong_types(self, topic: str) -> None:
        """Wrong types in the envelope and in `data`."""
        rng = self.rng
        envelope = self.valid(topic)
        envelope["time"] = 1.5
        self.event("number for time", topic, envelope, dlq_kind="not_cloudevent")
        envelope = self.valid(topic)
        envelope["specversion"] = 1.0
        self.event("number for specversion", topic, envelope, dlq_kind="not_cloudevent")
        for wrong, annotation, value in (("string 'false' for a bool", bool, "false"),
                                         ("string for an int", int, "3"),
                                         ("float for an int", int, 1.5),
                                         ("number for a string", str, 7)):
            typed = [t for t, m in EVENTS_BY_TOPIC[topic].items() if _fields_of(m, annotation)]
            if not typed:
                continue
            type_ = rng.choice(typed)
            envelope = self.valid(topic, type_)
            name = rng.choice(_fields_of(EVENTS_BY_TOPIC[topic][type_], annotation))
            envelope["data"][name] = value
            self.event(wrong, topic, envelope, dlq_kind="schema_violation")

    def _tombstone(self, topic: str) -> None:
        """A tombstone: erasure on the compacted topic, not a message elsewhere."""
        rng = self.rng
        if topic == topics.REGISTRATION_CONTACTS:
            self.add(Case("tombstone", topic, None, _uuid(rng).encode(), outcome="handled"))
        else:
            self.add(Case("tombstone", topic, None, rng.choice(MUNICIPALITIES).encode(),
                          dlq_kind="malformed_json"))

    def random_case(self, topic: str) -> None:
        rng = self.rng
        pick = rng.choices(
            ["garbage", "truncated", "not an object", "valid", "duplicate", "conflict",
             "unknown type", "missing field", "envelope field missing", "data not an object"],
            weights=[10, 10, 6, 20, 8, 8, 6, 8, 6, 4])[0]
        if pick == "garbage":
            value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120)))
            with contextlib.suppress(ValueError):
                json.loads(value)
                value = b"\xff" + value  # garbage that happens to be JSON: garbage again
            self.add(Case("garbage bytes", topic, value, self.any_key(topic),
                          dlq_kind="malformed_json"))
        elif pick == "truncated":
            raw = json.dumps(self.valid(topic)).encode()
            self.add(Case("truncated JSON", topic, raw[: rng.randrange(1, len(raw) - 1)],
                          self.any_key(topic), dlq_kind="malformed_json"))
        elif pick == "not an object":
            scalar: Any = rng.choice([[1, 2, _uuid(rng)], _uuid(rng), rng.random(), None, True])
            self.add(Case("JSON not an object", topic, json.dumps(scalar).encode(),
                          self.any_key(topic), dlq_kind="not_cloudevent"))
        elif pick == "valid":
            self.handled("valid", topic, self.valid(topic))
        elif pick == "duplicate":
            envelope = self.valid(topic)
            first = self.handled("valid (duplicated next)", topic, envelope)
            self.event("exact duplicate", topic, envelope, outcome="duplicate").after = first
        elif pick == "conflict":
            envelope = self.valid(topic, CONFLICT[topic])
            first = self.handled("valid (id reused next)", topic, envelope)
            other = self.valid(topic, CONFLICT[topic])
            other["id"] = envelope["id"]
            self.event("reused id, other payload", topic, other, outcome="conflict",
                       key=self.key_of(topic, envelope)).after = first
        elif pick == "unknown type":
            envelope = self.valid(topic)
            envelope["type"] = rng.choice(["NoSuchEvent", "placementproposed", "X" * 200,
                                           "NotificationDelivered"
                                           if topic != topics.NOTIFICATIONS_EVENTS else "Y"])
            self.event("unknown type", topic, envelope, dlq_kind="unknown_type")
        elif pick == "missing field":
            type_ = rng.choice(list(EVENTS_BY_TOPIC[topic]))
            envelope = self.valid(topic, type_)
            del envelope["data"][rng.choice(required_fields(EVENTS_BY_TOPIC[topic][type_]))]
            self.event("missing field (random)", topic, envelope, dlq_kind="schema_violation",
                       key=self.any_key(topic))
        elif pick == "envelope field missing":
            envelope = self.valid(topic)
            del envelope[rng.choice(["specversion", "id", "type", "source", "time", "data"])]
            self.event("envelope attribute missing", topic, envelope, dlq_kind="not_cloudevent",
                       key=self.any_key(topic))
        else:
            envelope = self.valid(topic)
            envelope["data"] = rng.choice([[1], "data", 3, None])
            self.event("data not an object", topic, envelope, dlq_kind="not_cloudevent",
                       key=self.any_key(topic))

    def self_check(self) -> None:
        """Valid cases decode and validate here (else the corpus, not the system, is wrong)."""
        for case in self.cases:
            if case.outcome != "dead" and case.value is not None:
                parse_data(case.topic, decode(case.value))


def build_corpus(consumed: list[str]) -> list[Case]:
    corpus = Corpus(SEED)
    for topic in consumed:
        corpus.topic(topic)
    corpus.self_check()
    return corpus.cases


# -- observing the system -----------------------------------------------------------------
