"""Registration's behaviour on one page: one handler per command, each taking the command,
the unit of work and the service's context (clock, identity vault, age rules).

Both doors reach these: the HTTP API through `MessageBus.handle`, the Kafka intake
through the consumer (the consumer's unit of work has `cause` set, so each published
event carries the intake request's id as its `causationid`). A handler either stores
everything and stages its events, or raises `Rejected` naming every failing field and
stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from services.registration.adapters.crypto import IdentityVault
from services.registration.domain import commands, model
from services.registration.domain import validation as v
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import (
    GuardianConsentRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.registration import Preference as PreferenceData
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)
from shared.contracts.types import ContactRole
from shared.errors import Conflict, Rejected


def today_utc() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Context:
    """What handlers need besides the unit of work; `bootstrap` builds it from settings."""

    vault: IdentityVault
    rules: model.AgeRules = field(default_factory=model.AgeRules)
    today: Callable[[], date] = today_utc


class _Located(Protocol):
    municipality_code: str


L = TypeVar("L", bound=_Located)
C = TypeVar("C")
N = TypeVar("N")


async def _locate(
    municipality_code: str, by_id: Callable[[UUID], Awaitable[L | None]],
    by_ref: Callable[[str, str], Awaitable[L | None]], ident: UUID | None, ref: str | None,
    id_field: str, ref_field: str, what: str,
) -> L:
    """The thing a command names by id or by reference, in the command's municipality."""
    if ident is not None:
        found = await by_id(ident)
        if found is None or found.municipality_code != municipality_code:
            raise Rejected.field(id_field, f"no {what} with this id in municipality "
                                           f"{municipality_code}")
        return found
    if ref is not None:
        found = await by_ref(municipality_code, ref)
        if found is None:
            raise Rejected.field(ref_field, f"no {what} with this reference in municipality "
                                            f"{municipality_code}")
        return found
    raise Rejected.field(id_field, f"name the {what} by {id_field} or {ref_field}")


def _contact_event(person_id: UUID, role: ContactRole, contact: model.Contact,
                   municipality_code: str) -> ContactDetailsRecorded:
    return ContactDetailsRecorded(
        person_id=person_id, role=role, name=contact.name, email=contact.email,
        phone=contact.phone, language=contact.language, sms_allowed=contact.sms_allowed,
        municipality_code=municipality_code,
    )


def _tombstone(uow: RegistrationUnitOfWork, person_id: UUID) -> None:
    uow.publish_tombstone(topics.REGISTRATION_CONTACTS, str(person_id),
                          f"tombstone:{person_id}:{uuid.uuid4().hex}")


# -- participants ---------------------------------------------------------------------


def _new_participant(details: model.ParticipantDetails, ctx: Context) -> model.Participant:
    """The participant a checked registration describes, as if new (a fresh id)."""
    digest = ctx.vault.digest(details.identity.canonical)
    sealed = ctx.vault.seal(details.identity.canonical)
    return model.Participant(
        id=uuid.uuid4(), municipality_code=details.municipality_code,
        birth_date=details.identity.birth_date, contact=details.contact,
        gender=details.gender, needs=details.needs, identity_hash=digest,
        sealed_identity=sealed, external_ref=details.external_ref,
    )


def _publish_participant(uow: RegistrationUnitOfWork, participant: model.Participant,
                         guardians: list[model.Guardian]) -> None:
    m = participant.municipality_code
    uow.publish(ParticipantRegistered(
        participant_id=participant.id, external_ref=participant.external_ref,
        municipality_code=m, birth_date=participant.birth_date, gender=participant.gender,
        preferred_language=participant.contact.language, needs=list(participant.needs),
        guardian_ids=participant.guardian_ids,
    ))
    uow.publish(_contact_event(participant.id, "participant", participant.contact, m))
    for guardian in guardians:
        uow.publish(_contact_event(guardian.id, "guardian", guardian.contact, m))


