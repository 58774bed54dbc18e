"""Staff run a municipality's round: the rounds so far and the form of the next; its
preview (matching's dry run, with the seed the round will use); then the run, which
goes to the round's published draw. And anyone reads a round's draw: its seed and every
request's lottery number."""

from __future__ import annotations

from dataclasses import replace

from services.portal.dependencies import Dependencies, ServiceApis, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import RunRound, ShowRoundDraw, ShowRounds
from services.portal.domain.people import StaffTroublePage, is_id
from services.portal.domain.places import Saved, read_form, refused_fields
from services.portal.domain.rounds import PublishedDrawPage, RoundsPage, draw_row, round_row
from services.portal.domain.staff import StaffMember
from services.portal.handlers.people import or_trouble

RoundsView = RoundsPage | Saved | StaffTroublePage


async def _page(uow: StaffApi, member: StaffMember) -> RoundsPage:
    options, values = member.municipality_choice()
    rounds = [round_row(entry) for code in member.municipalities
              for entry in await uow.rounds(member, code)]
    rounds.sort(key=lambda r: r.ran_at.isoformat() if r.ran_at else "", reverse=True)
    return RoundsPage(values, options, rounds, read_only=member.role != "coordinator")


async def show_rounds(cmd: ShowRounds, uow: StaffApi, deps: Dependencies) -> RoundsView:
    return await or_trouble(lambda: _page(uow, cmd.member))


async def run_round(cmd: RunRound, uow: StaffApi, deps: Dependencies) -> RoundsView:
    if cmd.member.role != "coordinator":
        return StaffTroublePage("forbidden")

    async def run() -> RoundsPage | Saved:
        page = await _page(uow, cmd.member)
        body, values, problems = read_form("round", cmd.form, page.options)
        page = replace(page, values=values)
        if problems:
            return replace(page, problems=problems)
        try:
            done = await uow.round(cmd.member, body["municipality_code"], body["program"],
                                   dry_run=cmd.step == "preview")
        except FieldProblems as refusal:
            problems, reasons = refused_fields("round", refusal.reasons)
            return replace(page, problems=problems, reasons=reasons)
        if cmd.step == "run":
            return Saved(f"/omgang/{done.get('round_id')}")
        return replace(page, preview=round_row(done),
                       draws=[draw_row(d) for d in done.get("draws") or []
                              if isinstance(d, dict)])

    return await or_trouble(run)


async def show_round_draw(cmd: ShowRoundDraw, uow: ServiceApis,
                          deps: Dependencies) -> PublishedDrawPage:
    found = await uow.matching.round_draw(cmd.round_id) if is_id(cmd.round_id) else None
    if found is None:
        return PublishedDrawPage(None)
    draws = [draw_row(d) for d in found.get("draws") or [] if isinstance(d, dict)]
    return PublishedDrawPage(round_row(found), draws, cmd.asked)
