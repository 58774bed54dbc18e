"""News from training and matching about what registration registered.

Registration keeps, beside what it registered, where each thing stands elsewhere: a
coordinator reading a request sees its placement; a supervisor, the certificate. Events
of one municipality arrive in order (one partition), so the latest wins. Every placement
is also kept by its own id, so a link to one its request has left still finds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.registration.dependencies import Dependencies
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)


def _heard_at(uow: RegistrationUnitOfWork, deps: Dependencies) -> datetime:
    return uow.cause.time if uow.cause is not None else deps.clock()


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


def _known_placement(row: dict[str, Any]) -> dict[str, Any] | None:
    """The placement's own row (by its id) from where its request stands; none for a
    waitlisting, which names no placement."""
    if row["placement_id"] is None:
        return None
    return {k: row[k] for k in ("placement_id", "request_id", "offer_id", "status", "at")}


async def _heard(rows: list[dict[str, Any]], uow: RegistrationUnitOfWork) -> None:
    """The requests' latest (what a coordinator sees), and every placement by id (what a
    link to an old placement finds)."""
    await uow.news.placements(rows)
    await uow.news.known_placements(
        [known for row in rows if (known := _known_placement(row)) is not None])


async def placement_news(e: PlacementNews, uow: RegistrationUnitOfWork,
                         deps: Dependencies) -> None:
    await _heard([_placement_news(e, _heard_at(uow, deps))], uow)


async def placement_news_many(items: list[tuple[CloudEvent, PlacementNews]],
                              uow: RegistrationUnitOfWork, deps: Dependencies) -> None:
    """`placement_news` for a run of events of one type, in one round trip each."""
    await _heard([_placement_news(e, envelope.time) for envelope, e in items], uow)


async def placement_completed(e: PlacementCompleted, uow: RegistrationUnitOfWork,
                              deps: Dependencies) -> None:
    await uow.news.placement_ended(e.placement_id, "completed", e.outcome,
                                   _heard_at(uow, deps))


async def supervisor_certified(e: SupervisorCertified, uow: RegistrationUnitOfWork,
                               deps: Dependencies) -> None:
    await uow.news.certified_until(e.supervisor_id, e.valid_until)


async def certification_expired(e: SupervisorCertificationExpired,
                                uow: RegistrationUnitOfWork, deps: Dependencies) -> None:
    await uow.news.certified_until(e.supervisor_id, None)


async def workplace_opened(e: WorkplaceOpened, uow: RegistrationUnitOfWork,
                           deps: Dependencies) -> None:
    await uow.news.workplace_opened(e.workplace_id)
