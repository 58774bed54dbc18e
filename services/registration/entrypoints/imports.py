"""The import door (`POST /imports`): a coordinator's list of participants, each with
the placement request to register for them (a class list for prao, a list of summer-job
applicants), through the intake's own translation and handlers.

Each row is checked on its own: its models first (each problem named by its field, as
`participant.<field>` or `request.<field>`), then registration's rules, by running the
row's commands in one unit of work. A dry run (`dry_run`, the portal's preview) rolls
each row back, so the preview's problems are the rules' own and nothing is registered;
otherwise each good row commits on its own, as one intake message does, and a bad row is
answered with its problems while the rest go on. The same `external_ref` twice registers
once, so an import sent again changes nothing it already did.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from services.registration.entrypoints.http import _bus
from services.registration.entrypoints.translate import to_command
from shared.auth import CurrentPrincipal
from shared.contracts import intake
from shared.contracts.base import EventData
from shared.contracts.errors import FieldProblem
from shared.contracts.types import MunicipalityCode
from shared.errors import Rejected
from shared.http import ERRORS, FieldErrorOut
from shared.messagebus import Run

router = APIRouter(responses=ERRORS)

MAX_ROWS = 1000


class ImportIn(BaseModel):
    municipality_code: MunicipalityCode
    """Every row's municipality (a row's own `municipality_code` is replaced by it)."""
    dry_run: bool = False
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)
    """Each `{"participant": <a POST /participants body>, "request": <a POST /requests
    body without the participant, or absent>}`."""


class RowOut(BaseModel):
    row: int
    """The row's position in `rows`, from 0."""
    problems: list[FieldErrorOut]
    participant_id: UUID | None = None
    request_id: UUID | None = None
    """Both registered (not in a dry run, nor for a row with problems)."""


class ImportOut(BaseModel):
    dry_run: bool
    good: int
    bad: int
    rows: list[RowOut]


def _parsed(model: type[EventData], data: Any, part: str, code: str,
            problems: list[FieldProblem]) -> Any:
    """`data` as `model` in the import's municipality, or None with its problems added."""
    if not isinstance(data, dict):
        problems.append(FieldProblem(part, "must be an object"))
        return None
    try:
        return model.model_validate({**data, "municipality_code": code})
    except ValidationError as error:
        problems.extend(FieldProblem(".".join([part, *map(str, e["loc"])]), e["msg"])
                        for e in error.errors())
        return None


async def _step(run: Run, part: str, request: EventData) -> Any:
    try:
        return await run(to_command(request))
    except Rejected as error:
        raise Rejected([FieldProblem(f"{part}.{p.field}" if p.field else part, p.message)
                        for p in error.problems], reason=error.reason) from None


async def _row(request: Request, index: int, row: dict[str, Any], code: str,
               commit: bool) -> RowOut:
    problems: list[FieldProblem] = []
    participant = _parsed(intake.RegisterParticipant, row.get("participant"), "participant",
                          code, problems)
    wanted = row.get("request")
    placement = None if wanted is None else _parsed(
        intake.RequestPlacement, wanted, "request", code, problems)
    if problems:
        return RowOut(row=index, problems=[FieldErrorOut(field=p.field, message=p.message)
                                           for p in problems])

    async def script(run: Run) -> tuple[UUID, UUID | None]:
        participant_id: UUID = await _step(run, "participant", participant)
        if placement is None:
            return participant_id, None
        asked = placement.model_copy(update={"participant_id": participant_id,
                                             "participant_ref": None})
        return participant_id, await _step(run, "request", asked)

    try:
        participant_id, request_id = await _bus(request).handle_together(script,
                                                                         commit=commit)
    except Rejected as error:
        return RowOut(row=index, problems=[FieldErrorOut(field=p.field, message=p.message)
                                           for p in error.problems])
    if not commit:
        return RowOut(row=index, problems=[])
    return RowOut(row=index, problems=[], participant_id=participant_id,
                  request_id=request_id)


@router.post("/imports", tags=["participants"])
async def import_rows(body: ImportIn, principal: CurrentPrincipal,
                      request: Request) -> ImportOut:
    """Register a list of participants with their requests, row by row (`dry_run`: only
    each row's problems, nothing registered). Answers 200 with every row's outcome."""
    principal.require(body.municipality_code)
    rows = [await _row(request, index, row, body.municipality_code, not body.dry_run)
            for index, row in enumerate(body.rows)]
    bad = sum(1 for row in rows if row.problems)
    return ImportOut(dry_run=body.dry_run, good=len(rows) - bad, bad=bad, rows=rows)
