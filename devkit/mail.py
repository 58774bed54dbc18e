"""An SMTP catcher (aiosmtpd), the stand-in for a mail server in the tests, the benchmarks,
the demo and docker-compose: it keeps every message as an `.eml` file plus a line in
`index.jsonl`, and can be told to answer a recipient with 4xx/5xx codes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devkit.ports import free_port

PORTAL_LINK = re.compile(r"/l/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
"""A link to the portal in a message (`{base}/l/{token}`, docs/portal.md): the token."""


def portal_tokens(text: str) -> list[str]:
    """The tokens of the portal links in a text (an SMS, an e-mail's decoded body), in
    order, each once."""
    return list(dict.fromkeys(PORTAL_LINK.findall(text)))


def message_text(raw: bytes) -> str:
    """An e-mail's text parts, decoded (quoted-printable, base64), one after the other."""
    message = message_from_bytes(raw, policy=policy.default)
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            with contextlib.suppress(LookupError, ValueError):
                parts.append(str(part.get_content()))
    return "\n".join(parts)


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

    def links(self, entry: dict[str, Any]) -> list[str]:
        """The portal link tokens in one caught message (`portal_tokens`)."""
        return portal_tokens(message_text(self.read(entry)))

    def start(self) -> SmtpCatcher:
        self._controller = Controller(self, hostname=self.host, port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
