"""A dead letter is always storable in the outbox, whatever bytes the original had: no
NUL, no lone surrogate in its key or headers, bounded headers, a value cut to the limit.
Unit tests: no broker, no database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiokafka import errors as kafka_errors

from shared.errors import Rejected
from shared.kafka.dead_letter import (
    HEADER_REASON,
    HEADER_TRUNCATED,
    SENDER_HEADER_VALUE_MAX_CHARS,
    SENDER_HEADERS_MAX,
    dead_letter,
)
from shared.outbox import RecordTooLarge, record_size, unsendable


@dataclass
class Record:
    """What the consumer hands `dead_letter`: an aiokafka ConsumerRecord's fields."""

    value: bytes | None
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    topic: str = "registration.intake.v1"
    partition: int = 2
    offset: int = 41


def _storable(text: str) -> bool:
    """What Postgres text and JSONB accept: UTF-8 encodable, no NUL."""
    text.encode("utf-8")
    return "\x00" not in text


def test_nul_and_surrogates_in_key_and_headers_become_replacement_characters() -> None:
    record = Record(
        value=b"\x00\xff",
        key=b"13\x00\xed\xa0\x8080",
        headers=[("ce\x00id", b"a\x00b"), ("bad", b"\xed\xa0\x80\xff"), ("x", "\ud800".encode(
            "utf-8", "surrogatepass"))],
    )
    error = Rejected.field("data.name\x00", "not text: \ud800 \x00")
    message = dead_letter(record, error, "intake")
    assert message.key is not None and _storable(message.key)
    assert message.key.startswith("13\ufffd")
    for name, value in message.headers.items():
        assert _storable(name) and _storable(value), (name, value)
    assert message.headers["orig.ce\ufffdid"] == "a\ufffdb"
    assert message.headers[HEADER_REASON] == "data.name\ufffd: not text: \ufffd \ufffd"
    json.dumps(message.headers, ensure_ascii=False).encode("utf-8")
    assert message.value == b"\x00\xff", "the value is bytes (bytea): kept as it was"


def test_sender_headers_are_bounded() -> None:
    headers = [(f"h{n}", b"v" * 5000) for n in range(100)]
    message = dead_letter(Record(value=b"{}", headers=headers), Rejected.field("a", "b"), "c")
    copied = [name for name in message.headers if name.startswith("orig.")]
    assert len(copied) == SENDER_HEADERS_MAX
    assert all(len(message.headers[name]) == SENDER_HEADER_VALUE_MAX_CHARS for name in copied)


def test_a_value_over_the_limit_is_cut_and_the_letter_fits() -> None:
    value = b"x" * 50_000
    message = dead_letter(Record(value=value, key=b"1380"), Rejected.field("a", "b"), "c",
                          max_bytes=10_000)
    assert message.headers[HEADER_TRUNCATED] == "50000"
    assert message.value is not None and value.startswith(message.value)
    size = record_size(message.value, b"1380",
                       [(k, v.encode()) for k, v in message.headers.items()])
    assert 9_000 < size <= 10_000
    small = dead_letter(Record(value=b"x" * 100), Rejected.field("a", "b"), "c",
                        max_bytes=10_000)
    assert HEADER_TRUNCATED not in small.headers and small.value == b"x" * 100


def test_only_what_concerns_the_record_makes_it_unsendable() -> None:
    assert unsendable(RecordTooLarge("2000000 bytes"))
    assert unsendable(kafka_errors.MessageSizeTooLargeError())
    assert unsendable(kafka_errors.InvalidTopicError())
    assert unsendable(kafka_errors.RecordTooLargeError())
    for error in (kafka_errors.KafkaTimeoutError(), kafka_errors.KafkaConnectionError(),
                  kafka_errors.NotLeaderForPartitionError(), kafka_errors.ProducerClosed(),
                  kafka_errors.OutOfOrderSequenceNumber(),
                  kafka_errors.TopicAuthorizationFailedError(), kafka_errors.KafkaError(),
                  RuntimeError("bug"), OSError("reset")):
        assert not unsendable(error), error
