"""A municipality's profile: who its messages come from (the municipality's name and its
coordinator's name, e-mail and phone, which anyone may read: a public office), and its
rules for answers (consent by either or both guardians, which programmes ask the
participant to answer an offer, in how many working days, and whether a guardian of a
minor answers too; how many working days a workplace has to answer and a guardian to
consent), its own age rules (`domain.age_rules`), and the programmes placed only at one
of a request's preferences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.registration.domain import commands
from services.registration.domain import validation as v
from services.registration.domain.age_rules import AgeRule, rule_problems
from services.registration.domain.consent import DEFAULT_RULE, ConsentRule

RULES: tuple[str, ...] = ("either", "both")
MAX_ANSWER_DAYS = 30
MAX_AGE_RULES = 20


@dataclass(frozen=True)
class MunicipalityProfile:
    municipality_code: str
    name: str
    coordinator_name: str
    coordinator_email: str
    coordinator_phone: str
    consent_rule: ConsentRule = DEFAULT_RULE
    offer_answer_programs: tuple[str, ...] = ()
    offer_answer_days: int = 3
    guardian_answers_offer: bool = False
    age_rules: tuple[AgeRule, ...] = ()
    only_preferences_programs: tuple[str, ...] = ()
    workplace_answer_days: int = 3
    consent_days: int = 5


def _required(rule: Callable[[str | None], str | None]) -> Callable[[str | None], str]:
    def check(value: str | None) -> str:
        checked = rule(value)
        if checked is None:
            raise v.Invalid("must not be empty")
        return checked

    return check


def _programs(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        v.program(value)
    return tuple(dict.fromkeys(values))


def check_profile(cmd: commands.RecordMunicipalityProfile) -> MunicipalityProfile:
    """The profile with normalised values (phone in E.164, e-mail as written to), or
    refused naming every failing field."""
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    name = problems.check("name", v.text, cmd.name)
    coordinator = problems.check("coordinator_name", v.text, cmd.coordinator_name)
    email = problems.check("coordinator_email", _required(v.email), cmd.coordinator_email)
    phone = problems.check("coordinator_phone", _required(v.phone), cmd.coordinator_phone)
    rule = problems.check("consent_rule", v.one_of(RULES), cmd.consent_rule)
    programs = problems.check("offer_answer_programs", _programs, cmd.offer_answer_programs)
    problems.check("offer_answer_days", v.bounded(1, MAX_ANSWER_DAYS), cmd.offer_answer_days)
    only = problems.check("only_preferences_programs", _programs,
                          cmd.only_preferences_programs)
    for days in ("workplace_answer_days", "consent_days"):
        problems.check(days, v.bounded(1, MAX_ANSWER_DAYS), getattr(cmd, days))
    if len(cmd.age_rules) > MAX_AGE_RULES:
        problems.add("age_rules", f"at most {MAX_AGE_RULES} rules")
    for at, message in rule_problems(cmd.age_rules):
        problems.add(at, message)
    problems.raise_if_any()
    return MunicipalityProfile(
        municipality_code=cmd.municipality_code, name=name or "",
        coordinator_name=coordinator or "", coordinator_email=email or "",
        coordinator_phone=phone or "", consent_rule="both" if rule == "both" else "either",
        offer_answer_programs=programs or (), offer_answer_days=cmd.offer_answer_days,
        guardian_answers_offer=cmd.guardian_answers_offer, age_rules=tuple(cmd.age_rules),
        only_preferences_programs=only or (), workplace_answer_days=cmd.workplace_answer_days,
        consent_days=cmd.consent_days,
    )
