"""Offers of placement slots and placement requests (one, or a run of intake messages
set based), and their withdrawal."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Sequence
from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, model
from services.registration.domain import validation as v
from services.registration.domain.age_rules import AgeRule
from services.registration.domain.profile import MunicipalityProfile
from services.registration.handlers.common import BatchFallback, in_order, locate
from services.registration.handlers.participants import locate_participant
from services.registration.handlers.workplaces import locate_workplace
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.envelope import CloudEvent
from shared.contracts.registration import (
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
)
from shared.contracts.registration import Preference as PreferenceData
from shared.contracts.types import SummerJobVariant
from shared.errors import Rejected


async def offer_placement_slots(cmd: commands.OfferPlacementSlots,
                                uow: RegistrationUnitOfWork, deps: Dependencies) -> UUID:
    m = cmd.municipality_code
    existing: model.Offer | None = None
    if cmd.offer_id is not None:
        existing = await locate(m, uow.offers.get, uow.offers.get_by_ref, cmd.offer_id, None,
                                "offer_id", "external_ref", "offer")
    elif cmd.external_ref is not None:
        existing = await uow.offers.get_by_ref(m, cmd.external_ref)
    welcome = model.check_offer(cmd, deps.clock().date(), new=existing is None)
    if existing is not None and existing.status != model.OPEN:
        raise Rejected.field("offer_id", "the offer is withdrawn")
    workplace = await locate_workplace(uow, m, cmd.workplace_id, cmd.workplace_ref)
    supervisor = await locate(m, uow.supervisors.get, uow.supervisors.get_by_ref,
                              cmd.supervisor_id, cmd.supervisor_ref, "supervisor_id",
                              "supervisor_ref", "supervisor")
    model.check_offer_fits(cmd, workplace, supervisor)
    offer = model.Offer(
        id=existing.id if existing else uuid.uuid4(), workplace_id=workplace.id,
        supervisor_id=supervisor.id, municipality_code=m, program=cmd.program,
        occupation=cmd.occupation, period_start=cmd.period_start, period_end=cmd.period_end,
        capacity=cmd.capacity,
        min_age=cmd.min_age if cmd.min_age is not None else workplace.min_age,
        without_client_contact=cmd.without_client_contact, supports=tuple(cmd.supports),
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
        welcome=welcome, variant=cmd.variant,
    )
    await uow.offers.save(offer)
    uow.publish(PlacementSlotsOffered(
        offer_id=offer.id, workplace_id=offer.workplace_id, supervisor_id=offer.supervisor_id,
        municipality_code=m, program=offer.program, occupation=offer.occupation,
        period_start=offer.period_start, period_end=offer.period_end,
        capacity=offer.capacity, min_age=offer.min_age,
        without_client_contact=offer.without_client_contact, supports=list(offer.supports),
        external_ref=offer.external_ref, variant=offer.variant,
        **dataclasses.asdict(offer.welcome),
    ))
    return offer.id


async def request_placement(cmd: commands.RequestPlacement, uow: RegistrationUnitOfWork,
                            deps: Dependencies) -> UUID:
    m = cmd.municipality_code
    existing: model.PlacementRequest | None = None
    if cmd.request_id is not None:
        existing = await locate(m, uow.requests.get, uow.requests.get_by_ref, cmd.request_id,
                                None, "request_id", "external_ref", "request")
    elif cmd.external_ref is not None:
        existing = await uow.requests.get_by_ref(m, cmd.external_ref)
    model.check_request(cmd, deps.clock().date(), new=existing is None)
    if existing is not None and existing.status != model.OPEN:
        raise Rejected.field("request_id", "the request is withdrawn")
    participant = await locate_participant(uow, m, cmd.participant_id, cmd.participant_ref)
    if existing is not None and existing.participant_id != participant.id:
        raise Rejected.field("participant_id", "the request belongs to another participant")
    profile = await uow.municipalities.get(m)
    variant = model.check_request_fits(cmd, participant.birth_date, _age_rules(profile))
    named = {p.workplace_id for p in cmd.preferences if p.workplace_id is not None}
    _check_workplaces_named(cmd, await uow.requests.workplaces_exist(m, named))
    request = _placement_request(cmd, participant.id, existing, variant, profile)
    await uow.requests.save(request)
    _publish_request(uow, request)
    return request.id


def _check_workplaces_named(cmd: commands.RequestPlacement, known: Collection[UUID]) -> None:
    """Every workplace a preference names is one of `known` (the municipality's)."""
    problems = v.Problems()
    for index, pref in enumerate(cmd.preferences):
        if pref.workplace_id is not None and pref.workplace_id not in known:
            problems.add(f"preferences.{index}.workplace_id",
                         f"no workplace with this id in municipality {cmd.municipality_code}")
    problems.raise_if_any()


def _age_rules(profile: MunicipalityProfile | None) -> tuple[AgeRule, ...]:
    return () if profile is None else profile.age_rules


def _placement_request(cmd: commands.RequestPlacement, participant_id: UUID,
                       existing: model.PlacementRequest | None,
                       variant: SummerJobVariant | None,
                       profile: MunicipalityProfile | None) -> model.PlacementRequest:
    """The request as stored and published: its variant (given, or picked by age), and
    `only_preferences` when the participant asks for it or the municipality's rule for
    the programme says so."""
    only = cmd.only_preferences or (
        profile is not None and cmd.program in profile.only_preferences_programs)
    if only and not cmd.preferences:
        raise Rejected.field("preferences", (
            f"municipality {cmd.municipality_code} places {cmd.program} requests only at one "
            "of their preferences: name at least one"))
    return model.PlacementRequest(
        id=existing.id if existing else uuid.uuid4(), participant_id=participant_id,
        municipality_code=cmd.municipality_code, program=cmd.program,
        period_start=cmd.period_start, period_end=cmd.period_end,
        preferences=tuple(model.Preference(p.occupation, p.workplace_id)
                          for p in cmd.preferences),
        needs=tuple(dict.fromkeys(cmd.needs)), priority=cmd.priority,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
        variant=variant, only_preferences=only,
    )


def _publish_request(uow: RegistrationUnitOfWork, request: model.PlacementRequest) -> None:
    uow.publish(PlacementRequested(
        request_id=request.id, participant_id=request.participant_id,
        municipality_code=request.municipality_code, program=request.program,
        period_start=request.period_start, period_end=request.period_end,
        preferences=[PreferenceData(occupation=p.occupation, workplace_id=p.workplace_id)
                     for p in request.preferences],
        needs=list(request.needs), priority=request.priority,
        external_ref=request.external_ref, variant=request.variant,
        only_preferences=request.only_preferences,
    ))


async def request_placements(
    items: Sequence[tuple[CloudEvent, commands.RequestPlacement]],
    uow: RegistrationUnitOfWork, deps: Dependencies,
) -> None:
    """`request_placement` for a run of intake messages, set-based for the common case: a
    new request (no id given, a reference not yet known nor repeated in the run) for a
    participant and workplaces that exist. Lookups take one query each for the run, the
    new requests one insert; any other message goes through `request_placement` in its
    place in the order. A refusal raises (the consumer replays message by message)."""
    today = deps.clock().date()
    for _, cmd in items:
        model.check_request(cmd, today, new=True)
    known_refs = await uow.requests.known_refs(
        (cmd.municipality_code, cmd.external_ref) for _, cmd in items
        if cmd.external_ref is not None)
    people = await uow.participants.born(
        (cmd.participant_id for _, cmd in items if cmd.participant_id is not None),
        ((cmd.municipality_code, cmd.participant_ref) for _, cmd in items
         if cmd.participant_id is None and cmd.participant_ref is not None))
    workplaces = await uow.requests.workplaces_in(
        p.workplace_id for _, cmd in items for p in cmd.preferences
        if p.workplace_id is not None)
    profiles = {m: await uow.municipalities.get(m)
                for m in dict.fromkeys(cmd.municipality_code for _, cmd in items)}

    def new_and_simple(cmd: commands.RequestPlacement) -> model.PlacementRequest | None:
        m = cmd.municipality_code
        ref = (m, cmd.external_ref) if cmd.external_ref is not None else None
        person = people.get(cmd.participant_id or (m, cmd.participant_ref or ""))
        simple = (cmd.request_id is None and (ref is None or ref not in known_refs)
                  and person is not None and person[1] == m)
        if ref is not None:
            known_refs.add(ref)  # a later message naming it again changes this one
        if not simple or person is None:
            return None
        variant = model.check_request_fits(cmd, person[2], _age_rules(profiles[m]))
        _check_workplaces_named(cmd, {w for w, code in workplaces.items() if code == m})
        return _placement_request(cmd, person[0], None, variant, profiles[m])

    await in_order(uow, items, new_and_simple, _add_new_requests,
                   lambda cmd: request_placement(cmd, uow, deps))


async def _add_new_requests(uow: RegistrationUnitOfWork,
                            pending: list[tuple[CloudEvent, model.PlacementRequest]]) -> None:
    """Insert new requests in one statement and publish as `request_placement` does for
    each; then empty `pending`."""
    if not pending:
        return
    if await uow.requests.add_many_if_new([r for _, r in pending]) != len(pending):
        raise BatchFallback("a request's reference is known already")
    for event, request in pending:
        with uow.caused_by(event):
            _publish_request(uow, request)
    pending.clear()


async def withdraw_placement_request(cmd: commands.WithdrawPlacementRequest,
                                     uow: RegistrationUnitOfWork, deps: Dependencies) -> UUID:
    reason = model.check_reason(cmd.reason)
    request = await locate(cmd.municipality_code, uow.requests.get, uow.requests.get_by_ref,
                           cmd.request_id, cmd.request_ref, "request_id", "request_ref",
                           "request")
    request.withdraw(reason)
    await uow.requests.save(request)
    uow.publish(PlacementRequestWithdrawn(
        request_id=request.id, participant_id=request.participant_id,
        municipality_code=request.municipality_code, reason=reason,
    ))
    return request.id


async def withdraw_placement_slots(cmd: commands.WithdrawPlacementSlots,
                                   uow: RegistrationUnitOfWork, deps: Dependencies) -> UUID:
    reason = model.check_reason(cmd.reason)
    offer = await locate(cmd.municipality_code, uow.offers.get, uow.offers.get_by_ref,
                         cmd.offer_id, cmd.offer_ref, "offer_id", "offer_ref", "offer")
    offer.withdraw(reason)
    await uow.offers.save(offer)
    uow.publish(PlacementSlotsWithdrawn(
        offer_id=offer.id, municipality_code=offer.municipality_code, reason=reason,
    ))
    return offer.id
