"""The handlers with fake service APIs: which page a link shows, what an answer passes on,
and how a refusal reads."""

from __future__ import annotations

from typing import Any

import pytest

from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import AnswerLink, ShowLink
from services.portal.domain.views import BadLinkPage, Closed, FormPage, Receipt, Unavailable
from services.portal.handlers import answer_link, show_link
from services.portal.tests.fakes import SUPPORT, UPPSALA, deps, fake_apis, token
from shared.links import BadLink


async def test_a_consent_link_shows_the_placement_and_the_consent_state() -> None:
    apis = fake_apis()
    view = await show_link(ShowLink(token("consent")), apis, deps())
    assert isinstance(view, FormPage) and view.purpose == "consent"
    assert view.facts["workplace_name"] == "Lindens äldreboende"
    assert view.facts["guardian_first_name"] == "Anna" and view.facts["secrecy"] is True
    assert view.contact == UPPSALA and view.status == 200


async def test_an_answer_goes_to_the_service_that_acts_and_earns_its_receipt() -> None:
    apis = fake_apis()
    link = token("workplace_answer")
    view = await answer_link(AnswerLink(link, {"answer": "decline", "reason": "no_capacity"}),
                             apis, deps())
    assert isinstance(view, Receipt) and view.outcome == "workplace_declined"
    matching: Any = apis.matching
    assert matching.answers == [("workplace_answer", {"accept": False,
                                                      "reason": "no_capacity"})]
    registration: Any = apis.registration
    assert registration.answers == []


@pytest.mark.parametrize(("purpose", "service"), [
    ("consent", "registration"), ("offer_answer", "matching"), ("enrolment", "training"),
    ("evaluation", "training"), ("opt_out", "notifications")])
async def test_each_purpose_reaches_its_service(purpose: str, service: str) -> None:
    apis = fake_apis()
    forms = {"consent": {"consent": "no"}, "offer_answer": {"answer": "accept"},
             "enrolment": {"attend": "yes"}, "evaluation": {"overall": "3", "usefulness": "4"},
             "opt_out": {"confirm": "yes"}}
    view = await answer_link(AnswerLink(token(purpose), forms[purpose]), apis,  # type: ignore[arg-type]
                             deps())
    assert isinstance(view, Receipt)
    assert [p for p, _ in getattr(apis, service).answers] == [purpose]


async def test_a_form_with_a_problem_is_shown_again_with_it_and_nothing_is_passed_on() -> None:
    apis = fake_apis()
    view = await answer_link(AnswerLink(token("consent"), {"message": "hej"}), apis, deps())
    assert isinstance(view, FormPage)
    assert view.problems == {"consent": "required"} and view.values["message"] == "hej"
    assert view.status == 422
    registration: Any = apis.registration
    assert registration.answers == []


async def test_a_services_refusal_of_a_field_lands_beside_it() -> None:
    apis = fake_apis()
    link = token("consent")
    registration: Any = apis.registration
    registration.answer_failures[link] = FieldProblems({"message": "refused"})
    view = await answer_link(AnswerLink(link, {"consent": "yes", "message": "x"}), apis, deps())
    assert isinstance(view, FormPage) and view.problems == {"message": "refused"}


async def test_an_altered_link_shows_the_bad_link_page_with_the_support() -> None:
    view = await show_link(ShowLink(token("consent") + "x"), fake_apis(), deps())
    assert view == BadLinkPage("link_invalid", SUPPORT)
    assert view.status == 403


async def test_an_expired_link_names_its_municipality() -> None:
    view = await show_link(ShowLink(token("offer_answer", days=-1)), fake_apis(), deps())
    assert view == BadLinkPage("link_expired", UPPSALA) and view.status == 410


@pytest.mark.parametrize(("failure", "trouble", "status"), [
    (BadLink("link_used", "0380"), "link_used", 409), (Closed(), "closed", 409),
    (BadLink("link_wrong_purpose"), "link_wrong_purpose", 403),
    (Unavailable("ConnectError"), "service_down", 503)])
async def test_a_service_that_refuses_or_is_away_shows_the_page_for_it(
        failure: Exception, trouble: str, status: int) -> None:
    apis = fake_apis()
    link = token("enrolment")
    training: Any = apis.training
    training.failures[link] = failure
    for view in (await show_link(ShowLink(link), apis, deps()),
                 await answer_link(AnswerLink(link, {"attend": "yes"}), apis, deps())):
        assert isinstance(view, BadLinkPage)
        assert (view.trouble, view.status, view.contact) == (trouble, status, UPPSALA)
    assert training.answers == []


async def test_a_link_without_a_municipality_or_whose_contact_is_away_names_the_support() -> None:
    view = await show_link(ShowLink(token("evaluation", municipality=None)), fake_apis(), deps())
    assert isinstance(view, FormPage) and view.contact == SUPPORT
    apis = fake_apis()
    registration: Any = apis.registration
    registration.contacts.clear()
    view = await show_link(ShowLink(token("evaluation")), apis, deps())
    assert view.contact == SUPPORT


async def test_a_used_link_says_what_was_answered() -> None:
    apis = fake_apis()
    registration: Any = apis.registration
    registration.reads["consent"] = {"state": "refused", "answered": True}
    view = await show_link(ShowLink(token("consent")), apis, deps())
    assert isinstance(view, Receipt) and view.already and view.outcome == "consent_refused"

