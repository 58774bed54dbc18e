"""A training administrator's pages, against the real database through the HTTP API:
whom a session has invited and may invite still, inviting chosen people (one
announcement), the enrolments with names, the certificates that run out and their
holders invited to a renewal; scoped by the token's municipalities."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import httpx
import pytest

from devkit.infra import Infra
from devkit.services import http_client
from services.training import handlers
from services.training.dependencies import Dependencies
from services.training.domain.certification import add_years
from services.training.tests.integration.support import (
    bearer,
    migrated,
    register_supervisors,
    session_body,
)
from services.training.tests.integration.test_invitations import announcements, invited
from services.training.unit_of_work import TrainingUnitOfWork
from shared.clock import local_date
from shared.contracts.registration import SupervisorLeft
from shared.runtime import Service

pytestmark = pytest.mark.infra


async def schedule(client: httpx.AsyncClient, headers: dict[str, str], starts: datetime,
                   **overrides: Any) -> str:
    answer = await client.post("/sessions", headers=headers, json=session_body(
        starts, starts + timedelta(hours=8), **overrides))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["session_id"])


def people(rows: list[dict[str, Any]]) -> set[str]:
    return {row["person_id"] for row in rows}


async def test_a_session_lists_and_invites_whom_its_course_is_for(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        trainer = bearer(service, "training_admin", ["1380", "1384"])
        workplace, supervisors = await register_supervisors(service, 4, "1380")
        soon = datetime.now(UTC) + timedelta(days=10)
        sooner = await schedule(client, trainer, soon, municipality_code="1384")
        target = await schedule(client, trainer, soon + timedelta(days=20))
        seated, first, second, left_over = supervisors
        enrolled = await client.post(f"/sessions/{target}/enrolments", headers=trainer, json={
            "person_id": str(seated), "name": "Kim Handledare", "dietary_needs": ["vegan"]})
        assert enrolled.status_code == 201, enrolled.text

        listed = (await client.get(f"/sessions/{target}/invitations", headers=trainer)).json()
        assert listed["invited"] == []  # all four were invited to the sooner one
        assert people(listed["to_invite"]) == {str(first), str(second), str(left_over)}
        assert listed["to_invite"][0] | {"person_id": ""} == {
            "person_id": "", "role": "supervisor", "reason": "uncertified",
            "workplace_id": str(workplace.workplace_id), "workplace_name": "Stadsbiblioteket",
            "municipality_code": "1380"}

        made = await client.post(f"/sessions/{target}/invitations", headers=trainer,
                                 json={"person_ids": [str(first), str(second)]})
        assert made.status_code == 200, made.text
        assert people(made.json()["invited"]) == {str(first), str(second)}
        last = (await announcements(service))[-1]
        assert (last["session_id"], last["announcement"], invited(last)) == (
            target, "invitation", {str(first), str(second)})
        assert {i["reason"] for i in last["invited"]} == {"uncertified"}

        listed = (await client.get(f"/sessions/{target}/invitations", headers=trainer)).json()
        assert people(listed["to_invite"]) == {str(left_over)}
        row = next(r for r in listed["invited"] if r["person_id"] == str(first))
        assert (row["role"], row["reason"], row["enrolment"], row["workplace_name"]) == (
            "supervisor", "uncertified", None, "Stadsbiblioteket")
        assert datetime.fromisoformat(row["invited_at"]).tzinfo is not None
        sooner_rows = (await client.get(f"/sessions/{sooner}/invitations",
                                        headers=trainer)).json()["invited"]
        assert people(sooner_rows) == {str(p) for p in supervisors}
        assert {r["enrolment"] for r in sooner_rows} == {None}

        roster = (await client.get(f"/sessions/{target}/enrolments", headers=trainer)).json()
        assert [(r["person_id"], r["name"], r["dietary_needs"], r["status"]) for r in roster] \
            == [(str(seated), "Kim Handledare", ["vegan"], "enrolled")]
        await _refusals(client, service, target, first, seated, left_over)


async def _refusals(client: httpx.AsyncClient, service: Service, target: str, invited_one: UUID,
                    seated: UUID, left_over: UUID) -> None:
    trainer = bearer(service, "training_admin", ["1380"])
    before = len(await announcements(service))

    async def invite(session_id: str, body: dict[str, Any],
                     headers: dict[str, str] = trainer) -> httpx.Response:
        return await client.post(f"/sessions/{session_id}/invitations", headers=headers,
                                 json=body)

    refused = await invite(target, {"person_ids": [str(left_over), str(invited_one),
                                                   str(seated)]})
    assert refused.status_code == 422, refused.text
    reasons = {d["field"]: d["message"] for d in refused.json()["detail"]}
    assert set(reasons) == {"person_ids.1", "person_ids.2"}
    assert reasons["person_ids.2"] == "already enrolled in this session"
    bad: list[dict[str, Any]] = [{"person_ids": []},
                                 {"person_ids": [str(left_over)], "note": "x"},
                                 {"person_ids": [str(uuid.uuid4())] * 2001}]
    for body in bad:
        assert (await invite(target, body)).status_code == 422, body
    for elsewhere in (bearer(service, "coordinator", ["1381"]),
                      bearer(service, "training_admin", ["1381"])):
        assert (await invite(target, {"person_ids": [str(left_over)]}, elsewhere)
                ).status_code == 403
        assert (await client.get(f"/sessions/{target}/invitations", headers=elsewhere)
                ).status_code == 403
    assert (await invite(str(uuid.uuid4()), {"person_ids": [str(left_over)]})
            ).status_code == 404
    started = await schedule(client, trainer, datetime.now(UTC) - timedelta(hours=1))
    answer = await invite(started, {"person_ids": [str(left_over)]})
    assert answer.status_code == 409 and "started" in answer.json()["detail"]
    cancelled = await client.post(f"/sessions/{target}/cancel", headers=trainer)
    assert cancelled.status_code == 200
    answer = await invite(target, {"person_ids": [str(left_over)]})
    assert answer.status_code == 409 and "cancelled" in answer.json()["detail"]
    invitations = [a for a in (await announcements(service))[before:]
                   if a["announcement"] == "invitation" and a["session_id"] == target]
    assert invitations == []


async def test_a_breakfast_meeting_lists_its_managers(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        admin = bearer(service)
        workplace, _ = await register_supervisors(service, 1, "1380")
        soon = datetime.now(UTC) + timedelta(days=5)
        breakfast = await schedule(client, admin, soon, course="manager_breakfast")
        later = await schedule(client, admin, soon + timedelta(days=30),
                               course="manager_breakfast")
        manager = str(workplace.manager_id)
        await client.post(f"/sessions/{breakfast}/enrolments", headers=admin,
                          json={"person_id": manager})
        [row] = (await client.get(f"/sessions/{breakfast}/invitations",
                                  headers=admin)).json()["invited"]
        assert (row["person_id"], row["role"], row["reason"], row["enrolment"],
                row["workplace_name"]) == (manager, "manager", "workplace_not_open",
                                           "enrolled", "Stadsbiblioteket")
        listed = (await client.get(f"/sessions/{later}/invitations", headers=admin)).json()
        assert listed["invited"] == []  # awaiting the first one: invited to it, not here
        assert listed["to_invite"] == [{
            "person_id": manager, "role": "manager", "reason": "workplace_not_open",
            "workplace_id": str(workplace.workplace_id), "workplace_name": "Stadsbiblioteket",
            "municipality_code": "1380"}]
        network = await schedule(client, admin, soon, course="supervisor_network")
        assert (await client.get(f"/sessions/{network}/invitations", headers=admin)
                ).json() == {"invited": [], "to_invite": []}


async def _certify(client: httpx.AsyncClient, headers: dict[str, str], session_id: str,
                   supervisors: list[UUID]) -> None:
    for n, person in enumerate(supervisors):
        answer = await client.post(f"/sessions/{session_id}/enrolments", headers=headers,
                                   json={"person_id": str(person), "name": f"Handledare {n}"})
        assert answer.status_code == 201, answer.text
    attended = await client.post(f"/sessions/{session_id}/attendance", headers=headers,
                                 json={"present": [str(p) for p in supervisors]})
    assert len(attended.json()["completed"]) == len(supervisors), attended.text


async def test_certificates_that_run_out_and_their_renewal(infra: Infra) -> None:
    async with migrated(infra, certificate_validity_years=1) as service, \
            http_client(service) as client:
        trainer = bearer(service, "training_admin", ["1380"])
        workplace, (first, second, gone, uncertified) = await register_supervisors(service, 4)
        _, (far,) = await register_supervisors(service, 1, "0583")
        past = datetime.now(UTC) - timedelta(days=3)
        course = await schedule(client, bearer(service), past)
        await _certify(client, trainer, course, [first, second, gone])
        await _certify(client, bearer(service), await schedule(
            client, bearer(service), past, municipality_code="0583"), [far])
        await _leave(service, gone, workplace.workplace_id)

        async def listed(headers: dict[str, str] = trainer, **query: Any) -> Any:
            return (await client.get("/certificates", headers=headers, params=query)).json()

        rows = await listed(session_id=course)
        assert [(r["supervisor_id"], r["name"]) for r in rows] == sorted(
            [(str(first), "Handledare 0"), (str(second), "Handledare 1")])
        certified_on = local_date(past + timedelta(hours=8), "Europe/Stockholm")
        assert rows[0] | {"supervisor_id": "", "name": ""} == {
            "supervisor_id": "", "name": "", "workplace_id": str(workplace.workplace_id),
            "workplace_name": "Stadsbiblioteket", "municipality_code": "1380",
            "session_id": course, "certified_at": certified_on.isoformat(),
            "valid_until": (add_years(certified_on, 1) - timedelta(days=1)).isoformat(),
            "renewal": None}
        left = (date.fromisoformat(rows[0]["valid_until"])
                - local_date(datetime.now(UTC), "Europe/Stockholm")).days
        assert len(await listed(expiring_within_days=left)) == 2
        assert await listed(expiring_within_days=left - 1) == []
        assert await listed() == []  # 60 days by default
        assert len(await listed(bearer(service), expiring_within_days=3650)) == 3  # and 0583
        assert await listed(bearer(service, "coordinator", ["1381"]),
                            expiring_within_days=3650) == []
        both = await client.get("/certificates", headers=trainer,
                                params={"session_id": course, "expiring_within_days": 10})
        assert both.status_code == 422
        await _renewals(client, service, first, second, uncertified, far)


async def _leave(service: Service, supervisor: UUID, workplace_id: UUID) -> None:
    async with service.uow() as opened:
        uow = cast(TrainingUnitOfWork, opened)
        await handlers.on_supervisor_left(SupervisorLeft(
            supervisor_id=supervisor, workplace_id=workplace_id, municipality_code="1380"),
            uow, Dependencies())
        await uow.commit()


async def _renewals(client: httpx.AsyncClient, service: Service, first: UUID, second: UUID,
                    uncertified: UUID, far: UUID) -> None:
    trainer = bearer(service, "training_admin", ["1380"])

    async def renew(*supervisors: UUID, headers: dict[str, str] = trainer) -> httpx.Response:
        return await client.post("/certificates/renewals", headers=headers,
                                 json={"supervisor_ids": [str(s) for s in supervisors]})

    refused = await renew(first, uncertified)
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["detail"]] == ["supervisor_ids.1"]
    assert (await renew(first, headers=bearer(service, "coordinator", ["1381"]))
            ).status_code == 403
    assert (await renew(far)).status_code == 403  # 0583's: outside the trainer's scope
    assert (await renew(far, headers=bearer(service))).json() == {
        "invited": [], "not_invited": [{"supervisor_id": str(far), "reason": "no_session"}]}

    upcoming = await schedule(client, trainer, datetime.now(UTC) + timedelta(days=20))
    answer = await renew(first)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"invited": [{"supervisor_id": str(first), "session_id": upcoming}],
                             "not_invited": []}
    last = (await announcements(service))[-1]
    assert (last["session_id"], last["announcement"], last["invited"]) == (
        upcoming, "invitation", [{"person_id": str(first), "role": "supervisor",
                                  "reason": "certification_expiring"}])
    assert (await renew(first, second)).json() == {
        "invited": [{"supervisor_id": str(second), "session_id": upcoming}],
        "not_invited": [{"supervisor_id": str(first), "reason": "already_invited"}]}
    rows = (await client.get("/certificates", headers=trainer,
                             params={"expiring_within_days": 3650})).json()
    assert {r["supervisor_id"]: r["renewal"]["session_id"] for r in rows} == {
        str(first): upcoming, str(second): upcoming}
    assert datetime.fromisoformat(rows[0]["renewal"]["starts_at"]) > datetime.now(UTC)
