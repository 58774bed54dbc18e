"""Staff's view of people: a search, a participant's record (registration logs the read,
with its purpose), the access log (auditors). `uow` is registration's staff API as the
signed-in person; what it refuses becomes a `StaffTroublePage`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import SearchPeople, ShowAccessLog, ShowPerson
from services.portal.domain.messages import MessageRow, message_rows
from services.portal.domain.people import (
    PURPOSES,
    AccessLogPage,
    PersonPage,
    SearchPage,
    StaffRefused,
    StaffTroublePage,
    access_row,
    is_id,
    person_page,
    person_row,
)
from services.portal.domain.staff import StaffMember
from services.portal.domain.views import Unavailable

StaffView = SearchPage | PersonPage | AccessLogPage | StaffTroublePage
V = TypeVar("V")


async def or_trouble(read: Callable[[], Awaitable[V]]) -> V | StaffTroublePage:
    """What `read` gives, or the trouble registration's refusal (or absence) is."""
    try:
        return await read()
    except StaffRefused as refused:
        return StaffTroublePage(refused.trouble)
    except Unavailable:
        return StaffTroublePage("service_down")


async def messages_of(uow: StaffApi, member: StaffMember,
                      placement_id: str) -> list[MessageRow] | None:
    """What notifications sent about a placement; None when it cannot say just now (the
    page shows the rest)."""
    try:
        return message_rows(await uow.messages(member, placement_id))
    except Unavailable:
        return None


async def search_people(cmd: SearchPeople, uow: StaffApi, deps: Dependencies) -> StaffView:
    search = cmd.search
    if not search.asked or search.problems():
        return SearchPage(search, problems=search.problems())

    async def read() -> StaffView:
        try:
            found = await uow.search(cmd.member, search.query())
        except FieldProblems as refused:
            return SearchPage(search, problems={f: "refused" for f in refused.problems})
        rows = [person_row(item) for item in found.get("items") or []]
        return SearchPage(search, rows, int(found.get("total") or 0))

    return await or_trouble(read)


async def show_person(cmd: ShowPerson, uow: StaffApi, deps: Dependencies) -> StaffView:
    if cmd.purpose not in PURPOSES or not is_id(cmd.participant_id):
        return StaffTroublePage("not_found")  # nothing but an id goes into the API's path

    async def read() -> StaffView:
        try:
            data = await uow.participant(cmd.member, cmd.participant_id, cmd.purpose)
        except FieldProblems:  # not an id registration could have given
            return StaffTroublePage("not_found")
        page = person_page(data, cmd.purpose,
                           await uow.requests(cmd.member, cmd.participant_id))
        placed = [r for r in page.requests if r.placement_id]
        sent = await asyncio.gather(*(messages_of(uow, cmd.member, r.placement_id)
                                      for r in placed))
        if any(rows is None for rows in sent):
            return replace(page, messages=None)
        return replace(page, messages=[(r.program, row) for r, rows in zip(
            placed, sent, strict=True) for row in rows or []])

    return await or_trouble(read)


async def show_access_log(cmd: ShowAccessLog, uow: StaffApi,
                          deps: Dependencies) -> StaffView:
    if cmd.member.role != "auditor":
        return StaffTroublePage("forbidden")  # registration refuses it too

    async def read() -> StaffView:
        query = {"participant_id": cmd.participant_id} if cmd.participant_id else {}
        try:
            found = await uow.access_log(cmd.member, query)
        except FieldProblems:
            return StaffTroublePage("not_found")
        return AccessLogPage([access_row(item) for item in found.get("items") or []],
                             int(found.get("total") or 0), cmd.participant_id)

    return await or_trouble(read)
