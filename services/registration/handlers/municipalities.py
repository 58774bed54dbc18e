"""A municipality's profile, which its coordinator edits: who its messages come from and
its rules for answers; published as `MunicipalityProfileRecorded` for matching and
notifications."""

from __future__ import annotations

import dataclasses

from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.domain.profile import MunicipalityProfile, check_profile
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.registration import AgeRule as AgeRuleData
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
        age_rules=[AgeRuleData(**dataclasses.asdict(rule)) for rule in profile.age_rules],
        only_preferences_programs=list(profile.only_preferences_programs),
        workplace_answer_days=profile.workplace_answer_days, consent_days=profile.consent_days,
    ))
    return profile
