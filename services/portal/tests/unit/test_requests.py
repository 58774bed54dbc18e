"""A request's page for staff, with a fake of the services' staff APIs: matching's
explanation as the table's rows, the workplaces named from registration, matching not
having seen the request yet, and what is no id asking nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.portal.domain.commands import ShowRequest
from services.portal.domain.explanation import RequestPage
from services.portal.domain.people import StaffRefused, StaffTroublePage
from services.portal.domain.staff import StaffMember
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
RID, WID, OTHER = (str(uuid.uuid4()) for _ in range(3))
REQUEST = {"request_id": RID, "participant_id": "p-1", "municipality_code": "1380",
           "program": "prao", "period_start": "2027-03-01", "period_end": "2027-03-12",
           "status": "active"}
EXPLANATION = {
    "status": "waitlisted", "priority": 1, "lottery": 42, "reasons": ["no_capacity"],
    "placement": None, "got": None,
    "offers": [
        {"workplace_id": WID, "occupation": "5311", "period_start": "2027-03-01",
         "period_end": "2027-03-12", "preference_rank": 1, "feasible": True, "reasons": [],
         "places": 1, "taken": 1, "full": True, "holds_this_request": False,
         "held_by": [{"priority": 2, "outranks_this_request": True},
                     {"priority": 0, "outranks_this_request": False}]},
        {"workplace_id": OTHER, "occupation": "7512", "period_start": "2027-03-01",
         "period_end": "2027-03-12", "preference_rank": None, "feasible": False,
         "reasons": ["no_certified_supervisor", "age"], "places": 2, "taken": 0,
         "full": False, "holds_this_request": False}],
    "higher_preferences": [{"preference_rank": 1, "preference": {"workplace_id": WID},
                            "why": "full", "reasons": []}],
}


class FakeServices:
    def __init__(self, explanation: Exception | None = None) -> None:
        self.failure = explanation
        self.asked: list[str] = []

    async def request(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        self.asked.append("request")
        return REQUEST

    async def explanation(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        self.asked.append("explanation")
        if self.failure is not None:
            raise self.failure
        return EXPLANATION

    async def entries(self, member: StaffMember, register: str,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        self.asked.append(f"{register}?{sorted(query.items())}")
        return {"items": [{"workplace_id": WID, "name": "Förskolan Lärkan"}], "total": 1}


async def _handle(command: Any, services: FakeServices) -> Any:
    return await STAFF_HANDLERS[type(command)](command, services, deps())


async def test_each_offer_is_a_row_feasible_or_blocked_with_its_rules() -> None:
    services = FakeServices()
    page = await _handle(ShowRequest(SARA, RID), services)
    assert isinstance(page, RequestPage) and page.known
    assert (page.lottery, page.priority, page.reasons) == (42, 1, ["no_capacity"])
    full, blocked = page.offers
    assert (full.workplace, full.feasible, full.full, full.ahead) == (
        "Förskolan Lärkan", True, True, 1)
    assert (blocked.workplace, blocked.feasible, blocked.reasons) == (
        "", False, ["no_certified_supervisor", "age"])
    assert blocked.period_start == date(2027, 3, 1)
    assert [(h.rank, h.workplace, h.why) for h in page.higher] == [
        (1, "Förskolan Lärkan", "full")]
    assert services.asked[-1] == ("workplaces?[('municipality_code', '1380'), "
                                  "('program', 'prao')]")


async def test_a_request_matching_has_not_seen_yet_is_a_page_that_says_so() -> None:
    page = await _handle(ShowRequest(SARA, RID), FakeServices(StaffRefused("not_found")))
    assert isinstance(page, RequestPage) and not page.known and page.offers == []


async def test_matchings_refusal_or_no_id_is_a_trouble() -> None:
    refused = await _handle(ShowRequest(SARA, RID), FakeServices(StaffRefused("forbidden")))
    assert refused == StaffTroublePage("forbidden")
    services = FakeServices()
    assert await _handle(ShowRequest(SARA, "../rounds"), services) == StaffTroublePage(
        "not_found")
    assert services.asked == []
