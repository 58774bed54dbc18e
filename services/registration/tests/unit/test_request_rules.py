"""The handlers apply the age rules at intake (defaults and the municipality's profile),
pick and publish the summer-job variant, pass `only_preferences` through or set it by
the profile, and record the profile's new fields."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from services.registration.domain import commands
from services.registration.domain.age_rules import AgeRule
from services.registration.tests.pins import pin
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import (
    HALMSTAD,
    TODAY,
    _workplace_and_supervisor,
    handle,
    kid,
)
from shared.errors import Rejected

SUMMER = date(2027, 6, 21)
SPRING = date(2027, 3, 15)


def profile(**extra: Any) -> commands.RecordMunicipalityProfile:
    return commands.RecordMunicipalityProfile(
        HALMSTAD, "Halmstads kommun", "Sara Samordnare", "sara@halmstad.example",
        "035-13 70 00", **extra)


async def person(uow: FakeUnitOfWork, born: date, serial: int) -> UUID:
    pid: UUID = await handle(uow, dataclasses.replace(
        kid(pin(born, serial)), external_ref=f"kid-{serial}"))
    return pid


def request(pid: UUID, program: str = "summer_job", start: date = SUMMER,
            **extra: Any) -> commands.RequestPlacement:
    return commands.RequestPlacement(
        municipality_code=HALMSTAD, program=program, period_start=start,  # type: ignore[arg-type]
        period_end=start + timedelta(days=13), participant_id=pid,
        preferences=(commands.PreferenceInput(occupation="5120"),), **extra)


def refusal(info: pytest.ExceptionInfo[Rejected]) -> tuple[str, str]:
    [problem] = info.value.problems
    return problem.field, problem.message


async def test_a_14_year_old_s_work_trial_is_refused_naming_the_rule() -> None:
    uow = FakeUnitOfWork()
    pid = await person(uow, date(2012, 9, 1), 981)
    for program in ("work_trial", "job_track", "internship"):
        with pytest.raises(Rejected) as info:
            await handle(uow, request(pid, program, SPRING))
        assert refusal(info) == ("program", (
            f"{program} is for ages 18 and over (the default rule; municipality 1380 has no "
            f"rule of its own for {program}); the participant is 14 on 2027-03-15"))
    assert not uow.requests.items and not uow.published


async def test_the_summer_job_variant_is_picked_by_age_and_published() -> None:
    uow = FakeUnitOfWork()
    year_8 = await person(uow, date(2012, 10, 1), 981)
    sixteen = await person(uow, date(2011, 1, 1), 982)
    fifteen = await person(uow, date(2011, 10, 1), 983)
    await handle(uow, request(year_8))
    assert uow.published[0].data["variant"] == "feriepraktik"
    await handle(uow, request(sixteen))
    assert uow.published[0].data["variant"] == "feriearbete"
    with pytest.raises(Rejected) as info:
        await handle(uow, request(fifteen))
    field, message = refusal(info)
    assert field == "program" and "feriepraktik for school year 8 or feriearbete for " \
                                  "ages 16–19" in message
    with pytest.raises(Rejected) as info:
        await handle(uow, request(year_8, variant="feriearbete"))
    assert refusal(info)[0] == "variant"
    with pytest.raises(Rejected) as info:
        await handle(uow, request(year_8, "prao", SPRING, variant="feriepraktik"))
    assert refusal(info)[0] == "variant"
    assert {r.variant for r in uow.requests.items.values()} == {"feriepraktik", "feriearbete"}


async def test_the_municipality_s_own_rule_holds_at_intake() -> None:
    uow = FakeUnitOfWork()
    fifteen = await person(uow, date(2011, 10, 1), 981)
    await handle(uow, profile(age_rules=(
        AgeRule("summer_job", "feriearbete", min_age=15, max_age=19),)))
    await handle(uow, request(fifteen))
    assert uow.published[0].data["variant"] == "feriearbete"
    with pytest.raises(Rejected) as info:
        await handle(uow, request(fifteen, "internship", SPRING))
    assert "the default rule" in refusal(info)[1]


async def test_only_preferences_passes_through_or_comes_from_the_profile() -> None:
    uow = FakeUnitOfWork()
    pid = await person(uow, date(2012, 10, 1), 981)
    await handle(uow, request(pid, "prao", SPRING, only_preferences=True))
    assert uow.published[0].data["only_preferences"] is True
    await handle(uow, request(pid, "prao", SPRING + timedelta(days=30)))
    assert uow.published[0].data["only_preferences"] is False
    await handle(uow, profile(only_preferences_programs=("prao",)))
    await handle(uow, request(pid, "prao", SPRING + timedelta(days=60)))
    assert uow.published[0].data["only_preferences"] is True
    with pytest.raises(Rejected) as info:
        await handle(uow, dataclasses.replace(request(pid, "prao", SPRING), preferences=(),
                                              only_preferences=True))
    assert refusal(info)[0] == "preferences"
    with pytest.raises(Rejected) as info:  # the municipality's rule asks for choices too
        await handle(uow, dataclasses.replace(request(pid, "prao", SPRING), preferences=()))
    assert refusal(info) == ("preferences", "municipality 1380 places prao requests only at "
                                            "one of their preferences: name at least one")


async def test_an_offer_s_variant_passes_through_for_summer_jobs_only() -> None:
    uow = FakeUnitOfWork()
    await _workplace_and_supervisor(uow)
    start = TODAY + timedelta(days=200)
    offer = commands.OfferPlacementSlots(
        municipality_code=HALMSTAD, program="summer_job", occupation="5120",
        period_start=start, period_end=start + timedelta(days=13), capacity=2,
        workplace_ref="wp-1", supervisor_ref="sup-1", variant="feriepraktik")
    offer_id = await handle(uow, offer)
    assert uow.published[0].data["variant"] == "feriepraktik"
    assert uow.offers.items[offer_id].variant == "feriepraktik"
    with pytest.raises(Rejected) as info:
        await handle(uow, dataclasses.replace(offer, program="prao", external_ref="o-2"))
    assert refusal(info)[0] == "variant"


async def test_the_profile_s_new_fields_are_checked_stored_and_published() -> None:
    uow = FakeUnitOfWork()
    rules = (AgeRule("prao", min_school_year=7, max_school_year=9),
             AgeRule("summer_job", "feriepraktik", min_school_year=8, max_school_year=9))
    saved = await handle(uow, profile(age_rules=rules, only_preferences_programs=("prao",),
                                      workplace_answer_days=5, consent_days=7))
    assert uow.municipalities.items[HALMSTAD] == saved and saved.age_rules == rules
    assert saved.name == "Halmstads kommun"
    data = uow.published[0].data
    assert data["age_rules"] == [
        {"program": "prao", "variant": None, "min_age": None, "max_age": None,
         "min_school_year": 7, "max_school_year": 9},
        {"program": "summer_job", "variant": "feriepraktik", "min_age": None,
         "max_age": None, "min_school_year": 8, "max_school_year": 9}]
    assert data["only_preferences_programs"] == ["prao"]
    assert data["workplace_answer_days"] == 5 and data["consent_days"] == 7
    with pytest.raises(Rejected) as info:
        await handle(uow, profile(
            age_rules=(AgeRule("prao", min_age=16, max_age=13),
                       AgeRule("internship", variant="feriearbete", min_age=18)),
            only_preferences_programs=("chess",), workplace_answer_days=0, consent_days=31))
    assert {p.field for p in info.value.problems} == {
        "age_rules.0.min_age", "age_rules.1.variant", "only_preferences_programs",
        "workplace_answer_days", "consent_days"}