async def register_participant(cmd: commands.RegisterParticipant, uow: RegistrationUnitOfWork,
                               ctx: Context) -> UUID:
    today = ctx.today()
    details = model.check_participant(cmd, today, ctx.rules)
    m = details.municipality_code
    participant = _new_participant(details, ctx)
    digest = participant.identity_hash
    existing: model.Participant | None = None
    if cmd.participant_id is not None or not await uow.participants.add_if_new(participant):
        existing = await _existing_participant(cmd, details, digest, uow)
        participant.id = existing.id
        participant.external_ref = details.external_ref or existing.external_ref
        if existing.identity_hash == digest:
            participant.sealed_identity = existing.sealed_identity
        await uow.participants.update(participant)

    guardian_hashes = [ctx.vault.digest(g.identity.canonical) if g.identity else None
                       for g in details.guardians]
    current = await uow.participants.guardians_of(existing.id) if existing else []
    known = await uow.participants.guardians_by_hash(m, [h for h in guardian_hashes if h])
    guardians = model.match_guardians(details.guardians, guardian_hashes, current, known, m)
    for guardian, detail in zip(guardians, details.guardians, strict=True):
        if detail.identity is not None and guardian.sealed_identity is None:
            guardian.sealed_identity = ctx.vault.seal(detail.identity.canonical)

    participant.guardian_ids = [g.id for g in guardians]
    if guardians or current:
        await uow.participants.set_guardians(participant.id, guardians)
    dropped = {g.id for g in current} - set(participant.guardian_ids)
    for orphan in await uow.participants.drop_orphan_guardians(dropped):
        _tombstone(uow, orphan)

    _publish_participant(uow, participant, guardians)
    return participant.id


class BatchFallback(Exception):
    """The set-based path cannot take this run as it stands (a key was taken meanwhile):
    the consumer rolls the batch back and replays it message by message."""


async def register_participants(
    items: Sequence[tuple[CloudEvent, commands.RegisterParticipant]],
    uow: RegistrationUnitOfWork, ctx: Context,
) -> None:
    """`register_participant` for a run of intake messages, with the same effects as
    applying it to each in order, but set-based for the common case.

    Every command is checked first by the same rules (a refusal raises, and the consumer
    replays the run message by message, which isolates the refused one). One query finds
    which references and identity numbers are known. A new participant without guardians
    whose reference and number are neither known nor named by an earlier message of the
    run is inserted in bulk with the others like it; any other message (a change, a
    repeat within the run, guardians, an id given) goes through `register_participant`
    in its place in the order, after the bulk rows before it are written.
    """
    checked = {id(cmd): _new_participant(model.check_participant(cmd, ctx.today(), ctx.rules),
                                         ctx) for _, cmd in items}
    known_refs, known_hashes = await uow.participants.known_keys(
        ((p.municipality_code, p.external_ref) for p in checked.values()
         if p.external_ref is not None),
        ((p.municipality_code, p.identity_hash) for p in checked.values()),
    )

    def new_and_simple(cmd: commands.RegisterParticipant) -> model.Participant | None:
        participant = checked[id(cmd)]
        m = participant.municipality_code
        ref = (m, participant.external_ref) if participant.external_ref is not None else None
        person = (m, participant.identity_hash)
        simple = (cmd.participant_id is None and not cmd.guardians
                  and person not in known_hashes and (ref is None or ref not in known_refs))
        known_hashes.add(person)  # a later message naming it again is a repeat
        if ref is not None:
            known_refs.add(ref)
        return participant if simple else None

    await _in_order(uow, items, new_and_simple, _add_new_participants,
                    lambda cmd: register_participant(cmd, uow, ctx))


async def _add_new_participants(uow: RegistrationUnitOfWork,
                                pending: list[tuple[CloudEvent, model.Participant]]) -> None:
    """Insert new participants in one statement and publish as `register_participant`
    does for each; then empty `pending`."""
    if not pending:
        return
    added = await uow.participants.add_many_if_new([p for _, p in pending])
    if added != len(pending):
        raise BatchFallback("a participant's reference or identity number is known "
                            "already")
    for event, participant in pending:
        with uow.caused_by(event):
            _publish_participant(uow, participant, [])
    pending.clear()


