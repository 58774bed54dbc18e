"""Whatever bytes arrive, decoding and validation end in an event or a `MessageRejected`
with a bounded reason; the envelope and the data are parsed strictly (no I/O)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DataError

from services.registration.entrypoints.intake import answer_rejection
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import (
    MAX_PROBLEMS,
    MAX_REASON,
    FieldProblem,
    MessageRejected,
    rejected_by_validation,
)
from shared.contracts.registration import IntakeRejected
from shared.contracts.registry import decode, parse_data
from shared.inbox import digest
from shared.kafka.consumer import failure_reason, text_key


def _envelope(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "type": "WorkplaceRegistered",
        "source": "urn:test", "time": "2026-12-01T08:00:00Z",
        "data": {"org_number": "212000-1355", "name": "Förskolan Dalen", "sector": "municipal",
                 "municipality_code": "1380", "client_contact": False,
                 "manager": {"name": "Chef Dalen"}},
    }
    envelope.update(changes)
    return envelope


def _raw(**changes: Any) -> bytes:
    return json.dumps(_envelope(**changes)).encode()


def _refusal(raw: bytes, topic: str = topics.REGISTRATION_INTAKE) -> MessageRejected:
    with pytest.raises(MessageRejected) as refused:
        parse_data(topic, decode(raw))
    assert len(refused.value.reason) <= MAX_REASON
    return refused.value


def test_a_valid_message_passes() -> None:
    data = parse_data(topics.REGISTRATION_INTAKE, decode(_raw()))
    assert data.model_dump()["client_contact"] is False


@pytest.mark.parametrize(("raw", "kind"), [
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "malformed_json"),
    (b"\xff\xfe\x00garbage", "malformed_json"),
    (b"\xef\xbb\xbf" + _raw(), "malformed_json"),  # a byte-order mark
    (b"[1, 2, 3]", "not_cloudevent"),
    (_raw().replace(b'"source": "urn:test"', b'"source": "urn:\\ud800"'), "malformed_json"),
    (_raw(id="a\x00b"), "not_cloudevent"),
    (_raw(correlationid="c\x00"), "not_cloudevent"),
    (_raw(id="x" * 3000), "not_cloudevent"),
    (_raw(time=1.5), "not_cloudevent"),
    (_raw(time="yesterday"), "not_cloudevent"),
    (_raw(dataversion="1"), "not_cloudevent"),
])
def test_a_broken_envelope_is_refused(raw: bytes, kind: str) -> None:
    assert _refusal(raw).kind == kind


@pytest.mark.parametrize(("field", "value"), [
    ("client_contact", "false"),  # a string is not a boolean
    ("min_age", "16"),  # nor an integer
    ("min_age", 16.5),
    ("name", "Dalen\x00"),  # text Postgres cannot store
    ("name", "x" * 201),  # longer than a name may be
    ("org_number", "2" * 40),
])
def test_data_is_validated_strictly(field: str, value: Any) -> None:
    envelope = _envelope()
    envelope["data"][field] = value
    refused = _refusal(json.dumps(envelope).encode())
    assert refused.kind == "schema_violation"
    assert refused.first_field in (f"data.{field}", "data")


def test_a_nul_in_nested_data_is_refused() -> None:
    envelope = _envelope()
    envelope["data"]["manager"]["name"] = "Chef\x00"
    refused = _refusal(json.dumps(envelope).encode())
    assert (refused.kind, refused.first_field) == ("schema_violation", "data.manager.name")


def test_ten_thousand_preferences_give_one_short_answer() -> None:
    envelope = _envelope(type="PlacementRequested", data={
        "participant_ref": "p-1", "municipality_code": "1380", "program": "prao",
        "period_start": "2027-03-15", "period_end": "2027-03-19", "preferences": [{}] * 10_000})
    refused = _refusal(json.dumps(envelope).encode())
    assert [p.field for p in refused.problems] == ["data.preferences"]


def test_a_refusal_names_at_most_max_problems_and_counts_the_rest() -> None:
    with pytest.raises(ValidationError) as invalid:
        TypeAdapter(list[int]).validate_python(["x"] * 50)
    refused = rejected_by_validation("schema_violation", "bad", invalid.value, prefix="data")
    assert len(refused.problems) == MAX_PROBLEMS
    assert refused.omitted == 50 - MAX_PROBLEMS
    problems = [FieldProblem(f"f{i}", "m") for i in range(99)]
    many = MessageRejected("rejected", "r" * 10_000, problems)
    assert (len(many.problems), many.omitted, len(many.reason)) == (MAX_PROBLEMS, 79, MAX_REASON)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode(
    errors="surrogatepass")))
def test_any_bytes_end_in_an_event_or_a_refusal(raw: bytes) -> None:
    try:
        parse_data(topics.REGISTRATION_INTAKE, decode(raw))
    except MessageRejected as refused:
        assert len(refused.reason) <= MAX_REASON


@settings(max_examples=200, derandomize=True, database=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30))
def test_any_json_as_data_ends_in_an_event_or_a_refusal(data: Any) -> None:
    raw = json.dumps(_envelope(data=data if isinstance(data, dict) else {"x": data})).encode()
    try:
        parse_data(topics.REGISTRATION_INTAKE, decode(raw))
    except MessageRejected:
        pass


def test_the_digest_tells_a_reused_id_from_a_redelivery() -> None:
    event = decode(_raw())
    again = CloudEvent.model_validate({**event.model_dump(), "time": "2026-12-02T08:00:00Z"})
    other = CloudEvent.model_validate({**event.model_dump(), "data": {"name": "Annan"}})
    assert digest(event) == digest(again)  # re-sent later: the same event
    assert digest(event) != digest(other)


def test_keys_and_failures_are_safe_to_store_and_show() -> None:
    assert text_key(b"1380") == "1380"
    assert text_key(b"13\x0080") is None
    assert text_key(b"\xff") is None
    error = DataError("INSERT INTO people VALUES ($1)", {"name": "Anna Andersson"},
                      ValueError("invalid byte sequence"))
    assert failure_reason(error) == "DataError (ValueError)"
    assert failure_reason(RuntimeError("boom")) == "RuntimeError: boom"


class _Answers:
    """The unit of work as `answer_rejection` sees it: what it publishes."""

    def __init__(self) -> None:
        self.cause: CloudEvent | None = None
        self.published: list[Any] = []

    def publish(self, data: Any, subject: str | None = None) -> None:
        self.published.append((data, subject, self.cause))


class _Record:
    def __init__(self, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> None:
        self.value = value
        self.headers = headers or []


async def test_an_intake_refusal_is_answered_briefly() -> None:
    envelope = _envelope(type="PlacementRequested", data={"preferences": [{}] * 5})
    problems = [FieldProblem(f"data.f{i}", "wrong") for i in range(60)]
    error = MessageRejected("schema_violation", "many", problems)
    uow = _Answers()
    await answer_rejection(decode(json.dumps(envelope).encode()), None, error, uow)  # type: ignore[arg-type]
    ((answer, subject, _),) = uow.published
    assert isinstance(answer, IntakeRejected) and subject == envelope["id"]
    assert (len(answer.errors), answer.more_errors) == (MAX_PROBLEMS, 60 - MAX_PROBLEMS)


@pytest.mark.parametrize("raw_id", ["a\x00b", "x" * 3000, 17, None])
async def test_an_id_that_cannot_name_an_answer_gets_none(raw_id: Any) -> None:
    """Not a CloudEvent, and its id unprintable or unbounded: the dead letter is all."""
    uow = _Answers()
    value = json.dumps({"id": raw_id, "source": "urn:test"}).encode()
    await answer_rejection(None, _Record(value), MessageRejected("not_cloudevent", "no"), uow)  # type: ignore[arg-type]
    assert uow.published == []


async def test_a_refused_binary_mode_request_is_answered_to_its_ce_id() -> None:
    """A binary-mode intake request (`ce_*` headers) that is no CloudEvent: the answer
    goes to the id and source in its headers."""
    uow = _Answers()
    headers = [("ce_specversion", b"1.0"), ("ce_id", b"request-7"),
               ("ce_source", b"urn:kommun:provsystem"), ("content-type", b"application/json")]
    record = _Record(json.dumps({"municipality_code": "1380"}).encode(), headers)
    error = MessageRejected("not_cloudevent", "binary mode: type: Field required")
    await answer_rejection(None, record, error, uow)  # type: ignore[arg-type]
    ((answer, subject, cause),) = uow.published
    assert isinstance(answer, IntakeRejected)
    assert (answer.source_event_id, answer.source, answer.municipality_code, subject) == (
        "request-7", "urn:kommun:provsystem", "1380", "request-7")
    assert cause is not None and cause.id == "request-7"
