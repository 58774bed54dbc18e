"""A supervisor leaving, and the erasure of supervisors, managers and guardians, with fakes:
the events in order, the contact's tombstone, the personal data gone, a repeat answered."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from services.registration.domain import commands
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import (
    HALMSTAD,
    TODAY,
    _workplace_and_supervisor,
    contact,
    handle,
    kid,
    types,
)
from shared.contracts import topics
from shared.errors import Conflict, Rejected


def offer(n: int) -> commands.OfferPlacementSlots:
    start = TODAY + timedelta(days=30 * n)
    return commands.OfferPlacementSlots(
        municipality_code=HALMSTAD, program="prao", occupation="5311", period_start=start,
        period_end=start + timedelta(days=9), capacity=1, workplace_ref="wp-1",
        supervisor_ref="sup-1", external_ref=f"offer-{n}")


def tombstones(uow: FakeUnitOfWork) -> set[str]:
    return {m.key or "" for m in uow.committed
            if m.topic == topics.REGISTRATION_CONTACTS and m.value is None}


async def _with_offers(uow: FakeUnitOfWork) -> tuple[UUID, UUID, list[UUID]]:
    wp, sup = await _workplace_and_supervisor(uow)
    offers = [await handle(uow, offer(n)) for n in (1, 2, 3)]
    await handle(uow, commands.WithdrawPlacementSlots(HALMSTAD, "full", offer_id=offers[2]))
    return wp, sup, offers


async def test_a_supervisor_who_leaves_closes_their_open_offers() -> None:
    uow = FakeUnitOfWork()
    wp, sup, offers = await _with_offers(uow)
    await handle(uow, commands.SupervisorLeaves(HALMSTAD, sup, "moved to Varberg"))
    assert types(uow) == ["SupervisorLeft", "PlacementSlotsWithdrawn", "PlacementSlotsWithdrawn"]
    left = uow.published[0].data
    assert (left["supervisor_id"], left["workplace_id"], left["reason"]) == (
        str(sup), str(wp), "moved to Varberg")
    assert {e.data["offer_id"] for e in uow.published[1:]} == {str(o) for o in offers[:2]}
    assert {e.data["reason"] for e in uow.published[1:]} == {"supervisor_left"}
    assert uow.offers.items[offers[2]].withdrawn_reason == "full"
    with pytest.raises(Rejected) as info:
        await handle(uow, offer(4))
    assert info.value.problems[0].field == "supervisor_id"
    assert "left" in info.value.problems[0].message
    with pytest.raises(Conflict):
        await handle(uow, commands.SupervisorLeaves(HALMSTAD, sup))
    with pytest.raises(Rejected):
        await handle(uow, commands.SupervisorLeaves("1384", sup))


async def test_erasing_a_supervisor_leaves_first_then_erases() -> None:
    uow = FakeUnitOfWork()
    wp, sup, _ = await _with_offers(uow)
    await handle(uow, commands.EraseSupervisor(HALMSTAD, sup))
    assert types(uow) == ["SupervisorLeft", "PlacementSlotsWithdrawn",
                          "PlacementSlotsWithdrawn", "PersonErased"]
    erased = uow.published[-1].data
    assert erased["person_id"] == str(sup) and erased["role"] == "supervisor"
    assert erased["workplace_id"] == str(wp) and erased["participant_ids"] == []
    assert tombstones(uow) == {str(sup)}
    kept = uow.supervisors.items[sup]
    assert kept.contact.name == "" and kept.contact.email is None and kept.external_ref is None
    await handle(uow, commands.EraseSupervisor(HALMSTAD, sup))
    assert types(uow) == ["PersonErased"]


async def test_erasing_a_manager_leaves_the_workplace_without_one() -> None:
    uow = FakeUnitOfWork()
    wp, _ = await _workplace_and_supervisor(uow)
    manager = uow.workplaces.items[wp].manager_id
    assert manager is not None
    with pytest.raises(Rejected) as info:
        await handle(uow, commands.EraseManager("1384", manager))
    assert info.value.problems[0].field == "manager_id"
    await handle(uow, commands.EraseManager(HALMSTAD, manager))
    assert types(uow) == ["PersonErased"]
    assert uow.published[0].data["role"] == "manager"
    assert uow.published[0].data["workplace_id"] == str(wp)
    assert tombstones(uow) == {str(manager)}
    workplace = uow.workplaces.items[wp]
    assert workplace.manager_id is None and workplace.manager is None
    # A new manager registered with the workplace is a new person.
    again = commands.RegisterWorkplace(
        municipality_code=HALMSTAD, org_number="2120001355", name="Kök", sector="municipal",
        client_contact=True, manager=contact("Nils Ny"), workplace_id=wp)
    await handle(uow, again)
    new = uow.workplaces.items[wp].manager_id
    assert new not in (None, manager)
    assert uow.published[0].data["manager_id"] == str(new)


async def test_erasing_a_guardian_drops_them_and_their_consents() -> None:
    uow = FakeUnitOfWork()
    first = await handle(uow, kid())
    vera, gustav = uow.participants.links[first]
    await handle(uow, commands.RecordGuardianConsent(HALMSTAD, "prao", True,
                                                     participant_id=first, guardian_id=vera))
    await handle(uow, commands.RecordGuardianConsent(HALMSTAD, "prao", True,
                                                     participant_id=first, guardian_id=gustav))
    await handle(uow, commands.EraseGuardian(HALMSTAD, vera))
    assert types(uow) == ["PersonErased"]
    data = uow.published[0].data
    assert (data["person_id"], data["role"], data["participant_ids"]) == (
        str(vera), "guardian", [str(first)])
    assert tombstones(uow) == {str(vera)}
    assert uow.participants.links[first] == [gustav] and vera not in uow.participants.guardians
    assert set(uow.participants.consents) == {(first, gustav, "prao")}
    await handle(uow, commands.EraseGuardian(HALMSTAD, vera))
    assert types(uow) == ["PersonErased"]
    with pytest.raises(Rejected):
        await handle(uow, commands.EraseGuardian("1384", gustav))
