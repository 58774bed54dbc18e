"""Who is who: participants and their guardians, workplaces and their managers,
supervisors, offers of placement slots, placement requests, consent.

Plain classes and functions, no I/O: the handlers load and save them through the
repositories and turn them into events. `check_*` functions apply every rule to a
command and refuse it naming each failing field (nothing is stored before they pass).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID, uuid4

from services.registration.domain import commands
from services.registration.domain import validation as v
from services.registration.domain.age_rules import AgeRule, check_age, is_minor
from services.registration.domain.identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    parse_identity_number,
)
from services.registration.domain.welcome import WelcomeFacts, check_welcome
from shared.contracts.types import Gender, Program, Sector, SummerJobVariant

OPEN = "open"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "sv"
    sms_allowed: bool = False

    @property
    def reachable(self) -> bool:
        return self.email is not None or self.phone is not None


def check_contact(problems: v.Problems, prefix: str, given: commands.ContactInput,
                  language_field: str = "language") -> Contact:
    def at(name: str) -> str:
        return f"{prefix}{name}"

    name = problems.check(at("name"), v.text, given.name)
    email = problems.check(at("email"), v.email, given.email)
    phone = problems.check(at("phone"), v.phone, given.phone)
    language = problems.check(at(language_field), v.language, given.language)
    if given.sms_allowed and phone is None and given.phone is None:
        problems.add(at("sms_allowed"), "SMS needs a phone number")
    return Contact(name or "", email, phone, language or "sv", bool(given.sms_allowed))


def check_identity(problems: v.Problems, name: str, value: str | None,
                   today: date) -> IdentityNumber | None:
    if value is None:
        return None
    try:
        return parse_identity_number(value, today)
    except InvalidIdentityNumber as error:
        problems.add(name, str(error))
        return None


# -- participants and guardians ---------------------------------------------------------


@dataclass(frozen=True)
class GuardianDetails:
    contact: Contact
    identity: IdentityNumber | None


@dataclass(frozen=True)
class ParticipantDetails:
    """A `RegisterParticipant` command that passed every rule."""

    municipality_code: str
    identity: IdentityNumber
    contact: Contact
    gender: Gender
    needs: tuple[str, ...]
    guardians: tuple[GuardianDetails, ...]
    external_ref: str | None


def check_participant(cmd: commands.RegisterParticipant, today: date) -> ParticipantDetails:
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    identity = check_identity(problems, "personal_identity_number",
                              cmd.personal_identity_number, today)
    contact = check_contact(problems, "", cmd.contact, language_field="preferred_language")
    problems.check("gender", v.gender, cmd.gender)
    needs = problems.check("needs", v.tags, cmd.needs)
    ref = problems.check("external_ref", v.external_ref, cmd.external_ref)
    if len(cmd.guardians) > v.MAX_GUARDIANS:
        problems.add("guardians", f"at most {v.MAX_GUARDIANS} guardians")
    guardians: list[GuardianDetails] = []
    seen: set[str] = {identity.canonical} if identity else set()
    for index, given in enumerate(cmd.guardians[: v.MAX_GUARDIANS]):
        prefix = f"guardians.{index}."
        guardian_contact = check_contact(problems, prefix, given.contact)
        guardian_identity = check_identity(problems, f"{prefix}personal_identity_number",
                                           given.personal_identity_number, today)
        if guardian_identity is not None:
            if guardian_identity.canonical in seen:
                problems.add(f"{prefix}personal_identity_number",
                             "is the participant's or another guardian's number")
            seen.add(guardian_identity.canonical)
        guardians.append(GuardianDetails(guardian_contact, guardian_identity))
    if identity is not None and is_minor(identity.birth_date, today):
        if not any(g.contact.reachable for g in guardians):
            problems.add("guardians", "a minor needs at least one guardian with an e-mail "
                                      "address or a phone number")
    problems.raise_if_any()
    assert identity is not None
    return ParticipantDetails(
        municipality_code=cmd.municipality_code, identity=identity, contact=contact,
        gender=cmd.gender, needs=needs or (), guardians=tuple(guardians),
        external_ref=ref,
    )


@dataclass
class Guardian:
    id: UUID
    municipality_code: str
    contact: Contact
    identity_hash: str | None = None
    sealed_identity: bytes | None = field(default=None, repr=False)


@dataclass
class Participant:
    id: UUID
    municipality_code: str
    birth_date: date
    contact: Contact
    gender: Gender
    needs: tuple[str, ...]
    identity_hash: str
    sealed_identity: bytes = field(repr=False)
    external_ref: str | None = None
    guardian_ids: list[UUID] = field(default_factory=list)

    def age_on(self, day: date) -> int:
        return v.age_on(self.birth_date, day)


def match_guardians(details: tuple[GuardianDetails, ...], hashes: list[str | None],
                    current: list[Guardian], known: dict[str, Guardian],
                    municipality_code: str) -> list[Guardian]:
    """The guardians a registration names, reusing ids: the same identity number
    (`known`, by keyed hash, across the municipality) or, without a number, the same
    name among the participant's current guardians. A repeated registration thus keeps
    every guardian id."""
    result: list[Guardian] = []
    unused = list(current)
    for detail, digest in zip(details, hashes, strict=True):
        found: Guardian | None = None
        if digest is not None:
            found = known.get(digest)
        else:
            found = next((g for g in unused if g.identity_hash is None
                          and g.contact.name.casefold() == detail.contact.name.casefold()), None)
        if found is not None and found in unused:
            unused.remove(found)
        if found is None:
            found = Guardian(uuid4(), municipality_code, detail.contact, digest)
        else:
            found = replace(found, contact=detail.contact)
        result.append(found)
    return result


# -- workplaces and supervisors ---------------------------------------------------------


@dataclass
class Workplace:
    id: UUID
    municipality_code: str
    org_number: str
    name: str
    sector: Sector
    client_contact: bool
    manager_id: UUID | None
    """None: the manager was erased, and no new one is registered yet."""
    manager: Contact | None
    min_age: int | None = None
    address: str | None = None
    external_ref: str | None = None


def check_workplace(cmd: commands.RegisterWorkplace) -> commands.RegisterWorkplace:
    """The command with normalised values (org number, phone), or refused."""
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    org = problems.check("org_number", v.org_number, cmd.org_number)
    name = problems.check("name", v.text, cmd.name)
    problems.check("sector", v.sector, cmd.sector)
    if cmd.min_age is not None:
        problems.check("min_age", v.bounded(0, 100), cmd.min_age)
    address = problems.check("address", v.optional_text, cmd.address)
    ref = problems.check("external_ref", v.external_ref, cmd.external_ref)
    manager = check_contact(problems, "manager.", cmd.manager)
    problems.raise_if_any()
    return replace(cmd, org_number=org or "", name=name or "", address=address,
                   external_ref=ref, manager=commands.ContactInput(
                       manager.name, manager.email, manager.phone, manager.language,
                       manager.sms_allowed))


@dataclass
class Supervisor:
    id: UUID
    workplace_id: UUID
    municipality_code: str
    contact: Contact
    languages: tuple[str, ...]
    max_participants: int
    external_ref: str | None = None
    left: bool = False
    """No longer supervises at the workplace (`SupervisorLeft`): offers naming them are
    refused."""


def check_supervisor(cmd: commands.RegisterSupervisor) -> tuple[Contact, tuple[str, ...]]:
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    contact = check_contact(problems, "", cmd.contact)
    langs = problems.check("languages", v.languages, cmd.languages)
    problems.check("max_participants", v.bounded(1, v.MAX_SUPERVISOR_PARTICIPANTS),
                   cmd.max_participants)
    problems.check("external_ref", v.external_ref, cmd.external_ref)
    if cmd.workplace_id is None and cmd.workplace_ref is None:
        problems.add("workplace_id", "name the workplace by workplace_id or workplace_ref")
    problems.check("workplace_ref", v.external_ref, cmd.workplace_ref)
    problems.raise_if_any()
    return contact, langs or ("sv",)


# -- offers and requests ----------------------------------------------------------------


@dataclass
class Offer:
    """Placement slots a workplace offers (a supervisor, a period, a number of places)."""

    id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    program: Program
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None = None
    without_client_contact: bool = False
    supports: tuple[str, ...] = ()
    external_ref: str | None = None
    status: str = OPEN
    withdrawn_reason: str | None = None
    welcome: WelcomeFacts = field(default_factory=WelcomeFacts)
    variant: SummerJobVariant | None = None

    def withdraw(self, reason: str) -> None:
        self.status, self.withdrawn_reason = WITHDRAWN, reason


def check_offer(cmd: commands.OfferPlacementSlots, today: date, *, new: bool) -> WelcomeFacts:
    """The offer's welcome facts, normalised, once every rule holds."""
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    problems.check("program", v.program, cmd.program)
    if cmd.variant is not None and cmd.program != "summer_job":
        problems.add("variant", f"only a summer_job has a variant; {cmd.program} has none")
    problems.check("occupation", v.occupation, cmd.occupation)
    try:
        v.period(cmd.period_start, cmd.period_end, today, new=new)
    except v.Invalid as error:
        name = "period_end" if "before" in str(error) else "period_start"
        problems.add(name, str(error))
    problems.check("capacity", v.bounded(1, v.MAX_CAPACITY), cmd.capacity)
    if cmd.min_age is not None:
        problems.check("min_age", v.bounded(0, 100), cmd.min_age)
    problems.check("supports", v.tags, cmd.supports)
    problems.check("external_ref", v.external_ref, cmd.external_ref)
    problems.check("workplace_ref", v.external_ref, cmd.workplace_ref)
    problems.check("supervisor_ref", v.external_ref, cmd.supervisor_ref)
    if cmd.workplace_id is None and cmd.workplace_ref is None:
        problems.add("workplace_id", "name the workplace by workplace_id or workplace_ref")
    if cmd.supervisor_id is None and cmd.supervisor_ref is None:
        problems.add("supervisor_id", "name the supervisor by supervisor_id or supervisor_ref")
    welcome = check_welcome(problems, cmd)
    problems.raise_if_any()
    return welcome


