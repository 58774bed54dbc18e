"""The staff start page: for a coordinator, what needs attention in each of their
municipalities, read from the services at once. A service that cannot answer leaves its
sections out and the page says so; the rest is shown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain import attention
from services.portal.domain.attention import Item, StartPage
from services.portal.domain.commands import ShowStart
from services.portal.domain.people import StaffRefused
from services.portal.domain.places import workplace_names
from services.portal.domain.staff import StaffMember
from services.portal.domain.views import Unavailable

T = TypeVar("T")


async def _or_none(read: Awaitable[T]) -> T | None:
    try:
        return await read
    except (Unavailable, StaffRefused):
        return None


async def _municipality(uow: StaffApi, member: StaffMember, code: str,
                        deps: Dependencies) -> tuple[dict[str, list[Item]], set[str]]:
    now = deps.clock()
    today = now.date()
    ending = {"municipality_code": code, "certified_from": today.isoformat(),
              "certified_to": (today + timedelta(days=attention.CERTIFICATE_DAYS)).isoformat()}
    (proposed, accepted, waiting, undelivered, supervisors, workplaces), rejected = (
        await asyncio.gather(asyncio.gather(
            _or_none(uow.placements(member, code, "proposed")),
            _or_none(uow.placements(member, code, "accepted")),
            _or_none(uow.waiting(member, code)), _or_none(uow.undelivered(member, code)),
            _or_none(uow.entries(member, "supervisors", ending)),
            _or_none(uow.entries(member, "workplaces", {"municipality_code": code}))),
            _or_none(uow.intake_rejections(member, code))))
    names = workplace_names(workplaces or {})
    found: dict[str, list[Item]] = {}
    missing = set()
    if proposed is None or accepted is None:
        missing.add("placements")
    else:
        open_ = [*proposed, *accepted]
        found["unanswered"] = attention.unanswered(open_, names, now)
        found["consent_missing"] = attention.consent_missing(open_, names, today)
    if waiting is None:
        missing.add("requests")
    else:
        found |= attention.fixable(waiting)
    if undelivered is None:
        missing.add("messages")
    else:
        found["undelivered"] = attention.undelivered(undelivered, code)
    if supervisors is None:
        missing.add("supervisors")
    else:
        found["certificates"] = attention.certificates(supervisors.get("items") or [])
    if rejected is None:
        missing.add("intake")
    else:
        found["intake_rejected"] = attention.intake_rejected(rejected, code)
    return found, missing


async def show_start(cmd: ShowStart, uow: StaffApi, deps: Dependencies) -> StartPage:
    if cmd.member.role != "coordinator":
        return StartPage()
    each = await asyncio.gather(*(_municipality(uow, cmd.member, code, deps)
                                  for code in cmd.member.municipalities))
    found: dict[str, list[Item]] = {}
    missing: set[str] = set()
    for items, lost in each:
        for kind, listed in items.items():
            found.setdefault(kind, []).extend(listed)
        missing |= lost
    return StartPage(True, attention.sections(found),
                     [source for source in attention.SOURCES if source in missing])
