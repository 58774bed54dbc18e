"""Training's staff API over HTTP, as the signed-in person (`dependencies.CoursesApi`):
the calls only; `StaffApiClient` sends them with the person's token and turns a refusal
into `StaffRefused`, `FieldProblems` or `Unavailable`, as for every service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.portal.domain.staff import StaffMember


def json_object(answer: Any) -> Mapping[str, Any]:
    """A service's JSON object (anything else: an empty one)."""
    return answer if isinstance(answer, dict) else {}


def json_rows(answer: Any) -> list[Mapping[str, Any]]:
    """A service's JSON list of objects (anything else left out)."""
    return [row for row in answer if isinstance(row, dict)] if isinstance(answer, list) else []


class CoursesClient:
    async def _training(self, member: StaffMember, method: str, path: str,
                        **sent: Any) -> Any:
        """Training's JSON answer to the call, made as `member` (`StaffApiClient`)."""
        raise NotImplementedError

    async def sessions(self, member: StaffMember, year: int) -> list[Mapping[str, Any]]:
        return json_rows(await self._training(member, "GET", "/sessions",
                                          params={"year": str(year)}))

    async def session(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return json_object(await self._training(member, "GET", f"/sessions/{session_id}"))

    async def schedule(self, member: StaffMember,
                       body: Mapping[str, Any]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "POST", "/sessions", json=dict(body)))

    async def enrolments(self, member: StaffMember,
                         session_id: str) -> list[Mapping[str, Any]]:
        return json_rows(await self._training(member, "GET", f"/sessions/{session_id}/enrolments"))

    async def invitations(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return json_object(await self._training(member, "GET",
                                            f"/sessions/{session_id}/invitations"))

    async def invite(self, member: StaffMember, session_id: str,
                     person_ids: list[str]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "POST",
                                            f"/sessions/{session_id}/invitations",
                                            json={"person_ids": person_ids}))

    async def enrol(self, member: StaffMember, session_id: str,
                    body: Mapping[str, Any]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "POST",
                                            f"/sessions/{session_id}/enrolments",
                                            json=dict(body)))

    async def cancel_enrolment(self, member: StaffMember, session_id: str,
                               person_id: str) -> None:
        await self._training(member, "DELETE", f"/sessions/{session_id}/enrolments/{person_id}")

    async def attendance(self, member: StaffMember, session_id: str,
                         body: Mapping[str, Any]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "POST",
                                            f"/sessions/{session_id}/attendance",
                                            json=dict(body)))

    async def record_costs(self, member: StaffMember, session_id: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "PUT", f"/sessions/{session_id}/costs",
                                            json=dict(body)))

    async def catering(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return json_object(await self._training(member, "GET",
                                            f"/sessions/{session_id}/administration"))

    async def budget(self, member: StaffMember, year: int) -> Mapping[str, Any]:
        return json_object(await self._training(member, "GET", f"/budget/{year}"))

    async def evaluations(self, member: StaffMember, year: int) -> Mapping[str, Any]:
        return json_object(await self._training(member, "GET", "/evaluations",
                                            params={"year": str(year)}))

    async def certificates(self, member: StaffMember,
                           query: Mapping[str, str]) -> list[Mapping[str, Any]]:
        return json_rows(await self._training(member, "GET", "/certificates", params=dict(query)))

    async def renew(self, member: StaffMember,
                    supervisor_ids: list[str]) -> Mapping[str, Any]:
        return json_object(await self._training(member, "POST", "/certificates/renewals",
                                            json={"supervisor_ids": supervisor_ids}))
