"""Field types shared by the event models (CONTRACT.md, "Ids are UUID strings" etc.)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import StringConstraints

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
Awaited = Literal["workplace", "participant", "guardian", "consent"]
"""Whom a placement waits for: a party's yes, or a guardian's consent."""
SummerJobVariant = Literal["feriepraktik", "feriearbete"]
"""The two kinds of `summer_job`: feriepraktik (after school year 8) and feriearbete
(ages 16–19), each with its own age band and its own name in letters."""
ErasedRole = Literal["supervisor", "manager", "guardian"]
"""Whom a `PersonErased` is about (a participant's erasure is `ParticipantErased`)."""
ClosedReason = Literal["certification_expired", "supervisor_left", "manager_left"]
"""Why a workplace is no longer open (`WorkplaceClosed`)."""

PROGRAMS: tuple[Program, ...] = ("prao", "summer_job", "work_trial", "internship", "job_track")
ROUND_PROGRAMS: frozenset[str] = frozenset({"prao", "summer_job"})

__all__ = ["date"]
