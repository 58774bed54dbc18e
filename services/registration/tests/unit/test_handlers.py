"""The handlers with in-memory fakes: ids, idempotency, rules, events, erasure."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from services.registration.adapters.crypto import IdentityVault
from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.handlers import COMMAND_HANDLERS
from services.registration.settings import DEV_ENCRYPTION_KEY
from services.registration.tests.pins import adult_pin, minor_pin
from services.registration.tests.unit.fakes import FakeUnitOfWork
from shared.contracts import topics
from shared.errors import Rejected

TODAY = date(2026, 11, 23)
DEPS = Dependencies(vault=IdentityVault(DEV_ENCRYPTION_KEY, "unit-test-key"),
                    clock=lambda: datetime.combine(TODAY, time(12), tzinfo=UTC))
HALMSTAD = "1380"


async def handle(uow: FakeUnitOfWork, command: Any) -> Any:
    async with uow:
        result = await COMMAND_HANDLERS[type(command)](command, uow, DEPS)
        await uow.commit()
    return result


def contact(name: str = "Testa Testsson", **extra: Any) -> commands.ContactInput:
    return commands.ContactInput(name=name, email="t@example.org", phone="0701234567", **extra)


def kid(pin: str | None = None, **extra: Any) -> commands.RegisterParticipant:
    return commands.RegisterParticipant(
        municipality_code=HALMSTAD, personal_identity_number=pin or minor_pin(TODAY, 14, 981),
        contact=contact(), gender="male", needs=("npf",),
        guardians=(commands.GuardianInput(contact("Vera V"), adult_pin(1)),
                   commands.GuardianInput(commands.ContactInput("Gustav V"))),
        external_ref="kid-1", **extra,
    )


def types(uow: FakeUnitOfWork) -> list[str]:
    return [e.type for e in uow.published]


async def test_registering_twice_keeps_every_id_and_answers_again() -> None:
    uow = FakeUnitOfWork()
    first = await handle(uow, kid())
    first_event = uow.published[0].data
    second = await handle(uow, kid())
    assert first == second
    assert uow.published[0].data["guardian_ids"] == first_event["guardian_ids"]
    assert types(uow) == ["ParticipantRegistered"] + ["ContactDetailsRecorded"] * 3
    assert len(uow.participants.items) == 1 and len(uow.participants.guardians) == 2


async def test_events_carry_the_birth_date_never_the_number() -> None:
    uow = FakeUnitOfWork()
    pin = minor_pin(TODAY, 14, 985)
    await handle(uow, kid(pin))
    registered = uow.published[0].data
    assert registered["birth_date"] == date(TODAY.year - 14, TODAY.month - 1, TODAY.day).isoformat()
    everything = b"".join(m.value or b"" for m in uow.committed)
    digits = pin.replace("-", "")
    assert pin.encode() not in everything and digits.encode() not in everything
    stored = next(iter(uow.participants.items.values()))
    assert DEPS.vault.unseal(stored.sealed_identity).endswith(digits[-4:])


async def test_every_failing_field_is_named_and_nothing_stored() -> None:
    uow = FakeUnitOfWork()
    bad = dataclasses.replace(
        kid(), personal_identity_number="20121301-9830", municipality_code="0000",
        contact=commands.ContactInput(name=" ", email="x@", phone="12", sms_allowed=True),
        needs=("Bad Tag",),
    )
    with pytest.raises(Rejected) as info:
        await handle(uow, bad)
    fields = {p.field for p in info.value.problems}
    assert fields == {"personal_identity_number", "municipality_code", "name", "email", "phone",
                      "needs"}
    assert not uow.participants.items and not uow.committed


async def test_a_minor_needs_a_reachable_guardian_an_adult_does_not() -> None:
    uow = FakeUnitOfWork()
    lonely = dataclasses.replace(kid(), guardians=(
        commands.GuardianInput(commands.ContactInput("Ingen Kontakt")),))
    with pytest.raises(Rejected) as info:
        await handle(uow, lonely)
    assert [p.field for p in info.value.problems] == ["guardians"]
    adult = dataclasses.replace(lonely, personal_identity_number=adult_pin(7), external_ref="a")
    assert await handle(uow, adult)


async def _workplace_and_supervisor(uow: FakeUnitOfWork) -> tuple[Any, Any]:
    wp = await handle(uow, commands.RegisterWorkplace(
        municipality_code=HALMSTAD, org_number="2120001355", name="Kök", sector="municipal",
        client_contact=True, manager=contact("Maja Chef"), external_ref="wp-1", min_age=13))
    sup = await handle(uow, commands.RegisterSupervisor(
        municipality_code=HALMSTAD, contact=contact("Hugo H"), workplace_ref="wp-1",
        max_participants=2, external_ref="sup-1"))
    return wp, sup


async def test_offers_follow_workplace_and_supervisor_rules() -> None:
    uow = FakeUnitOfWork()
    wp, sup = await _workplace_and_supervisor(uow)
    assert uow.workplaces.items[wp].org_number == "212000-1355"
    start = TODAY + timedelta(days=30)
    offer = commands.OfferPlacementSlots(
        municipality_code=HALMSTAD, program="prao", occupation="5311", period_start=start,
        period_end=start + timedelta(days=9), capacity=3, workplace_ref="wp-1",
        supervisor_ref="sup-1", min_age=12)
    with pytest.raises(Rejected) as info:
        await handle(uow, offer)
    assert {p.field for p in info.value.problems} == {"capacity", "min_age"}
    ok = dataclasses.replace(offer, capacity=2, min_age=None, without_client_contact=True)
    offer_id = await handle(uow, ok)
    assert uow.published[0].data["min_age"] == 13  # the workplace's own limit
    await handle(uow, commands.WithdrawPlacementSlots(HALMSTAD, "closed", offer_id=offer_id))
    assert uow.offers.items[offer_id].status == "withdrawn"
    with pytest.raises(Rejected):
        await handle(uow, dataclasses.replace(ok, offer_id=offer_id))
    assert sup


async def test_prao_needs_the_prao_school_years() -> None:
    uow = FakeUnitOfWork()
    start = TODAY + timedelta(days=30)
    young = await handle(uow, kid(minor_pin(TODAY, 14, 981)))
    old = await handle(uow, dataclasses.replace(kid(minor_pin(TODAY, 17, 982)),
                                                external_ref="kid-2"))
    request = commands.RequestPlacement(municipality_code=HALMSTAD, program="prao",
                                        period_start=start, period_end=start + timedelta(days=5),
                                        participant_id=young)
    assert await handle(uow, request)
    with pytest.raises(Rejected) as info:
        await handle(uow, dataclasses.replace(request, participant_id=old))
    assert info.value.problems[0].field == "program"
    assert info.value.problems[0].message.startswith("prao is for school years 8–9")


async def test_consent_by_guardian_position_or_id() -> None:
    uow = FakeUnitOfWork()
    pid = await handle(uow, kid())
    guardians = uow.participants.links[pid]
    assert await handle(uow, commands.RecordGuardianConsent(
        HALMSTAD, "prao", True, participant_ref="kid-1", guardian_index=1)) == guardians[1]
    with pytest.raises(Rejected) as info:
        await handle(uow, commands.RecordGuardianConsent(
            HALMSTAD, "prao", True, participant_id=pid, guardian_id=pid))
    assert info.value.problems[0].field == "guardian_id"
    assert uow.participants.consents == {(pid, guardians[1], "prao"): True}


async def test_erasure_tombstones_the_person_and_guardians_left_alone() -> None:
    uow = FakeUnitOfWork()
    first = await handle(uow, kid())
    shared, own = uow.participants.links[first]
    sibling = dataclasses.replace(kid(minor_pin(TODAY, 15, 990)), external_ref="kid-2",
                                  guardians=kid().guardians[:1])
    second = await handle(uow, sibling)
    assert uow.participants.links[second] == [shared]
    await handle(uow, commands.EraseParticipant(HALMSTAD, participant_id=first))
    assert types(uow) == ["ParticipantErased"]
    tombstones = {m.key for m in uow._pending + uow.committed[-3:]
                  if m.topic == topics.REGISTRATION_CONTACTS and m.value is None}
    assert tombstones == {str(first), str(own)}
    assert first not in uow.participants.items and shared in uow.participants.guardians
    # Erasing again answers again and removes nothing more.
    await handle(uow, commands.EraseParticipant(HALMSTAD, participant_id=first))
    assert types(uow) == ["ParticipantErased"]


async def test_things_are_found_only_in_their_own_municipality() -> None:
    uow = FakeUnitOfWork()
    pid = await handle(uow, kid())
    with pytest.raises(Rejected) as info:
        await handle(uow, commands.EraseParticipant("1384", participant_id=pid))
    assert info.value.problems[0].field == "participant_id"
    with pytest.raises(Rejected) as info:
        await handle(uow, commands.EraseParticipant("1384", participant_ref="kid-1"))
    assert info.value.problems[0].field == "participant_ref"
