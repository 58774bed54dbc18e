"""`training.events.v1`: sessions, enrolments, completions, certifications (keyed by subject)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import EventData
from shared.contracts.types import (
    MAX_TAGS,
    ClosedReason,
    Course,
    DateOrTimestamp,
    DateTimestamp,
    EnrolmentStatus,
    MunicipalityCode,
    NeedTag,
    TrainingRole,
)


class _TrainingEvent(EventData):
    KEY_FIELD = None


class Invitee(BaseModel):
    """Added: one person invited to a session by a `CourseSessionScheduled` announcement."""

    model_config = ConfigDict(extra="allow", frozen=True)

    person_id: UUID
    role: TrainingRole
    reason: str = "uncertified"
    """`uncertified` (registered, never certified), `certification_expired` (refresher),
    `certification_expiring` (renewal before the certificate runs out) or, for a manager
    invited to a breakfast meeting, `workplace_not_open` (the manager has not attended one)."""


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
    announcement: str = "scheduled"
    """Added: why this announcement: `scheduled` (new), `changed`, `cancelled`, or
    `invitation` (session unchanged; only the people in `invited` are new)."""
    supports: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    """Added: for a deep dive, the needs a supervisor who completes it is trained for
    (a deep dive on neuropsychiatric disabilities: `npf_support`)."""
    invited: list[Invitee] = Field(default_factory=list)
    """Added: people invited to this session by this announcement (uncertified supervisors
    in or near the session's municipality); notifications sends each an invitation."""


class EnrolmentRecorded(_TrainingEvent):
    TYPE = "EnrolmentRecorded"

    session_id: UUID
    person_id: UUID
    role: TrainingRole
    status: EnrolmentStatus
    waitlist_position: int | None = None
    previous_status: EnrolmentStatus | None = None
    """Added: the status before this change (`waitlisted` → `enrolled` is a promotion)."""
    course: Course | None = None
    """Added: the session's course, so a reader need not keep every session."""
    starts_at: AwareDatetime | None = None
    """Added: the session's start."""
    municipality_code: MunicipalityCode | None = None
    """Added: the session's municipality (for scoping a coordinator's view)."""
    session_cancelled: bool = False
    """Added: the place went because the session itself was cancelled (`status`
    cancelled; the same transaction published the session's `cancelled` announcement,
    which is keyed by the session and may arrive before or after this)."""


class CourseCompleted(_TrainingEvent):
    TYPE = "CourseCompleted"

    session_id: UUID
    person_id: UUID
    role: TrainingRole
    course: Course
    completed_at: AwareDatetime
    municipality_code: MunicipalityCode | None = None
    """Added: the session's municipality (whom the evaluation link names)."""


class SupervisorCertified(_TrainingEvent):
    TYPE = "SupervisorCertified"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    certified_at: DateTimestamp
    """The day of the certification, published as the RFC 3339 timestamp at which it
    begins in Europe/Stockholm (`shared.contracts.types.DateTimestamp`)."""
    valid_until: DateOrTimestamp
    """The last day the certificate is valid: a date (not an `*_at` field, so published
    as an ISO date, like `period_end`); a timestamp is accepted and counts as its date."""


class SupervisorCertificationExpired(_TrainingEvent):
    TYPE = "SupervisorCertificationExpired"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    expired_at: DateTimestamp
    """The day the certificate expired (the day after `valid_until`), published as the
    instant it began in Europe/Stockholm: when the certificate ran out."""
    refresher_session_id: UUID | None = None
    """Added: the base course the supervisor is invited to as a refresher, if one is
    scheduled (the invitation itself is a `CourseSessionScheduled` with `invited`)."""


class SupervisorCertificationExpiring(_TrainingEvent):
    """Added: a certificate runs out within `certificate_warning_days` (60): the
    supervisor is told once, with the refresher to take."""

    TYPE = "SupervisorCertificationExpiring"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    valid_until: DateOrTimestamp
    refresher_session_id: UUID | None = None


class WorkplaceOpened(_TrainingEvent):
    TYPE = "WorkplaceOpened"

    workplace_id: UUID
    municipality_code: MunicipalityCode


class WorkplaceClosed(_TrainingEvent):
    """Added: a workplace is no longer open: its last valid certificate expired, its last
    certified supervisor left, or its manager left. It opens again (`WorkplaceOpened`)
    when both conditions hold once more."""

    TYPE = "WorkplaceClosed"

    workplace_id: UUID
    municipality_code: MunicipalityCode
    reason: ClosedReason
    closed_on: date


class SupervisorSupportsRecorded(_TrainingEvent):
    """Added: the needs a supervisor is trained for, from the deep dives they completed
    (the whole set each time): their offers support these besides their own `supports`."""

    TYPE = "SupervisorSupportsRecorded"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    supports: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)


TRAINING_EVENTS: tuple[type[EventData], ...] = (
    CourseSessionScheduled,
    EnrolmentRecorded,
    CourseCompleted,
    SupervisorCertified,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    WorkplaceOpened,
    WorkplaceClosed,
    SupervisorSupportsRecorded,
)
