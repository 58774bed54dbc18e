"""The contract in code: round trips, unknown fields kept, bad types named by field."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from shared.contracts import topics
from shared.contracts.envelope import new_event
from shared.contracts.errors import MessageRejected
from shared.contracts.registration import PlacementRequested
from shared.contracts.registry import EVENTS_BY_TOPIC, decode, encode, parse_data
from shared.contracts.schemas import OUT, render

CONTRACT_TYPES = {
    topics.REGISTRATION_EVENTS: {
        "ParticipantRegistered", "WorkplaceRegistered", "SupervisorRegistered",
        "PlacementSlotsOffered", "PlacementRequested", "GuardianConsentRecorded",
        "PlacementRequestWithdrawn", "PlacementSlotsWithdrawn", "ParticipantErased",
        "IntakeRejected",
    },
    topics.REGISTRATION_CONTACTS: {"ContactDetailsRecorded"},
    topics.TRAINING_EVENTS: {
        "CourseSessionScheduled", "EnrolmentRecorded", "CourseCompleted",
        "SupervisorCertified", "SupervisorCertificationExpired", "WorkplaceOpened",
    },
    topics.MATCHING_EVENTS: {
        "PlacementProposed", "PlacementConfirmed", "PlacementDeclined", "PlacementCancelled",
        "PlacementWaitlisted", "MatchingRoundCompleted", "PlacementCompleted",
    },
    topics.NOTIFICATIONS_EVENTS: {"NotificationDelivered", "NotificationFailed"},
}


def test_every_contract_type_has_a_model() -> None:
    for topic, names in CONTRACT_TYPES.items():
        assert names <= set(EVENTS_BY_TOPIC[topic]), topic
    intake = set(EVENTS_BY_TOPIC[topics.REGISTRATION_INTAKE])
    assert intake == CONTRACT_TYPES[topics.REGISTRATION_EVENTS] - {"IntakeRejected"}


def _request(**extra: object) -> PlacementRequested:
    return PlacementRequested.model_validate({
        "request_id": str(uuid.uuid4()),
        "participant_id": str(uuid.uuid4()),
        "municipality_code": "1380",
        "program": "summer_job",
        "period_start": "2027-06-14",
        "period_end": "2027-07-02",
        "preferences": [{"occupation": "5311"}, {"workplace_id": str(uuid.uuid4())}],
        "needs": ["language_support"],
        "priority": 2,
        **extra,
    })


def test_round_trip_keeps_envelope_and_unknown_fields() -> None:
    data = _request(added_later={"nested": True})
    cause = new_event(data, source="urn:test")
    event = new_event(data, source="urn:praktik:registration", cause=cause)
    decoded = decode(encode(event))
    assert decoded == event
    assert decoded.correlationid == cause.correlationid == cause.id
    assert decoded.causationid == cause.id
    parsed = parse_data(topics.REGISTRATION_EVENTS, decoded)
    assert parsed == data
    assert parsed.model_extra == {"added_later": {"nested": True}}
    assert json.loads(encode(event))["data"]["added_later"] == {"nested": True}


def test_unknown_envelope_attributes_are_kept() -> None:
    event = new_event(_request(), source="urn:test")
    raw = json.loads(encode(event))
    raw["traceparent"] = "00-abc-def-01"
    assert json.loads(encode(decode(json.dumps(raw).encode())))["traceparent"] == "00-abc-def-01"


def test_kafka_key_is_municipality_for_registration_and_subject_for_training() -> None:
    data = _request()
    assert data.kafka_key("subject") == "1380"
    training = EVENTS_BY_TOPIC[topics.TRAINING_EVENTS]["WorkplaceOpened"].model_validate(
        {"workplace_id": str(uuid.uuid4()), "municipality_code": "1380"}
    )
    assert training.kafka_key("the-subject") == "the-subject"


@pytest.mark.parametrize(
    ("raw", "kind", "field"),
    [
        (b"{not json", "malformed_json", ""),
        (b"[1, 2]", "not_cloudevent", ""),
        (b'{"id": "x"}', "not_cloudevent", "specversion"),
    ],
)
def test_decode_refuses_what_is_not_a_cloudevent(raw: bytes, kind: str, field: str) -> None:
    with pytest.raises(MessageRejected) as caught:
        decode(raw)
    assert caught.value.kind == kind
    assert caught.value.first_field == field


def test_unknown_type_and_wrong_field_types_are_named() -> None:
    event = new_event(_request(), source="urn:test")
    with pytest.raises(MessageRejected) as unknown:
        parse_data(topics.REGISTRATION_EVENTS, event.model_copy(update={"type": "Nope"}))
    assert unknown.value.kind == "unknown_type"
    bad = event.model_copy(update={"data": {**event.data, "priority": "high",
                                            "period_start": "not-a-date"}})
    with pytest.raises(MessageRejected) as invalid:
        parse_data(topics.REGISTRATION_EVENTS, bad)
    assert invalid.value.kind == "schema_violation"
    assert {p.field for p in invalid.value.problems} == {"data.priority", "data.period_start"}


def test_period_order_and_preference_shape_are_checked() -> None:
    with pytest.raises(ValueError, match="period_end"):
        _request(period_start=date(2027, 7, 1), period_end=date(2027, 6, 1))
    with pytest.raises(ValueError, match="either an occupation or a workplace_id"):
        _request(preferences=[{}])


def test_checked_in_schemas_match_the_models() -> None:
    """CI fails when docs/events drifts: regenerate with `python -m shared.contracts.schemas`."""
    for path, text in render().items():
        assert (OUT / path).exists(), f"missing schema {path}"
        assert (OUT / path).read_text() == text, f"schema drifted: {path}"
