"""One small dataclass per intent. The HTTP API and the Kafka intake both build these,
so both doors reach the same handler and the same rules.

Where the sender cannot know an id it names the thing by its `*_ref` (the
`external_ref` it registered it with, unique per municipality and kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from uuid import UUID

from services.registration.domain.access import Purpose, Record
from services.registration.domain.age_rules import AgeRule
from shared.contracts.types import Gender, Program, Sector, SummerJobVariant
from shared.links import Link


@dataclass(frozen=True)
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "sv"
    sms_allowed: bool = False


@dataclass(frozen=True)
class GuardianInput:
    """A guardian (vårdnadshavare) of a participant; the identity number is optional."""

    contact: ContactInput
    personal_identity_number: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RegisterParticipant:
    """Register a participant, or change one (same id, same external_ref or same person)."""

    municipality_code: str
    personal_identity_number: str = field(repr=False)
    contact: ContactInput
    gender: Gender = "unspecified"
    needs: tuple[str, ...] = ()
    guardians: tuple[GuardianInput, ...] = ()
    external_ref: str | None = None
    participant_id: UUID | None = None


@dataclass(frozen=True)
class RegisterWorkplace:
    municipality_code: str
    org_number: str
    name: str
    sector: Sector
    client_contact: bool
    manager: ContactInput
    min_age: int | None = None
    address: str | None = None
    external_ref: str | None = None
    workplace_id: UUID | None = None


@dataclass(frozen=True)
class RegisterSupervisor:
    """A supervisor (handledare) at a workplace."""

    municipality_code: str
    contact: ContactInput
    workplace_id: UUID | None = None
    workplace_ref: str | None = None
    languages: tuple[str, ...] = ("sv",)
    max_participants: int = 2
    external_ref: str | None = None
    supervisor_id: UUID | None = None


@dataclass(frozen=True)
class OfferPlacementSlots:
    municipality_code: str
    program: Program
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    workplace_id: UUID | None = None
    workplace_ref: str | None = None
    supervisor_id: UUID | None = None
    supervisor_ref: str | None = None
    min_age: int | None = None
    without_client_contact: bool = False
    supports: tuple[str, ...] = ()
    external_ref: str | None = None
    offer_id: UUID | None = None
    arrival_time: time | None = None
    arrival_place: str | None = None
    work_starts: time | None = None
    work_ends: time | None = None
    bring: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    variant: SummerJobVariant | None = None
    """For `summer_job`, the one variant the places are for; None: either."""


@dataclass(frozen=True)
class PreferenceInput:
    occupation: str | None = None
    workplace_id: UUID | None = None


@dataclass(frozen=True)
class RequestPlacement:
    municipality_code: str
    program: Program
    period_start: date
    period_end: date
    participant_id: UUID | None = None
    participant_ref: str | None = None
    preferences: tuple[PreferenceInput, ...] = ()
    needs: tuple[str, ...] = ()
    priority: int = 0
    external_ref: str | None = None
    request_id: UUID | None = None
    variant: SummerJobVariant | None = None
    """For `summer_job`; None: registration picks it from the participant's age."""
    only_preferences: bool = False


@dataclass(frozen=True)
class RecordGuardianConsent:
    """A guardian's consent (fullmakt) to a programme, or its refusal."""

    municipality_code: str
    program: Program
    granted: bool
    participant_id: UUID | None = None
    participant_ref: str | None = None
    guardian_id: UUID | None = None
    guardian_index: int | None = None
    via: str = "coordinator"
    """`coordinator` (keyed in over HTTP) or `intake` (a municipal system)."""


@dataclass(frozen=True)
class AnswerConsentLink:
    """A guardian's answer by the link in a consent message (purpose `consent`: `sub` the
    placement, `for` the guardian); the link acts once."""

    link: Link
    granted: bool
    message: str | None = None


@dataclass(frozen=True)
class RecordMunicipalityProfile:
    """Who a municipality's messages come from, and its rules for answers."""

    municipality_code: str
    name: str
    coordinator_name: str
    coordinator_email: str
    coordinator_phone: str
    consent_rule: str = "either"
    offer_answer_programs: tuple[str, ...] = ()
    offer_answer_days: int = 3
    guardian_answers_offer: bool = False
    age_rules: tuple[AgeRule, ...] = ()
    only_preferences_programs: tuple[str, ...] = ()
    workplace_answer_days: int = 3
    consent_days: int = 5


@dataclass(frozen=True)
class WithdrawPlacementRequest:
    municipality_code: str
    reason: str
    request_id: UUID | None = None
    request_ref: str | None = None


@dataclass(frozen=True)
class WithdrawPlacementSlots:
    municipality_code: str
    reason: str
    offer_id: UUID | None = None
    offer_ref: str | None = None


@dataclass(frozen=True)
class EraseParticipant:
    municipality_code: str
    participant_id: UUID | None = None
    participant_ref: str | None = None


@dataclass(frozen=True)
class SupervisorLeaves:
    """A supervisor no longer supervises at the workplace: their open offers close."""

    municipality_code: str
    supervisor_id: UUID
    reason: str = "left"


@dataclass(frozen=True)
class EraseSupervisor:
    municipality_code: str
    supervisor_id: UUID


@dataclass(frozen=True)
class EraseManager:
    municipality_code: str
    manager_id: UUID


@dataclass(frozen=True)
class EraseGuardian:
    municipality_code: str
    guardian_id: UUID


@dataclass(frozen=True)
class RegisterCoordinator:
    """A municipality's placement coordinator (praktiksamordnare), for notifications."""

    municipality_code: str
    contact: ContactInput
    coordinator_id: UUID | None = None


@dataclass(frozen=True)
class RegisterSender:
    """An operator registers a municipal system as a sender, or changes one: its CloudEvent
    `source` (None: `urn:praktik:sender:<name>`) and the municipalities it speaks for."""

    name: str
    municipalities: tuple[str, ...]
    source: str | None = None


@dataclass(frozen=True)
class RemoveSender:
    name: str


@dataclass(frozen=True)
class ListSenders:
    """Every registered sender, by name."""


@dataclass(frozen=True)
class RecordRead:
    """A member of staff read one participant's record (`domain.access`)."""

    reader: str
    reader_role: str
    participant_id: UUID
    municipality_code: str
    record: Record
    purpose: Purpose


@dataclass(frozen=True)
class PurgeAccessLog:
    """Forget the access log's entries past their retention (and the refused intake
    requests past theirs)."""

    retention_days: int
    rejections_retention_days: int = 90


Command = (
    RegisterParticipant | RegisterWorkplace | RegisterSupervisor | OfferPlacementSlots
    | RequestPlacement | RecordGuardianConsent | WithdrawPlacementRequest
    | WithdrawPlacementSlots | EraseParticipant | RegisterCoordinator | AnswerConsentLink
    | RecordMunicipalityProfile | SupervisorLeaves | EraseSupervisor | EraseManager
    | EraseGuardian | RegisterSender | RemoveSender | ListSenders | RecordRead
    | PurgeAccessLog
)
