"""Placements for staff, with a fake of the services' staff APIs: each action's form read
into the body matching takes, its problems shown before anything is sent, matching's
refusal (409) shown by the form, and what is no id or not the person's municipality
asking nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import ActOnPlacement, ShowPlacement, ShowPlacements
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.placements import PlacementPage, PlacementsPage, read_action
from services.portal.domain.places import Saved
from services.portal.domain.staff import StaffMember
from services.portal.domain.views import Unavailable
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380", "1383"), NOW + timedelta(hours=1))
PID, WID = str(uuid.uuid4()), str(uuid.uuid4())
PLACEMENT = {"placement_id": PID, "workplace_id": WID, "municipality_code": "1380",
             "program": "prao", "period_start": "2027-03-01", "period_end": "2027-03-12",
             "status": "proposed", "participant_id": "p-1", "request_id": "r-1",
             "answers": {"workplace": "waiting"},
             "deadlines": {"workplace": "2027-02-01T15:00:00+00:00"}, "outcome": None,
             "follow_up": None}


class FakeServices:
    def __init__(self, refusal: Exception | None = None, *,
                 notifications_away: bool = False) -> None:
        self.refusal = refusal
        self.notifications_away = notifications_away
        self.acted: list[tuple[str, str, dict[str, Any]]] = []
        self.asked: list[str] = []

    async def placements(self, member: StaffMember, municipality_code: str,
                         status: str) -> list[Mapping[str, Any]]:
        self.asked.append(f"placements {municipality_code} {status}")
        return [PLACEMENT]

    async def placement(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        self.asked.append("placement")
        return PLACEMENT

    async def act(self, member: StaffMember, placement_id: str, action: str,
                  body: Mapping[str, Any]) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.acted.append((placement_id, action, dict(body)))

    async def messages(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        if self.notifications_away:
            raise Unavailable("ConnectError")
        return {"messages": [
            {"template": "placement_proposal", "recipient_role": "supervisor",
             "channel": "email", "status": "sent", "attempts": 1,
             "sent_at": "2026-12-02T09:00:00+00:00", "receipt": None, "error": None},
            {"template": "placement_proposal", "recipient_role": "supervisor",
             "channel": "sms", "status": "sent", "attempts": 2, "sent_at": None,
             "receipt": "failed", "error": None}]}

    async def entries(self, member: StaffMember, register: str,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        return {"items": [{"workplace_id": WID, "name": "Bageriet"}], "total": 1}


async def _handle(command: Any, services: FakeServices) -> Any:
    return await STAFF_HANDLERS[type(command)](command, services, deps())


def test_a_new_deadline_is_the_day_and_time_typed_in_swedish_time() -> None:
    body, problems = read_action("deadline", {"awaiting": "workplace",
                                              "deadline_date": "2027-02-08",
                                              "deadline_time": "16:00"}, "Europe/Stockholm")
    assert problems == {}
    assert body == {"awaiting": "workplace", "deadline": "2027-02-08T16:00:00+01:00"}


@pytest.mark.parametrize(("action", "form", "problems"), [
    ("decline", {"by": "workplace"}, {"reason": "required"}),
    ("decline", {"by": "the boss", "reason": "x"}, {"by": "not_a_choice"}),
    ("completion", {"outcome": "studies", "ended_on": "2027-03-05"}, {"reason": "required"}),
    ("completion", {"outcome": "", "ended_on": "5 mars"},
     {"outcome": "required", "ended_on": "not_a_date"}),
    ("deadline", {"awaiting": "workplace", "deadline_date": "2027-02-08",
                  "deadline_time": "25:00"}, {"deadline_time": "not_a_time"}),
    ("follow-up", {"outcome": "married"}, {"outcome": "not_a_choice"}),
])
async def test_an_action_whose_form_does_not_hold_sends_nothing(
        action: Any, form: dict[str, str], problems: dict[str, str]) -> None:
    services = FakeServices()
    page = await _handle(ActOnPlacement(SARA, PID, action, form), services)
    assert isinstance(page, PlacementPage) and page.problems == problems
    assert (page.action, page.status, services.acted) == (action, 422, [])


async def test_an_action_done_goes_back_to_the_placement_which_says_so() -> None:
    services = FakeServices()
    page = await _handle(ActOnPlacement(SARA, PID, "completion", {"outcome": "employed"}),
                         services)
    assert page == Saved(f"/personal/placeringar/{PID}?klart=completion")
    assert services.acted == [(PID, "completion", {"outcome": "employed", "ended_on": None,
                                                    "reason": None})]


async def test_matchings_refusal_is_shown_by_the_form_in_its_words() -> None:
    refused = FieldProblems({"form": "conflict"}, {"form": "only a confirmed placement"})
    page = await _handle(ActOnPlacement(SARA, PID, "completion", {"outcome": "employed"}),
                         FakeServices(refused))
    assert isinstance(page, PlacementPage)
    assert (page.problems, page.reasons) == ({"form": "conflict"},
                                             {"form": "only a confirmed placement"})


async def test_the_list_is_of_one_of_the_persons_municipalities_and_statuses() -> None:
    services = FakeServices()
    page = await _handle(ShowPlacements(SARA, "1383", "proposed"), services)
    assert isinstance(page, PlacementsPage) and page.rows[0].workplace == "Bageriet"
    assert page.rows[0].deadlines["workplace"] == datetime(2027, 2, 1, 15, tzinfo=UTC)
    assert services.asked == ["placements 1383 proposed"]
    for command in (ShowPlacements(SARA, "1381"), ShowPlacements(SARA, "1380", "lost"),
                    ShowPlacement(SARA, "../rounds")):
        assert await _handle(command, services) == StaffTroublePage("not_found")
    assert services.asked == ["placements 1383 proposed"]
    one = await _handle(ShowPlacement(SARA, PID, "deadline"), services)
    assert isinstance(one, PlacementPage) and one.done == "deadline"
    assert one.placement.period_start == date(2027, 3, 1)
    assert one.messages is not None
    assert [(m.channel, m.reached_no_one) for m in one.messages] == [
        ("email", False), ("sms", True)]  # sent, but the network's receipt says it failed


async def test_a_placement_is_shown_while_notifications_cannot_say_what_it_sent() -> None:
    page = await _handle(ShowPlacement(SARA, PID), FakeServices(notifications_away=True))
    assert isinstance(page, PlacementPage) and page.placement.workplace == "Bageriet"
    assert page.messages is None and page.labelled_messages is None


async def test_a_yes_by_phone_is_recorded_for_a_party_still_to_answer() -> None:
    services = FakeServices()
    page = await _handle(ShowPlacement(SARA, PID), services)
    assert isinstance(page, PlacementPage) and page.placement.answerable == ["workplace"]
    _, problems = read_action("acceptance", {"by": "guardian"}, "Europe/Stockholm")
    assert problems == {"by": "not_a_choice"}  # a guardian answers by their own link
    done = await _handle(ActOnPlacement(SARA, PID, "acceptance", {"by": "workplace"}),
                         services)
    assert isinstance(done, Saved) and done.path.endswith("?klart=acceptance")
    assert services.acted == [(PID, "acceptance", {"by": "workplace"})]
