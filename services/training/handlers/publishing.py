"""What training tells the others: a session's announcements and each enrolment change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.training.domain.model import EnrolmentChange, Session
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import CourseSessionScheduled, EnrolmentRecorded, Invitee


def announce(uow: TrainingUnitOfWork, session: Session, announcement: str,
             invited: Sequence[Invitee] = ()) -> None:
    uow.publish(CourseSessionScheduled(
        session_id=session.session_id, course=session.course,
        topic=session.topic, starts_at=session.starts_at, ends_at=session.ends_at,
        municipality_code=session.municipality_code, venue=session.venue,
        digital=session.digital, capacity=session.capacity, cancelled=session.cancelled,
        announcement=announcement, supports=list(session.supports), invited=list(invited),
    ), subject=str(session.session_id))


def publish_changes(uow: TrainingUnitOfWork, session: Session,
                    changes: Iterable[EnrolmentChange], session_cancelled: bool = False) -> None:
    """One `EnrolmentRecorded` per change, keyed by the person; `session_cancelled` when
    the places went because the session was cancelled."""
    for change in changes:
        uow.publish(EnrolmentRecorded(
            session_id=session.session_id, person_id=change.person_id,
            role=change.role, status=change.status,
            waitlist_position=change.waitlist_position,
            previous_status=change.previous_status, course=session.course,
            starts_at=session.starts_at, municipality_code=session.municipality_code,
            session_cancelled=session_cancelled,
        ), subject=str(change.person_id))
