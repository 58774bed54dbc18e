"""Answers by link and the expiry warning, with the in-memory unit of work: who may use a
link, what each answer publishes, and that a link acts once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from uuid import UUID

import pytest

from services.training import handlers
from services.training.domain import commands
from services.training.tests.unit.fakes import FakeUnitOfWork
from services.training.tests.unit.test_handlers import NOW, complete, register, run, schedule
from shared.contracts.training import (
    CourseCompleted,
    EnrolmentRecorded,
    SupervisorCertificationExpiring,
    SupervisorCertified,
)
from shared.errors import Conflict
from shared.links import BadLink, Link, Purpose


def link(purpose: Purpose, session_id: UUID, person: UUID) -> Link:
    return Link(purpose, session_id, person, "1380", NOW + timedelta(days=1),
                uuid.uuid4().hex)


async def full_session(uow: FakeUnitOfWork) -> tuple[UUID, list[UUID]]:
    """A session of one seat: the first holds it, the second waits."""
    people = [(await register(uow))[2] for _ in range(2)]
    session_id = await schedule(uow, capacity=1, starts_at=NOW + timedelta(days=3))
    for person in people:
        await run(uow, handlers.enrol, commands.Enrol(session_id, person))
    return session_id, people


async def test_confirming_records_the_time_and_publishes_nothing() -> None:
    uow = FakeUnitOfWork()
    session_id, (holder, _) = await full_session(uow)
    before = len(uow.events)
    assert await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(
        link("enrolment", session_id, holder), True)) == []
    assert len(uow.events) == before
    enrolment = uow.fake_sessions.rosters[session_id].enrolments[holder]
    assert (enrolment.status, enrolment.confirmed_at) == ("enrolled", NOW)


async def test_cancelling_by_link_gives_the_place_to_the_first_waiting() -> None:
    uow = FakeUnitOfWork()
    session_id, (holder, waiting) = await full_session(uow)
    await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(
        link("enrolment", session_id, holder), False))
    recorded = [(e.person_id, e.status, e.previous_status, e.session_cancelled)
                for e in uow.of_type(EnrolmentRecorded)][-2:]
    assert recorded == [(holder, "cancelled", "enrolled", False),
                        (waiting, "enrolled", "waitlisted", False)]


async def test_a_used_link_is_refused_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    session_id, (holder, _) = await full_session(uow)
    used = link("enrolment", session_id, holder)
    await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(used, True))
    before = len(uow.events)
    with pytest.raises(BadLink) as refused:
        await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(used, False))
    assert refused.value.problem == "link_used"
    assert uow.fake_sessions.rosters[session_id].enrolments[holder].status == "enrolled"
    assert len(uow.events) == before


async def test_a_link_for_someone_without_a_place_is_invalid() -> None:
    uow = FakeUnitOfWork()
    session_id, _ = await full_session(uow)
    for subject, person in ((session_id, uuid.uuid4()), (uuid.uuid4(), uuid.uuid4())):
        with pytest.raises(BadLink) as refused:
            await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(
                link("enrolment", subject, person), True))
        assert refused.value.problem == "link_invalid"


async def test_a_started_session_takes_no_answer_and_the_link_stays_unused() -> None:
    uow = FakeUnitOfWork()
    people = [(await register(uow))[2]]
    session_id = await schedule(uow, starts_at=NOW - timedelta(hours=1))
    await run(uow, handlers.enrol, commands.Enrol(session_id, people[0]))
    late = link("enrolment", session_id, people[0])
    with pytest.raises(Conflict, match="session_started"):
        await run(uow, handlers.answer_enrolment, commands.AnswerEnrolment(late, False))
    assert late.token_id not in uow.fake_links.tokens


async def test_a_cancelled_session_tells_each_place_holder_why() -> None:
    uow = FakeUnitOfWork()
    session_id, (holder, waiting) = await full_session(uow)
    await run(uow, handlers.cancel_session, commands.CancelSession(session_id))
    recorded = [(e.person_id, e.status, e.previous_status, e.session_cancelled)
                for e in uow.of_type(EnrolmentRecorded)][-2:]
    assert recorded == [(holder, "cancelled", "enrolled", True),
                        (waiting, "cancelled", "waitlisted", True)]


async def test_an_attendee_evaluates_once_and_anonymously() -> None:
    uow = FakeUnitOfWork()
    _, _, attendee = await register(uow)
    _, _, absent = await register(uow)
    session_id = await schedule(uow)
    await complete(uow, session_id, attendee)
    [completed] = uow.of_type(CourseCompleted)
    assert (completed.person_id, completed.municipality_code) == (attendee, "1380")
    answer = await run(uow, handlers.answer_evaluation, commands.AnswerEvaluation(
        link("evaluation", session_id, attendee), 5, 4, " Bra dag "))
    assert (answer.overall, answer.usefulness, answer.comment) == (5, 4, "Bra dag")
    assert not hasattr(answer, "person_id")
    with pytest.raises(Conflict, match="already_answered"):
        await run(uow, handlers.answer_evaluation, commands.AnswerEvaluation(
            link("evaluation", session_id, attendee), 1, 1))
    with pytest.raises(BadLink) as refused:
        await run(uow, handlers.answer_evaluation, commands.AnswerEvaluation(
            link("evaluation", session_id, absent), 3, 3))
    assert refused.value.problem == "link_invalid"
    assert len(uow.fake_records.answers) == 1


async def test_the_expiry_warning_is_sent_once_within_the_warning_days() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow)
    await complete(uow, await schedule(uow), supervisor)
    refresher = await schedule(uow, starts_at=NOW + timedelta(days=30))
    valid_until = uow.of_type(SupervisorCertified)[0].valid_until
    warn = handlers.warn_expiring_certifications
    early = valid_until - timedelta(days=60)
    assert await run(uow, warn, commands.WarnExpiringCertifications(early)) == 0
    on = valid_until - timedelta(days=59)
    assert await run(uow, warn, commands.WarnExpiringCertifications(on)) == 1
    assert await run(uow, warn, commands.WarnExpiringCertifications(on)) == 0
    [warning] = uow.of_type(SupervisorCertificationExpiring)
    assert (warning.supervisor_id, warning.valid_until, warning.refresher_session_id) == (
        supervisor, valid_until, refresher)