async def _existing_participant(cmd: commands.RegisterParticipant,
                                details: model.ParticipantDetails, digest: str,
                                uow: RegistrationUnitOfWork) -> model.Participant:
    """The participant a registration changes (same id, same reference or same person),
    refusing a registration that would merge two known participants."""
    m = details.municipality_code
    existing: model.Participant | None
    if cmd.participant_id is not None:
        existing = await uow.participants.get(cmd.participant_id, lock=True)
        if existing is None or existing.municipality_code != m:
            raise Rejected.field("participant_id",
                                 f"no participant with this id in municipality {m}")
        others = [p for p in await uow.participants.find(m, details.external_ref, digest)
                  if p.id != existing.id]
    else:
        found = await uow.participants.find(m, details.external_ref, digest)
        existing = next((p for p in found if p.identity_hash == digest), None) or (
            found[0] if found else None)
        if existing is None:  # it conflicted a moment ago and is gone now: let a retry decide
            raise Conflict("the participant changed concurrently")
        others = [p for p in found if p.id != existing.id]
    problems = v.Problems()
    for other in others:
        if other.identity_hash == digest:
            problems.add("personal_identity_number",
                         "another participant of this municipality has this number")
        else:
            problems.add("external_ref", "names another participant of this municipality")
    if details.external_ref is not None and existing.external_ref not in (
            None, details.external_ref):
        problems.add("external_ref", "this participant is registered under another "
                                     "external_ref")
    problems.raise_if_any()
    return existing


async def _participant(uow: RegistrationUnitOfWork, m: str, ident: UUID | None,
                       ref: str | None) -> model.Participant:
    return await _locate(m, uow.participants.get, uow.participants.get_by_ref, ident, ref,
                         "participant_id", "participant_ref", "participant")


async def record_guardian_consent(cmd: commands.RecordGuardianConsent,
                                  uow: RegistrationUnitOfWork, ctx: Context) -> UUID:
    problems = v.Problems()
    problems.check("program", v.program, cmd.program)
    problems.raise_if_any()
    participant = await _participant(uow, cmd.municipality_code, cmd.participant_id,
                                     cmd.participant_ref)
    if cmd.guardian_id is not None:
        if cmd.guardian_id not in participant.guardian_ids:
            raise Rejected.field("guardian_id", "is not a guardian of this participant")
        guardian_id = cmd.guardian_id
    elif cmd.guardian_index is not None:
        if not 0 <= cmd.guardian_index < len(participant.guardian_ids):
            raise Rejected.field("guardian_index", "the participant has no guardian at this "
                                                   "position")
        guardian_id = participant.guardian_ids[cmd.guardian_index]
    else:
        raise Rejected.field("guardian_id", "name the guardian by guardian_id or "
                                            "guardian_index")
    await uow.participants.record_consent(participant.id, guardian_id, cmd.program,
                                          cmd.granted)
    uow.publish(GuardianConsentRecorded(
        participant_id=participant.id, guardian_id=guardian_id, program=cmd.program,
        granted=cmd.granted, municipality_code=participant.municipality_code,
    ))
    return guardian_id


async def erase_participant(cmd: commands.EraseParticipant, uow: RegistrationUnitOfWork,
                            ctx: Context) -> UUID:
    """Erasure (GDPR): personal data gone, `ParticipantErased` and contact tombstones out."""
    m = cmd.municipality_code
    if cmd.participant_id is not None and await uow.participants.erased(cmd.participant_id) == m:
        # Already erased: answer again, nothing left to remove.
        uow.publish(ParticipantErased(participant_id=cmd.participant_id, municipality_code=m))
        return cmd.participant_id
    participant = await _participant(uow, m, cmd.participant_id, cmd.participant_ref)
    orphans = await uow.participants.erase(participant)
    uow.publish(ParticipantErased(participant_id=participant.id, municipality_code=m))
    for person_id in (participant.id, *orphans):
        _tombstone(uow, person_id)
    return participant.id


