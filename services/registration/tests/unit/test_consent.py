"""Consent under the municipality's rule (either / both), the guardian's answer by link,
the municipality profile and an offer's welcome facts, with in-memory fakes."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from services.registration.domain import commands
from services.registration.domain.consent import KnownPlacement, consent_state
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import (
    HALMSTAD,
    TODAY,
    _workplace_and_supervisor,
    handle,
    kid,
)
from shared.errors import Rejected
from shared.links import BadLink, Link

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(("answers", "either", "both"), [
    ({}, "pending", "pending"),
    ({A: True}, "granted", "pending"),
    ({A: False}, "refused", "refused"),
    ({A: True, B: False}, "granted", "refused"),
    ({A: False, B: False}, "refused", "refused"),
    ({A: True, B: True}, "granted", "granted"),
    ({C: True}, "pending", "pending"),  # not a guardian (any more): does not count
])
def test_the_rule_decides_the_participants_consent(answers: dict[uuid.UUID, bool],
                                                   either: str, both: str) -> None:
    assert consent_state("either", [A, B], answers) == either
    assert consent_state("both", [A, B], answers) == both


def test_with_one_guardian_both_rules_agree() -> None:
    for given, state in ((True, "granted"), (False, "refused")):
        assert consent_state("both", [A], {A: given}) == state
        assert consent_state("either", [A], {A: given}) == state
    assert consent_state("both", [], {}) == "pending"


def _profile(**extra: object) -> commands.RecordMunicipalityProfile:
    values: dict[str, object] = dict(
        municipality_code=HALMSTAD, name="Halmstads kommun", coordinator_name="Sara Samordnare",
        coordinator_email="sara@halmstad.example", coordinator_phone="035-13 70 00")
    values.update(extra)
    return commands.RecordMunicipalityProfile(**values)  # type: ignore[arg-type]


async def test_a_profile_is_normalised_stored_and_published() -> None:
    uow = FakeUnitOfWork()
    profile = await handle(uow, _profile(offer_answer_programs=("summer_job",)))
    assert profile.coordinator_phone == "+4635137000"
    assert uow.municipalities.items[HALMSTAD] == profile
    [event] = uow.published
    assert event.type == "MunicipalityProfileRecorded"
    assert event.data["consent_rule"] == "either" and event.data["offer_answer_days"] == 3
    assert event.data["offer_answer_programs"] == ["summer_job"]


async def test_a_bad_profile_names_every_field_and_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Rejected) as info:
        await handle(uow, _profile(name=" ", coordinator_email="nope", coordinator_phone="",
                                   consent_rule="all", offer_answer_programs=("chess",),
                                   offer_answer_days=0))
    assert {p.field for p in info.value.problems} == {
        "name", "coordinator_email", "coordinator_phone", "consent_rule",
        "offer_answer_programs", "offer_answer_days"}
    assert not uow.municipalities.items and not uow.committed


def _link(placement_id: uuid.UUID, guardian_id: uuid.UUID) -> Link:
    return Link("consent", placement_id, guardian_id, HALMSTAD,
                datetime.now(UTC) + timedelta(days=1), uuid.uuid4().hex)


async def _placed(uow: FakeUnitOfWork) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:
    pid = await handle(uow, kid())
    placement = KnownPlacement(uuid.uuid4(), uuid.uuid4(), pid, HALMSTAD, "prao", None)
    uow.requests.placements[placement.placement_id] = placement
    return pid, uow.participants.links[pid], placement.placement_id


async def test_a_guardian_answers_by_link_once() -> None:
    uow = FakeUnitOfWork()
    pid, guardians, placement_id = await _placed(uow)
    link = _link(placement_id, guardians[0])
    state = await handle(uow, commands.AnswerConsentLink(link, True, "  Lycka till!  "))
    assert state == "granted"
    [event] = uow.published
    assert event.type == "GuardianConsentRecorded"
    assert event.data["consent"] == "granted" and event.data["via"] == "link"
    assert event.data["placement_id"] == str(placement_id)
    answer = uow.participants.answers[(pid, guardians[0], "prao")]
    assert answer.message == "Lycka till!" and answer.via == "link"
    with pytest.raises(BadLink) as used:
        await handle(uow, commands.AnswerConsentLink(link, False, None))
    assert used.value.problem == "link_used"
    assert uow.participants.consents == {(pid, guardians[0], "prao"): True}


async def test_under_both_one_yes_waits_and_a_no_refuses() -> None:
    uow = FakeUnitOfWork()
    await handle(uow, _profile(consent_rule="both"))
    _, guardians, placement_id = await _placed(uow)
    first = await handle(uow, commands.AnswerConsentLink(
        _link(placement_id, guardians[0]), True))
    assert first == "pending" and uow.published[-1].data["consent"] == "pending"
    second = await handle(uow, commands.RecordGuardianConsent(
        HALMSTAD, "prao", False, participant_ref="kid-1", guardian_index=1))
    assert second == guardians[1]
    assert uow.published[-1].data["consent"] == "refused"
    assert uow.published[-1].data["via"] == "coordinator"


async def test_a_link_of_someone_else_or_an_unknown_placement_is_invalid() -> None:
    uow = FakeUnitOfWork()
    pid, _, placement_id = await _placed(uow)
    for link in (_link(placement_id, pid), _link(uuid.uuid4(), uuid.uuid4())):
        with pytest.raises(BadLink) as info:
            await handle(uow, commands.AnswerConsentLink(link, True))
        assert info.value.problem == "link_invalid"
    assert not uow.participants.consents and not uow.links.tokens


async def test_a_message_over_1000_characters_is_refused_and_the_link_kept() -> None:
    uow = FakeUnitOfWork()
    _, guardians, placement_id = await _placed(uow)
    link = _link(placement_id, guardians[0])
    with pytest.raises(Rejected) as info:
        await handle(uow, commands.AnswerConsentLink(link, True, "x" * 1001))
    assert info.value.problems[0].field == "message"
    assert not uow.links.tokens
    assert await handle(uow, commands.AnswerConsentLink(link, True, "rad ett\nrad två"))


async def test_intake_consent_is_via_intake() -> None:
    from services.registration.entrypoints.translate import record_guardian_consent
    from shared.contracts import intake

    command = record_guardian_consent(intake.RecordGuardianConsent(
        municipality_code=HALMSTAD, program="prao", granted=True, participant_ref="kid-1",
        guardian_index=0))
    uow = FakeUnitOfWork()
    await _placed(uow)
    await handle(uow, command)
    assert uow.published[-1].data["via"] == "intake"
    assert uow.published[-1].data["consent"] == "granted"


async def test_an_offer_carries_its_welcome_facts() -> None:
    uow = FakeUnitOfWork()
    await _workplace_and_supervisor(uow)
    start = TODAY + timedelta(days=30)
    offer = commands.OfferPlacementSlots(
        municipality_code=HALMSTAD, program="prao", occupation="5311", period_start=start,
        period_end=start + timedelta(days=4), capacity=2, workplace_ref="wp-1",
        supervisor_ref="sup-1", arrival_time=time(8, 30), arrival_place="Receptionen",
        work_starts=time(9), work_ends=time(8), bring="Inneskor", contact_phone="070 111 22 33")
    with pytest.raises(Rejected) as info:
        await handle(uow, offer)
    assert {p.field for p in info.value.problems} == {"work_ends", "contact_name"}
    offer_id = await handle(uow, dataclasses.replace(offer, work_ends=time(15),
                                                     contact_name="Kim Kontakt"))
    data = uow.published[-1].data
    assert data["arrival_time"] == "08:30:00" and data["work_ends"] == "15:00:00"
    assert data["contact_phone"] == "+46701112233" and data["bring"] == "Inneskor"
    assert uow.offers.items[offer_id].welcome.contact_name == "Kim Kontakt"
    with pytest.raises(Rejected) as info:
        await handle(uow, dataclasses.replace(offer, arrival_time=time(8, 30, tzinfo=UTC),
                                              work_starts=None, work_ends=None,
                                              contact_name="Kim"))
    assert [p.field for p in info.value.problems] == ["arrival_time"]
