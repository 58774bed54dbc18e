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

PROGRAMS: tuple[Program, ...] = ("prao", "summer_job", "work_trial", "internship", "job_track")
ROUND_PROGRAMS: frozenset[str] = frozenset({"prao", "summer_job"})

__all__ = ["date"]
