"""The municipality's profile for its coordinators: who signs its messages and the time
each party is given to answer. Registration keeps it whole: the lists the form does not
show for change (programmes, age rules) go back as they were."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import SaveProfile, ShowProfile
from services.portal.domain.people import StaffRefused, StaffTroublePage
from services.portal.domain.places import (
    FormPage,
    Saved,
    read_form,
    refused_fields,
    values_of,
)
from services.portal.domain.staff import StaffMember
from services.portal.handlers.people import or_trouble

KEPT = ("offer_answer_programs", "only_preferences_programs", "age_rules")
"""The profile's lists the form shows but does not change."""


async def _current(uow: StaffApi, member: StaffMember, code: str) -> Mapping[str, Any]:
    try:
        return await uow.profile(member, code)
    except StaffRefused as refused:
        if refused.trouble != "not_found":
            raise
        return {}  # none yet: the form starts empty


def _page(member: StaffMember, current: Mapping[str, Any]) -> FormPage:
    values = values_of("profile", current) if current else {"consent_rule": "either"}
    kept = [(key, [str(item) for item in current.get(key) or []]) for key in KEPT[:2]]
    kept.append(("age_rules", [str(len(current.get("age_rules") or []))]))
    return FormPage("profile", values, read_only=member.role != "coordinator", kept=kept)


async def show_profile(cmd: ShowProfile, uow: StaffApi,
                       deps: Dependencies) -> FormPage | StaffTroublePage:
    if not re.fullmatch(r"\d{4}", cmd.municipality_code):
        return StaffTroublePage("not_found")

    async def read() -> FormPage:
        current = await _current(uow, cmd.member, cmd.municipality_code)
        return replace(_page(cmd.member, current), saved=cmd.saved)

    return await or_trouble(read)


async def save_profile(cmd: SaveProfile, uow: StaffApi,
                       deps: Dependencies) -> FormPage | Saved | StaffTroublePage:
    if not re.fullmatch(r"\d{4}", cmd.municipality_code):
        return StaffTroublePage("not_found")

    async def save() -> FormPage | Saved:
        current = await _current(uow, cmd.member, cmd.municipality_code)
        page = _page(cmd.member, current)
        body, values, problems = read_form("profile", cmd.form, {})
        if problems:
            return replace(page, values=values, problems=problems)
        body |= {key: current.get(key) or [] for key in KEPT}
        try:
            await uow.save_profile(cmd.member, cmd.municipality_code, body)
        except FieldProblems as refused:
            problems, reasons = refused_fields("profile", refused.reasons)
            return replace(page, values=values, problems=problems, reasons=reasons)
        return Saved(f"/personal/kommuner/{cmd.municipality_code}/profil?sparad=1")

    return await or_trouble(save)
