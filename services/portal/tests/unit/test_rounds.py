"""A round with fakes of matching: the rounds so far, the preview of the next (matching's
dry run, nothing run), the run going to the round's published draw, matching's refusal
beside the form, and the public page of a draw marking a family's request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import RunRound, ShowRoundDraw, ShowRounds
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.places import Saved
from services.portal.domain.rounds import PublishedDrawPage, RoundsPage
from services.portal.domain.staff import StaffMember
from services.portal.handlers import COMMAND_HANDLERS, STAFF_HANDLERS
from services.portal.tests.fakes import FakeMatching, deps, fake_apis

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
AUDITOR = StaffMember("a-1", "Anna", "auditor", ("1380",), NOW + timedelta(hours=1))
ROUND_ID, WAITING, PLACED, OFFER = (str(uuid4()) for _ in range(4))
RAN = {"round_id": ROUND_ID, "municipality_code": "1380", "program": "prao", "seed": 42,
       "requests": 2, "placed": 1, "waitlisted": 1, "ran_at": "2026-12-02T09:00:00+00:00"}
DRAWS = [{"request_id": PLACED, "priority": 0, "lottery": 0, "offer_id": OFFER, "rank": 0,
          "reasons": []},
         {"request_id": WAITING, "priority": 0, "lottery": 1, "offer_id": None, "rank": None,
          "reasons": ["no_capacity"]}]


class FakeMatchingStaff:
    def __init__(self, refusal: FieldProblems | None = None) -> None:
        self.ran: list[tuple[str, str, bool]] = []
        self.refusal = refusal

    async def rounds(self, member: StaffMember, code: str) -> list[Mapping[str, Any]]:
        return [RAN]

    async def round(self, member: StaffMember, code: str, program: str,
                    dry_run: bool) -> Mapping[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        self.ran.append((code, program, dry_run))
        return {**RAN, "round_id": str(uuid4()) if dry_run else ROUND_ID, "ran_at": None,
                "dry_run": dry_run, "draws": DRAWS}


async def _staff(command: Any, matching: FakeMatchingStaff) -> Any:
    return await STAFF_HANDLERS[type(command)](command, matching, deps())


async def test_the_rounds_page_lists_the_rounds_and_offers_the_next() -> None:
    page = await _staff(ShowRounds(SARA), FakeMatchingStaff())
    assert isinstance(page, RoundsPage)
    assert [r.ident for r in page.rounds] == [ROUND_ID]
    assert page.values == {"municipality_code": "1380"} and not page.read_only
    auditor = await _staff(ShowRounds(AUDITOR), FakeMatchingStaff())
    assert isinstance(auditor, RoundsPage) and auditor.read_only


async def test_a_preview_shows_the_draw_and_runs_nothing_then_the_run_publishes() -> None:
    matching = FakeMatchingStaff()
    form = {"municipality_code": "1380", "program": "prao"}
    preview = await _staff(RunRound(SARA, form, "preview"), matching)
    assert isinstance(preview, RoundsPage) and preview.preview is not None
    assert preview.preview.seed == 42
    assert [(d.request_id, d.lottery, d.rank, d.reasons) for d in preview.draws] == [
        (PLACED, 0, 1, ()), (WAITING, 1, None, ("no_capacity",))]
    ran = await _staff(RunRound(SARA, form, "run"), matching)
    assert ran == Saved(f"/omgang/{ROUND_ID}")
    assert matching.ran == [("1380", "prao", True), ("1380", "prao", False)]


async def test_the_form_and_matchings_refusal_are_beside_the_fields() -> None:
    matching = FakeMatchingStaff()
    wrong = await _staff(RunRound(SARA, {"municipality_code": "1381",
                                         "program": "work_trial"}, "run"), matching)
    assert isinstance(wrong, RoundsPage) and wrong.status == 422
    assert wrong.problems == {"municipality_code": "not_a_choice", "program": "not_a_choice"}
    assert matching.ran == []
    refused = FieldProblems({"program": "refused"}, {"program": "rounds are for prao"})
    page = await _staff(RunRound(SARA, {"municipality_code": "1380", "program": "prao"},
                                 "preview"), FakeMatchingStaff(refused))
    assert isinstance(page, RoundsPage)
    assert (page.problems, page.reasons) == ({"program": "not_accepted"},
                                             {"program": "rounds are for prao"})
    denied = await _staff(RunRound(AUDITOR, {}, "run"), matching)
    assert isinstance(denied, StaffTroublePage) and denied.trouble == "forbidden"


async def test_the_published_draw_marks_a_familys_request() -> None:
    apis = fake_apis()
    assert isinstance(apis.matching, FakeMatching)
    apis.matching.draws[ROUND_ID] = {**RAN, "draws": [
        {"request_id": PLACED, "lottery": 0}, {"request_id": WAITING, "lottery": 1}]}
    handler = COMMAND_HANDLERS[ShowRoundDraw]
    page = await handler(ShowRoundDraw(ROUND_ID, WAITING), apis, deps())
    assert isinstance(page, PublishedDrawPage) and page.status == 200
    assert page.found is not None and page.found.lottery == 1
    assert page.round is not None and page.round.seed == 42
    for missing in (str(uuid4()), "../etc"):
        absent = await handler(ShowRoundDraw(missing), apis, deps())
        assert isinstance(absent, PublishedDrawPage) and absent.status == 404
