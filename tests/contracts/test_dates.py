"""Date fields a sender may give as a date or as an RFC 3339 timestamp (`certified_at`,
`valid_until`, `expired_at`): a timestamp counts as its calendar date in Stockholm, and
the `*_at` ones are published as timestamps (shared/contracts/types.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.contracts import topics
from shared.contracts.envelope import new_event
from shared.contracts.errors import MessageRejected
from shared.contracts.matching import PlacementProposed
from shared.contracts.registry import decode, encode, parse_data
from shared.contracts.training import (
    CourseCompleted,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    SupervisorCertified,
)
from shared.contracts.types import DateOrTimestamp, DateTimestamp


class Dates(BaseModel):
    day: DateOrTimestamp
    at: DateTimestamp


def read(value: object) -> date:
    """`value` as JSON in both kinds of field, validated strictly as the consumer does."""
    text = json.dumps(value)
    dates = Dates.model_validate_json(f'{{"day": {text}, "at": {text}}}', strict=True)
    assert dates.day == dates.at, "both kinds read alike"
    return dates.day


@pytest.mark.parametrize(("sent", "kept"), [
    ("2026-05-04", date(2026, 5, 4)),
    ("2026-05-04T08:15:00Z", date(2026, 5, 4)),
    ("2026-05-03T21:59:59Z", date(2026, 5, 3)),  # 23:59:59 in Stockholm (summer time)
    ("2026-05-03T22:00:00Z", date(2026, 5, 4)),  # midnight in Stockholm
    ("2026-01-01T22:59:59.999Z", date(2026, 1, 1)),  # winter time: one hour ahead
    ("2026-01-01T23:00:00+00:00", date(2026, 1, 2)),
    ("2026-05-04T01:30:00+05:30", date(2026, 5, 3)),  # 22:00 in Stockholm the day before
    ("2026-05-04t08:15:00z", date(2026, 5, 4)),
])
def test_a_date_and_a_timestamp_are_both_accepted_a_timestamp_as_its_stockholm_date(
        sent: str, kept: date) -> None:
    assert read(sent) == kept


@pytest.mark.parametrize(("sent", "says"), [
    ("2026-05-04T08:15:00", "timezone"),  # no offset: no instant, so no date
    ("2026-13-01", "neither an ISO date"),
    ("2026-05-04T25:00:00Z", "neither an ISO date"),
    ("yesterday", "neither an ISO date"),
    (20260504, "valid date"),
    (None, "valid date"),
])
def test_what_is_neither_is_refused_with_a_reason(sent: object, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read(sent)
    assert says in str(refused.value)


def test_the_at_fields_are_published_as_the_timestamp_their_day_begins_in_stockholm() -> None:
    winter, summer = date(2026, 1, 15), date(2026, 7, 1)
    assert json.loads(Dates(day=winter, at=winter).model_dump_json()) == {
        "day": "2026-01-15", "at": "2026-01-14T23:00:00Z"}
    assert Dates(day=summer, at=summer).model_dump(mode="json")["at"] == "2026-06-30T22:00:00Z"
    assert Dates(day=summer, at=summer).model_dump()["at"] == summer, "a date in Python"


def test_what_is_published_reads_back_as_the_same_day_across_the_clock_changes() -> None:
    first = date(2026, 1, 1)
    for n in range(800):  # two springs and two autumns
        day = first + timedelta(days=n)
        assert read(Dates(day=day, at=day).model_dump(mode="json")["at"]) == day


def test_a_model_built_in_python_takes_an_aware_datetime_as_its_date_and_refuses_a_naive_one(
) -> None:
    late = datetime(2026, 5, 3, 23, 30, tzinfo=UTC)
    assert Dates(day=late, at=late).at == date(2026, 5, 4)
    assert Dates(day=late.astimezone(timezone(timedelta(hours=-5))), at=late).day == date(
        2026, 5, 4), "the instant counts, not the offset it was written in"
    with pytest.raises(ValidationError, match="offset"):
        Dates(day=datetime(2026, 5, 3, 23, 30), at=date(2026, 5, 3))


def test_the_schema_says_both_are_accepted_and_what_is_published() -> None:
    schema = SupervisorCertified.model_json_schema()["properties"]
    assert [s["format"] for s in schema["certified_at"]["anyOf"]] == ["date-time", "date"]
    assert [s["format"] for s in schema["valid_until"]["anyOf"]] == ["date", "date-time"]
    assert "Europe/Stockholm" in schema["certified_at"]["description"]
    published = SupervisorCertified.model_json_schema(mode="serialization")["properties"]
    assert (published["certified_at"]["format"], published["valid_until"]["format"]) == (
        "date-time", "date")


def _certified(**data: Any) -> bytes:
    event = new_event(SupervisorCertified(
        supervisor_id=uuid.uuid4(), workplace_id=uuid.uuid4(), municipality_code="1380",
        certified_at=date(2026, 5, 4), valid_until=date(2029, 5, 3)), source="urn:test")
    envelope = json.loads(encode(event))
    envelope["data"].update(data)
    return json.dumps(envelope).encode()


def test_training_publishes_certified_at_as_a_timestamp_and_valid_until_as_a_date() -> None:
    data = json.loads(_certified())["data"]
    assert (data["certified_at"], data["valid_until"]) == ("2026-05-03T22:00:00Z", "2029-05-03")
    parsed = parse_data(topics.TRAINING_EVENTS, decode(_certified()))
    assert isinstance(parsed, SupervisorCertified)
    assert (parsed.certified_at, parsed.valid_until) == (date(2026, 5, 4), date(2029, 5, 3))


def test_a_consumer_reads_the_certificate_events_of_a_sender_following_the_contract() -> None:
    parsed = parse_data(topics.TRAINING_EVENTS, decode(_certified(
        certified_at="2026-05-04T09:30:00+02:00", valid_until="2029-05-03T12:00:00Z")))
    assert isinstance(parsed, SupervisorCertified)
    assert (parsed.certified_at, parsed.valid_until) == (date(2026, 5, 4), date(2029, 5, 3))
    ids = {"supervisor_id": str(uuid.uuid4()), "workplace_id": str(uuid.uuid4()),
           "municipality_code": "1380"}
    expired = SupervisorCertificationExpired.model_validate_json(
        json.dumps({**ids, "expired_at": "2029-05-03T22:00:00Z"}), strict=True)
    expiring = SupervisorCertificationExpiring.model_validate_json(
        json.dumps({**ids, "valid_until": "2029-05-03T10:00:00Z"}), strict=True)
    assert (expired.expired_at, expiring.valid_until) == (date(2029, 5, 4), date(2029, 5, 3))


def test_a_timestamp_without_an_offset_is_refused_with_the_field_named() -> None:
    with pytest.raises(MessageRejected) as refused:
        parse_data(topics.TRAINING_EVENTS, decode(_certified(certified_at="2026-05-04T09:30")))
    assert refused.value.kind == "schema_violation"
    assert refused.value.first_field == "data.certified_at"


@pytest.mark.parametrize(("model", "field"), [
    (CourseCompleted, "completed_at"), (PlacementProposed, "accept_by"),
    (PlacementProposed, "answer_by"), (PlacementProposed, "consent_by"),
])
def test_every_published_instant_needs_its_offset(model: type[BaseModel], field: str) -> None:
    """An instant without an offset means a different moment to each reader: refused,
    where the contract's `*_at` and deadlines are RFC 3339 timestamps."""
    field_info = model.model_fields[field]
    schema = model.model_json_schema()["properties"][field]
    assert "date-time" in json.dumps(schema), schema
    assert field_info.annotation is not None
    adapter: TypeAdapter[Any] = TypeAdapter(field_info.annotation)
    assert adapter.validate_python("2026-05-04T09:30:00+02:00") is not None
    with pytest.raises(ValidationError, match="timezone"):
        adapter.validate_python("2026-05-04T09:30:00")
