"""`registration.intake.v1`: requests from other municipal systems.

Same type names as the registered events; the sender leaves out the ids it cannot
know and names things by `external_ref` / `*_ref` instead. These models only check
shape; registration's domain applies the rules (identity numbers, municipality
list, age bands) so that the HTTP API and the intake share one set of rules.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.base import EventData
from shared.contracts.registration import Preference
from shared.contracts.types import (
    MAX_CAPACITY,
    MAX_GUARDIANS,
    MAX_PREFERENCES,
    MAX_PRIORITY,
    MAX_TAGS,
    Email,
    Gender,
    IdentityNumberInput,
    LanguageCode,
    MunicipalityCode,
    Name,
    NeedTag,
    OccupationCode,
    PhoneInput,
    Program,
    Reference,
    Sector,
    SummerJobVariant,
    Text,
)


class _Intake(EventData):
    """Intake messages carry identity numbers: they are keyed by the municipality."""


class GuardianIntake(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    personal_identity_number: IdentityNumberInput | None = None
    name: Name
    email: Email | None = None
    phone: PhoneInput | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False


class ManagerIntake(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: Name
    email: Email | None = None
    phone: PhoneInput | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False


class RegisterParticipant(_Intake):
    TYPE = "ParticipantRegistered"

    external_ref: Reference | None = None
    participant_id: UUID | None = None
    municipality_code: MunicipalityCode
    personal_identity_number: IdentityNumberInput
    name: Name
    email: Email | None = None
    phone: PhoneInput | None = None
    sms_allowed: bool = False
    gender: Gender = "unspecified"
    preferred_language: LanguageCode = "sv"
    needs: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    guardians: list[GuardianIntake] = Field(default_factory=list, max_length=MAX_GUARDIANS)


class RegisterWorkplace(_Intake):
    TYPE = "WorkplaceRegistered"

    external_ref: Reference | None = None
    workplace_id: UUID | None = None
    org_number: Annotated[str, StringConstraints(max_length=16)]
    name: Name
    sector: Sector
    municipality_code: MunicipalityCode
    client_contact: bool
    min_age: int | None = Field(default=None, ge=0, le=100)
    address: Text | None = None
    manager: ManagerIntake


class RegisterSupervisor(_Intake):
    TYPE = "SupervisorRegistered"

    external_ref: Reference | None = None
    supervisor_id: UUID | None = None
    workplace_id: UUID | None = None
    workplace_ref: Reference | None = None
    municipality_code: MunicipalityCode
    name: Name
    email: Email | None = None
    phone: PhoneInput | None = None
    sms_allowed: bool = False
    languages: list[LanguageCode] = Field(default_factory=lambda: ["sv"], max_length=MAX_TAGS)
    max_participants: int = Field(default=2, ge=1, le=50)


class OfferPlacementSlots(_Intake):
    TYPE = "PlacementSlotsOffered"

    external_ref: Reference | None = None
    offer_id: UUID | None = None
    workplace_id: UUID | None = None
    workplace_ref: Reference | None = None
    supervisor_id: UUID | None = None
    supervisor_ref: Reference | None = None
    municipality_code: MunicipalityCode
    program: Program
    occupation: OccupationCode
    period_start: date
    period_end: date
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    min_age: int | None = Field(default=None, ge=0, le=100)
    without_client_contact: bool = False
    supports: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    arrival_time: time | None = None
    """Added: when the participant arrives on the first day (the welcome letter)."""
    arrival_place: Text | None = None
    """Added: where to go on the first day, if not the workplace's address."""
    work_starts: time | None = None
    """Added: the working day's start (with `work_ends`, or neither)."""
    work_ends: time | None = None
    """Added: the working day's end, after `work_starts`."""
    bring: Text | None = None
    """Added: what to bring (clothes, lunch, ID)."""
    contact_name: Name | None = None
    """Added: the contact person on site, when not the supervisor."""
    contact_phone: PhoneInput | None = None
    """Added: the contact person's work phone (registration turns it into E.164)."""
    variant: SummerJobVariant | None = None


class RequestPlacement(_Intake):
    TYPE = "PlacementRequested"

    external_ref: Reference | None = None
    request_id: UUID | None = None
    participant_id: UUID | None = None
    participant_ref: Reference | None = None
    municipality_code: MunicipalityCode
    program: Program
    period_start: date
    period_end: date
    preferences: list[Preference] = Field(default_factory=list, max_length=MAX_PREFERENCES)
    needs: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    priority: int = Field(default=0, ge=-MAX_PRIORITY, le=MAX_PRIORITY)
    variant: SummerJobVariant | None = None
    only_preferences: bool = False


class RecordGuardianConsent(_Intake):
    TYPE = "GuardianConsentRecorded"

    participant_id: UUID | None = None
    participant_ref: Reference | None = None
    guardian_id: UUID | None = None
    guardian_index: int | None = Field(default=None, ge=0, lt=MAX_GUARDIANS)
    """Where the sender cannot know the guardian's id: its position in `guardians`."""
    municipality_code: MunicipalityCode
    program: Program
    granted: bool


class WithdrawPlacementRequest(_Intake):
    TYPE = "PlacementRequestWithdrawn"

    request_id: UUID | None = None
    request_ref: Reference | None = None
    municipality_code: MunicipalityCode
    reason: Annotated[Text, StringConstraints(min_length=1)]


class WithdrawPlacementSlots(_Intake):
    TYPE = "PlacementSlotsWithdrawn"

    offer_id: UUID | None = None
    offer_ref: Reference | None = None
    municipality_code: MunicipalityCode
    reason: Annotated[Text, StringConstraints(min_length=1)]


class EraseParticipant(_Intake):
    TYPE = "ParticipantErased"

    participant_id: UUID | None = None
    participant_ref: Reference | None = None
    municipality_code: MunicipalityCode


INTAKE_REQUESTS: tuple[type[EventData], ...] = (
    RegisterParticipant,
    RegisterWorkplace,
    RegisterSupervisor,
    OfferPlacementSlots,
    RequestPlacement,
    RecordGuardianConsent,
    WithdrawPlacementRequest,
    WithdrawPlacementSlots,
    EraseParticipant,
)
