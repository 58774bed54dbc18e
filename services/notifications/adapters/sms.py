"""SMS over an HTTP API of the 46elks form: `POST {base}/a1/sms`, form fields `from`, `to`,
`message` (and `whendelivered`, the receipt URL), HTTP basic auth.

HTTP 429 (with its Retry-After) and 5xx, timeouts and connection errors are temporary;
any other 4xx (an invalid number, a refused sender) is permanent.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from services.notifications.domain.model import (
    Delivered,
    PermanentFailure,
    SendOutcome,
    TemporaryFailure,
)


class SmsSender(Protocol):
    async def send(self, to: str, message: str) -> SendOutcome: ...

    async def close(self) -> None: ...


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class ElksSmsSender:
    def __init__(self, base_url: str, username: str, password: str, sender: str, *,
                 receipt_url: str | None = None, timeout_s: float = 10.0,
                 concurrency: int = 4) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), auth=(username, password), timeout=timeout_s,
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency))
        self._sender = sender
        self._receipt_url = receipt_url

    async def send(self, to: str, message: str) -> SendOutcome:
        form = {"from": self._sender, "to": to, "message": message}
        if self._receipt_url:
            form["whendelivered"] = self._receipt_url
        try:
            response = await self._client.post("/a1/sms", data=form)
        except (httpx.TimeoutException, httpx.TransportError) as error:
            return TemporaryFailure(f"SMS API {type(error).__name__}")
        if response.status_code == 429:
            return TemporaryFailure("SMS API 429 too many requests", _retry_after(response))
        if response.status_code >= 500:
            return TemporaryFailure(f"SMS API {response.status_code}", _retry_after(response))
        if response.status_code >= 400:
            return PermanentFailure(f"SMS API {response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
        except ValueError:
            return Delivered(None)
        if body.get("status") == "failed":
            return PermanentFailure(f"SMS API refused: {body.get('message', '')}"[:200])
        return Delivered(str(body["id"]) if body.get("id") is not None else None)

    async def close(self) -> None:
        await self._client.aclose()
