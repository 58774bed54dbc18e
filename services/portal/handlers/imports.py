"""Staff import a list of participants: the form, then a preview of every row's problems
(registration's dry run: nothing registered), then the good rows registered through
registration's import, the intake's own path; the rows with problems can be fixed on the
page, or downloaded with their reasons to fix in the file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import ImportRows, ShowImport
from services.portal.domain.imports import (
    COLUMNS,
    MAX_ROWS,
    ROW,
    ImportPage,
    Row,
    bad_rows_table,
    body_of,
    carried_rows,
    edited,
    refused,
    rows_of,
)
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.places import read_form, refused_fields
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Download
from services.portal.handlers.people import or_trouble
from shared.downloads import CSV, as_csv

ImportView = ImportPage | Download | StaffTroublePage


def _form(member: StaffMember) -> ImportPage:
    options, start = member.municipality_choice()
    return ImportPage(start, options, read_only=member.role != "coordinator")


async def show_import(cmd: ShowImport, uow: StaffApi, deps: Dependencies) -> ImportView:
    page = _form(cmd.member)
    return StaffTroublePage("forbidden") if page.read_only else page


def _rows(cmd: ImportRows, page: ImportPage) -> ImportPage:
    """The rows of the step: the file's, or the preview's with their fixes; a problem of
    the file itself in the page's `file` problem."""
    if cmd.table is None and cmd.uploaded:
        return replace(page, problems=page.problems | {"file": "unreadable"})
    if cmd.table is not None:
        rows, missing, ignored = rows_of(cmd.table)
        problem = ("missing_columns" if missing else "no_rows" if not rows
                   else "too_many" if len(rows) > MAX_ROWS else None)
        page = replace(page, missing=missing, ignored=ignored)
        return replace(page, problems=page.problems | {"file": problem}) if problem \
            else replace(page, rows=rows)
    carried = carried_rows(cmd.form.get("rader", ""))
    if not carried:
        return replace(page, problems=page.problems | {"file": "required"})
    edited(carried, cmd.form)
    return replace(page, rows=carried)


def _duplicates(rows: list[Row]) -> None:
    seen: set[str] = set()
    for row in rows:
        ref = row.cells.get("ref")
        if ref in seen:
            row.problems["ref"] = "duplicate"
        elif ref:
            seen.add(ref)


async def _checked(cmd: ImportRows, uow: StaffApi, page: ImportPage,
                   settings: Mapping[str, Any]) -> ImportPage:
    """Each row checked by the portal, then by registration (`run`: the good ones
    registered)."""
    _duplicates(page.rows)
    sent: list[tuple[Row, dict[str, Any]]] = []
    for row in page.rows:
        body, problems = body_of(row, settings["program"], settings["period_start"],
                                 settings["period_end"])
        row.problems.update(problems)
        if not row.problems:
            sent.append((row, body))
    run = cmd.step == "run"
    if sent:
        try:
            answer = await uow.import_rows(cmd.member, settings["municipality_code"],
                                           [body for _, body in sent], dry_run=not run)
        except FieldProblems as refusal:
            problems, reasons = refused_fields("import", refusal.reasons)
            return replace(page, rows=[], problems=problems, reasons=reasons)
        outcomes = answer.get("rows") or []
        for (row, _), outcome in zip(sent, outcomes, strict=False):
            said = outcome.get("problems") if isinstance(outcome, dict) else None
            if said:
                refused(row, said)
            else:
                row.registered = run
    return replace(page, stage="done" if run else "preview")


def _download(page: ImportPage, deps: Dependencies, language: str) -> Download:
    def word(key: str) -> str:
        return deps.words.text(language, key) if deps.words is not None else key

    names = {c.key: word(f"staff.import.column.{c.key}") for c in COLUMNS}
    names[ROW] = word("staff.import.row_problem")
    problems = {key for row in page.bad for key in row.problems.values()}
    names |= {key: word(f"staff.problem.{key}") for key in problems}
    names["not_accepted"] = word("staff.import.refused")
    header, table = bad_rows_table(page.bad, names)
    return Download(as_csv(header, table), CSV, "import-rader-med-fel.csv")


async def import_rows(cmd: ImportRows, uow: StaffApi, deps: Dependencies) -> ImportView:
    page = _form(cmd.member)
    if page.read_only:
        return StaffTroublePage("forbidden")
    settings, values, problems = read_form("import", cmd.form, page.options)
    page = _rows(cmd, replace(page, values=values, problems=problems))
    if page.problems:
        return replace(page, rows=[])

    async def check() -> ImportPage:
        return await _checked(cmd, uow, page, settings)

    checked = await or_trouble(check)
    if isinstance(checked, ImportPage) and cmd.step == "download" and not checked.problems:
        return _download(checked, deps, cmd.language)
    return checked
