"""Staff read what registration refused of their municipality's intake."""

from __future__ import annotations

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.commands import ShowIntake
from services.portal.domain.intake import IntakePage, rejection
from services.portal.domain.people import StaffTroublePage
from services.portal.handlers.people import or_trouble


async def show_intake(cmd: ShowIntake, uow: StaffApi,
                      deps: Dependencies) -> IntakePage | StaffTroublePage:
    code = cmd.member.municipality(cmd.municipality_code)
    if code is None:
        return StaffTroublePage("not_found")

    async def read() -> IntakePage:
        found = await uow.intake_rejections(cmd.member, code)
        return IntakePage(code, cmd.member.municipalities, [rejection(r) for r in found])

    return await or_trouble(read)
