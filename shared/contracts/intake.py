"""`registration.intake.v1`: requests from other municipal systems.

Same type names as the registered events; the sender leaves out the ids it cannot
know and names things by `external_ref` / `*_ref` instead. These models only check
shape; registration's domain applies the rules (identity numbers, municipality
list, age bands) so that the HTTP API and the intake share one set of rules.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import EventData
from shared.contracts.registration import Preference
from shared.contracts.types import (
    Gender,
    LanguageCode,
    MunicipalityCode,
    NeedTag,
    OccupationCode,
    Program,
    Sector,
)


class _Intake(EventData):
    """Intake messages carry identity numbers: they are keyed by the municipality."""


class GuardianIntake(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    personal_identity_number: str | None = None
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False


class ManagerIntake(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False


class RegisterParticipant(_Intake):
    TYPE = "ParticipantRegistered"

    external_ref: str | None = None
    participant_id: UUID | None = None
    municipality_code: MunicipalityCode
    personal_identity_number: str
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    sms_allowed: bool = False
    gender: Gender = "unspecified"
    preferred_language: LanguageCode = "sv"
    needs: list[NeedTag] = Field(default_factory=list)
    guardians: list[GuardianIntake] = Field(default_factory=list)


class RegisterWorkplace(_Intake):
    TYPE = "WorkplaceRegistered"

    external_ref: str | None = None
    workplace_id: UUID | None = None
    org_number: str
    name: str = Field(min_length=1)
    sector: Sector
    municipality_code: MunicipalityCode
    client_contact: bool
    min_age: int | None = Field(default=None, ge=0, le=100)
    address: str | None = None
    manager: ManagerIntake


class RegisterSupervisor(_Intake):
    TYPE = "SupervisorRegistered"

    external_ref: str | None = None
    supervisor_id: UUID | None = None
    workplace_id: UUID | None = None
    workplace_ref: str | None = None
    municipality_code: MunicipalityCode
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    sms_allowed: bool = False
    languages: list[LanguageCode] = Field(default_factory=lambda: ["sv"])
    max_participants: int = 2


class OfferPlacementSlots(_Intake):
    TYPE = "PlacementSlotsOffered"

    external_ref: str | None = None
    offer_id: UUID | None = None
    workplace_id: UUID | None = None
    workplace_ref: str | None = None
    supervisor_id: UUID | None = None
    supervisor_ref: str | None = None
    municipality_code: MunicipalityCode
    program: Program
    occupation: OccupationCode
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None = None
    without_client_contact: bool = False
    supports: list[NeedTag] = Field(default_factory=list)


class RequestPlacement(_Intake):
    TYPE = "PlacementRequested"

    external_ref: str | None = None
    request_id: UUID | None = None
    participant_id: UUID | None = None
    participant_ref: str | None = None
    municipality_code: MunicipalityCode
    program: Program
    period_start: date
    period_end: date
    preferences: list[Preference] = Field(default_factory=list)
    needs: list[NeedTag] = Field(default_factory=list)
    priority: int = 0


class RecordGuardianConsent(_Intake):
    TYPE = "GuardianConsentRecorded"

    participant_id: UUID | None = None
    participant_ref: str | None = None
    guardian_id: UUID | None = None
    guardian_index: int | None = Field(default=None, ge=0)
    """Where the sender cannot know the guardian's id: its position in `guardians`."""
    municipality_code: MunicipalityCode
    program: Program
    granted: bool


class WithdrawPlacementRequest(_Intake):
    TYPE = "PlacementRequestWithdrawn"

    request_id: UUID | None = None
    request_ref: str | None = None
    municipality_code: MunicipalityCode
    reason: str = Field(min_length=1)


class WithdrawPlacementSlots(_Intake):
    TYPE = "PlacementSlotsWithdrawn"

    offer_id: UUID | None = None
    offer_ref: str | None = None
    municipality_code: MunicipalityCode
    reason: str = Field(min_length=1)


class EraseParticipant(_Intake):
    TYPE = "ParticipantErased"

    participant_id: UUID | None = None
    participant_ref: str | None = None
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
