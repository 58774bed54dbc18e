"""Dead letters: the original message on `<topic>.dlq` with the reason in headers.

Dead letters go through the outbox in the consumer's own transaction, so a message
is either handled or dead-lettered, durably, before its offset is committed. So a dead
letter must always be storable and sendable, whatever bytes the original had: key and
header values become text Postgres takes (no NUL, no lone surrogate), the sender's
headers are bounded, and a value that would take the record over the limit is cut,
with `dlq.truncated` giving its original size (the original stays in the log at
`dlq.original.topic/partition/offset`).
"""

from __future__ import annotations

import re
from typing import Any

from shared.contracts.errors import MessageRejected
from shared.contracts.topics import dead_letter_topic
from shared.outbox import DEFAULT_MAX_MESSAGE_BYTES, OutboxMessage, record_size

HEADER_KIND = "dlq.error.kind"
HEADER_REASON = "dlq.error.reason"
HEADER_FIELD = "dlq.error.field"
HEADER_EXCEPTION = "dlq.error.type"
HEADER_TOPIC = "dlq.original.topic"
HEADER_PARTITION = "dlq.original.partition"
HEADER_OFFSET = "dlq.original.offset"
HEADER_CONSUMER = "dlq.consumer"
HEADER_TRUNCATED = "dlq.truncated"
"""Present when the value was cut to fit: the original value's size in bytes."""

KEY_MAX_CHARS = 1000
SENDER_HEADERS_MAX = 32
SENDER_HEADER_NAME_MAX_CHARS = 200
SENDER_HEADER_VALUE_MAX_CHARS = 1000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What Postgres text and JSONB refuse: NUL, and surrogates (not encodable as UTF-8)."""


def storable_text(value: str | bytes | bytearray, max_chars: int) -> str:
    """At most `max_chars` of `value` as text Postgres stores (bad bytes become U+FFFD)."""
    text = value if isinstance(value, str) else bytes(value).decode(errors="replace")
    return _UNSTORABLE.sub("\ufffd", text[:max_chars])


def record_id(record: Any) -> str:
    """A stable id for a record whose event id cannot be read: its position in the log."""
    return f"{record.topic}:{record.partition}:{record.offset}"


def dead_letter(record: Any, error: MessageRejected, consumer: str,
                exception_type: str | None = None,
                max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                topic: str | None = None) -> OutboxMessage:
    """The outbox message that dead-letters `record`, at most `max_bytes` on the wire
    (pass the service's `kafka_max_message_bytes`). `topic` is the contract's name of the
    record's topic (default: the record's own; they differ under a topic prefix): the
    dead letter goes to its `.dlq` twin, and `dlq.original.topic` names it."""
    origin = record.topic if topic is None else topic
    headers = {
        HEADER_KIND: storable_text(error.kind, 100),
        HEADER_REASON: storable_text(error.reason, 2000),
        HEADER_FIELD: storable_text(",".join(p.field for p in error.problems), 1000),
        HEADER_EXCEPTION: storable_text(exception_type or type(error).__name__, 200),
        HEADER_TOPIC: storable_text(origin, 300),
        HEADER_PARTITION: str(record.partition),
        HEADER_OFFSET: str(record.offset),
        HEADER_CONSUMER: storable_text(consumer, 300),
    }
    # Keep the sender's own headers too, so a replay re-publishes the message as it was.
    for sender_name, sender_value in list(record.headers or ())[:SENDER_HEADERS_MAX]:
        name = f"orig.{storable_text(sender_name, SENDER_HEADER_NAME_MAX_CHARS)}"
        if name not in headers and isinstance(sender_value, bytes | bytearray):
            headers[name] = storable_text(sender_value, SENDER_HEADER_VALUE_MAX_CHARS)
    key = storable_text(record.key, KEY_MAX_CHARS) if record.key is not None else None
    value: bytes | None = record.value
    if value is not None and _size(value, key, headers) > max_bytes:
        headers[HEADER_TRUNCATED] = str(len(value))
        value = value[:max(0, max_bytes - _size(None, key, headers))]
    return OutboxMessage(
        topic=dead_letter_topic(origin),
        key=key,
        value=value,
        event_id=f"dlq:{consumer}:{record_id(record)}",
        headers=headers,
    )


def _size(value: bytes | None, key: str | None, headers: dict[str, str]) -> int:
    return record_size(value, key.encode() if key is not None else None,
                       [(k, v.encode()) for k, v in headers.items()])
