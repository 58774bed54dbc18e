"""Workplaces, supervisors and offers as staff register and change them through forms.

Each kind's form is its fields in the order the page shows them, in sections. A submitted
form is read into the body registration's API takes (the intake's shape,
`shared.contracts.intake`); registration's record is read back into the form. The
portal checks only what a form can say (a field left empty, a number that is not one);
the rules are registration's, and a field it refuses gets its reason beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Literal, get_args

from services.portal.domain.dates import read_day
from shared.contracts.types import PROGRAMS, Course

Register = Literal["workplaces", "supervisors", "offers"]
"""Registration's registers that staff keep through these forms."""
FormKind = Literal["workplaces", "supervisors", "offers", "profile", "import", "round",
                   "session", "costs"]
"""The forms of this module: each register's, the municipality's profile, and what an
import of a list of participants registers them for (`domain.imports`), which round
to run (`domain.rounds`), and a training session's and its costs (`domain.courses`)."""
COURSES: tuple[str, ...] = get_args(Course)
Kind = Literal["text", "choice", "check", "number", "date", "time", "list"]
SECTORS: tuple[str, ...] = ("municipal", "region", "state", "private", "nonprofit")
CONSENT_RULES: tuple[str, ...] = ("either", "both")
"""One guardian's consent is enough, or every guardian's."""
SUMMER_JOB_VARIANTS: tuple[str, ...] = ("feriepraktik", "feriearbete")
"""A summer job's two kinds (only a summer job has one)."""
CONTACT_LANGUAGES: tuple[str, ...] = ("sv", "en")
"""The languages Praktik writes its messages in."""
FORM_PROBLEMS: tuple[str, ...] = ("required", "too_long", "not_a_choice", "not_a_number",
                                  "out_of_range", "not_a_date", "not_a_time", "not_accepted",
                                  "duplicate", "none_ticked")
"""What a field's problem can be (`staff.problem.<key>` in the texts)."""


@dataclass(frozen=True)
class FormField:
    api: str
    """Registration's name for it; `manager.email` is `email` of the body's `manager`."""
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    """A choice's values; none: the page's own (the staff's municipalities, the
    workplace's supervisors)."""
    max: int = 200
    low: int = 0
    high: int = 100
    hint: bool = False
    """The page says how to write it (`staff.hint.<register>.<name>`)."""

    @property
    def name(self) -> str:
        """The form's name for it (`manager_email`)."""
        return self.api.replace(".", "_")


Section = tuple[str, tuple[FormField, ...]]
"""A heading (`staff.places.section.<key>`) and its fields."""