# -- workplaces and supervisors -------------------------------------------------------


async def register_workplace(cmd: commands.RegisterWorkplace, uow: RegistrationUnitOfWork,
                             ctx: Context) -> UUID:
    cmd = model.check_workplace(cmd)
    m = cmd.municipality_code
    existing: model.Workplace | None = None
    if cmd.workplace_id is not None:
        existing = await _locate(m, uow.workplaces.get, uow.workplaces.get_by_ref,
                                 cmd.workplace_id, None, "workplace_id", "external_ref",
                                 "workplace")
    elif cmd.external_ref is not None:
        existing = await uow.workplaces.get_by_ref(m, cmd.external_ref)
    manager = model.Contact(cmd.manager.name, cmd.manager.email, cmd.manager.phone,
                            cmd.manager.language, cmd.manager.sms_allowed)
    workplace = model.Workplace(
        id=existing.id if existing else uuid.uuid4(), municipality_code=m,
        org_number=cmd.org_number, name=cmd.name, sector=cmd.sector,
        client_contact=cmd.client_contact,
        manager_id=existing.manager_id if existing else uuid.uuid4(), manager=manager,
        min_age=cmd.min_age, address=cmd.address,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
    )
    await uow.workplaces.save(workplace)
    uow.publish(WorkplaceRegistered(
        workplace_id=workplace.id, external_ref=workplace.external_ref,
        org_number=workplace.org_number, name=workplace.name, sector=workplace.sector,
        municipality_code=m, manager_id=workplace.manager_id,
        client_contact=workplace.client_contact, min_age=workplace.min_age,
        address=workplace.address,
    ))
    uow.publish(_contact_event(workplace.manager_id, "manager", manager, m))
    return workplace.id


async def _workplace(uow: RegistrationUnitOfWork, m: str, ident: UUID | None,
                     ref: str | None) -> model.Workplace:
    return await _locate(m, uow.workplaces.get, uow.workplaces.get_by_ref, ident, ref,
                         "workplace_id", "workplace_ref", "workplace")


async def register_supervisor(cmd: commands.RegisterSupervisor, uow: RegistrationUnitOfWork,
                              ctx: Context) -> UUID:
    contact, languages = model.check_supervisor(cmd)
    m = cmd.municipality_code
    workplace = await _workplace(uow, m, cmd.workplace_id, cmd.workplace_ref)
    existing: model.Supervisor | None = None
    if cmd.supervisor_id is not None:
        existing = await _locate(m, uow.supervisors.get, uow.supervisors.get_by_ref,
                                 cmd.supervisor_id, None, "supervisor_id", "external_ref",
                                 "supervisor")
    elif cmd.external_ref is not None:
        existing = await uow.supervisors.get_by_ref(m, cmd.external_ref)
    supervisor = model.Supervisor(
        id=existing.id if existing else uuid.uuid4(), workplace_id=workplace.id,
        municipality_code=m, contact=contact, languages=languages,
        max_participants=cmd.max_participants,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
    )
    await uow.supervisors.save(supervisor)
    uow.publish(SupervisorRegistered(
        supervisor_id=supervisor.id, workplace_id=workplace.id, municipality_code=m,
        languages=list(languages), max_participants=supervisor.max_participants,
        external_ref=supervisor.external_ref,
    ))
    uow.publish(_contact_event(supervisor.id, "supervisor", contact, m))
    return supervisor.id


