"""The season's events through the handlers, with the in-memory unit of work: reminders
from the placements read model, a move up in either order, a closed workplace, and the
erasure of a supervisor, manager or guardian."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.notifications.tests.examples import World
from services.notifications.tests.unit.test_handlers import (
    NOW,
    claims,
    deliver,
    known_world,
    routed,
    sent,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementProposed,
)
from shared.contracts.registration import PersonErased
from shared.contracts.training import WorkplaceClosed


async def test_a_reminder_finds_the_supervisor_and_the_period_in_the_placements_model() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed).model_copy(
        update={"program": "summer_job", "variant": "feriearbete"}))
    before = set(uow.fake_outbound.rows)
    deadline = NOW + timedelta(days=1)
    await deliver(uow, PlacementDeadlineApproaching(
        **world.news(), awaiting="workplace", deadline=deadline))
    rows = [r for k, r in uow.fake_outbound.rows.items() if k not in before]
    assert sorted(sent(rows)) == [("deadline_reminder", "email", "supervisor"),
                                  ("deadline_reminder", "sms", "supervisor")]
    context = rows[0].planned.context
    assert (context["program"], context["variant"]) == ("summer_job", "feriearbete")
    assert context["period_start"] == world.start.isoformat()
    assert context["workplace_name"] == "Ekonomiskt bistånd"
    link = claims(context["link"])
    assert (link["act"], link["for"], link["exp"]) == (
        "workplace_answer", str(world.supervisor), int(deadline.timestamp()))


def _moved_up(world: World, earlier: uuid.UUID) -> PlacementProposed:
    proposed: PlacementProposed = routed(world, PlacementProposed)
    return proposed.model_copy(update={"placement_id": uuid.uuid4(), "replaces": earlier,
                                       "consent_required": False, "accept_by": None})


@pytest.mark.parametrize("cancel_first", [False, True])
async def test_a_move_up_tells_the_family_once_whichever_event_comes_first(
        cancel_first: bool) -> None:
    uow, world = await known_world()
    confirmed: PlacementConfirmed = routed(world, PlacementConfirmed)
    await deliver(uow, confirmed)  # the earlier placement, with its welcome letters
    before = set(uow.fake_outbound.rows)
    cancelled = PlacementCancelled(**world.news(), reason="moved_to_preferred")
    moved = _moved_up(world, world.placement)
    for event in ([cancelled, moved] if cancel_first else [moved, cancelled]):
        await deliver(uow, event)
    rows = [r for k, r in uow.fake_outbound.rows.items() if k not in before]
    family = [r for r in rows if r.planned.recipient_id in (world.participant, world.guardian)]
    assert sorted(sent(family)) == [("placement_offer", "email", "guardian"),
                                    ("placement_offer", "email", "participant")]
    for r in family:
        c = r.planned.context
        assert c["moved_up"] is True and c["earlier_workplace"] == "Ekonomiskt bistånd"
        assert c["earlier_start"] == world.start.isoformat()
        assert r.planned.placement_id == moved.placement_id
    supervisor = [r for r in rows if r.planned.recipient_id == world.supervisor]
    assert {(r.planned.template, r.planned.context["reason"]) for r in supervisor
            if r.planned.template == "placement_cancelled"} == {
        ("placement_cancelled", "moved_to_preferred")}
    assert all(r.planned.placement_id == world.placement for r in supervisor
               if r.planned.template == "placement_cancelled")


async def test_a_closed_workplace_tells_its_manager() -> None:
    uow, world = await known_world()
    await deliver(uow, WorkplaceClosed(workplace_id=world.workplace,
                                       municipality_code=world.municipality,
                                       reason="supervisor_left", closed_on=NOW.date()))
    [row] = uow.fake_outbound.rows.values()
    assert sent([row]) == [("workplace_closed", "email", "manager")]
    assert row.planned.recipient_id == world.manager
    assert row.planned.context["reason"] == "supervisor_left"


async def test_an_erased_manager_is_forgotten_and_a_later_closing_tells_no_one() -> None:
    uow, world = await known_world()
    await deliver(uow, WorkplaceClosed(workplace_id=world.workplace,
                                       municipality_code=world.municipality,
                                       reason="certification_expired", closed_on=NOW.date()))
    [pending] = uow.fake_outbound.rows.values()
    await deliver(uow, PersonErased(person_id=world.manager, role="manager",
                                    municipality_code=world.municipality,
                                    workplace_id=world.workplace))
    d = uow.fake_directory
    assert world.manager not in d.contact_of
    assert d.workplace_of[world.workplace].manager_id is None
    assert pending.status == "cancelled" and pending.context == {}
    count = len(uow.fake_outbound.rows)
    await deliver(uow, WorkplaceClosed(workplace_id=world.workplace,
                                       municipality_code=world.municipality,
                                       reason="manager_left", closed_on=NOW.date()))
    assert len(uow.fake_outbound.rows) == count


async def test_an_erased_guardian_leaves_the_child_and_gets_nothing_more() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed))  # a consent request is pending
    [request] = [r for r in uow.fake_outbound.rows.values()
                 if r.planned.recipient_id == world.guardian]
    await deliver(uow, PersonErased(person_id=world.guardian, role="guardian",
                                    municipality_code=world.municipality,
                                    participant_ids=[world.participant]))
    d = uow.fake_directory
    assert world.guardian not in d.contact_of
    assert d.participant_of[world.participant].guardian_ids == ()
    assert request.status == "cancelled" and request.context == {}
    before = set(uow.fake_outbound.rows)
    await deliver(uow, routed(world, PlacementConfirmed))
    new = [r for k, r in uow.fake_outbound.rows.items() if k not in before]
    assert world.guardian not in {r.planned.recipient_id for r in new}
    assert ("welcome_letter", "email", "participant") in sent(new)


async def test_an_erased_supervisor_is_forgotten_by_the_placements() -> None:
    uow, world = await known_world()
    await deliver(uow, routed(world, PlacementProposed))
    await deliver(uow, PersonErased(person_id=world.supervisor, role="supervisor",
                                    municipality_code=world.municipality,
                                    workplace_id=world.workplace))
    d = uow.fake_directory
    assert world.supervisor not in d.contact_of and world.supervisor not in d.supervisor_of
    assert d.placement_of[world.placement]["supervisor_id"] is None
    mine = [r for r in uow.fake_outbound.rows.values()
            if r.planned.recipient_id == world.supervisor]
    assert mine and all(r.status == "cancelled" and r.context == {} for r in mine)
    before = set(uow.fake_outbound.rows)
    await deliver(uow, PlacementCancelled(**world.news(), reason="supervisor_left"))
    new = [r for k, r in uow.fake_outbound.rows.items() if k not in before]
    assert sorted(sent(new)) == [("placement_cancelled", "email", "guardian"),
                                 ("placement_cancelled", "email", "participant")]

