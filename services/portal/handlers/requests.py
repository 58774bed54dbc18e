"""A request's page for staff: registration's request (it decides who may read it), then
matching's explanation of it, with the workplaces named from registration's register.
Matching not having seen the request yet is no trouble: the page says so."""

from __future__ import annotations

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.commands import ShowRequest
from services.portal.domain.explanation import RequestPage, request_page
from services.portal.domain.people import StaffRefused, StaffTroublePage, is_id
from services.portal.domain.places import workplace_names
from services.portal.handlers.people import or_trouble


async def show_request(cmd: ShowRequest, uow: StaffApi,
                       deps: Dependencies) -> RequestPage | StaffTroublePage:
    if not is_id(cmd.request_id):
        return StaffTroublePage("not_found")

    async def read() -> RequestPage:
        asked = await uow.request(cmd.member, cmd.request_id)
        try:
            why = await uow.explanation(cmd.member, cmd.request_id)
        except StaffRefused as refused:
            if refused.trouble != "not_found":
                raise
            return request_page(asked, None, {})
        found = await uow.entries(cmd.member, "workplaces", {
            "program": str(asked.get("program") or ""),
            "municipality_code": str(asked.get("municipality_code") or "")})
        return request_page(asked, why, workplace_names(found))

    return await or_trouble(read)
