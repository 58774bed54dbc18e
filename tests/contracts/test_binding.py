"""The CloudEvents Kafka binding as consumers read it: structured mode as today, binary
mode (`ce_*` headers, `data` as the value), and what neither is (shared/contracts/binding.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from devkit.publisher import binary_mode
from shared.contracts import topics
from shared.contracts.binding import decode_message
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import decode, encode, parse_data
from shared.contracts.training import SupervisorCertified
from shared.inbox import digest
from shared.outbox import message_for

Headers = list[tuple[str, bytes]]


def certified() -> CloudEvent:
    data = SupervisorCertified(supervisor_id=uuid.uuid4(), workplace_id=uuid.uuid4(),
                               municipality_code="1380", certified_at=date(2026, 5, 4),
                               valid_until=date(2029, 5, 3))
    return new_event(data, source="urn:kommun:halmstad", subject=str(data.supervisor_id),
                     correlationid="flow-1", time=datetime(2026, 5, 4, 8, 15, tzinfo=UTC))


def binary(event: CloudEvent, **overrides: bytes | None) -> tuple[bytes, Headers]:
    """`event` as a binary-mode record: its attributes as `ce_` headers, `data` as value
    (`overrides`: a header's new value, None to leave it out)."""
    data, pairs = binary_mode(event)
    headers = dict(pairs)
    for name, value in overrides.items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    return data, list(headers.items())


def test_structured_mode_reads_as_before_with_or_without_headers() -> None:
    event = certified()
    published = message_for(event, topics.TRAINING_EVENTS, None)
    headers = [(name, value.encode()) for name, value in published.headers.items()]
    assert ("content-type", b"application/cloudevents+json") in headers
    assert published.value is not None
    for with_headers in ([], headers, [("ce_type", b"SupervisorCertified")]):
        assert decode_message(published.value, with_headers, 0) == decode(published.value)


def test_binary_mode_reads_as_the_structured_event_it_stands_for() -> None:
    event = certified()
    value, headers = binary(event)
    read = decode_message(value, headers, 0)
    assert read == decode(encode(event))
    assert (read.source, read.subject, read.correlationid, read.dataversion) == (
        "urn:kommun:halmstad", event.subject, "flow-1", 1)
    assert digest(read) == digest(event), "the same event in either mode: no conflict"
    data = parse_data(topics.TRAINING_EVENTS, read)
    assert isinstance(data, SupervisorCertified) and data.certified_at == date(2026, 5, 4)


def test_binary_mode_keeps_extensions_and_takes_the_record_timestamp_without_ce_time() -> None:
    value, headers = binary(certified(), ce_time=None, ce_causationid=b"cause-1",
                            ce_traceparent=b"00-abc-def-01",
                            **{"content-type": b"Application/JSON; charset=utf-8"})
    read = decode_message(value, headers, 1_777_882_500_000)
    assert read.time == datetime(2026, 5, 4, 8, 15, tzinfo=UTC)
    assert read.causationid == "cause-1"
    assert read.model_extra == {"traceparent": "00-abc-def-01"}


def test_binary_mode_without_a_content_type_is_json() -> None:
    value, headers = binary(certified(), **{"content-type": None})
    assert decode_message(value, headers, 0).type == "SupervisorCertified"


def test_a_structured_content_type_wins_over_ce_headers() -> None:
    event = certified()
    _, headers = binary(event, **{"content-type": b"application/cloudevents+json"})
    assert decode_message(encode(event), headers, 0) == decode(encode(event))


def _refusal(value: bytes | None, headers: Headers, timestamp: int | None = 0) -> MessageRejected:
    with pytest.raises(MessageRejected) as refused:
        decode_message(value, headers, timestamp)
    return refused.value


@pytest.mark.parametrize(("overrides", "kind", "says"), [
    ({"ce_id": None}, "not_cloudevent", "id: Field required"),
    ({"ce_specversion": b"0.3"}, "not_cloudevent", "specversion"),
    ({"ce_time": b"yesterday"}, "not_cloudevent", "time"),
    ({"ce_dataversion": b"one"}, "not_cloudevent", "dataversion"),
    ({"ce_id": b"\xff\xfe"}, "not_cloudevent", "ce_id is not UTF-8"),
    ({"ce_id": b"a\x00b"}, "not_cloudevent", "id"),
    ({"ce_data": b"{}"}, "not_cloudevent", "names no CloudEvents attribute"),
    ({"ce_Type": b"x"}, "not_cloudevent", "names no CloudEvents attribute"),
    ({"content-type": b"text/plain"}, "not_cloudevent", "is not application/json"),
])
def test_a_bad_binary_record_is_refused_with_a_reason(
        overrides: dict[str, bytes | None], kind: str, says: str) -> None:
    value, headers = binary(certified(), **overrides)
    refused = _refusal(value, headers)
    assert (refused.kind, refused.reason.startswith("binary mode")) == (kind, True)
    assert says in refused.reason, refused.reason


@pytest.mark.parametrize(("value", "kind", "says"), [
    (b"{not json", "malformed_json", "value is not valid JSON"),
    (b'{"a": NaN}', "malformed_json", "value is not valid JSON"),
    (b"", "malformed_json", "value is not valid JSON"),
    (None, "malformed_json", "no value"),
    (b"[1, 2]", "not_cloudevent", "data: Input should be an object"),
    (b'{"name": "a\\u0000b"}', "schema_violation", "data.name: text may not contain NUL"),
])
def test_a_binary_value_that_is_no_json_object_is_refused(
        value: bytes | None, kind: str, says: str) -> None:
    _, headers = binary(certified())
    refused = _refusal(value, headers)
    assert refused.kind == kind and says in refused.reason, refused.reason


def test_a_repeated_attribute_or_no_time_at_all_is_refused() -> None:
    value, headers = binary(certified())
    assert "comes twice" in _refusal(value, [*headers, ("ce_id", b"other")]).reason
    value, headers = binary(certified(), ce_time=None)
    assert "no ce_time" in _refusal(value, headers, timestamp=None).reason


def test_a_record_that_is_neither_structured_nor_binary_is_refused_as_before() -> None:
    data: dict[str, Any] = json.loads(encode(certified()))["data"]
    refused = _refusal(json.dumps(data).encode(), [("content-type", b"application/json")])
    assert refused.kind == "not_cloudevent" and not refused.reason.startswith("binary")