async def register_coordinator(cmd: commands.RegisterCoordinator, uow: RegistrationUnitOfWork,
                               ctx: Context) -> UUID:
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    contact = model.check_contact(problems, "", cmd.contact)
    problems.raise_if_any()
    coordinator_id = cmd.coordinator_id or uuid.uuid4()
    known = await uow.coordinators.municipality_of(coordinator_id)
    if known is not None and known != cmd.municipality_code:
        raise Rejected.field("coordinator_id", "belongs to another municipality")
    await uow.coordinators.save(coordinator_id, cmd.municipality_code, contact)
    uow.publish(_contact_event(coordinator_id, "coordinator", contact, cmd.municipality_code))
    return coordinator_id


# -- offers and requests --------------------------------------------------------------


async def offer_placement_slots(cmd: commands.OfferPlacementSlots,
                                uow: RegistrationUnitOfWork, ctx: Context) -> UUID:
    m = cmd.municipality_code
    existing: model.Offer | None = None
    if cmd.offer_id is not None:
        existing = await _locate(m, uow.offers.get, uow.offers.get_by_ref, cmd.offer_id, None,
                                 "offer_id", "external_ref", "offer")
    elif cmd.external_ref is not None:
        existing = await uow.offers.get_by_ref(m, cmd.external_ref)
    model.check_offer(cmd, ctx.today(), new=existing is None)
    if existing is not None and existing.status != model.OPEN:
        raise Rejected.field("offer_id", "the offer is withdrawn")
    workplace = await _workplace(uow, m, cmd.workplace_id, cmd.workplace_ref)
    supervisor = await _locate(m, uow.supervisors.get, uow.supervisors.get_by_ref,
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
    )
    await uow.offers.save(offer)
    uow.publish(PlacementSlotsOffered(
        offer_id=offer.id, workplace_id=offer.workplace_id, supervisor_id=offer.supervisor_id,
        municipality_code=m, program=offer.program, occupation=offer.occupation,  # type: ignore[arg-type]
        period_start=offer.period_start, period_end=offer.period_end,
        capacity=offer.capacity, min_age=offer.min_age,
        without_client_contact=offer.without_client_contact, supports=list(offer.supports),
        external_ref=offer.external_ref,
    ))
    return offer.id


async def request_placement(cmd: commands.RequestPlacement, uow: RegistrationUnitOfWork,
                            ctx: Context) -> UUID:
    m = cmd.municipality_code
    existing: model.PlacementRequest | None = None
    if cmd.request_id is not None:
        existing = await _locate(m, uow.requests.get, uow.requests.get_by_ref, cmd.request_id,
                                 None, "request_id", "external_ref", "request")
    elif cmd.external_ref is not None:
        existing = await uow.requests.get_by_ref(m, cmd.external_ref)
    model.check_request(cmd, ctx.today(), new=existing is None)
    if existing is not None and existing.status != model.OPEN:
        raise Rejected.field("request_id", "the request is withdrawn")
    participant = await _participant(uow, m, cmd.participant_id, cmd.participant_ref)
    if existing is not None and existing.participant_id != participant.id:
        raise Rejected.field("participant_id", "the request belongs to another participant")
    model.check_request_fits(cmd, participant.birth_date, ctx.rules)
    named = {p.workplace_id for p in cmd.preferences if p.workplace_id is not None}
    _check_workplaces_named(cmd, await uow.requests.workplaces_exist(m, named))
    request = _placement_request(cmd, participant.id, existing)
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


def _placement_request(cmd: commands.RequestPlacement, participant_id: UUID,
                       existing: model.PlacementRequest | None) -> model.PlacementRequest:
    return model.PlacementRequest(
        id=existing.id if existing else uuid.uuid4(), participant_id=participant_id,
        municipality_code=cmd.municipality_code, program=cmd.program,
        period_start=cmd.period_start, period_end=cmd.period_end,
        preferences=tuple(model.Preference(p.occupation, p.workplace_id)
                          for p in cmd.preferences),
        needs=tuple(dict.fromkeys(cmd.needs)), priority=cmd.priority,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
    )


