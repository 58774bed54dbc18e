"""The coordinator's start page with fakes of the services: what needs attention picked
out of their answers (half a deadline gone, consent missing close to the start, the
waitlist reasons a coordinator can fix, messages that reached no one, certificates
ending), each item linking to where it is fixed; a service away leaves only its part
out."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.portal.domain import attention
from services.portal.domain.attention import StartPage
from services.portal.domain.commands import ShowStart
from services.portal.domain.staff import StaffMember
from services.portal.domain.views import Unavailable
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
WID = str(uuid.uuid4())


def _placement(proposed_days_ago: float, deadline_in_days: float, **extra: Any
               ) -> dict[str, Any]:
    return {"placement_id": str(uuid.uuid4()), "workplace_id": WID,
            "municipality_code": "1380", "program": "prao", "period_start": "2027-03-01",
            "proposed_at": (NOW - timedelta(days=proposed_days_ago)).isoformat(),
            "deadlines": {"workplace": (NOW + timedelta(days=deadline_in_days)).isoformat()},
            "answers": {"workplace": "waiting"}, **extra}


def test_a_proposal_needs_attention_once_half_its_time_is_gone() -> None:
    late, early = _placement(4, 2), _placement(1, 5)
    answered = _placement(4, 2, answers={"workplace": "accepted"})
    items = attention.unanswered([late, early, answered], {WID: "Bageriet"}, NOW)
    assert [(i.href, i.label, i.detail) for i in items] == [
        (f"/personal/placeringar/{late['placement_id']}", "Bageriet", "workplace")]


def test_consent_missing_counts_only_when_the_start_is_close() -> None:
    soon = _placement(1, 5, period_start=(NOW.date() + timedelta(days=10)).isoformat())
    soon["deadlines"]["consent"] = (NOW + timedelta(days=5)).isoformat()
    later = _placement(1, 5, period_start=(NOW.date() + timedelta(days=40)).isoformat())
    later["deadlines"]["consent"] = (NOW + timedelta(days=5)).isoformat()
    items = attention.consent_missing([soon, later, _placement(1, 5)], {}, NOW.date())
    assert [i.href for i in items] == [f"/personal/placeringar/{soon['placement_id']}"]


def test_the_waitlist_reasons_a_coordinator_can_fix_go_to_their_section() -> None:
    rid = str(uuid.uuid4())
    found = attention.fixable([
        {"request_id": rid, "program": "prao", "reasons": ["no_certified_supervisor", "age"]},
        {"request_id": str(uuid.uuid4()), "program": "prao", "reasons": ["no_capacity"]},
        {"request_id": str(uuid.uuid4()), "program": "prao", "reasons": ["consent"]}])
    assert [i.href for i in found["train_supervisors"]] == [f"/personal/forfragningar/{rid}"]
    assert len(found["ask_for_offers"]) == 1


class FakeServices:
    def __init__(self, away: str = "") -> None:
        self.away = away

    def _answer(self, source: str, answer: Any) -> Any:
        if source == self.away:
            raise Unavailable("ConnectError")
        return answer

    async def placements(self, member: StaffMember, code: str,
                         status: str) -> list[Mapping[str, Any]]:
        return self._answer("matching", [_placement(4, 2)] if status == "proposed" else [])

    async def waiting(self, member: StaffMember, code: str) -> list[Mapping[str, Any]]:
        return self._answer("matching", [{"request_id": str(uuid.uuid4()), "program": "prao",
                                          "reasons": ["no_capacity"]}])

    async def undelivered(self, member: StaffMember, code: str) -> list[Mapping[str, Any]]:
        return self._answer("notifications", [
            {"placement_id": None, "participant_id": "p-1", "recipient_role": "participant",
             "template": "waitlisted", "created_at": NOW.isoformat()}])

    async def intake_rejections(self, member: StaffMember,
                                code: str) -> list[Mapping[str, Any]]:
        return self._answer("registration", [
            {"source": "urn:school:halmstad", "source_event_id": "e-1", "reason": "rejected",
             "rejected_at": NOW.isoformat(), "errors": []}])

    async def entries(self, member: StaffMember, register: str,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        if register == "workplaces":
            return {"items": [{"workplace_id": WID, "name": "Bageriet"}]}
        assert (query["certified_from"], query["certified_to"]) == (
            "2026-12-03", (date(2026, 12, 3) + timedelta(days=60)).isoformat())
        return self._answer("registration", {"items": [
            {"supervisor_id": "s-1", "name": "Hugo", "certified_until": "2027-01-10"}]})


async def _start(member: StaffMember, services: FakeServices) -> StartPage:
    page = await STAFF_HANDLERS[ShowStart](ShowStart(member), services,
                                           deps(clock=lambda: NOW))
    assert isinstance(page, StartPage)
    return page


async def test_a_coordinators_start_page_has_each_section_with_its_items() -> None:
    page = await _start(SARA, FakeServices())
    totals = {s.kind: s.total for s in page.sections}
    assert totals == {"unanswered": 1, "consent_missing": 0, "train_supervisors": 0,
                      "ask_for_offers": 1, "undelivered": 1, "certificates": 1,
                      "intake_rejected": 1}
    [message] = next(s for s in page.sections if s.kind == "undelivered").items
    assert message.href == "/personal/deltagare/p-1" and page.unavailable == []
    [refused] = next(s for s in page.sections if s.kind == "intake_rejected").items
    assert refused.href == "/personal/intag?kommun=1380#r-e-1"


async def test_a_service_away_leaves_out_only_its_part_and_says_so() -> None:
    page = await _start(SARA, FakeServices(away="notifications"))
    assert page.unavailable == ["messages"]
    assert {s.kind: s.total for s in page.sections}["ask_for_offers"] == 1


async def test_other_roles_get_no_attention_list() -> None:
    auditor = StaffMember("g", "Gun", "auditor", ("1380",), NOW + timedelta(hours=1))
    assert await _start(auditor, FakeServices()) == StartPage()
