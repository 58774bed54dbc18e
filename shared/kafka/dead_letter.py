"""Dead letters: the original message, unchanged, on `<topic>.dlq` with the reason in headers.

Dead letters go through the outbox in the consumer's own transaction, so a message
is either handled or dead-lettered, durably, before its offset is committed.
"""

from __future__ import annotations

from typing import Any

from shared.contracts.errors import MessageRejected
from shared.contracts.topics import dead_letter_topic
from shared.outbox import OutboxMessage

HEADER_KIND = "dlq.error.kind"
HEADER_REASON = "dlq.error.reason"
HEADER_FIELD = "dlq.error.field"
HEADER_EXCEPTION = "dlq.error.type"
HEADER_TOPIC = "dlq.original.topic"
HEADER_PARTITION = "dlq.original.partition"
HEADER_OFFSET = "dlq.original.offset"
HEADER_CONSUMER = "dlq.consumer"


def record_id(record: Any) -> str:
    """A stable id for a record whose event id cannot be read: its position in the log."""
    return f"{record.topic}:{record.partition}:{record.offset}"


def dead_letter(record: Any, error: MessageRejected, consumer: str,
                exception_type: str | None = None) -> OutboxMessage:
    headers = {
        HEADER_KIND: error.kind,
        HEADER_REASON: error.reason[:2000],
        HEADER_FIELD: ",".join(p.field for p in error.problems)[:1000],
        HEADER_EXCEPTION: exception_type or type(error).__name__,
        HEADER_TOPIC: record.topic,
        HEADER_PARTITION: str(record.partition),
        HEADER_OFFSET: str(record.offset),
        HEADER_CONSUMER: consumer,
    }
    # Keep the sender's own headers too, so a replay re-publishes the message as it was.
    for key, value in record.headers or ():
        if key not in headers and isinstance(value, bytes | bytearray):
            headers[f"orig.{key}"] = bytes(value).decode(errors="replace")
    key = record.key.decode(errors="replace") if record.key is not None else None
    return OutboxMessage(
        topic=dead_letter_topic(record.topic),
        key=key,
        value=record.value,
        event_id=f"dlq:{consumer}:{record_id(record)}",
        headers=headers,
    )
