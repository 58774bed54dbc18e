"""Staff's view of people with a fake of registration's staff API: the search's own
checks before anything is asked, what the pages are made of, and each refusal as the
trouble the page names."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import SearchPeople, ShowAccessLog, ShowPerson
from services.portal.domain.people import (
    AccessLogPage,
    PersonPage,
    Search,
    SearchPage,
    StaffRefused,
    StaffTroublePage,
)
from services.portal.domain.staff import StaffMember
from services.portal.domain.views import Unavailable
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
COORDINATOR = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
AUDITOR = StaffMember("g-1", "Gun", "auditor", ("1380", "1381"), NOW + timedelta(hours=1))
PID = str(uuid.uuid4())
PERSON = {"participant_id": PID, "name": "Åsa Öberg", "birth_date": "2012-05-31",
          "municipality_code": "1380", "external_ref": "elev-7", "needs": ["allergy"],
          "guardians": [{"guardian_id": "g1", "name": "Vera"}],
          "consents": [{"guardian_id": "g1", "program": "prao", "granted": True,
                        "recorded_at": "2026-12-01T10:00:00+00:00", "via": "link"}]}


class FakePeople:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.asked: list[tuple[str, Any]] = []

    def _answer(self, call: str, asked: Any, answer: Mapping[str, Any]) -> Mapping[str, Any]:
        self.asked.append((call, asked))
        if self.failure is not None:
            raise self.failure
        return answer

    async def search(self, member: StaffMember, query: Mapping[str, str]) -> Mapping[str, Any]:
        return self._answer("search", dict(query), {"items": [PERSON], "total": 1})

    async def participant(self, member: StaffMember, participant_id: str,
                          purpose: str) -> Mapping[str, Any]:
        return self._answer("participant", (participant_id, purpose), PERSON)

    async def requests(self, member: StaffMember, participant_id: str) -> Mapping[str, Any]:
        return self._answer("requests", participant_id, {"items": [{
            "program": "prao", "period_start": "2027-03-01", "period_end": "2027-03-12",
            "status": "active", "placement": {"status": "waitlisted",
                                              "reasons": ["no_certified_supervisor"]}}]})

    async def access_log(self, member: StaffMember,
                         query: Mapping[str, str]) -> Mapping[str, Any]:
        return self._answer("access_log", dict(query), {"items": [{
            "read_at": "2026-12-03T08:00:00+00:00", "reader": "s-1380",
            "reader_role": "coordinator", "participant_id": PID, "municipality_code": "1380",
            "record": "participant", "purpose": "consent"}], "total": 1})


async def _handle(command: Any, people: FakePeople) -> Any:
    return await STAFF_HANDLERS[type(command)](command, people, deps())


async def test_a_search_asks_registration_only_what_was_filled_in() -> None:
    people = FakePeople()
    page = await _handle(SearchPeople(COORDINATOR, Search(name="åsa", external_ref="elev-7")),
                         people)
    assert isinstance(page, SearchPage) and page.total == 1
    assert [(r.name, r.birth_date) for r in page.rows] == [("Åsa Öberg", date(2012, 5, 31))]
    assert people.asked == [("search", {"name": "åsa", "external_ref": "elev-7"})]


@pytest.mark.parametrize("birth_date", ["31 maj", "2012-02-30", "2012-5-31"])
async def test_a_birth_date_not_written_as_a_date_is_shown_beside_its_field(
        birth_date: str) -> None:
    people = FakePeople()
    page = await _handle(SearchPeople(COORDINATOR, Search(birth_date=birth_date)), people)
    assert page.problems == {"birth_date": "birth_date_format"} and people.asked == []


async def test_an_empty_search_asks_nothing() -> None:
    people = FakePeople()
    page = await _handle(SearchPeople(COORDINATOR, Search()), people)
    assert isinstance(page, SearchPage) and not page.rows and people.asked == []


async def test_a_record_shows_its_consents_by_guardian_and_the_purpose_it_was_read_for() -> None:
    people = FakePeople()
    page = await _handle(ShowPerson(COORDINATOR, PID, "consent"), people)
    assert isinstance(page, PersonPage) and page.purpose == "consent"
    assert [(c.guardian, c.program, c.granted) for c in page.consents] == [
        ("Vera", "prao", True)]
    assert [(r.program, r.period_start, r.placement, r.reasons) for r in page.requests] == [
        ("prao", date(2027, 3, 1), "waitlisted", ["no_certified_supervisor"])]
    assert people.asked == [("participant", (PID, "consent")), ("requests", PID)]


@pytest.mark.parametrize(("failure", "trouble"), [
    (StaffRefused("forbidden"), "forbidden"), (StaffRefused("not_found"), "not_found"),
    (FieldProblems({"participant_id": "refused"}), "not_found"),
    (Unavailable("ConnectError"), "service_down"),
])
async def test_each_refusal_of_a_record_is_a_trouble_the_page_names(
        failure: Exception, trouble: str) -> None:
    page = await _handle(ShowPerson(COORDINATOR, PID), FakePeople(failure))
    assert page == StaffTroublePage(trouble)  # type: ignore[arg-type]


@pytest.mark.parametrize(("participant_id", "purpose"), [
    (PID, "curiosity"), ("../access-log", "case_handling"), ("", "case_handling")],
    ids=["unknown_purpose", "path", "empty"])  # ids that stay the same from run to run
async def test_an_unknown_purpose_or_what_is_no_id_reads_nothing(participant_id: str,
                                                                 purpose: str) -> None:
    people = FakePeople()
    assert await _handle(ShowPerson(COORDINATOR, participant_id, purpose), people) == (
        StaffTroublePage("not_found"))
    assert people.asked == []


async def test_only_an_auditor_reads_the_access_log() -> None:
    people = FakePeople()
    assert await _handle(ShowAccessLog(COORDINATOR), people) == StaffTroublePage("forbidden")
    assert people.asked == []
    page = await _handle(ShowAccessLog(AUDITOR, PID), people)
    assert isinstance(page, AccessLogPage) and page.total == 1
    assert (page.rows[0].reader, page.rows[0].purpose) == ("s-1380", "consent")
    assert people.asked == [("access_log", {"participant_id": PID})]