def _publish_request(uow: RegistrationUnitOfWork, request: model.PlacementRequest) -> None:
    uow.publish(PlacementRequested(
        request_id=request.id, participant_id=request.participant_id,
        municipality_code=request.municipality_code, program=request.program,  # type: ignore[arg-type]
        period_start=request.period_start, period_end=request.period_end,
        preferences=[PreferenceData(occupation=p.occupation, workplace_id=p.workplace_id)
                     for p in request.preferences],
        needs=list(request.needs), priority=request.priority,
        external_ref=request.external_ref,
    ))


async def request_placements(
    items: Sequence[tuple[CloudEvent, commands.RequestPlacement]],
    uow: RegistrationUnitOfWork, ctx: Context,
) -> None:
    """`request_placement` for a run of intake messages, set-based for the common case: a
    new request (no id given, a reference not yet known nor repeated in the run) for a
    participant and workplaces that exist. Lookups take one query each for the run, the
    new requests one insert; any other message goes through `request_placement` in its
    place in the order. A refusal raises (the consumer replays message by message)."""
    today = ctx.today()
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
        model.check_request_fits(cmd, person[2], ctx.rules)
        _check_workplaces_named(cmd, {w for w, code in workplaces.items() if code == m})
        return _placement_request(cmd, person[0], None)

    await _in_order(uow, items, new_and_simple, _add_new_requests,
                    lambda cmd: request_placement(cmd, uow, ctx))


async def _in_order(
    uow: RegistrationUnitOfWork, items: Sequence[tuple[CloudEvent, C]],
    new_and_simple: Callable[[C], N | None],
    add_many: Callable[[RegistrationUnitOfWork, list[tuple[CloudEvent, N]]], Awaitable[None]],
    one: Callable[[C], Awaitable[Any]],
) -> None:
    """Apply a run of commands in order: those `new_and_simple` prepares are gathered and
    written together by `add_many` (which empties the list); any other goes through `one`
    in its place, after everything gathered before it is written."""
    pending: list[tuple[CloudEvent, N]] = []
    for event, cmd in items:
        ready = new_and_simple(cmd)
        if ready is not None:
            pending.append((event, ready))
            continue
        await add_many(uow, pending)
        with uow.caused_by(event):
            await one(cmd)
    await add_many(uow, pending)


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
                                     uow: RegistrationUnitOfWork, ctx: Context) -> UUID:
    reason = model.check_reason(cmd.reason)
    request = await _locate(cmd.municipality_code, uow.requests.get, uow.requests.get_by_ref,
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
                                   uow: RegistrationUnitOfWork, ctx: Context) -> UUID:
    reason = model.check_reason(cmd.reason)
    offer = await _locate(cmd.municipality_code, uow.offers.get, uow.offers.get_by_ref,
                          cmd.offer_id, cmd.offer_ref, "offer_id", "offer_ref", "offer")
    offer.withdraw(reason)
    await uow.offers.save(offer)
    uow.publish(PlacementSlotsWithdrawn(
        offer_id=offer.id, municipality_code=offer.municipality_code, reason=reason,
    ))
    return offer.id


# -- news from training and matching --------------------------------------------------
# Registration keeps, beside what it registered, where each thing stands elsewhere: a
# coordinator reading a request sees its placement; a supervisor, the certificate. Events
# of one municipality arrive in order (one partition), so the latest wins.


def _heard_at(uow: RegistrationUnitOfWork) -> datetime:
    return uow.cause.time if uow.cause is not None else datetime.now(UTC)


PlacementNews = (PlacementProposed | PlacementConfirmed | PlacementDeclined | PlacementCancelled
                 | PlacementWaitlisted)


