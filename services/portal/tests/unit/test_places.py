"""Staff keep the registers of workplaces, supervisors and offers, with a fake of
registration's staff API: a form read into the body registration takes and back, the
portal's own checks before anything is sent, registration's refusals beside their
fields, and what is not an id never reaching the API."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import SaveEntry, ShowEntry, ShowWorkplaces
from services.portal.domain.people import StaffRefused, StaffTroublePage
from services.portal.domain.places import (
    FormPage,
    Saved,
    WorkplacesPage,
    read_form,
    refused_fields,
    values_of,
)
from services.portal.domain.staff import StaffMember
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
GUN = StaffMember("g-1", "Gun", "auditor", ("1380", "1381"), NOW + timedelta(hours=1))
WID, SID, OID = (str(uuid.uuid4()) for _ in range(3))
WORKPLACE = {"workplace_id": WID, "municipality_code": "1380", "org_number": "212000-1355",
             "name": "Verkstan", "sector": "municipal", "client_contact": True,
             "min_age": None, "address": "Storgatan 1", "external_ref": None, "opened": False,
             "manager": {"name": "Maria Chef", "email": "maria@example.se", "phone": None,
                         "language": "sv", "sms_allowed": False}}
SUPERVISOR = {"supervisor_id": SID, "workplace_id": WID, "municipality_code": "1380",
              "name": "Hans Handledare", "email": None, "phone": "+46701234567",
              "language": "sv", "sms_allowed": True, "languages": ["sv", "ar"],
              "max_participants": 2, "certified_until": "2027-06-30", "left_at": None}
OFFER = {"offer_id": OID, "workplace_id": WID, "supervisor_id": SID,
         "municipality_code": "1380", "program": "prao", "occupation": "5311",
         "period_start": "2027-03-01", "period_end": "2027-03-12", "capacity": 2,
         "supports": [], "without_client_contact": True, "status": "open",
         "arrival_time": "08:30", "variant": None}
OFFER_FORM = {"supervisor_id": SID, "program": "summer_job", "occupation": "5311",
              "period_start": "2027-06-14", "period_end": "2027-06-25",
              "variant": "feriepraktik", "capacity": "2", "min_age": "", "supports": "",
              "arrival_time": "08:30", "without_client_contact": "on"}


class FakeRegistration:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.saved: list[tuple[str, str | None, dict[str, Any]]] = []
        self.asked: list[tuple[str, str]] = []

    async def entry(self, member: StaffMember, register: str, ident: str) -> Mapping[str, Any]:
        self.asked.append((register, ident))
        entries: dict[str, dict[str, Any]] = {WID: WORKPLACE, SID: SUPERVISOR, OID: OFFER}
        found = entries.get(ident)
        if found is None or member.municipalities == ("1381",):
            raise StaffRefused("forbidden" if found else "not_found")
        return found

    async def entries(self, member: StaffMember, register: str,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        self.asked.append((register, str(dict(query))))
        registers: dict[str, list[dict[str, Any]]] = {
            "workplaces": [WORKPLACE], "supervisors": [SUPERVISOR], "offers": [OFFER]}
        items = registers[register]
        return {"items": items, "total": len(items)}

    async def save(self, member: StaffMember, register: str, ident: str | None,
                   body: Mapping[str, Any]) -> Mapping[str, Any]:
        if self.failure is not None:
            raise self.failure
        self.saved.append((register, ident, dict(body)))
        key = {"workplaces": "workplace_id", "supervisors": "supervisor_id",
               "offers": "offer_id"}[register]
        return {key: ident or str(uuid.uuid4())}


async def _handle(command: Any, registration: FakeRegistration) -> Any:
    return await STAFF_HANDLERS[type(command)](command, registration, deps())


def test_a_record_read_into_its_form_reads_back_into_the_same_body() -> None:
    values = values_of("workplaces", WORKPLACE)
    assert values["manager_name"] == "Maria Chef" and values["client_contact"] == "on"
    body, _, problems = read_form("workplaces", values,
                                  {"municipality_code": [("1380", "1380")]})
    assert problems == {}
    assert body["manager"] == {"name": "Maria Chef", "email": "maria@example.se",
                               "phone": None, "language": "sv", "sms_allowed": False}
    assert (body["org_number"], body["client_contact"], body["min_age"]) == (
        "212000-1355", True, None)


@pytest.mark.parametrize(("field", "typed", "problem"), [
    ("capacity", "två", "not_a_number"), ("capacity", "0", "out_of_range"),
    ("period_start", "1 mars", "not_a_date"), ("period_end", "2027-02-30", "not_a_date"),
    ("arrival_time", "halv nio", "not_a_time"), ("program", "summer", "not_a_choice"),
    ("supervisor_id", "5e3109ac-08c6-41b1-893c-79cd6e1eb86f", "not_a_choice"),  # no one's
    ("occupation", "", "required"),
    ("occupation", "53111", "too_long"),
])
async def test_what_a_form_cannot_say_is_shown_by_its_field_and_nothing_is_sent(
        field: str, typed: str, problem: str) -> None:
    registration = FakeRegistration()
    page = await _handle(SaveEntry(SARA, "offers", workplace_id=WID,
                                   form={**OFFER_FORM, field: typed}), registration)
    assert isinstance(page, FormPage) and page.problems == {field: problem}
    assert page.values[field] == typed and page.status == 422
    assert registration.saved == []


async def test_a_new_offer_is_sent_at_its_workplace_and_the_page_goes_to_it() -> None:
    registration = FakeRegistration()
    page = await _handle(SaveEntry(SARA, "offers", workplace_id=WID, form=OFFER_FORM),
                         registration)
    assert isinstance(page, Saved) and page.path.startswith("/personal/erbjudanden/")
    [(register, ident, body)] = registration.saved
    assert (register, ident) == ("offers", None)
    assert body | {"workplace_id": WID, "municipality_code": "1380", "capacity": 2,
                   "variant": "feriepraktik", "min_age": None, "supports": [],
                   "without_client_contact": True, "external_ref": None} == body


async def test_a_refusal_by_registration_is_shown_beside_each_field_in_its_words() -> None:
    refused = FieldProblems({"manager.email": "refused", "body.org_number": "refused",
                             "workplace_id": "refused"},
                            {"manager.email": "not an email address",
                             "body.org_number": "the check digit is wrong",
                             "workplace_id": "no such workplace"})
    page = await _handle(SaveEntry(SARA, "workplaces", WID, form=values_of(
        "workplaces", WORKPLACE)), FakeRegistration(refused))
    assert isinstance(page, FormPage)
    assert page.problems == {"manager_email": "not_accepted", "org_number": "not_accepted",
                             "form": "not_accepted"}
    assert page.reasons["org_number"] == "the check digit is wrong"
    assert page.reasons["form"] == "no such workplace"


def test_two_refusals_of_one_field_are_both_said() -> None:
    _, reasons = refused_fields("offers", {"period_start": "in the past",
                                           "body.period_start": "a weekend"})
    assert reasons == {"period_start": "in the past; a weekend"}


async def test_a_workplaces_page_has_its_supervisors_and_offers_and_an_auditor_only_reads(
        ) -> None:
    registration = FakeRegistration()
    page = await _handle(ShowEntry(GUN, "workplaces", WID, saved=True), registration)
    assert isinstance(page, FormPage) and page.read_only and page.saved
    assert [s.certified_until for s in page.supervisors] == [date(2027, 6, 30)]
    assert [(o.program, o.period_start) for o in page.offers] == [("prao", date(2027, 3, 1))]
    listing = await _handle(ShowWorkplaces(SARA), registration)
    assert isinstance(listing, WorkplacesPage) and listing.rows[0].manager == "Maria Chef"


async def test_a_new_offer_chooses_among_the_workplaces_supervisors() -> None:
    page = await _handle(ShowEntry(SARA, "offers", workplace_id=WID), FakeRegistration())
    assert isinstance(page, FormPage) and not page.read_only
    assert page.options["supervisor_id"] == [(SID, "Hans Handledare")]
    assert page.workplace is not None and page.workplace.name == "Verkstan"


async def test_a_new_workplace_of_one_municipality_starts_with_it() -> None:
    page = await _handle(ShowEntry(SARA, "workplaces"), FakeRegistration())
    assert isinstance(page, FormPage) and page.values["municipality_code"] == "1380"
    both = await _handle(ShowEntry(GUN, "workplaces"), FakeRegistration())
    assert "municipality_code" not in both.values


@pytest.mark.parametrize("command", [
    ShowEntry(SARA, "workplaces", "../offers"), ShowEntry(SARA, "supervisors"),
    ShowEntry(SARA, "offers", workplace_id="1 OR 1=1"),
    SaveEntry(SARA, "supervisors", "x", form={"name": "Hans"}),
])
async def test_what_is_no_id_reads_and_saves_nothing(command: Any) -> None:
    registration = FakeRegistration()
    assert await _handle(command, registration) == StaffTroublePage("not_found")
    assert registration.asked == [] and registration.saved == []


async def test_another_municipalitys_workplace_is_a_trouble_not_a_form() -> None:
    other = StaffMember("s-1381", "Lars", "coordinator", ("1381",), NOW + timedelta(hours=1))
    for command in (ShowEntry(other, "workplaces", WID),
                    SaveEntry(other, "offers", workplace_id=WID, form=OFFER_FORM)):
        assert await _handle(command, FakeRegistration()) == StaffTroublePage("forbidden")
