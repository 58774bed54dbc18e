"""`registration.events.v1`: validated facts about participants, workplaces, offers..."""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import EventData
from shared.contracts.types import (
    MAX_CAPACITY,
    MAX_GUARDIANS,
    MAX_PREFERENCES,
    MAX_PRIORITY,
    MAX_TAGS,
    ConsentChannel,
    ConsentState,
    Email,
    ErasedRole,
    Gender,
    LanguageCode,
    MunicipalityCode,
    Name,
    NeedTag,
    OccupationCode,
    OrgNumber,
    PhoneE164,
    Program,
    Reference,
    Sector,
    SummerJobVariant,
    Text,
)


class ParticipantRegistered(EventData):
    TYPE = "ParticipantRegistered"

    participant_id: UUID
    external_ref: Reference | None = None
    municipality_code: MunicipalityCode
    birth_date: date
    gender: Gender
    preferred_language: LanguageCode
    needs: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    guardian_ids: list[UUID] = Field(default_factory=list, max_length=MAX_GUARDIANS)


class WorkplaceRegistered(EventData):
    TYPE = "WorkplaceRegistered"

    workplace_id: UUID
    external_ref: Reference | None = None
    org_number: OrgNumber
    name: Name
    sector: Sector
    municipality_code: MunicipalityCode
    manager_id: UUID
    client_contact: bool
    min_age: int | None = Field(default=None, ge=0, le=100)
    address: Text | None = None
    """Added: street address for the welcome letter (a workplace, not a person)."""


class SupervisorRegistered(EventData):
    TYPE = "SupervisorRegistered"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    languages: list[LanguageCode] = Field(default_factory=list, max_length=MAX_TAGS)
    max_participants: int = Field(ge=1, le=50)
    external_ref: Reference | None = None


class PlacementSlotsOffered(EventData):
    TYPE = "PlacementSlotsOffered"

    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    occupation: OccupationCode
    period_start: date
    period_end: date
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    min_age: int | None = Field(default=None, ge=0, le=100)
    without_client_contact: bool = False
    supports: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    external_ref: Reference | None = None
    arrival_time: time | None = None
    """Added: when the participant arrives on the first day (the welcome letter)."""
    arrival_place: Text | None = None
    """Added: where to go on the first day ("reception, entrance B"), if not the address."""
    work_starts: time | None = None
    """Added: the working day's start, every working day of the period."""
    work_ends: time | None = None
    """Added: the working day's end."""
    bring: Text | None = None
    """Added: what to bring (clothes, lunch, ID)."""
    contact_name: Name | None = None
    """Added: the contact person on site, when not the supervisor."""
    contact_phone: PhoneE164 | None = None
    """Added: the contact person's work phone."""
    variant: SummerJobVariant | None = None
    """Added: for `summer_job`, the one variant these places are for; None: either."""

    @model_validator(mode="after")
    def _period_in_order(self) -> PlacementSlotsOffered:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class Preference(BaseModel):
    """One ranked wish: an occupation or a named workplace (exactly one of them)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    occupation: OccupationCode | None = None
    workplace_id: UUID | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Preference:
        if (self.occupation is None) == (self.workplace_id is None):
            raise ValueError("a preference names either an occupation or a workplace_id")
        return self


class PlacementRequested(EventData):
    TYPE = "PlacementRequested"

    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    period_start: date
    period_end: date
    preferences: list[Preference] = Field(default_factory=list, max_length=MAX_PREFERENCES)
    needs: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    priority: int = Field(default=0, ge=-MAX_PRIORITY, le=MAX_PRIORITY)
    external_ref: Reference | None = None
    variant: SummerJobVariant | None = None
    """Added: for `summer_job`, feriepraktik or feriearbete (registration decides it from
    the participant's age under the municipality's age rules when the sender leaves it out)."""
    only_preferences: bool = False
    """Added: place only at one of `preferences`, else waitlist (the participant's wish, or
    the municipality's rule for the programme: its profile's `only_preferences_programs`)."""

    @model_validator(mode="after")
    def _period_in_order(self) -> PlacementRequested:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class GuardianConsentRecorded(EventData):
    TYPE = "GuardianConsentRecorded"

    participant_id: UUID
    guardian_id: UUID
    program: Program
    granted: bool
    municipality_code: MunicipalityCode | None = None
    """Added to the contract's fields: the message key is the participant's municipality."""
    placement_id: UUID | None = None
    """Added: the placement the guardian answered for (a consent link names one)."""
    consent: ConsentState | None = None
    """Added: the participant's consent for the programme after this answer, under the
    municipality's rule (`either` guardian may consent, or `both` must): matching acts on it."""
    via: ConsentChannel | None = None
    """Added: how the answer came: `link` (the guardian, from a message), `coordinator`
    (keyed in), `intake` (a municipal system)."""


