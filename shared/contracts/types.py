"""Field types shared by the event models (CONTRACT.md, "Ids are UUID strings" etc.)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
"""SCB's four-digit municipality code, e.g. 1380 for Halmstad."""

OccupationCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
"""SSYK 2012 four-digit occupation code."""

OrgNumber = Annotated[str, StringConstraints(pattern=r"^\d{6}-?\d{4}$")]
PhoneE164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
NeedTag = Annotated[str, StringConstraints(min_length=1, max_length=64)]
LanguageCode = Annotated[str, StringConstraints(min_length=2, max_length=8)]

# Limits on what a sender may send (documented in the JSON Schemas): an input is bounded,
# so no answer, row or log line grows with what a careless or hostile sender writes.
MAX_PREFERENCES = 10
"""Ranked wishes per request (Praktikplatsen lets a student pick five)."""
MAX_GUARDIANS = 4
MAX_TAGS = 20
"""Needs of a participant or request, supports of an offer, languages of a supervisor."""

MAX_CAPACITY = 10_000
"""Places in one offer."""
MAX_PRIORITY = 1_000_000

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A person's or a workplace's name."""
Reference = Annotated[str, StringConstraints(max_length=128)]
"""A sender's own reference (`external_ref`, `*_ref`)."""
Email = Annotated[str, StringConstraints(max_length=254)]
"""As received; registration checks the address itself (RFC 5321 caps it at 254)."""
PhoneInput = Annotated[str, StringConstraints(max_length=32)]
"""As received; registration turns it into E.164."""
Text = Annotated[str, StringConstraints(max_length=2000)]
"""Free text: a reason, an address, a venue."""
IdentityNumberInput = Annotated[str, StringConstraints(max_length=32)]
"""A personnummer or samordningsnummer as the sender wrote it (registration checks it)."""

Program = Literal["prao", "summer_job", "work_trial", "internship", "job_track"]
Gender = Literal["female", "male", "other", "unspecified"]
Sector = Literal["municipal", "region", "state", "private", "nonprofit"]
ContactRole = Literal["participant", "guardian", "supervisor", "manager", "coordinator"]
Course = Literal["manager_breakfast", "base_course", "deep_dive", "supervisor_network"]
TrainingRole = Literal["supervisor", "manager"]
EnrolmentStatus = Literal["enrolled", "waitlisted", "cancelled"]
DeclinedBy = Literal["workplace", "participant", "guardian"]
Outcome = Literal["employed", "summer_substitute", "studies", "continued_search", "discontinued"]
Channel = Literal["email", "sms"]
ConsentState = Literal["granted", "refused", "pending"]
ConsentChannel = Literal["link", "coordinator", "intake"]
AnsweredBy = Literal["workplace", "participant", "guardian"]
RecordedBy = Literal["link", "coordinator"]
"""Who recorded a party's answer: the party, by its link; or a coordinator, for a party
who answered by phone or in person."""
Awaited = Literal["workplace", "participant", "guardian", "consent"]
"""Whom a placement waits for: a party's yes, or a guardian's consent."""
SummerJobVariant = Literal["feriepraktik", "feriearbete"]
"""The two kinds of `summer_job`: feriepraktik (after school year 8) and feriearbete
(ages 16–19), each with its own age band and its own name in letters."""
ErasedRole = Literal["supervisor", "manager", "guardian"]
"""Whom a `PersonErased` is about (a participant's erasure is `ParticipantErased`)."""
ClosedReason = Literal["certification_expired", "supervisor_left", "manager_left"]
"""Why a workplace is no longer open (`WorkplaceClosed`)."""

CONTRACT_TIMEZONE = ZoneInfo("Europe/Stockholm")
"""Where a timestamp's calendar date is taken, when a field keeps only a date."""

_ISO_DATE = TypeAdapter(date)
_TIMESTAMP = TypeAdapter(AwareDatetime)


def calendar_date(value: Any) -> Any:
    """A date field's input as its date: an ISO date as it is, an RFC 3339 timestamp
    (text or an aware `datetime`) as its calendar date in Europe/Stockholm
    (`2026-05-03T22:30:00Z` is 4 May). A timestamp without an offset is refused: it
    names no instant. Anything else is left for `date` to refuse."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a timestamp needs an offset (RFC 3339), e.g. 2026-05-04T08:15:00Z")
        return value.astimezone(CONTRACT_TIMEZONE).date()
    if not isinstance(value, str):
        return value
    try:
        if len(value) <= len("2026-05-04"):
            return _ISO_DATE.validate_strings(value, strict=True)
        moment = _TIMESTAMP.validate_strings(value, strict=True)
    except ValidationError as error:
        raise ValueError("neither an ISO date (2026-05-04) nor an RFC 3339 timestamp "
                         f"(2026-05-04T08:15:00Z): {error.errors()[0]['msg']}") from None
    return moment.astimezone(CONTRACT_TIMEZONE).date()


def start_of_day(day: date) -> str:
    """The RFC 3339 timestamp (UTC) at which `day` begins in Europe/Stockholm: its calendar
    date there is `day` again (`calendar_date`)."""
    moment = datetime.combine(day, time(), CONTRACT_TIMEZONE).astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


_DATE_SCHEMA = {"type": "string", "format": "date"}
_TIMESTAMP_SCHEMA = {"type": "string", "format": "date-time"}

DateOrTimestamp = Annotated[
    date,
    BeforeValidator(calendar_date),
    WithJsonSchema({
        "anyOf": [_DATE_SCHEMA, _TIMESTAMP_SCHEMA],
        "description": "An ISO date, published so. Added: an RFC 3339 timestamp is "
                       "accepted too; it counts as its calendar date in Europe/Stockholm.",
    }, mode="validation"),
    WithJsonSchema(_DATE_SCHEMA, mode="serialization"),
]
"""A date a sender may also give as an RFC 3339 timestamp, which counts as its calendar
date in Europe/Stockholm (`calendar_date`); published as an ISO date. For a date field
whose name is not `*_at` (`valid_until`)."""

DateTimestamp = Annotated[
    date,
    BeforeValidator(calendar_date),
    PlainSerializer(start_of_day, return_type=str, when_used="json"),
    WithJsonSchema({
        "anyOf": [_TIMESTAMP_SCHEMA, _DATE_SCHEMA],
        "description": "An RFC 3339 timestamp in UTC, as every `*_at`, of which only the "
                       "calendar date in Europe/Stockholm counts; published as the start "
                       "of that day. Added: published as a timestamp (it was an ISO date, "
                       "which is still accepted).",
    }, mode="validation"),
    WithJsonSchema(_TIMESTAMP_SCHEMA, mode="serialization"),
]
"""A date in a field named `*_at`, which the contract makes an RFC 3339 timestamp:
read like `DateOrTimestamp` (a timestamp counts as its calendar date in
Europe/Stockholm, an ISO date is accepted too) and published, in JSON, as the timestamp
at which that day begins there (`start_of_day`). In Python it is a `date`."""

PROGRAMS: tuple[Program, ...] = ("prao", "summer_job", "work_trial", "internship", "job_track")
ROUND_PROGRAMS: frozenset[str] = frozenset({"prao", "summer_job"})

__all__ = ["date"]
