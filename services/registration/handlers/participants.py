"""Participants and their guardians: registration (one, or a run of intake messages set
based), erasure (a guardian's consent: `handlers.consents`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, model
from services.registration.domain import validation as v
from services.registration.handlers.common import (
    BatchFallback,
    contact_event,
    in_order,
    locate,
    tombstone,
)
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.envelope import CloudEvent
from shared.contracts.registration import ParticipantErased, ParticipantRegistered
from shared.errors import Conflict, Rejected


def _new_participant(details: model.ParticipantDetails, deps: Dependencies) -> model.Participant:
    """The participant a checked registration describes, as if new (a fresh id)."""
    digest = deps.vault.digest(details.identity.canonical)
    sealed = deps.vault.seal(details.identity.canonical)
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
    uow.publish(contact_event(participant.id, "participant", participant.contact, m))
    for guardian in guardians:
        uow.publish(contact_event(guardian.id, "guardian", guardian.contact, m))


async def register_participant(cmd: commands.RegisterParticipant, uow: RegistrationUnitOfWork,
                               deps: Dependencies) -> UUID:
    today = deps.clock().date()
    details = model.check_participant(cmd, today)
    m = details.municipality_code
    participant = _new_participant(details, deps)
    digest = participant.identity_hash
    existing: model.Participant | None = None
    if cmd.participant_id is not None or not await uow.participants.add_if_new(participant):
        existing = await _existing_participant(cmd, details, digest, uow)
        participant.id = existing.id
        participant.external_ref = details.external_ref or existing.external_ref
        if existing.identity_hash == digest:
            participant.sealed_identity = existing.sealed_identity
        await uow.participants.update(participant)

    guardian_hashes = [deps.vault.digest(g.identity.canonical) if g.identity else None
                       for g in details.guardians]
    current = await uow.participants.guardians_of(existing.id) if existing else []
    known = await uow.participants.guardians_by_hash(m, [h for h in guardian_hashes if h])
    guardians = model.match_guardians(details.guardians, guardian_hashes, current, known, m)
    for guardian, detail in zip(guardians, details.guardians, strict=True):
        if detail.identity is not None and guardian.sealed_identity is None:
            guardian.sealed_identity = deps.vault.seal(detail.identity.canonical)

    participant.guardian_ids = [g.id for g in guardians]
    if guardians or current:
        await uow.participants.set_guardians(participant.id, guardians)
    dropped = {g.id for g in current} - set(participant.guardian_ids)
    for orphan in await uow.participants.drop_orphan_guardians(dropped):
        tombstone(uow, orphan)

    _publish_participant(uow, participant, guardians)
    return participant.id


async def register_participants(
    items: Sequence[tuple[CloudEvent, commands.RegisterParticipant]],
    uow: RegistrationUnitOfWork, deps: Dependencies,
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
    checked = {id(cmd): _new_participant(
        model.check_participant(cmd, deps.clock().date()), deps) for _, cmd in items}
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

    await in_order(uow, items, new_and_simple, _add_new_participants,
                   lambda cmd: register_participant(cmd, uow, deps))


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


async def locate_participant(uow: RegistrationUnitOfWork, m: str, ident: UUID | None,
                             ref: str | None) -> model.Participant:
    return await locate(m, uow.participants.get, uow.participants.get_by_ref, ident, ref,
                        "participant_id", "participant_ref", "participant")


async def erase_participant(cmd: commands.EraseParticipant, uow: RegistrationUnitOfWork,
                            deps: Dependencies) -> UUID:
    """Erasure (GDPR): personal data gone, `ParticipantErased` and contact tombstones out."""
    m = cmd.municipality_code
    if cmd.participant_id is not None and await uow.participants.erased(cmd.participant_id) == m:
        # Already erased: answer again, nothing left to remove.
        uow.publish(ParticipantErased(participant_id=cmd.participant_id, municipality_code=m))
        return cmd.participant_id
    participant = await locate_participant(uow, m, cmd.participant_id, cmd.participant_ref)
    orphans = await uow.participants.erase(participant)
    uow.publish(ParticipantErased(participant_id=participant.id, municipality_code=m))
    for person_id in (participant.id, *orphans):
        tombstone(uow, person_id)
    return participant.id
