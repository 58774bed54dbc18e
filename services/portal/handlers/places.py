"""Staff keep the registers of workplaces, supervisors and offers: a list, each entry's
form, and its save. `uow` is registration's staff API as the signed-in person: it
decides what they may see and change, and its refusals come back beside the fields."""

from __future__ import annotations

from dataclasses import replace

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import SaveEntry, ShowEntry, ShowWorkplaces
from services.portal.domain.people import StaffTroublePage, is_id
from services.portal.domain.places import (
    NEW_VALUES,
    FormPage,
    Saved,
    WorkplacesPage,
    offer_row,
    read_form,
    refused_fields,
    supervisor_row,
    values_of,
    workplace_row,
)
from services.portal.domain.staff import StaffMember
from services.portal.handlers.people import or_trouble

PAGES = {"workplaces": "/personal/arbetsplatser", "supervisors": "/personal/handledare",
         "offers": "/personal/erbjudanden"}
"""Each register's pages in the portal (an entry's: `<page>/<id>`)."""
IDS = {"workplaces": "workplace_id", "supervisors": "supervisor_id", "offers": "offer_id"}
PlacesView = WorkplacesPage | FormPage | Saved | StaffTroublePage


async def show_workplaces(cmd: ShowWorkplaces, uow: StaffApi,
                          deps: Dependencies) -> PlacesView:
    async def read() -> PlacesView:
        found = await uow.entries(cmd.member, "workplaces", {})
        return WorkplacesPage([workplace_row(item) for item in found.get("items") or []],
                              int(found.get("total") or 0))

    return await or_trouble(read)


async def _form(uow: StaffApi, member: StaffMember, cmd: ShowEntry | SaveEntry) -> FormPage:
    """The entry's form as registration has it (a new one's: as it starts), with the
    workplace it belongs to and the choices the page offers."""
    read_only = member.role != "coordinator"
    if cmd.register == "workplaces":
        options, start = member.municipality_choice()
        if not cmd.ident:
            values = dict(NEW_VALUES["workplaces"]) | start
            return FormPage("workplaces", values, options, read_only=read_only)
        entry = await uow.entry(member, "workplaces", cmd.ident)
        people = await uow.entries(member, "supervisors", {"workplace_id": cmd.ident})
        offers = await uow.entries(member, "offers", {"workplace_id": cmd.ident})
        return FormPage("workplaces", values_of("workplaces", entry), options, cmd.ident,
                        workplace_row(entry), read_only,
                        [supervisor_row(s) for s in people.get("items") or []],
                        [offer_row(o) for o in offers.get("items") or []])
    entry = await uow.entry(member, cmd.register, cmd.ident) if cmd.ident else {}
    workplace = workplace_row(await uow.entry(
        member, "workplaces", str(entry.get("workplace_id") or cmd.workplace_id)))
    choices: dict[str, list[tuple[str, str]]] = {}
    if cmd.register == "offers":
        people = await uow.entries(member, "supervisors", {"workplace_id": workplace.ident})
        choices["supervisor_id"] = [(row.ident, row.name) for row in map(
            supervisor_row, people.get("items") or []) if not row.left]
    values = values_of(cmd.register, entry) if entry else dict(NEW_VALUES[cmd.register])
    return FormPage(cmd.register, values, choices, cmd.ident, workplace, read_only)


def _unreadable(cmd: ShowEntry | SaveEntry) -> bool:
    """Only ids go into the API's paths; anything else names no entry."""
    return any(ident and not is_id(ident) for ident in (cmd.ident, cmd.workplace_id)) or (
        cmd.register != "workplaces" and not (cmd.ident or cmd.workplace_id))


async def show_entry(cmd: ShowEntry, uow: StaffApi, deps: Dependencies) -> PlacesView:
    if _unreadable(cmd):
        return StaffTroublePage("not_found")

    async def read() -> PlacesView:
        return replace(await _form(uow, cmd.member, cmd), saved=cmd.saved)

    return await or_trouble(read)


async def save_entry(cmd: SaveEntry, uow: StaffApi, deps: Dependencies) -> PlacesView:
    if _unreadable(cmd):
        return StaffTroublePage("not_found")

    async def save() -> PlacesView:
        page = await _form(uow, cmd.member, cmd)
        body, values, problems = read_form(cmd.register, cmd.form, page.options)
        if problems:
            return replace(page, values=values, problems=problems)
        if page.workplace is not None and cmd.register != "workplaces":
            body |= {"workplace_id": page.workplace.ident,
                     "municipality_code": page.workplace.municipality_code}
        try:
            saved = await uow.save(cmd.member, cmd.register, cmd.ident or None, body)
        except FieldProblems as refused:
            problems, reasons = refused_fields(cmd.register, refused.reasons)
            return replace(page, values=values, problems=problems, reasons=reasons)
        return Saved(f"{PAGES[cmd.register]}/{saved[IDS[cmd.register]]}?sparad=1")

    return await or_trouble(save)