ConsentRule = Literal["either", "both"]


class AgeRule(BaseModel):
    """Added: who a programme (or a summer-job variant) is for in one municipality, on the
    period's first day: an age band, a school-year band, or both. A child born in year B
    is in school year N from August of B + 6 + N to July of the next year, its summer
    included (year 8 for a child born 2012 from August 2026 to July 2027)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    program: Program
    variant: SummerJobVariant | None = None
    min_age: int | None = Field(default=None, ge=0, le=100)
    max_age: int | None = Field(default=None, ge=0, le=100)
    min_school_year: int | None = Field(default=None, ge=1, le=12)
    max_school_year: int | None = Field(default=None, ge=1, le=12)


class MunicipalityProfileRecorded(EventData):
    """Added: who a municipality's messages come from, and its rules for answers."""

    TYPE = "MunicipalityProfileRecorded"

    municipality_code: MunicipalityCode
    name: Name
    """As its letters sign it: "Halmstads kommun"."""
    coordinator_name: Name
    coordinator_email: Email
    coordinator_phone: PhoneE164
    consent_rule: ConsentRule = "either"
    """With two guardians: `either` may consent, or `both` must."""
    offer_answer_programs: list[Program] = Field(default_factory=list)
    """Programmes whose participant accepts or declines an offer before it is confirmed."""
    offer_answer_days: int = Field(default=3, ge=1, le=30)
    """Working days (Swedish public holidays excluded) a participant has to answer."""
    guardian_answers_offer: bool = False
    """For a minor, a guardian answers the offer too."""
    age_rules: list[AgeRule] = Field(default_factory=list, max_length=20)
    """Added: the municipality's own age rules; a programme (or variant) not named here
    keeps the default (prao school years 8–9; feriepraktik year 8; feriearbete 16–19;
    work trial, internship and job track 18+)."""
    only_preferences_programs: list[Program] = Field(default_factory=list)
    """Added: programmes whose requests are placed only at one of their preferences."""
    workplace_answer_days: int = Field(default=3, ge=1, le=30)
    """Added: working days a workplace has to accept or decline a proposal."""
    consent_days: int = Field(default=5, ge=1, le=30)
    """Added: working days a guardian has to consent once a minor's placement is proposed;
    then the place moves on."""


class PlacementRequestWithdrawn(EventData):
    TYPE = "PlacementRequestWithdrawn"

    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    reason: Text


class PlacementSlotsWithdrawn(EventData):
    TYPE = "PlacementSlotsWithdrawn"

    offer_id: UUID
    municipality_code: MunicipalityCode
    reason: Text


class ParticipantErased(EventData):
    TYPE = "ParticipantErased"

    participant_id: UUID
    municipality_code: MunicipalityCode


class SupervisorLeft(EventData):
    """Added: a supervisor no longer supervises at the workplace (moved on, or erased):
    their offers close, and a workplace whose last certified supervisor left closes."""

    TYPE = "SupervisorLeft"

    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: MunicipalityCode
    reason: Text = "left"


class PersonErased(EventData):
    """Added: a supervisor, manager or guardian erased (GDPR): every service drops what it
    holds about the person; anonymous statistics remain. A supervisor's erasure follows a
    `SupervisorLeft`; the contact's tombstone goes on `registration.contacts.v1`."""

    TYPE = "PersonErased"

    person_id: UUID
    role: ErasedRole
    municipality_code: MunicipalityCode
    workplace_id: UUID | None = None
    """A supervisor's or manager's workplace."""
    participant_ids: list[UUID] = Field(default_factory=list, max_length=50)
    """A guardian's children."""


class FieldError(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    field: str
    message: str


class IntakeRejected(EventData):
    TYPE = "IntakeRejected"
    KEY_FIELD = None

    source_event_id: str
    source: str
    errors: list[FieldError]
    """At most `shared.contracts.errors.MAX_PROBLEMS` of them; `more_errors` counts the rest."""
    more_errors: int = 0
    municipality_code: MunicipalityCode | None = None
    reason: str | None = None
    """Which check refused the request, as the dead letter's `dlq.error.kind`
    (`schema_violation`, `rejected`, `conflict`; on a sender's own intake topic also
    `source_mismatch`, `municipality_not_registered`, `sender_not_registered`)."""


REGISTRATION_EVENTS: tuple[type[EventData], ...] = (
    ParticipantRegistered,
    WorkplaceRegistered,
    SupervisorRegistered,
    PlacementSlotsOffered,
    PlacementRequested,
    GuardianConsentRecorded,
    PlacementRequestWithdrawn,
    PlacementSlotsWithdrawn,
    ParticipantErased,
    IntakeRejected,
    MunicipalityProfileRecorded,
    SupervisorLeft,
    PersonErased,
)
