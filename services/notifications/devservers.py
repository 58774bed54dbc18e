"""Local stand-ins for the outside world, for tests, the demo and docker-compose.

- `SmtpCatcher`: an SMTP server (aiosmtpd) that keeps every message as an `.eml` file
  plus a line in `index.jsonl`, and can be told to answer a recipient with 4xx/5xx codes.
- `ElksFake`: the 46elks SMS API (`POST /a1/sms`, form `from`, `to`, `message`, HTTP basic
  auth) answering like 46elks (`id`, `status`...), able to answer 429/5xx on demand, and
  posting delivery receipts (form `id`, `status`, `delivered`) to `whendelivered` or a
  configured webhook URL, as 46elks does.

`python -m services.notifications.devservers` runs both. Environment:
`DEVSERVERS_HOST` (127.0.0.1; the default of both hosts), `DEV_SMTP_HOST`,
`DEV_SMTP_PORT` (1025), `DEV_MAIL_DIR` (.cache/mail),
`DEV_SMTP_DELAY_S` (0), `DEV_SMS_HOST`, `DEV_SMS_PORT` (8025),
`DEV_SMS_USERNAME` / `DEV_SMS_PASSWORD` (elks-user / elks-password),
`DEV_SMS_RECEIPT_URL` (none; credentials may sit in the URL), `DEV_SMS_LOG` (none).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import socket
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from services.notifications.domain.sms import encode

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# -- SMTP ------------------------------------------------------------------------------------


class SmtpCatcher:
    """Catches mail. `respond(address, 451, 250)` answers that recipient's next messages
    with those codes in turn (then 250). Messages are read back with `messages()`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int | None = None,
                 delay_s: float = 0.0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.index = self.directory / "index.jsonl"
        self.host, self.port = host, port or free_port(host)
        self.delay_s = delay_s
        self._rules: dict[str, deque[int]] = {}
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []
        self.refused: list[tuple[str, int]] = []
        self._controller: Controller | None = None

    def respond(self, address: str, *codes: int) -> None:
        with self._lock:
            self._rules[address.lower()] = deque(codes)

    def _code_for(self, recipients: list[str]) -> int:
        with self._lock:
            for address in recipients:
                rule = self._rules.get(address.lower())
                if rule:
                    return rule.popleft()
        return 250

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        code = self._code_for(list(envelope.rcpt_tos))
        if code != 250:
            with self._lock:
                self.refused.extend((r, code) for r in envelope.rcpt_tos)
            text = "Try again later" if 400 <= code < 500 else "Mailbox unavailable"
            return f"{code} {code // 100}.0.0 {text}"
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        content: bytes = envelope.original_content or envelope.content
        # compat32 reads headers as they are (4x cheaper than the default policy's
        # parse); only the subject needs its encoded words decoded.
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(content)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(content)
        entry = {"file": name, "message_id": str(headers.get("Message-ID", "")),
                 "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                 "subject": str(make_header(decode_header(str(headers.get("Subject", ""))))),
                 "language": str(headers.get("Content-Language", "")),
                 "received_at": datetime.now(UTC).isoformat()}
        with self._lock:
            self._received.append(entry)
            with self.index.open("a") as index:
                index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 2.0.0 OK"

    def messages(self) -> list[dict[str, Any]]:
        """Every message received so far (from the index file: also across restarts)."""
        if not self.index.exists():
            return []
        found = []
        for line in self.index.read_text().splitlines():
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
        return found

    def read(self, entry: dict[str, Any]) -> bytes:
        return (self.directory / entry["file"]).read_bytes()

    def start(self) -> SmtpCatcher:
        self._controller = Controller(self, hostname=self.host, port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# -- SMS -----------------------------------------------------------------------------------


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
            netloc = parts.hostname + (f":{parts.port}" if parts.port else "")  # type: ignore[operator]
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


async def _main() -> None:
    env = os.environ.get
    host = env("DEVSERVERS_HOST", "127.0.0.1")  # 0.0.0.0 in a container
    catcher = SmtpCatcher(Path(env("DEV_MAIL_DIR", ".cache/mail")),
                          env("DEV_SMTP_HOST", host), int(env("DEV_SMTP_PORT", "1025")),
                          float(env("DEV_SMTP_DELAY_S", "0"))).start()
    log = env("DEV_SMS_LOG")
    elks = await ElksFake(env("DEV_SMS_HOST", host), int(env("DEV_SMS_PORT", "8025")),
                          env("DEV_SMS_USERNAME", "elks-user"),
                          env("DEV_SMS_PASSWORD", "elks-password"),
                          env("DEV_SMS_RECEIPT_URL"), log=Path(log) if log else None).start()
    print(f"SMTP catcher on {catcher.host}:{catcher.port} -> {catcher.directory}; "
          f"46elks fake on {elks.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await elks.stop()
    catcher.stop()


if __name__ == "__main__":
    asyncio.run(_main())
