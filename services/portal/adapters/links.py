"""The services' link APIs over HTTP (httpx): one small class per service.

The token travels in the `X-Praktik-Link` header, never in a URL. A service's refusal
becomes what the handlers understand: 403/409/410 with a link problem →
`shared.links.BadLink`; 422 → `FieldProblems` by field; no answer, a timeout or a 5xx →
`Unavailable`; a 409 with a state code → `Closed` (or, when it is too late, an expired
link). Nothing here logs the token, nor what the service answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast, get_args

import httpx

from services.portal.domain.answers import FieldProblems
from services.portal.domain.views import Closed, Contact, Unavailable
from shared.links import HEADER, BadLink, LinkProblem, Purpose

PROBLEMS: tuple[str, ...] = get_args(LinkProblem)
TOO_LATE: frozenset[str] = frozenset({"deadline_passed", "session_started"})
"""The services' 409 codes that mean the time to answer is over (matching, training);
the others (`placement_closed`, `not_proposed`, `already_answered`, `not_asked`,
`session_cancelled`, `place_cancelled`) mean the answer is settled: `Closed`."""


def _refusal(response: httpx.Response) -> Exception:
    """What a 4xx/5xx means to the portal."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 422:
        found = body.get("detail")
        details: list[Any] = found if isinstance(found, list) else []
        fields = [str(d.get("field", "")) for d in details if isinstance(d, dict)]
        return FieldProblems({field or "form": "refused" for field in fields or ["form"]})
    problem = body.get("problem")
    if response.status_code in (403, 409, 410) and problem in PROBLEMS:
        code = body.get("municipality_code")
        return BadLink(cast(LinkProblem, problem), code if isinstance(code, str) else None)
    if response.status_code == 409:  # a clash with the state, `detail` a code
        code = body.get("detail")
        if code in TOO_LATE:
            return BadLink("link_expired")
        return Closed()
    if response.status_code in (403, 404, 410):
        return BadLink("link_invalid")
    return Unavailable(f"{response.request.url.path} answered {response.status_code}")


class ServiceClient:
    """One service's API under its prefix (`/registration`, ...)."""

    prefix: str = ""

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/") + self.prefix

    async def _send(self, method: str, path: str, token: str | None = None,
                    body: Mapping[str, Any] | None = None) -> Any:
        headers = {HEADER: token} if token is not None else {}
        try:
            response = await self._client.request(method, self._base + path, headers=headers,
                                                  json=dict(body) if body is not None else None)
        except httpx.HTTPError as error:
            raise Unavailable(type(error).__name__) from None
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            return response.json() if response.content else None
        except ValueError:
            raise Unavailable(f"{path}: not JSON") from None

    async def read(self, purpose: Purpose, token: str) -> Mapping[str, Any]:
        answer = await self._send("GET", f"/links/{purpose}", token)
        return answer if isinstance(answer, dict) else {}

    async def answer(self, purpose: Purpose, token: str, body: Mapping[str, Any]) -> None:
        await self._send("POST", f"/links/{purpose}", token, body)


class RegistrationClient(ServiceClient):
    prefix = "/registration"

    async def placement(self, token: str) -> Mapping[str, Any]:
        answer = await self._send("GET", "/links/placement", token)
        return answer if isinstance(answer, dict) else {}

    async def contact(self, municipality_code: str) -> Contact | None:
        if not (municipality_code.isdigit() and len(municipality_code) == 4):
            return None
        try:
            found = await self._send("GET", f"/municipalities/{municipality_code}/contact")
        except BadLink:  # 404: no profile yet
            return None
        if not isinstance(found, dict) or not found.get("coordinator_email"):
            return None
        return Contact(name=str(found.get("name") or ""),
                       email=str(found["coordinator_email"]),
                       phone=str(found.get("coordinator_phone") or ""),
                       coordinator_name=str(found.get("coordinator_name") or ""))


class MatchingClient(ServiceClient):
    prefix = "/matching"

    async def round_draw(self, round_id: str) -> Mapping[str, Any] | None:
        try:
            found = await self._send("GET", f"/rounds/{round_id}/draw")
        except BadLink:  # 404: no such round
            return None
        return found if isinstance(found, dict) else None


class TrainingClient(ServiceClient):
    prefix = "/training"


class NotificationsClient(ServiceClient):
    prefix = "/notifications"