def check_offer_fits(cmd: commands.OfferPlacementSlots, workplace: Workplace,
                     supervisor: Supervisor) -> None:
    """An offer's rules against the workplace and supervisor it names."""
    problems = v.Problems()
    if supervisor.left:
        problems.add("supervisor_id", "the supervisor has left the workplace")
    if supervisor.workplace_id != workplace.id:
        problems.add("supervisor_id", "the supervisor does not work at this workplace")
    if cmd.capacity > supervisor.max_participants:
        problems.add("capacity", f"the supervisor takes at most {supervisor.max_participants} "
                                 "participants at once")
    if (cmd.min_age is not None and workplace.min_age is not None
            and cmd.min_age < workplace.min_age):
        problems.add("min_age", f"the workplace's own age limit is {workplace.min_age}")
    if cmd.without_client_contact and not workplace.client_contact:
        problems.add("without_client_contact",
                     "only a workplace that handles client data arranges work without it")
    problems.raise_if_any()


@dataclass(frozen=True)
class Preference:
    occupation: str | None = None
    workplace_id: UUID | None = None


@dataclass
class PlacementRequest:
    id: UUID
    participant_id: UUID
    municipality_code: str
    program: Program
    period_start: date
    period_end: date
    preferences: tuple[Preference, ...] = ()
    needs: tuple[str, ...] = ()
    priority: int = 0
    external_ref: str | None = None
    status: str = OPEN
    withdrawn_reason: str | None = None
    variant: SummerJobVariant | None = None
    only_preferences: bool = False
    """Placed only at one of `preferences`, else waitlisted."""

    def withdraw(self, reason: str) -> None:
        self.status, self.withdrawn_reason = WITHDRAWN, reason


