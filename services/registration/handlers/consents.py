"""A guardian's consent (fullmakt): keyed in by a coordinator, sent by a municipal system
(intake), or given by the guardian from the link in a consent message. Each answer is
recorded with who, when, how and the message, and `GuardianConsentRecorded` carries the
participant's consent after it under the municipality's rule (`domain.consent`)."""

from __future__ import annotations

from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, consent, model
from services.registration.domain import validation as v
from services.registration.handlers.participants import locate_participant
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.registration import GuardianConsentRecorded
from shared.errors import Conflict, Rejected
from shared.links import BadLink

PLACEMENT_CLOSED = "placement_closed"
"""409 `{"detail": "placement_closed"}`: a consent link to a declined or cancelled
placement that was not used."""


async def _record(uow: RegistrationUnitOfWork, participant: model.Participant,
                  answer: consent.ConsentAnswer) -> consent.ConsentState:
    """Store the answer and publish it with the participant's consent after it."""
    answers = await uow.participants.answers_for(participant.id, answer.program)
    answers[answer.guardian_id] = answer.granted
    rule = await uow.municipalities.consent_rule(participant.municipality_code)
    state = consent.consent_state(rule, participant.guardian_ids, answers)
    await uow.participants.record_consent(answer)
    uow.publish(GuardianConsentRecorded(
        participant_id=participant.id, guardian_id=answer.guardian_id,
        program=answer.program, granted=answer.granted,
        municipality_code=participant.municipality_code, placement_id=answer.placement_id,
        consent=state, via=answer.via,
    ))
    return state


def _guardian(cmd: commands.RecordGuardianConsent, participant: model.Participant) -> UUID:
    if cmd.guardian_id is not None:
        if cmd.guardian_id not in participant.guardian_ids:
            raise Rejected.field("guardian_id", "is not a guardian of this participant")
        return cmd.guardian_id
    if cmd.guardian_index is not None:
        if not 0 <= cmd.guardian_index < len(participant.guardian_ids):
            raise Rejected.field("guardian_index", "the participant has no guardian at this "
                                                   "position")
        return participant.guardian_ids[cmd.guardian_index]
    raise Rejected.field("guardian_id", "name the guardian by guardian_id or guardian_index")


async def record_guardian_consent(cmd: commands.RecordGuardianConsent,
                                  uow: RegistrationUnitOfWork, deps: Dependencies) -> UUID:
    """A coordinator's or a municipal system's record of a guardian's answer."""
    problems = v.Problems()
    problems.check("program", v.program, cmd.program)
    problems.raise_if_any()
    found = await locate_participant(uow, cmd.municipality_code, cmd.participant_id,
                                     cmd.participant_ref)
    # Locked, as by a link's answer: two answers at once compute the consent in turn.
    participant = await uow.participants.get(found.id, lock=True) or found
    guardian_id = _guardian(cmd, participant)
    via: consent.Via = "intake" if cmd.via == "intake" else "coordinator"
    await _record(uow, participant, consent.ConsentAnswer(
        participant.id, guardian_id, cmd.program, cmd.granted, via))
    return guardian_id


async def answer_consent_link(cmd: commands.AnswerConsentLink, uow: RegistrationUnitOfWork,
                              deps: Dependencies) -> consent.ConsentState:
    """The guardian's own answer by link: for the placement the link names, by the
    guardian it was sent to (still a guardian of the participant), once, while the
    placement is not off. On a declined or cancelled placement a used link still answers
    `link_used` (what the guardian did is what matters), an unused one 409
    `placement_closed`; neither changes anything."""
    problems = v.Problems()
    text = problems.check("message", consent.message, cmd.message)
    problems.raise_if_any()
    link = cmd.link
    placement = await uow.requests.placement(link.subject)
    participant = None if placement is None else await uow.participants.get(
        placement.participant_id, lock=True)
    if placement is None or participant is None \
            or link.recipient not in participant.guardian_ids:
        raise BadLink("link_invalid", link.municipality_code)
    if placement.closed:
        if await uow.links.used(link):
            raise BadLink("link_used", link.municipality_code)
        raise Conflict(PLACEMENT_CLOSED)
    await uow.links.claim(link)
    return await _record(uow, participant, consent.ConsentAnswer(
        participant.id, link.recipient, placement.program, cmd.granted, "link",
        message=text, placement_id=placement.placement_id))
