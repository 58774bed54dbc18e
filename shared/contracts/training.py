"""`training.events.v1`: sessions, enrolments, completions, certifications (keyed by subject)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData
from shared.contracts.types import Course, EnrolmentStatus, MunicipalityCode, TrainingRole


class _TrainingEvent(EventData):
    KEY_FIELD = None


class CourseSessionScheduled(_TrainingEvent):
    TYPE = "CourseSessionScheduled"

    session_id: UUID
    course: Course
    topic: str | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    municipality_code: MunicipalityCode
    venue: str
    digital: bool
    capacity: int = Field(ge=1)
    cancelled: bool = False
    """Added: a changed or cancelled session is re-announced with the same session_id."""


class EnrolmentRecorded(_TrainingEvent):
    TYPE = "EnrolmentRecorded"

    session_id: UUID
    person_id: UUID
    role: TrainingRole
    status: EnrolmentStatus
    waitlist_position: int | None = None


class CourseCompleted(_TrainingEvent):
    TYPE = "CourseCompleted"

    session_id: UUID
    person_id: UUID
    role: TrainingRole
    course: Course
    completed_at: datetime


class SupervisorCertified(_TrainingEvent):
    TYPE = "SupervisorCertified"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    certified_at: date
    valid_until: date


class SupervisorCertificationExpired(_TrainingEvent):
    TYPE = "SupervisorCertificationExpired"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    expired_at: date


class WorkplaceOpened(_TrainingEvent):
    TYPE = "WorkplaceOpened"

    workplace_id: UUID
    municipality_code: MunicipalityCode


TRAINING_EVENTS: tuple[type[EventData], ...] = (
    CourseSessionScheduled,
    EnrolmentRecorded,
    CourseCompleted,
    SupervisorCertified,
    SupervisorCertificationExpired,
    WorkplaceOpened,
)