def check_request(cmd: commands.RequestPlacement, today: date, *, new: bool) -> None:
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    problems.check("program", v.program, cmd.program)
    try:
        v.period(cmd.period_start, cmd.period_end, today, new=new)
    except v.Invalid as error:
        name = "period_end" if "before" in str(error) else "period_start"
        problems.add(name, str(error))
    problems.check("needs", v.tags, cmd.needs)
    problems.check("priority", v.bounded(*v.PRIORITY_RANGE), cmd.priority)
    problems.check("external_ref", v.external_ref, cmd.external_ref)
    problems.check("participant_ref", v.external_ref, cmd.participant_ref)
    if cmd.participant_id is None and cmd.participant_ref is None:
        problems.add("participant_id", "name the participant by participant_id or participant_ref")
    if len(cmd.preferences) > v.MAX_PREFERENCES:
        problems.add("preferences", f"at most {v.MAX_PREFERENCES} preferences")
    for index, pref in enumerate(cmd.preferences):
        if (pref.occupation is None) == (pref.workplace_id is None):
            problems.add(f"preferences.{index}", "names either an occupation or a workplace_id")
        elif pref.occupation is not None:
            problems.check(f"preferences.{index}.occupation", v.occupation, pref.occupation)
    if cmd.only_preferences and not cmd.preferences:
        problems.add("preferences", "only_preferences needs at least one preference")
    problems.raise_if_any()


def check_request_fits(cmd: commands.RequestPlacement, birth_date: date,
                       rules: Sequence[AgeRule]) -> SummerJobVariant | None:
    """The participant (born on `birth_date`) fits the programme's age rule (the
    municipality's `rules`, else the default) on the period's first day; returns the
    summer-job variant the request is for."""
    return check_age(cmd.program, cmd.variant, birth_date, cmd.period_start, rules,
                     cmd.municipality_code)


def check_reason(reason: str) -> str:
    problems = v.Problems()
    cleaned = problems.check("reason", v.text, reason)
    problems.raise_if_any()
    return cleaned or ""
