"""Age rules per programme: school years at the July/August boundary, each default, a
municipality's own rule, the summer-job variants and the refusal's words."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration.domain.age_rules import (
    AgeRule,
    age_on,
    check_age,
    rule_problems,
    school_year,
)
from shared.errors import Rejected

HALMSTAD = "1380"


def refused(program: str, variant: str | None, birth: date, start: date,
            own: tuple[AgeRule, ...] = ()) -> tuple[str, str]:
    with pytest.raises(Rejected) as info:
        check_age(program, variant, birth, start, own, HALMSTAD)
    [problem] = info.value.problems
    return problem.field, problem.message


@pytest.mark.parametrize("day, year", [
    (date(2026, 7, 31), 7), (date(2026, 8, 1), 8), (date(2027, 6, 20), 8),
    (date(2027, 7, 31), 8), (date(2027, 8, 1), 9), (date(2028, 7, 31), 9),
])
def test_a_school_year_runs_from_august_to_july_its_summer_included(day: date,
                                                                    year: int) -> None:
    # Born 2012 (any day of the year): year 8 from August 2026 to July 2027.
    assert school_year(date(2012, 1, 1), day) == year
    assert school_year(date(2012, 12, 31), day) == year


def test_age_counts_whole_years_on_the_day() -> None:
    assert age_on(date(2009, 3, 15), date(2027, 3, 14)) == 17
    assert age_on(date(2009, 3, 15), date(2027, 3, 15)) == 18


@pytest.mark.parametrize("born, fits", [
    (date(2013, 5, 1), False),  # school year 7 on 2027-03-15
    (date(2012, 5, 1), True),   # year 8
    (date(2011, 5, 1), True),   # year 9
    (date(2010, 5, 1), False),  # year 10
])
def test_prao_is_for_school_years_8_and_9(born: date, fits: bool) -> None:
    start = date(2027, 3, 15)
    if fits:
        assert check_age("prao", None, born, start, (), HALMSTAD) is None
    else:
        assert refused("prao", None, born, start)[0] == "program"


def test_the_refusal_names_the_rule_whose_it_is_and_the_participant() -> None:
    field, message = refused("prao", None, date(2013, 5, 1), date(2027, 3, 15))
    assert field == "program"
    assert message == ("prao is for school years 8–9 (the default rule; municipality 1380 "
                       "has no rule of its own for prao); the participant is in school "
                       "year 7 on 2027-03-15")


@pytest.mark.parametrize("program", ["work_trial", "internship", "job_track"])
def test_adult_programmes_are_for_18_and_over(program: str) -> None:
    start = date(2027, 3, 15)
    assert check_age(program, None, date(2009, 3, 15), start, (), HALMSTAD) is None
    field, message = refused(program, None, date(2012, 9, 1), start)
    assert field == "program"
    assert message == (f"{program} is for ages 18 and over (the default rule; municipality "
                       f"1380 has no rule of its own for {program}); the participant is 14 "
                       "on 2027-03-15")
    assert refused(program, None, date(2009, 3, 16), start)[0] == "program"  # 17 that day


def test_a_summer_job_without_a_variant_gets_the_one_the_participant_fits() -> None:
    start = date(2027, 6, 21)
    assert check_age("summer_job", None, date(2012, 10, 1), start, (), HALMSTAD) == "feriepraktik"
    assert check_age("summer_job", None, date(2011, 1, 1), start, (), HALMSTAD) == "feriearbete"
    assert check_age("summer_job", None, date(2008, 1, 1), start, (), HALMSTAD) == "feriearbete"
    field, message = refused("summer_job", None, date(2011, 10, 1), start)  # 15, year 9
    assert field == "program"
    assert message == (
        "summer_job is feriepraktik for school year 8 or feriearbete for ages 16–19 (the "
        "default rules; municipality 1380 has no rule of its own for feriepraktik or "
        "feriearbete); the participant is 15, in school year 9, on 2027-06-21")
    assert "past school age" in refused("summer_job", None, date(2006, 1, 1), start)[1]


def test_a_given_variant_is_checked_against_its_own_band() -> None:
    start = date(2027, 6, 21)
    assert check_age("summer_job", "feriearbete", date(2010, 1, 1), start, (),
                     HALMSTAD) == "feriearbete"
    field, message = refused("summer_job", "feriearbete", date(2012, 10, 1), start)
    assert field == "variant"
    assert message.startswith("feriearbete is for ages 16–19 (the default rule;")
    assert message.endswith("the participant is 14 on 2027-06-21")
    assert refused("summer_job", "feriepraktik", date(2010, 1, 1), start)[0] == "variant"
    assert refused("prao", "feriepraktik", date(2012, 5, 1), start)[0] == "variant"


def test_a_municipality_s_own_rule_replaces_the_default() -> None:
    start = date(2027, 3, 15)
    own = (AgeRule("prao", min_school_year=7, max_school_year=9),
           AgeRule("work_trial", min_age=16))
    assert check_age("prao", None, date(2013, 5, 1), start, own, HALMSTAD) is None
    assert check_age("work_trial", None, date(2010, 5, 1), start, own, HALMSTAD) is None
    field, message = refused("work_trial", None, date(2012, 5, 1), start, own)
    assert field == "program"
    assert message.startswith("work_trial is for ages 16 and over (municipality 1380's own "
                              "rule); the participant is 14")
    # The programmes it names no rule for keep the default.
    assert refused("internship", None, date(2010, 5, 1), start, own)[0] == "program"
    summer = (AgeRule("summer_job", "feriearbete", min_age=15, max_age=19),)
    assert check_age("summer_job", None, date(2011, 10, 1), date(2027, 6, 21), summer,
                     HALMSTAD) == "feriearbete"


def test_a_rule_with_both_bands_describes_both() -> None:
    own = (AgeRule("prao", min_age=13, max_age=16, min_school_year=8, max_school_year=9),)
    _, message = refused("prao", None, date(2010, 1, 1), date(2027, 3, 15), own)
    assert message == ("prao is for school years 8–9 and ages 13–16 (municipality 1380's "
                       "own rule); the participant is 17, in school year 10, on 2027-03-15")


def test_a_profile_s_rules_are_checked() -> None:
    problems = dict(rule_problems([
        AgeRule("prao", min_school_year=9, max_school_year=8),
        AgeRule("work_trial", variant="feriearbete", min_age=18),
        AgeRule("summer_job", min_age=16),
        AgeRule("internship"),
        AgeRule("job_track", min_age=20, max_age=18),
        AgeRule("prao", min_school_year=8),
    ]))
    assert problems == {
        "age_rules.0.min_school_year": "min_school_year is above max_school_year",
        "age_rules.1.variant": "only a summer_job has a variant; work_trial has none",
        "age_rules.2.variant": "a summer_job rule names its variant: feriepraktik or "
                               "feriearbete",
        "age_rules.3": "give an age band, a school-year band or both",
        "age_rules.4.min_age": "min_age is above max_age",
        "age_rules.5": "prao has a rule already in this profile",
    }
    assert rule_problems([AgeRule("summer_job", "feriepraktik", min_school_year=8,
                                  max_school_year=9)]) == []
