"""Staff read the message templates with sample data: the list, and one template in
each language (notifications renders them; the portal shows what it gives)."""

from __future__ import annotations

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.commands import ShowTemplate, ShowTemplates
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.templates import (
    TemplatePage,
    TemplatesPage,
    is_template_name,
    rendering,
)
from services.portal.handlers.people import or_trouble

TemplatesView = TemplatesPage | TemplatePage | StaffTroublePage


async def show_templates(cmd: ShowTemplates, uow: StaffApi,
                         deps: Dependencies) -> TemplatesView:
    code = cmd.member.municipality(cmd.municipality_code)
    if code is None:
        return StaffTroublePage("not_found")

    async def read() -> TemplatesPage:
        names = await uow.templates(cmd.member, code)
        return TemplatesPage(code, cmd.member.municipalities, sorted(names))

    return await or_trouble(read)


async def show_template(cmd: ShowTemplate, uow: StaffApi,
                        deps: Dependencies) -> TemplatesView:
    code = cmd.member.municipality(cmd.municipality_code)
    if code is None or not is_template_name(cmd.name):
        return StaffTroublePage("not_found")

    async def read() -> TemplatePage:
        found = await uow.template(cmd.member, cmd.name, code)
        shown = [rendering(r) for r in found.get("renderings") or [] if isinstance(r, dict)]
        shown.sort(key=lambda r: (r.language != "sv", r.language))  # Swedish first
        return TemplatePage(cmd.name, code, cmd.member.municipalities, shown)

    return await or_trouble(read)
