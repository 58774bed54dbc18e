"""Answers by the links in messages (docs/portal.md): a place confirmed or cancelled, an
evaluation given. The HTTP entry point has checked the token's signature, purpose and
expiry; here, in the transaction of what it does, the link must be for this person, and
is claimed (`used_links`), so a second use is refused and changes nothing."""

from __future__ import annotations

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.evaluation import EvaluationAnswer
from services.training.domain.model import EnrolmentChange
from services.training.handlers.publishing import publish_changes
from services.training.unit_of_work import TrainingUnitOfWork
from shared.errors import Conflict
from shared.links import BadLink, Link


async def _unused(uow: TrainingUnitOfWork, link: Link) -> None:
    """Refuse a used link before anything else is checked (its page says it was used);
    the claim after the change is what holds against a race."""
    if await uow.links.used(link):
        raise BadLink("link_used", link.municipality_code)


async def answer_enrolment(cmd: commands.AnswerEnrolment, uow: TrainingUnitOfWork,
                           deps: Dependencies) -> list[EnrolmentChange]:
    """`attend`: the place is confirmed (nothing published: the status is unchanged and
    the person already had their letter). Otherwise the place is cancelled
    (`EnrolmentRecorded` cancelled) and the first on the waitlist moves up
    (`EnrolmentRecorded` enrolled, `previous_status` waitlisted)."""
    link = cmd.link
    roster = await uow.sessions.lock_roster(link.subject)
    if roster is None or link.recipient not in roster.enrolments:
        raise BadLink("link_invalid", link.municipality_code)
    await _unused(uow, link)
    changes = roster.answer(link.recipient, cmd.attend, deps.clock())
    await uow.links.claim(link)
    await uow.sessions.save(roster)
    publish_changes(uow, roster.session, changes)
    return changes


async def answer_evaluation(cmd: commands.AnswerEvaluation, uow: TrainingUnitOfWork,
                            deps: Dependencies) -> EvaluationAnswer:
    """One anonymous answer per attendee and session, whatever link it comes by."""
    link = cmd.link
    session = await uow.sessions.get(link.subject)
    if session is None or not await uow.records.completed_session(session.session_id,
                                                                  link.recipient):
        raise BadLink("link_invalid", link.municipality_code)
    await _unused(uow, link)
    answer = EvaluationAnswer.given(session.session_id, session.course, cmd.overall,
                                    cmd.usefulness, cmd.comment)
    if not await uow.records.add_evaluation_answer(answer, link.recipient):
        raise Conflict("already_answered")
    await uow.links.claim(link)
    return answer
