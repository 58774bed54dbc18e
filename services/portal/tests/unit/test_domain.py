"""The portal's rules: forms read into the services' bodies, dates in words, language."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.portal.adapters.texts import Texts
from services.portal.domain import dates, facts
from services.portal.domain.answers import (
    DECLINE_REASONS,
    OUTCOMES,
    PROBLEMS,
    FieldProblems,
    form_field,
    outcome,
    read_form,
)
from services.portal.domain.language import LANGUAGES, choose, safe_next
from shared.contracts.types import PROGRAMS
from shared.links import PURPOSES


def test_consent_form_becomes_the_registration_body() -> None:
    assert read_form("consent", {"consent": "yes", "message": "  Hej  "}) == {
        "granted": True, "message": "Hej"}
    assert read_form("consent", {"consent": "no", "message": ""}) == {
        "granted": False, "message": None}


@pytest.mark.parametrize(("purpose", "form", "problems"), [
    ("consent", {}, {"consent": "required"}),
    ("consent", {"consent": "maybe"}, {"consent": "not_a_choice"}),
    ("consent", {"consent": "yes", "message": "x" * 1001}, {"message": "too_long"}),
    ("offer_answer", {"answer": "decline", "reason": "x" * 501}, {"reason": "too_long"}),
    ("workplace_answer", {"answer": "decline"}, {"reason": "required"}),
    ("workplace_answer", {"answer": "decline", "reason": "lazy"}, {"reason": "not_a_choice"}),
    ("evaluation", {"overall": "6"}, {"overall": "not_a_choice", "usefulness": "required"}),
    ("enrolment", {}, {"attend": "required"}),
    ("opt_out", {}, {"confirm": "required"}),
])
def test_a_field_that_does_not_hold_is_named(purpose: str, form: dict[str, str],
                                             problems: dict[str, str]) -> None:
    with pytest.raises(FieldProblems) as refused:
        read_form(purpose, form)  # type: ignore[arg-type]
    assert refused.value.problems == problems


def test_the_other_forms_become_their_bodies() -> None:
    assert read_form("workplace_answer", {"answer": "accept", "reason": "other"}) == {
        "accept": True}
    assert read_form("workplace_answer", {"answer": "decline", "reason": "no_capacity"}) == {
        "accept": False, "reason": "no_capacity"}
    assert read_form("offer_answer", {"answer": "decline", "reason": "Jag har jobb"}) == {
        "accept": False, "reason": "Jag har jobb"}
    assert read_form("offer_answer", {"answer": "accept", "reason": "x"}) == {
        "accept": True, "reason": None}
    assert read_form("enrolment", {"attend": "no"}) == {"attend": False}
    assert read_form("evaluation", {"overall": "4", "usefulness": "5", "comment": ""}) == {
        "overall": 4, "usefulness": 5, "comment": None}
    assert read_form("opt_out", {"confirm": "yes"}) == {"confirm": True}


def test_a_services_field_lands_beside_the_forms_field() -> None:
    assert form_field("granted") == "consent"
    assert form_field("body.accept") == "answer"
    assert form_field("reason") == "reason"
    assert form_field("consent") == "consent"
    assert form_field("something_else") == "form"


def test_each_answer_earns_its_receipt() -> None:
    assert outcome("consent", {"granted": False}) == "consent_refused"
    assert outcome("workplace_answer", {"accept": False}) == "workplace_declined"
    assert outcome("offer_answer", {"accept": True}) == "offer_accepted"
    assert outcome("enrolment", {"attend": False}) == "enrolment_cancelled"
    assert outcome("opt_out", {"confirm": True}) == "opted_out"


@pytest.mark.parametrize(("purpose", "read", "expected"), [
    ("consent", {"state": "pending", "answer": {"granted": False}}, "consent_refused"),
    ("consent", {"state": "granted"}, "consent_given"),
    ("consent", {"state": "pending"}, "answered"),
    ("workplace_answer", {"answer": {"accept": True}}, "workplace_accepted"),
    ("offer_answer", {"answer": {"accept": False, "reason": None}}, "offer_declined"),
    ("offer_answer", {"answer": None}, "answered"),
    ("enrolment", {"confirmed": True, "status": "enrolled"}, "enrolment_confirmed"),
    ("enrolment", {"status": "cancelled"}, "enrolment_cancelled"),
    ("enrolment", {"status": "enrolled"}, "answered"),
    ("evaluation", {}, "evaluation_sent"),
    ("opt_out", {"channel": "email"}, "opted_out"),
])
def test_a_used_link_shows_what_was_answered_as_far_as_the_service_says(
        purpose: str, read: dict[str, object], expected: str) -> None:
    from services.portal.domain.answers import already_answered
    from services.portal.handlers import FACTS
    assert already_answered(purpose, FACTS[purpose](read)) == expected  # type: ignore[arg-type,index]


def test_dates_read_as_people_write_them() -> None:
    assert dates.period(date(2027, 3, 15), date(2027, 3, 19), "sv") == "15–19 mars 2027"
    assert dates.period(date(2027, 6, 28), date(2027, 7, 2), "sv") == "28 juni – 2 juli 2027"
    assert dates.period(date(2027, 6, 28), date(2027, 7, 2), "en") == "28 June – 2 July 2027"
    assert dates.period(date(2026, 12, 28), date(2027, 1, 3), "sv") == (
        "28 december 2026 – 3 januari 2027")
    assert dates.moment(datetime(2027, 3, 1, 15, tzinfo=UTC), "sv", "Europe/Stockholm") == (
        "1 mars 2027 kl. 16.00")
    assert dates.moment(datetime(2027, 7, 1, 15, tzinfo=UTC), "en", "Europe/Stockholm") == (
        "1 July 2027 at 17:00")
    assert dates.clock(time(8, 30), "sv") == "08.30"


def test_facts_keep_what_the_service_gave_and_guess_nothing() -> None:
    read = facts.placement({"program": "prao", "period_start": "2027-03-15",
                            "workplace": {"name": "Linden"}, "secrecy": "yes"})
    assert read["workplace_name"] == "Linden" and read["workplace_address"] == ""
    assert read["period_start"] == date(2027, 3, 15) and read["period_end"] is None
    assert read["secrecy"] is False  # only a real `true` shows the note
    assert facts.workplace_answer({"accept_by": "2027-03-01"})["accept_by"] is None
    assert facts.opt_out({"channel": "fax"})["channel"] == "sms"


def test_language_is_swedish_unless_asked() -> None:
    assert choose(None, None) == "sv"
    assert choose("en", "sv") == "en"
    assert choose("xx", "en") == "en"
    assert choose(None, "de") == "sv"


@pytest.mark.parametrize("path", ["https://evil.example/", "//evil.example", "/\\evil", "", None])
def test_the_switch_returns_to_this_site_only(path: str | None) -> None:
    assert safe_next(path) == "/"


def test_every_language_has_every_text_the_pages_use() -> None:
    texts = Texts()
    swedish = texts.keys("sv")
    needed = ({f"title.{p}" for p in PURPOSES if p != "opt_out"}
              | {f"reason.{r}" for r in DECLINE_REASONS} | {f"problem.{p}" for p in PROBLEMS}
              | {f"receipt.{o}" for o in OUTCOMES if o != "opted_out"}
              | {"receipt.opted_out.sms", "receipt.opted_out.email", "receipt.answered"}
              | {f"program.{p}" for p in PROGRAMS} | {f"language.{code}" for code in LANGUAGES}
              | {f"bad.{part}.{trouble}" for part in ("title", "text") for trouble in
                 ("link_invalid", "link_wrong_purpose", "link_expired", "link_used",
                  "closed", "service_down")})
    assert needed <= swedish, needed - swedish
    for language in LANGUAGES:
        assert texts.keys(language) == swedish, language
