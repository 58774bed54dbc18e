"""A submitted form, read: the body the service's link API takes (docs/portal.md), or the
problems of each field, and the receipt that an answer earns.

The form's field names are the pages' own (`consent`, `answer`, `reason`, ...); the
services' names (`granted`, `accept`, ...) are mapped back when a service refuses one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.links import Purpose

DECLINE_REASONS: tuple[str, ...] = ("no_capacity", "period_unsuitable",
                                    "supervisor_unavailable", "not_a_good_fit", "other")
"""The workplace's reasons to decline, in the order the page lists them."""
LIMITS: dict[str, int] = {"message": 1000, "reason": 500, "comment": 1000}
"""The longest free text of each field, in characters (what the services take: the
consent message 1000, matching's decline reason 500, training's comment 2000)."""
SCORES: tuple[str, ...] = ("1", "2", "3", "4", "5")
PROBLEMS: tuple[str, ...] = ("required", "too_long", "not_a_choice", "refused")
"""The problems a field can have (`problem.<key>` in the texts)."""

Body = dict[str, Any]


class FieldProblems(Exception):
    """The fields that do not hold: field → problem key; and, when a service refused
    them, field → its reason in its own words."""

    def __init__(self, problems: Mapping[str, str],
                 reasons: Mapping[str, str] | None = None) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)
        self.reasons = dict(reasons or {})


def chosen(form: Mapping[str, str], name: str, choices: tuple[str, ...],
           problems: dict[str, str]) -> str:
    """The chosen value; a missing or unknown one is the field's problem."""
    value = form.get(name, "").strip()
    if not value:
        problems[name] = "required"
    elif value not in choices:
        problems[name] = "not_a_choice"
    return value


def _optional_text(form: Mapping[str, str], name: str, problems: dict[str, str]) -> str | None:
    value = form.get(name, "").strip()
    if len(value) > LIMITS[name]:
        problems[name] = "too_long"
    return value or None


def _consent(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    choice = chosen(form, "consent", ("yes", "no"), problems)
    return {"granted": choice == "yes", "message": _optional_text(form, "message", problems)}


def _workplace(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    choice = chosen(form, "answer", ("accept", "decline"), problems)
    if choice != "decline":
        return {"accept": True}
    return {"accept": False, "reason": chosen(form, "reason", DECLINE_REASONS, problems)}


def _offer(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    choice = chosen(form, "answer", ("accept", "decline"), problems)
    reason = _optional_text(form, "reason", problems)
    return {"accept": choice == "accept", "reason": None if choice == "accept" else reason}


def _enrolment(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    return {"attend": chosen(form, "attend", ("yes", "no"), problems) == "yes"}


def _evaluation(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    overall = chosen(form, "overall", SCORES, problems)
    usefulness = chosen(form, "usefulness", SCORES, problems)
    comment = _optional_text(form, "comment", problems)
    if problems:
        return {}
    return {"overall": int(overall), "usefulness": int(usefulness), "comment": comment}


def _opt_out(form: Mapping[str, str], problems: dict[str, str]) -> Body:
    chosen(form, "confirm", ("yes",), problems)
    return {"confirm": True}


READERS: dict[Purpose, Callable[[Mapping[str, str], dict[str, str]], Body]] = {
    "consent": _consent, "workplace_answer": _workplace, "offer_answer": _offer,
    "enrolment": _enrolment, "evaluation": _evaluation, "opt_out": _opt_out}

FIELDS: dict[str, str] = {"granted": "consent", "accept": "answer", "attend": "attend",
                          "message": "message", "reason": "reason", "overall": "overall",
                          "usefulness": "usefulness", "comment": "comment",
                          "confirm": "confirm"}
"""A service's field name → the form's (a 422 from a service lands beside its field)."""


def read_form(purpose: Purpose, form: Mapping[str, str]) -> Body:
    """The body to pass on; `FieldProblems` when a field does not hold."""
    problems: dict[str, str] = {}
    body = READERS[purpose](form, problems)
    if problems:
        raise FieldProblems(problems)
    return body


def form_field(service_field: str) -> str:
    """Where a service's refusal of a field is shown (an unknown field: above the form)."""
    name = service_field.rsplit(".", 1)[-1]
    return FIELDS.get(name, name if name in FIELDS.values() else "form")


def outcome(purpose: Purpose, body: Mapping[str, Any]) -> str:
    """Which receipt an answer earns (`receipt.<key>` in the texts)."""
    if purpose == "consent":
        return "consent_given" if body.get("granted") else "consent_refused"
    if purpose in ("workplace_answer", "offer_answer"):
        prefix = "workplace" if purpose == "workplace_answer" else "offer"
        return f"{prefix}_accepted" if body.get("accept") else f"{prefix}_declined"
    if purpose == "enrolment":
        return "enrolment_confirmed" if body.get("attend") else "enrolment_cancelled"
    return "evaluation_sent" if purpose == "evaluation" else "opted_out"


OUTCOMES: tuple[str, ...] = (
    "consent_given", "consent_refused", "workplace_accepted", "workplace_declined",
    "offer_accepted", "offer_declined", "enrolment_confirmed", "enrolment_cancelled",
    "evaluation_sent", "opted_out")


def already_answered(purpose: Purpose, facts: Mapping[str, Any]) -> str:
    """The receipt of a link used before, as far as the service says what was answered."""
    given = facts.get("given")
    if purpose == "consent":
        state = str(facts.get("state"))
        given = given if given is not None else {"granted": True, "refused": False}.get(state)
        return "answered" if given is None else outcome(purpose, {"granted": given})
    if purpose in ("workplace_answer", "offer_answer"):
        return "answered" if given is None else outcome(purpose, {"accept": given})
    if purpose == "enrolment":
        if given or facts.get("status") == "cancelled":
            return outcome(purpose, {"attend": bool(given)})
        return "answered"
    return outcome(purpose, {})
