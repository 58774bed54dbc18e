"""The services' staff APIs over HTTP (registration's, matching's explanations and
placements, notifications' messages of a placement), as the signed-in person: each call carries a
short-lived token the portal signs for them (`sub`, role and municipalities from their
sign-in), so registration checks their scope and its access log names them. A refusal
becomes `StaffRefused` (403, 404), `FieldProblems` (422, each field with the service's
reason) or `Unavailable`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from services.portal.adapters.courses_api import CoursesClient, json_object, json_rows
from services.portal.domain.answers import FieldProblems
from services.portal.domain.people import StaffRefused
from services.portal.domain.placements import Action
from services.portal.domain.places import Register
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Download
from services.portal.domain.views import Unavailable
from shared.auth import Role, issue_token

SERVICE_ROLES: dict[str, Role] = {"coordinator": "coordinator", "auditor": "auditor"}
"""The staff roles registration, matching and notifications know; a training
administrator reads no one's record there."""
TRAINING_ROLES: dict[str, Role] = {**SERVICE_ROLES, "training_admin": "training_admin"}
"""Training knows the training administrator too: the county's courses are theirs."""
IMPORT_TIMEOUT_S = 120.0
"""An import of the most rows registration takes, each its own transaction."""


class StaffApiClient(CoursesClient):
    def __init__(self, client: httpx.AsyncClient, registration_url: str, matching_url: str,
                 notifications_url: str, jwt_secret: str, token_ttl_s: int = 300,
                 training_url: str = "") -> None:
        self._client = client
        self._base = registration_url.rstrip("/")
        self._matching = matching_url.rstrip("/") + "/matching"
        self._notifications = notifications_url.rstrip("/") + "/notifications"
        self._training_url = training_url.rstrip("/")
        self._secret = jwt_secret
        self._ttl_s = token_ttl_s

    def _token(self, member: StaffMember, roles: Mapping[str, Role] = SERVICE_ROLES) -> str:
        role = roles.get(member.role)
        if role is None:
            raise StaffRefused("forbidden")
        return issue_token(self._secret, member.subject, role, list(member.municipalities),
                           self._ttl_s)

    async def _get(self, member: StaffMember, path: str,
                   params: Mapping[str, str]) -> Any:
        return await self._call(member, "GET", path, params=dict(params))

    async def _call(self, member: StaffMember, method: str, path: str, *,
                    base: str | None = None, **sent: Any) -> Any:
        return (await self._send(member, method, path, base=base, **sent)).json()

    async def _training(self, member: StaffMember, method: str, path: str,
                        **sent: Any) -> Any:
        response = await self._send(member, method, path, base=self._training_url,
                                    roles=TRAINING_ROLES, **sent)
        return response.json()

    async def _send(self, member: StaffMember, method: str, path: str, *,
                    base: str | None = None, roles: Mapping[str, Role] = SERVICE_ROLES,
                    **sent: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token(member, roles)}"}
        try:
            response = await self._client.request(method, (base or self._base) + path,
                                                  headers=headers, **sent)
        except httpx.HTTPError as error:
            raise Unavailable(type(error).__name__) from None
        if response.status_code in (401, 403):
            raise StaffRefused("forbidden")
        if response.status_code == 404:
            raise StaffRefused("not_found")
        if response.status_code == 422:
            reasons = _fields(response)
            raise FieldProblems(dict.fromkeys(reasons, "refused"), reasons)
        if response.status_code == 409:  # the state refuses it: the form says why
            raise FieldProblems({"form": "conflict"}, {"form": _detail(response)})
        if response.status_code >= 400:
            raise Unavailable(f"{path} answered {response.status_code}")
        return response

    async def search(self, member: StaffMember, query: Mapping[str, str]) -> Mapping[str, Any]:
        answer = await self._get(member, "/participants", {**query, "limit": "50"})
        return json_object(answer)

    async def participant(self, member: StaffMember, participant_id: str,
                          purpose: str) -> Mapping[str, Any]:
        answer = await self._get(member, f"/participants/{participant_id}",
                                 {"purpose": purpose})
        return json_object(answer)

    async def requests(self, member: StaffMember, participant_id: str) -> Mapping[str, Any]:
        answer = await self._get(member, "/requests",
                                 {"participant_id": participant_id, "limit": "200"})
        return json_object(answer)

    async def access_log(self, member: StaffMember,
                         query: Mapping[str, str]) -> Mapping[str, Any]:
        answer = await self._get(member, "/access-log", {**query, "limit": "200"})
        return json_object(answer)

    async def request(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        answer = await self._get(member, f"/requests/{request_id}", {})
        return json_object(answer)

    async def explanation(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        answer = await self._call(member, "GET", f"/requests/{request_id}/explanation",
                                  base=self._matching)
        return json_object(answer)

    async def placements(self, member: StaffMember, municipality_code: str,
                         status: str) -> list[Mapping[str, Any]]:
        params = {"municipality_code": municipality_code, "limit": "500",
                  **({"status": status} if status else {})}
        answer = await self._call(member, "GET", "/placements", base=self._matching,
                                  params=params)
        return json_rows(answer)

    async def waiting(self, member: StaffMember,
                      municipality_code: str) -> list[Mapping[str, Any]]:
        answer = await self._call(member, "GET", "/requests", base=self._matching, params={
            "municipality_code": municipality_code, "status": "waitlisted", "limit": "1000"})
        return json_rows(answer)

    async def intake_rejections(self, member: StaffMember,
                                municipality_code: str) -> list[Mapping[str, Any]]:
        answer = await self._get(member, "/intake/rejections",
                                 {"municipality_code": municipality_code})
        return json_rows(answer)

    async def undelivered(self, member: StaffMember,
                          municipality_code: str) -> list[Mapping[str, Any]]:
        answer = await self._call(member, "GET", "/undelivered", base=self._notifications,
                                  params={"municipality_code": municipality_code})
        return json_rows(answer)

    async def placement(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        answer = await self._call(member, "GET", f"/placements/{placement_id}",
                                  base=self._matching)
        return json_object(answer)

    async def act(self, member: StaffMember, placement_id: str, action: Action,
                  body: Mapping[str, Any]) -> None:
        await self._call(member, "POST", f"/placements/{placement_id}/{action}",
                         base=self._matching, json=dict(body))

    async def messages(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        try:
            answer = await self._call(member, "GET", f"/placements/{placement_id}",
                                      base=self._notifications)
        except StaffRefused as refused:
            if refused.trouble != "not_found":
                raise
            return {}  # nothing sent about it yet
        return json_object(answer)

    async def statistics(self, member: StaffMember,
                         query: Mapping[str, str]) -> Mapping[str, Any]:
        answer = await self._call(member, "GET", "/statistics", base=self._matching,
                                  params={**query, "format": "json"})
        return json_object(answer)

    async def statistics_file(self, member: StaffMember, query: Mapping[str, str],
                              file_format: str) -> Download:
        response = await self._send(member, "GET", "/statistics", base=self._matching,
                                    params={**query, "format": file_format})
        found = re.search(r'filename="([^"]+)"', response.headers.get("content-disposition", ""))
        return Download(response.content, response.headers.get("content-type", ""),
                        found[1] if found else f"statistics.{file_format}")

    async def profile(self, member: StaffMember, code: str) -> Mapping[str, Any]:
        answer = await self._get(member, f"/registration/municipalities/{code}/profile", {})
        return json_object(answer)

    async def save_profile(self, member: StaffMember, code: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]:
        answer = await self._call(member, "PUT", f"/registration/municipalities/{code}/profile",
                                  json=dict(body))
        return json_object(answer)

    async def import_rows(self, member: StaffMember, code: str,
                          rows: list[Mapping[str, Any]], dry_run: bool) -> Mapping[str, Any]:
        answer = await self._call(member, "POST", "/imports", timeout=IMPORT_TIMEOUT_S, json={
            "municipality_code": code, "dry_run": dry_run, "rows": rows})
        return json_object(answer)

    async def rounds(self, member: StaffMember, code: str) -> list[Mapping[str, Any]]:
        answer = await self._call(member, "GET", "/rounds", base=self._matching,
                                  params={"municipality_code": code})
        return json_rows(answer)

    async def round(self, member: StaffMember, code: str, program: str,
                    dry_run: bool) -> Mapping[str, Any]:
        answer = await self._call(member, "POST", "/rounds", base=self._matching, json={
            "municipality_code": code, "program": program, "dry_run": dry_run})
        return json_object(answer)

    async def templates(self, member: StaffMember, code: str) -> list[str]:
        answer = await self._call(member, "GET", "/templates", base=self._notifications,
                                  params={"municipality_code": code})
        return [str(name) for name in answer] if isinstance(answer, list) else []

    async def template(self, member: StaffMember, name: str,
                       code: str) -> Mapping[str, Any]:
        answer = await self._call(member, "GET", f"/templates/{name}",
                                  base=self._notifications,
                                  params={"municipality_code": code})
        return json_object(answer)

    async def entry(self, member: StaffMember, register: Register,
                    ident: str) -> Mapping[str, Any]:
        answer = await self._get(member, f"/{register}/{ident}", {})
        return json_object(answer)

    async def entries(self, member: StaffMember, register: Register,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        answer = await self._get(member, f"/{register}", {"limit": "200", **query})
        return json_object(answer)

    async def save(self, member: StaffMember, register: Register, ident: str | None,
                   body: Mapping[str, Any]) -> Mapping[str, Any]:
        path, method = (f"/{register}", "POST") if ident is None else (
            f"/{register}/{ident}", "PUT")
        answer = await self._call(member, method, path, json=dict(body))
        return json_object(answer)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else ""


def _fields(response: httpx.Response) -> dict[str, str]:
    """The services' 422 (`shared.http`): each refused field, by its name in the body
    (`manager.email`) or the query (`query.birth_date` → `birth_date`), with the reason."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    found: dict[str, str] = {}
    for item in detail if isinstance(detail, list) else []:
        if not isinstance(item, dict):
            continue
        place = str(item.get("field") or "").removeprefix("query.").removeprefix("path.")
        reason = str(item.get("message") or "")
        found[place or "form"] = f"{found[place]}; {reason}" if place in found else reason
    return found or {"form": ""}
