"""The 46elks SMS API as a fake, for the tests, the benchmarks, the demo and docker-compose.

`POST /a1/sms` (form `from`, `to`, `message`, HTTP basic auth) answers like 46elks (`id`,
`status`...), can answer 429/5xx on demand, and posts delivery receipts (form `id`,
`status`, `delivered`) to `whendelivered` or a configured webhook URL, as 46elks does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from devkit.mail import portal_tokens
from devkit.ports import free_port
from services.notifications.domain.sms import encode

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ElksFake:
    """The 46elks SMS API. `fail_next(429, count=2, retry_after=1)` answers the next
    requests with that status; `messages` holds what was accepted."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None,
                 username: str = "elks-user", password: str = "elks-password",
                 receipt_url: str | None = None, receipt_delay_s: float = 0.05,
                 log: Path | None = None) -> None:
        self.host, self.port = host, port or free_port(host)
        self.username, self.password = username, password
        self.receipt_url = receipt_url
        self.receipt_delay_s = receipt_delay_s
        self.log = log
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self.refused: list[int] = []
        self.receipts: list[tuple[str, int]] = []
        self._script: deque[tuple[int, float | None]] = deque()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.app = self._build()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @staticmethod
    def links(entry: dict[str, Any]) -> list[str]:
        """The portal link tokens in one accepted SMS (`devkit.mail.portal_tokens`)."""
        return portal_tokens(str(entry.get("message", "")))

    def fail_next(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        self._script.extend([(status, retry_after)] * count)

    def _authorised(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == (self.username, self.password)

    def _build(self) -> FastAPI:
        app = FastAPI(title="46elks fake")

        @app.post("/a1/sms")
        async def send(request: Request) -> Response:
            self.requests += 1
            if not self._authorised(request):
                return JSONResponse({"message": "Unauthorized"}, status_code=401)
            if self._script:
                status, retry_after = self._script.popleft()
                self.refused.append(status)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return Response("Too many requests" if status == 429 else "Server error",
                                status_code=status, headers=headers)
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            to, sender, message = form.get("to", ""), form.get("from", ""), form.get("message")
            if not E164.match(to):
                return Response("Invalid to number", status_code=400)
            if not sender or not message:
                return Response("Missing from or message", status_code=400)
            sms = encode(message)
            sms_id = "s" + uuid.uuid4().hex
            entry = {"id": sms_id, "status": "created", "direction": "outgoing",
                     "from": sender, "to": to, "message": message,
                     "created": datetime.now(UTC).isoformat(), "parts": sms.segments,
                     "estimated_cost": 5200 * sms.segments}
            self.messages.append(entry)
            if self.log is not None:
                with self.log.open("a") as out:
                    out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            target = form.get("whendelivered") or self.receipt_url
            if target:
                task = asyncio.create_task(self._receipt(target, sms_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return JSONResponse(entry)

        @app.get("/a1/sms")
        async def listing(request: Request) -> Response:
            if not self._authorised(request):
                return JSONResponse({"message": "Unauthorized"}, status_code=401)
            return JSONResponse({"data": list(reversed(self.messages))})

        return app

    async def _receipt(self, url: str, sms_id: str) -> None:
        """POST the delivery report; credentials in the URL's userinfo go as basic auth."""
        await asyncio.sleep(self.receipt_delay_s)
        parts = urlsplit(url)
        auth: httpx.BasicAuth | None = None
        if parts.username:
            auth = httpx.BasicAuth(parts.username, parts.password or "")
            netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
            url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        form = {"id": sms_id, "status": "delivered",
                "delivered": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")}
        for _ in range(5):
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    if auth is None:
                        response = await client.post(url, data=form)
                    else:
                        response = await client.post(url, data=form, auth=auth)
                self.receipts.append((sms_id, response.status_code))
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.5)

    async def start(self) -> ElksFake:
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_config=None,
                                access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server._serve())
        while not self._server.started:
            await asyncio.sleep(0.02)
            if self._task.done():
                self._task.result()
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
        for task in list(self._tasks):
            task.cancel()
