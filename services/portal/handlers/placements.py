"""Placements for staff: a municipality's by status, one placement's page, and the
actions a coordinator takes on it. `uow` is the services' staff APIs as the signed-in
person: matching decides what they may see and whether the placement allows the action;
registration names the workplaces."""

from __future__ import annotations

from dataclasses import replace

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import ActOnPlacement, ShowPlacement, ShowPlacements
from services.portal.domain.people import StaffTroublePage, is_id
from services.portal.domain.placements import (
    STATUSES,
    PlacementPage,
    PlacementsPage,
    placement_row,
    read_action,
)
from services.portal.domain.places import Saved, workplace_names
from services.portal.domain.staff import StaffMember
from services.portal.handlers.people import messages_of, or_trouble

PlacementView = PlacementsPage | PlacementPage | Saved | StaffTroublePage


async def _workplaces(uow: StaffApi, member: StaffMember, municipality: str) -> dict[str, str]:
    return workplace_names(await uow.entries(member, "workplaces",
                                             {"municipality_code": municipality}))


async def show_placements(cmd: ShowPlacements, uow: StaffApi,
                          deps: Dependencies) -> PlacementView:
    municipality = cmd.member.municipality(cmd.municipality_code)
    if municipality is None or (cmd.status and cmd.status not in STATUSES):
        return StaffTroublePage("not_found")

    async def read() -> PlacementView:
        rows = await uow.placements(cmd.member, municipality, cmd.status)
        names = await _workplaces(uow, cmd.member, municipality)
        return PlacementsPage(municipality, cmd.status, cmd.member.municipalities,
                              [placement_row(row, names) for row in rows])

    return await or_trouble(read)


async def _page(uow: StaffApi, member: StaffMember, placement_id: str) -> PlacementPage:
    entry = await uow.placement(member, placement_id)
    names = await _workplaces(uow, member, str(entry.get("municipality_code") or ""))
    sent = await messages_of(uow, member, placement_id)
    return PlacementPage(placement_row(entry, names), read_only=member.role != "coordinator",
                         messages=sent)


async def show_placement(cmd: ShowPlacement, uow: StaffApi,
                         deps: Dependencies) -> PlacementView:
    if not is_id(cmd.placement_id):
        return StaffTroublePage("not_found")

    async def read() -> PlacementView:
        return replace(await _page(uow, cmd.member, cmd.placement_id), done=cmd.done)

    return await or_trouble(read)


async def act_on_placement(cmd: ActOnPlacement, uow: StaffApi,
                           deps: Dependencies) -> PlacementView:
    """The action sent once its form holds; refused, the page shows why by the form."""
    if not is_id(cmd.placement_id):
        return StaffTroublePage("not_found")

    async def act() -> PlacementView:
        page = await _page(uow, cmd.member, cmd.placement_id)
        body, problems = read_action(cmd.action, cmd.form, deps.timezone)
        if not problems:
            try:
                await uow.act(cmd.member, cmd.placement_id, cmd.action, body)
            except FieldProblems as refused:
                problems = {name.removeprefix("body."): key
                            for name, key in refused.problems.items()}
                reasons = {name.removeprefix("body."): reason
                           for name, reason in refused.reasons.items()}
                return replace(page, action=cmd.action, values=dict(cmd.form),
                               problems=problems, reasons=reasons)
            return Saved(f"/personal/placeringar/{cmd.placement_id}?klart={cmd.action}")
        return replace(page, action=cmd.action, values=dict(cmd.form), problems=problems)

    return await or_trouble(act)
