"""A municipality's profile, which its coordinator edits: who its messages come from and
its rules for answers; published as `MunicipalityProfileRecorded` for matching and
notifications."""

from __future__ import annotations

from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.domain.profile import MunicipalityProfile, check_profile
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.registration import MunicipalityProfileRecorded


async def record_municipality_profile(cmd: commands.RecordMunicipalityProfile,
                                      uow: RegistrationUnitOfWork,
                                      deps: Dependencies) -> MunicipalityProfile:
    profile = check_profile(cmd)
    await uow.municipalities.save(profile)
    uow.publish(MunicipalityProfileRecorded(
        municipality_code=profile.municipality_code, name=profile.name,
        coordinator_name=profile.coordinator_name,
        coordinator_email=profile.coordinator_email,
        coordinator_phone=profile.coordinator_phone, consent_rule=profile.consent_rule,
        offer_answer_programs=list(profile.offer_answer_programs),
        offer_answer_days=profile.offer_answer_days,
        guardian_answers_offer=profile.guardian_answers_offer,
    ))
    return profile
