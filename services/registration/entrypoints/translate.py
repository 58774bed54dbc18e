"""From the contract's request models (intake messages, and the HTTP bodies, which are
the same models) to commands: one translation, so both doors build identical commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_type_hints

from services.registration.domain import commands
from shared.contracts import intake
from shared.contracts.base import EventData


def _contact(model: Any, language: str | None = None) -> commands.ContactInput:
    return commands.ContactInput(
        name=model.name, email=model.email, phone=model.phone,
        language=language if language is not None else model.language,
        sms_allowed=model.sms_allowed,
    )


def register_participant(m: intake.RegisterParticipant) -> commands.RegisterParticipant:
    return commands.RegisterParticipant(
        municipality_code=m.municipality_code,
        personal_identity_number=m.personal_identity_number,
        contact=_contact(m, language=m.preferred_language),
        gender=m.gender, needs=tuple(m.needs),
        guardians=tuple(
            commands.GuardianInput(_contact(g), g.personal_identity_number) for g in m.guardians
        ),
        external_ref=m.external_ref, participant_id=m.participant_id,
    )


def register_workplace(m: intake.RegisterWorkplace) -> commands.RegisterWorkplace:
    return commands.RegisterWorkplace(
        municipality_code=m.municipality_code, org_number=m.org_number, name=m.name,
        sector=m.sector, client_contact=m.client_contact, manager=_contact(m.manager),
        min_age=m.min_age, address=m.address, external_ref=m.external_ref,
        workplace_id=m.workplace_id,
    )


def register_supervisor(m: intake.RegisterSupervisor) -> commands.RegisterSupervisor:
    return commands.RegisterSupervisor(
        municipality_code=m.municipality_code,
        contact=commands.ContactInput(m.name, m.email, m.phone,
                                      m.languages[0] if m.languages else "sv", m.sms_allowed),
        workplace_id=m.workplace_id, workplace_ref=m.workplace_ref,
        languages=tuple(m.languages), max_participants=m.max_participants,
        external_ref=m.external_ref, supervisor_id=m.supervisor_id,
    )


def offer_placement_slots(m: intake.OfferPlacementSlots) -> commands.OfferPlacementSlots:
    return commands.OfferPlacementSlots(
        municipality_code=m.municipality_code, program=m.program, occupation=m.occupation,
        period_start=m.period_start, period_end=m.period_end, capacity=m.capacity,
        workplace_id=m.workplace_id, workplace_ref=m.workplace_ref,
        supervisor_id=m.supervisor_id, supervisor_ref=m.supervisor_ref, min_age=m.min_age,
        without_client_contact=m.without_client_contact, supports=tuple(m.supports),
        external_ref=m.external_ref, offer_id=m.offer_id, arrival_time=m.arrival_time,
        arrival_place=m.arrival_place, work_starts=m.work_starts, work_ends=m.work_ends,
        bring=m.bring, contact_name=m.contact_name, contact_phone=m.contact_phone,
        variant=m.variant,
    )


def request_placement(m: intake.RequestPlacement) -> commands.RequestPlacement:
    return commands.RequestPlacement(
        municipality_code=m.municipality_code, program=m.program,
        period_start=m.period_start, period_end=m.period_end,
        participant_id=m.participant_id, participant_ref=m.participant_ref,
        preferences=tuple(commands.PreferenceInput(p.occupation, p.workplace_id)
                          for p in m.preferences),
        needs=tuple(m.needs), priority=m.priority, external_ref=m.external_ref,
        request_id=m.request_id, variant=m.variant, only_preferences=m.only_preferences,
    )


def record_guardian_consent(m: intake.RecordGuardianConsent) -> commands.RecordGuardianConsent:
    return commands.RecordGuardianConsent(
        municipality_code=m.municipality_code, program=m.program, granted=m.granted,
        participant_id=m.participant_id, participant_ref=m.participant_ref,
        guardian_id=m.guardian_id, guardian_index=m.guardian_index, via="intake",
    )


def withdraw_placement_request(
    m: intake.WithdrawPlacementRequest,
) -> commands.WithdrawPlacementRequest:
    return commands.WithdrawPlacementRequest(
        municipality_code=m.municipality_code, reason=m.reason, request_id=m.request_id,
        request_ref=m.request_ref,
    )


def withdraw_placement_slots(m: intake.WithdrawPlacementSlots) -> commands.WithdrawPlacementSlots:
    return commands.WithdrawPlacementSlots(
        municipality_code=m.municipality_code, reason=m.reason, offer_id=m.offer_id,
        offer_ref=m.offer_ref,
    )


def erase_participant(m: intake.EraseParticipant) -> commands.EraseParticipant:
    return commands.EraseParticipant(
        municipality_code=m.municipality_code, participant_id=m.participant_id,
        participant_ref=m.participant_ref,
    )


TRANSLATIONS: dict[type[EventData], Callable[[Any], commands.Command]] = {
    intake.RegisterParticipant: register_participant,
    intake.RegisterWorkplace: register_workplace,
    intake.RegisterSupervisor: register_supervisor,
    intake.OfferPlacementSlots: offer_placement_slots,
    intake.RequestPlacement: request_placement,
    intake.RecordGuardianConsent: record_guardian_consent,
    intake.WithdrawPlacementRequest: withdraw_placement_request,
    intake.WithdrawPlacementSlots: withdraw_placement_slots,
    intake.EraseParticipant: erase_participant,
}


COMMAND_TYPES: dict[type[EventData], type] = {
    model: get_type_hints(translate)["return"] for model, translate in TRANSLATIONS.items()
}
"""Which command each request becomes."""


def to_command(request: EventData) -> commands.Command:
    return TRANSLATIONS[type(request)](request)