def _placement_news(e: PlacementNews, at: datetime) -> dict[str, Any]:
    """Where a request stands after the event (every learnt column, so the latest wins)."""
    row: dict[str, Any] = {"request_id": e.request_id, "placement_id": None, "offer_id": None,
                           "reasons": None, "at": at}
    match e:
        case PlacementProposed() | PlacementConfirmed():
            status = "proposed" if isinstance(e, PlacementProposed) else "confirmed"
            row.update(placement_id=e.placement_id, offer_id=e.offer_id)
        case PlacementDeclined():
            status = "declined"
            row.update(placement_id=e.placement_id, reasons=[f"declined by {e.by}"])
        case PlacementCancelled():
            status = "cancelled"
            row.update(placement_id=e.placement_id, reasons=[e.reason])
        case PlacementWaitlisted():
            status = "waitlisted"
            row.update(reasons=list(e.reasons))
    return {**row, "status": status}


async def placement_news(e: PlacementNews, uow: RegistrationUnitOfWork) -> None:
    await uow.news.placements([_placement_news(e, _heard_at(uow))])


async def placement_news_many(items: list[tuple[CloudEvent, PlacementNews]],
                              uow: RegistrationUnitOfWork) -> None:
    """`placement_news` for a run of events of one type, in one round trip."""
    await uow.news.placements([_placement_news(e, envelope.time) for envelope, e in items])


async def placement_completed(e: PlacementCompleted, uow: RegistrationUnitOfWork) -> None:
    await uow.news.placement_ended(e.placement_id, "completed", e.outcome, _heard_at(uow))


async def supervisor_certified(e: SupervisorCertified, uow: RegistrationUnitOfWork) -> None:
    await uow.news.certified_until(e.supervisor_id, e.valid_until)


async def certification_expired(e: SupervisorCertificationExpired,
                                uow: RegistrationUnitOfWork) -> None:
    await uow.news.certified_until(e.supervisor_id, None)


async def workplace_opened(e: WorkplaceOpened, uow: RegistrationUnitOfWork) -> None:
    await uow.news.workplace_opened(e.workplace_id)


NEWS_HANDLERS: dict[type[EventData], Callable[[Any, RegistrationUnitOfWork],
                                              Awaitable[None]]] = {
    PlacementProposed: placement_news,
    PlacementConfirmed: placement_news,
    PlacementDeclined: placement_news,
    PlacementCancelled: placement_news,
    PlacementWaitlisted: placement_news,
    PlacementCompleted: placement_completed,
    SupervisorCertified: supervisor_certified,
    SupervisorCertificationExpired: certification_expired,
    WorkplaceOpened: workplace_opened,
}
"""Events of `training.events.v1` and `matching.events.v1` registration keeps track of."""

NEWS_BATCH_HANDLERS: dict[type[EventData], Callable[..., Awaitable[None]]] = {
    kind: placement_news_many for kind, handler in NEWS_HANDLERS.items()
    if handler is placement_news
}
"""Set-based twins of the placement news handlers (see shared.kafka.consumer.Subscription)."""


Handler = Callable[[Any, RegistrationUnitOfWork, Context], Awaitable[UUID]]

COMMAND_HANDLERS: dict[type, Handler] = {
    commands.RegisterParticipant: register_participant,
    commands.RecordGuardianConsent: record_guardian_consent,
    commands.EraseParticipant: erase_participant,
    commands.RegisterWorkplace: register_workplace,
    commands.RegisterSupervisor: register_supervisor,
    commands.RegisterCoordinator: register_coordinator,
    commands.OfferPlacementSlots: offer_placement_slots,
    commands.RequestPlacement: request_placement,
    commands.WithdrawPlacementRequest: withdraw_placement_request,
    commands.WithdrawPlacementSlots: withdraw_placement_slots,
}
"""Every intent registration acts on, from either door."""

BatchHandler = Callable[[Sequence[tuple[CloudEvent, Any]], RegistrationUnitOfWork, Context],
                        Awaitable[None]]

BATCH_HANDLERS: dict[type, BatchHandler] = {
    commands.RegisterParticipant: register_participants,
    commands.RequestPlacement: request_placements,
}
"""Set-based versions for runs of intake messages: the same effects as the handler above
applied to each in order (the consumer falls back to that when one raises)."""
