"""Where a place can be had: workplaces opening and closing, supervisors leaving or
being erased, and what their training lets them take (issue 18).

Each change is made on a Book with its own methods: a placement that can no longer be
is ended by `Book.cancel` (its request goes back to being matched), and the waiting
requests are assessed again by `Book.reexamine`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from uuid import UUID

from services.matching.domain.book import Book
from services.matching.domain.placements import Placement
from services.matching.domain.working_days import SWEDISH_TIME

WORKPLACE_CLOSED = "workplace_closed"
SUPERVISOR_LEFT = "supervisor_left"
"""`PlacementCancelled.reason` codes (shared with the other services)."""


def open_workplace(book: Book, workplace_id: UUID, now: datetime) -> None:
    """Training opened the workplace: the waiting requests are assessed again."""
    book.open_workplaces.add(workplace_id)
    book.reexamine(now)


def close_workplace(book: Book, workplace_id: UUID, closed_on: date, now: datetime) -> None:
    """No new placements there; those not started by `closed_on` are cancelled."""
    book.open_workplaces.discard(workplace_id)
    cancel_unstarted(book, lambda p: p.workplace_id == workplace_id, WORKPLACE_CLOSED,
                     closed_on, now)


def supervisor_left(book: Book, supervisor_id: UUID, now: datetime,
                    erased: bool = False) -> None:
    """No new placements with the supervisor; those not started are cancelled. An
    erased supervisor's data (languages, certificate, training) leaves the Book too."""
    supervisor = book.supervisors.get(supervisor_id)
    if supervisor is not None:
        supervisor.left = True
    if erased:
        book.supervisors.pop(supervisor_id, None)
        book.certificates.pop(supervisor_id, None)
        book.trained_for.pop(supervisor_id, None)
    cancel_unstarted(book, lambda p: p.supervisor_id == supervisor_id, SUPERVISOR_LEFT,
                     now.astimezone(SWEDISH_TIME).date(), now)


def record_training(book: Book, supervisor_id: UUID, supports: Iterable[str],
                    now: datetime) -> None:
    """What the supervisor's deep dives train them for (the whole set each time)."""
    trained = frozenset(supports)
    if book.trained_for.get(supervisor_id, frozenset()) == trained:
        return
    if trained:
        book.trained_for[supervisor_id] = trained
    else:
        book.trained_for.pop(supervisor_id, None)
    book.reexamine(now)


def erase_guardian(book: Book, guardian_id: UUID) -> None:
    """A guardian erased: no participant of the Book names them, their consents go (the
    participant's consent as registration states it stays)."""
    for participant in book.participants.values():
        if guardian_id in participant.guardian_ids:
            participant.guardian_ids = tuple(
                g for g in participant.guardian_ids if g != guardian_id)
    for given in book.consents.values():
        for key in [k for k in given if k[0] == guardian_id]:
            del given[key]


def started(placement: Placement, day: date) -> bool:
    """A placement has started once it is confirmed and its first day has come."""
    return placement.status == "confirmed" and placement.period_start <= day


def cancel_unstarted(book: Book, concerns: Callable[[Placement], bool], reason: str,
                     day: date, now: datetime) -> None:
    """Cancel the open placements `concerns` picks that have not started on `day` (the
    started ones stand); their requests are matched again."""
    for placement in [p for p in book.placements.values()
                      if concerns(p) and not started(p, day)]:
        book.cancel(placement, reason, now)
    book.reexamine(now)