WORKPLACE: tuple[Section, ...] = (
    ("workplace", (FormField("name", required=True),
                   FormField("org_number", required=True, max=16, hint=True),
                   FormField("municipality_code", "choice", required=True),
                   FormField("sector", "choice", required=True, choices=SECTORS),
                   FormField("address", max=2000),
                   FormField("client_contact", "check"),
                   FormField("min_age", "number", hint=True),
                   FormField("external_ref", max=128))),
    ("manager", (FormField("manager.name", required=True),
                 FormField("manager.email", max=254),
                 FormField("manager.phone", max=32, hint=True),
                 FormField("manager.language", "choice", required=True,
                           choices=CONTACT_LANGUAGES),
                 FormField("manager.sms_allowed", "check"))),
)
SUPERVISOR: tuple[Section, ...] = (
    ("supervisor", (FormField("name", required=True),
                    FormField("email", max=254),
                    FormField("phone", max=32, hint=True),
                    FormField("sms_allowed", "check"),
                    FormField("languages", "list", max=64, hint=True),
                    FormField("max_participants", "number", required=True, low=1, high=50),
                    FormField("external_ref", max=128))),
)
OFFER: tuple[Section, ...] = (
    ("offer", (FormField("supervisor_id", "choice", required=True),
               FormField("program", "choice", required=True, choices=PROGRAMS),
               FormField("occupation", required=True, max=4, hint=True),
               FormField("period_start", "date", required=True),
               FormField("period_end", "date", required=True),
               FormField("variant", "choice", choices=SUMMER_JOB_VARIANTS, hint=True),
               FormField("capacity", "number", required=True, low=1, high=10_000),
               FormField("min_age", "number"),
               FormField("without_client_contact", "check"),
               FormField("supports", "list", max=64, hint=True),
               FormField("external_ref", max=128))),
    ("welcome", (FormField("arrival_time", "time", hint=True),
                 FormField("arrival_place", max=2000),
                 FormField("work_starts", "time"),
                 FormField("work_ends", "time"),
                 FormField("bring", max=2000),
                 FormField("contact_name"),
                 FormField("contact_phone", max=32, hint=True))),
)
PROFILE: tuple[Section, ...] = (
    ("municipality", (FormField("name", required=True),)),
    ("coordinator", (FormField("coordinator_name", required=True),
                     FormField("coordinator_email", required=True, max=254),
                     FormField("coordinator_phone", required=True, max=32, hint=True))),
    ("rules", (FormField("consent_rule", "choice", required=True, choices=CONSENT_RULES,
                         hint=True),
               FormField("guardian_answers_offer", "check"),
               FormField("workplace_answer_days", "number", required=True, low=1, high=30),
               FormField("offer_answer_days", "number", required=True, low=1, high=30),
               FormField("consent_days", "number", required=True, low=1, high=30))),
)
"""The municipality's profile as the form keeps it (its lists of programmes and age
rules are shown, and sent back as they are)."""
IMPORT: tuple[Section, ...] = (
    ("import", (FormField("municipality_code", "choice", required=True),
                FormField("program", "choice", required=True, choices=PROGRAMS),
                FormField("period_start", "date", required=True),
                FormField("period_end", "date", required=True))),
)
ROUND: tuple[Section, ...] = (
    ("round", (FormField("municipality_code", "choice", required=True),
               FormField("program", "choice", required=True, choices=("prao", "summer_job")))),
)
SESSION: tuple[Section, ...] = (
    ("session", (FormField("course", "choice", required=True, choices=COURSES),
                 FormField("topic", hint=True),
                 FormField("day", "date", required=True),
                 FormField("starts_at", "time", required=True),
                 FormField("ends_at", "time", required=True),
                 FormField("municipality_code", "choice", required=True),
                 FormField("venue", required=True, max=300, hint=True),
                 FormField("digital", "check"),
                 FormField("lunch", "check", hint=True),
                 FormField("capacity", "number", required=True, low=1, high=2000),
                 FormField("trainers", "list", hint=True))),
)
"""A training session: its day, and its times where the county is (`domain.courses`)."""
COSTS: tuple[Section, ...] = (
    ("costs", tuple(FormField(kind, "number", required=True, high=10_000_000)
                    for kind in ("venue", "food", "material"))),
)
"""What a session cost, in whole kronor."""
FORMS: dict[FormKind, tuple[Section, ...]] = {
    "workplaces": WORKPLACE, "supervisors": SUPERVISOR, "offers": OFFER, "profile": PROFILE,
    "import": IMPORT, "round": ROUND, "session": SESSION, "costs": COSTS}
NEW_VALUES: dict[Register, dict[str, str]] = {
    "workplaces": {"manager_language": "sv"},
    "supervisors": {"languages": "sv", "max_participants": "2"},
    "offers": {"capacity": "1"},
}
"""A new entry's form, before anything is typed."""

Options = Mapping[str, list[tuple[str, str]]]
"""A choice's values and labels, when the page gives them: field name → (value, label)."""


def fields_of(register: FormKind) -> list[FormField]:
    return [f for _, fields in FORMS[register] for f in fields]


def _read(spec: FormField, raw: str, options: Options) -> tuple[Any, str | None]:
    """The value the API takes, and the field's problem (None: it holds)."""
    if spec.kind == "check":
        return raw in ("on", "true", "1"), None
    if spec.kind == "list":
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return items, "too_long" if any(len(i) > spec.max for i in items) else None
    if not raw:
        return None, "required" if spec.required else None
    if spec.kind == "choice":
        allowed = spec.choices or tuple(value for value, _ in options.get(spec.name, ()))
        return raw, None if raw in allowed else "not_a_choice"
    if spec.kind == "number":
        if not re.fullmatch(r"-?\d{1,9}", raw):
            return None, "not_a_number"
        number = int(raw)
        return number, None if spec.low <= number <= spec.high else "out_of_range"
    if spec.kind in ("date", "time"):
        pattern = r"\d{4}-\d{2}-\d{2}" if spec.kind == "date" else r"\d{2}:\d{2}"
        parse = date.fromisoformat if spec.kind == "date" else time.fromisoformat
        try:
            if not re.fullmatch(pattern, raw):
                raise ValueError(raw)
            parse(raw)
        except ValueError:
            return None, f"not_a_{spec.kind}"
        return raw, None
    return raw, "too_long" if len(raw) > spec.max else None


