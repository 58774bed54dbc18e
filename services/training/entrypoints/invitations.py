"""HTTP API for a training administrator's pages (and a coordinator's): whom a session
has invited and whom it may invite still, inviting chosen people to it, the valid
certificates that run out soon (or that a session granted), and inviting their holders
to a renewal.

Thin, as `http.py`: parse, scope by municipality, one command through the bus; reads come
from `adapters/views.py`. A cancelled or started session invites no one (409); someone
the session may not invite is 422 naming `person_ids.<index>`; a supervisor without a
valid certificate 422 `supervisor_ids.<index>`, one of a municipality outside the
caller's 403.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.training.adapters import views
from services.training.domain import commands
from services.training.domain.invitations import Renewals
from services.training.entrypoints.http import Bus, Db, clock_now, visible
from shared.auth import CurrentPrincipal
from shared.clock import local_date
from shared.contracts.training import Invitee
from shared.errors import Rejected
from shared.http import CONFLICT, ERRORS

router = APIRouter(tags=["training"], responses=ERRORS)

EXPIRING_WITHIN_DAYS = 60
"""`GET /certificates` without a filter: those valid for this many days or fewer more."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvitationsIn(_In):
    person_ids: list[UUID] = Field(min_length=1, max_length=2000)


class RenewalsIn(_In):
    supervisor_ids: list[UUID] = Field(min_length=1, max_length=2000)


def invitation_json(row: views.Invitation, invited: bool = True) -> dict[str, Any]:
    """An `invited` row (with `invited_at` and `enrolment`), or a `to_invite` one."""
    body: dict[str, Any] = {"person_id": str(row.person_id), "role": row.role,
                            "reason": row.reason}
    if invited:
        body["invited_at"] = row.invited_at.isoformat() if row.invited_at else None
    body |= {"workplace_id": str(row.workplace_id) if row.workplace_id else None,
             "workplace_name": row.workplace_name, "municipality_code": row.municipality_code}
    if invited:
        body["enrolment"] = row.enrolment
    return body


@router.get("/sessions/{session_id}/invitations")
async def session_invitations(session_id: UUID, request: Request, principal: CurrentPrincipal,
                              db: Db) -> dict[str, Any]:
    """`invited`: everyone invited to the session, with their place in it (`enrolment`:
    `enrolled`, `waitlisted`, `cancelled` or null). `to_invite`: the people of the
    session's county its course is for by the invitation rules, not yet invited to it and
    holding no place in it (awaiting another session is no bar): for a base course the
    supervisors who have not left without a valid certificate, or whose certificate was
    warned of as expiring (`uncertified`, `certification_expired`,
    `certification_expiring`); for a breakfast meeting the managers of workplaces that
    are not open whose manager has not attended one (`workplace_not_open`). Empty for a
    deep dive and the supervisor network: no rule says whom they are for (enrol people
    instead)."""
    session = (await visible(db, session_id, principal)).session
    return {
        "invited": [invitation_json(row) for row in await views.invited(db, session)],
        "to_invite": [invitation_json(row, invited=False)
                      for row in await views.to_invite(db, session, clock_now(request))],
    }


@router.post("/sessions/{session_id}/invitations", responses=CONFLICT)
async def invite(session_id: UUID, body: InvitationsIn, principal: CurrentPrincipal,
                 bus: Bus, db: Db) -> dict[str, Any]:
    """Invite the people listed (each one of the session's `to_invite`, else 422
    `person_ids.<index>` and nothing is invited): one `CourseSessionScheduled`
    announcement (`invitation`) lists them, and notifications sends each their letter.
    Answers the invitations made, as `invited` rows."""
    made: list[Invitee] = await bus.handle(commands.InviteToSession(
        session_id, tuple(body.person_ids), scope=principal.scope()))
    ids = {invitee.person_id for invitee in made}
    session = (await visible(db, session_id, principal)).session
    return {"invited": [invitation_json(row) for row in await views.invited(db, session)
                        if row.person_id in ids]}


@router.get("/certificates")
async def certificates(
    request: Request, principal: CurrentPrincipal, db: Db,
    expiring_within_days: Annotated[int | None, Query(
        ge=0, le=3650, description="Valid until today (Europe/Stockholm) plus this many "
        f"days or earlier; {EXPIRING_WITHIN_DAYS} unless `session_id` is given")] = None,
    session_id: Annotated[UUID | None, Query(
        description="The certificates this session granted, whatever their date")] = None,
) -> list[dict[str, Any]]:
    """The valid certificates (neither expired nor superseded) of supervisors who have
    not left, in the caller's municipalities, by `valid_until` then supervisor. `name` is
    the one given at enrolment in the session that granted it (may be null); `renewal`
    the upcoming base course the supervisor is invited to or enrolled in, or null."""
    if session_id is not None and expiring_within_days is not None:
        raise Rejected.field("session_id", "give expiring_within_days or session_id, "
                                           "not both")
    now, through = clock_now(request), None
    if session_id is None:
        today = local_date(now, request.app.state.service.settings.timezone)
        through = today + timedelta(days=EXPIRING_WITHIN_DAYS if expiring_within_days is None
                                    else expiring_within_days)
    rows = await views.certificates(db, principal.scope(), now, through=through,
                                    session_id=session_id)
    return [
        {"supervisor_id": str(r.supervisor_id), "name": r.name,
         "workplace_id": str(r.workplace_id), "workplace_name": r.workplace_name,
         "municipality_code": r.municipality_code, "session_id": str(r.session_id),
         "certified_at": r.certified_at.isoformat(), "valid_until": r.valid_until.isoformat(),
         "renewal": {"session_id": str(r.renewal[0]), "starts_at": r.renewal[1].isoformat()}
         if r.renewal else None}
        for r in rows
    ]


@router.post("/certificates/renewals")
async def renew(body: RenewalsIn, principal: CurrentPrincipal, bus: Bus) -> dict[str, Any]:
    """Invite each supervisor (holding a valid certificate, else 422
    `supervisor_ids.<index>`; of the caller's municipalities, else 403) to the next base
    course in or near the certificate's municipality (`certification_expiring`), unless
    they are invited to or enrolled in an upcoming base course already
    (`already_invited`) or none is scheduled there (`no_session`)."""
    result: Renewals = await bus.handle(commands.RenewCertificates(
        tuple(body.supervisor_ids), scope=principal.scope()))
    return {
        "invited": [{"supervisor_id": str(s), "session_id": str(t)} for s, t in result.invited],
        "not_invited": [{"supervisor_id": str(s), "reason": why}
                        for s, why in result.not_invited],
    }
