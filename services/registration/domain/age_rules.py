"""Who each programme is for, in one municipality: age rules by programme (and, for
summer jobs, by variant), on the period's first day.

Defaults (DOMAIN.md, issue 18): prao for school years 8–9; summer jobs as two variants,
feriepraktik for school year 8 (its summer included) and feriearbete for ages 16–19;
work trial, internship and job track for ages 18 and over. A municipality's profile
names its own rule for a programme (or variant), which replaces the default whole.

School year N of a child born in year B runs from August of B + 6 + N to July of the
next year, its summer included: a child born 2012 is in year 8 from August 2026 to July
2027 (Swedish pupils start year 1 in the autumn of the year they turn seven).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.registration.domain.validation import age_on
from shared.contracts.types import Program, SummerJobVariant
from shared.errors import Rejected

ADULT_AGE = 18
SCHOOL_YEAR_STARTS = 8
"""The month a school year starts (August)."""
SUMMER_JOB = "summer_job"
VARIANTS: tuple[SummerJobVariant, ...] = ("feriepraktik", "feriearbete")


def school_year(birth: date, day: date) -> int:
    """The school year a child born on `birth` is in on `day` (can be below 1 or above 12
    for someone not of school age)."""
    started = day.year if day.month >= SCHOOL_YEAR_STARTS else day.year - 1
    return started - birth.year - 6


def is_minor(birth: date, day: date) -> bool:
    return age_on(birth, day) < ADULT_AGE


@dataclass(frozen=True)
class AgeRule:
    """An age band, a school-year band, or both; a bound left out is open."""

    program: Program
    variant: SummerJobVariant | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_school_year: int | None = None
    max_school_year: int | None = None

    @property
    def name(self) -> str:
        """What the rule is for, as a coordinator says it: `prao`, `feriepraktik`."""
        return self.variant or self.program

    def admits(self, birth: date, day: date) -> bool:
        age, year = age_on(birth, day), school_year(birth, day)
        return (_within(age, self.min_age, self.max_age)
                and _within(year, self.min_school_year, self.max_school_year))

    def describe(self) -> str:
        """The band in words: `school years 8–9`, `ages 16–19`, `ages 18 and over`."""
        parts = []
        if self.min_school_year is not None or self.max_school_year is not None:
            parts.append(_band("school year", self.min_school_year, self.max_school_year))
        if self.min_age is not None or self.max_age is not None:
            parts.append(_band("age", self.min_age, self.max_age))
        return " and ".join(parts) or "everyone"


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _band(unit: str, low: int | None, high: int | None) -> str:
    if low is not None and low == high:
        return f"{unit} {low}"
    if low is not None and high is not None:
        return f"{unit}s {low}–{high}"
    if low is not None:
        return f"{unit}s {low} and over"
    return f"{unit}s up to {high}"


DEFAULTS: tuple[AgeRule, ...] = (
    AgeRule("prao", min_school_year=8, max_school_year=9),
    AgeRule("summer_job", "feriepraktik", min_school_year=8, max_school_year=8),
    AgeRule("summer_job", "feriearbete", min_age=16, max_age=19),
    AgeRule("work_trial", min_age=ADULT_AGE),
    AgeRule("internship", min_age=ADULT_AGE),
    AgeRule("job_track", min_age=ADULT_AGE),
)


@dataclass(frozen=True)
class Ruling:
    """The rule that holds for a programme (or variant) in a municipality, and whose."""

    rule: AgeRule
    own: bool
    """The municipality's own rule (else the default)."""


def ruling(program: str, variant: str | None, own: Iterable[AgeRule]) -> Ruling | None:
    """The municipality's rule for the programme (or variant), else the default; None
    when neither names one."""
    for rules, is_own in ((own, True), (DEFAULTS, False)):
        found = next((r for r in rules if r.program == program and r.variant == variant), None)
        if found is not None:
            return Ruling(found, is_own)
    return None


def _whose(rulings: Sequence[Ruling], municipality_code: str) -> str:
    own = [r.rule.name for r in rulings if r.own]
    default = [r.rule.name for r in rulings if not r.own]
    if not default:
        return f"municipality {municipality_code}'s own rule" + ("s" if len(own) > 1 else "")
    if not own:
        rules = "rules" if len(default) > 1 else "rule"
        return (f"the default {rules}; municipality {municipality_code} has no rule of its "
                f"own for {' or '.join(default)}")
    return (f"municipality {municipality_code}'s own rule for {' and '.join(own)}, the "
            f"default for {' and '.join(default)}")