def read_form(register: FormKind, form: Mapping[str, str],
              options: Options) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The API's body, the form's values as typed, and each field's problem."""
    body: dict[str, Any] = {}
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    for spec in fields_of(register):
        raw = form.get(spec.name, "").strip()
        values[spec.name] = raw
        value, problem = _read(spec, raw, options)
        if problem:
            problems[spec.name] = problem
        *parents, last = spec.api.split(".")
        into = body
        for parent in parents:
            into = into.setdefault(parent, {})
        into[last] = value
    return body, values, problems


def values_of(register: FormKind, entry: Mapping[str, Any]) -> dict[str, str]:
    """Registration's record as the form shows it."""
    values = {}
    for spec in fields_of(register):
        value: Any = entry
        for part in spec.api.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if spec.kind == "check":
            values[spec.name] = "on" if value else ""
        elif isinstance(value, list):
            values[spec.name] = ", ".join(str(item) for item in value)
        else:
            values[spec.name] = "" if value is None else str(value)
    return values


def refused_fields(register: FormKind, reasons: Mapping[str, str]
                   ) -> tuple[dict[str, str], dict[str, str]]:
    """Registration's refusal (API name → reason) as the form's problems and reasons;
    what names no field of the form is the form's own (`form`)."""
    names = {spec.api: spec.name for spec in fields_of(register)}
    problems: dict[str, str] = {}
    said: dict[str, str] = {}
    for api, reason in reasons.items():
        name = names.get(api.removeprefix("body."), "form")
        problems[name] = "not_accepted"
        said[name] = f"{said[name]}; {reason}" if name in said else reason
    return problems, said


@dataclass(frozen=True)
class SupervisorRow:
    ident: str
    name: str
    certified_until: date | None
    left: bool


@dataclass(frozen=True)
class OfferRow:
    ident: str
    program: str
    period_start: date | None
    period_end: date | None
    capacity: int
    status: str
    """open, withdrawn."""


@dataclass(frozen=True)
class WorkplaceRow:
    ident: str
    name: str
    org_number: str
    municipality_code: str
    manager: str
    opened: bool


@dataclass(frozen=True)
class WorkplacesPage:
    rows: list[WorkplaceRow]
    total: int


@dataclass(frozen=True)
class FormPage:
    """A form of a register: a new entry (`ident` empty) or one to change."""

    register: FormKind
    values: dict[str, str]
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    ident: str = ""
    workplace: WorkplaceRow | None = None
    """The workplace a supervisor or an offer belongs to (and a workplace's own)."""
    read_only: bool = False
    """An auditor's: shown, not saved."""
    supervisors: list[SupervisorRow] = field(default_factory=list)
    offers: list[OfferRow] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    """A refused field's reason, in registration's words."""
    saved: bool = False
    kept: list[tuple[str, list[str]]] = field(default_factory=list)
    """What the form shows but does not change (a profile's lists), by its label key."""

    @property
    def sections(self) -> tuple[Section, ...]:
        return FORMS[self.register]

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


@dataclass(frozen=True)
class Saved:
    """Saved: the page goes to the entry's own (303)."""

    path: str


def workplace_names(found: Mapping[str, Any]) -> dict[str, str]:
    """Each workplace's name by its id, from a page of registration's `GET /workplaces`."""
    return {str(w.get("workplace_id")): str(w.get("name") or "")
            for w in found.get("items") or [] if isinstance(w, dict)}


def workplace_row(entry: Mapping[str, Any]) -> WorkplaceRow:
    manager = entry.get("manager")
    return WorkplaceRow(str(entry["workplace_id"]), str(entry.get("name") or ""),
                        str(entry.get("org_number") or ""),
                        str(entry.get("municipality_code") or ""),
                        str(manager.get("name") or "") if isinstance(manager, dict) else "",
                        bool(entry.get("opened")))


def supervisor_row(entry: Mapping[str, Any]) -> SupervisorRow:
    return SupervisorRow(str(entry["supervisor_id"]), str(entry.get("name") or ""),
                         read_day(entry.get("certified_until")), bool(entry.get("left_at")))


def offer_row(entry: Mapping[str, Any]) -> OfferRow:
    return OfferRow(str(entry["offer_id"]), str(entry.get("program") or ""),
                    read_day(entry.get("period_start")), read_day(entry.get("period_end")),
                    int(entry.get("capacity") or 0), str(entry.get("status") or ""))