def _participant(birth: date, day: date, rulings: Sequence[Ruling]) -> str:
    """How old the participant is, in the terms the rules use."""
    by_year = any(r.rule.min_school_year is not None or r.rule.max_school_year is not None
                  for r in rulings)
    by_age = any(r.rule.min_age is not None or r.rule.max_age is not None for r in rulings)
    year = school_year(birth, day)
    in_school = (f"in school year {year}" if 1 <= year <= 12 else
                 "not yet in school" if year < 1 else "past school age")
    if by_year and not by_age:
        return f"the participant is {in_school} on {day.isoformat()}"
    if by_age and not by_year:
        return f"the participant is {age_on(birth, day)} on {day.isoformat()}"
    return f"the participant is {age_on(birth, day)}, {in_school}, on {day.isoformat()}"


def refusal(rulings: Sequence[Ruling], birth: date, day: date, municipality_code: str,
            label: str | None = None) -> str:
    """Why a participant born on `birth` does not fit these rules on `day`, e.g. "prao is
    for school years 8–9 (the default rule; municipality 1380 has no rule of its own for
    prao); the participant is in school year 7 on 2027-03-15"."""
    bands = " or ".join(f"{r.rule.name} for {r.rule.describe()}" for r in rulings)
    head = (f"{label} is {bands}" if label is not None
            else f"{rulings[0].rule.name} is for {rulings[0].rule.describe()}")
    return (f"{head} ({_whose(rulings, municipality_code)}); "
            f"{_participant(birth, day, rulings)}")


def check_age(program: str, variant: str | None, birth: date, start: date,
              own: Sequence[AgeRule], municipality_code: str) -> SummerJobVariant | None:
    """The variant a request is for once the participant fits its rule on `start`
    (`variant` itself, or for a summer job without one the first variant that admits
    them), else refused naming the rule (field `variant` or `program`)."""
    if variant is not None and program != SUMMER_JOB:
        raise Rejected.field("variant", f"only a summer_job has a variant; {program} has none")
    if program == SUMMER_JOB and variant is None:
        return _pick_variant(birth, start, own, municipality_code)
    found = ruling(program, variant, own)
    if found is None or found.rule.admits(birth, start):
        return _variant(variant)
    field = "variant" if variant is not None else "program"
    raise Rejected.field(field, refusal([found], birth, start, municipality_code))


def _variant(value: str | None) -> SummerJobVariant | None:
    return next((v for v in VARIANTS if v == value), None)


def _pick_variant(birth: date, start: date, own: Sequence[AgeRule],
                  municipality_code: str) -> SummerJobVariant:
    rulings = [r for r in (ruling(SUMMER_JOB, v, own) for v in VARIANTS) if r is not None]
    for found in rulings:
        if found.rule.admits(birth, start) and found.rule.variant is not None:
            return found.rule.variant
    raise Rejected.field("program", refusal(rulings, birth, start, municipality_code,
                                            label=SUMMER_JOB))


def rule_problems(rules: Sequence[AgeRule]) -> list[tuple[str, str]]:
    """A profile's own rules checked: (field, message) for each thing wrong (a programme
    known, a variant only for a summer job and required there, a bound at all, min ≤
    max, one rule per programme or variant)."""
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str | None]] = set()
    for index, rule in enumerate(rules):
        at = f"age_rules.{index}"
        problems += _one_rule_problems(at, rule)
        if (rule.program, rule.variant) in seen:
            problems.append((at, f"{rule.name} has a rule already in this profile"))
        seen.add((rule.program, rule.variant))
    return problems


def _one_rule_problems(at: str, rule: AgeRule) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if rule.program == SUMMER_JOB and rule.variant not in VARIANTS:
        problems.append((f"{at}.variant", "a summer_job rule names its variant: "
                                          "feriepraktik or feriearbete"))
    if rule.program != SUMMER_JOB and rule.variant is not None:
        problems.append((f"{at}.variant", f"only a summer_job has a variant; "
                                          f"{rule.program} has none"))
    bounds = (rule.min_age, rule.max_age, rule.min_school_year, rule.max_school_year)
    if all(bound is None for bound in bounds):
        problems.append((at, "give an age band, a school-year band or both"))
    for low, high, name in ((rule.min_age, rule.max_age, "age"),
                            (rule.min_school_year, rule.max_school_year, "school_year")):
        if low is not None and high is not None and low > high:
            problems.append((f"{at}.min_{name}", f"min_{name} is above max_{name}"))
    return problems
