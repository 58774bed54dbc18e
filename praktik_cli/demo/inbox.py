"""The people's inboxes: the links in the messages the system sent them, as caught by the
SMTP catcher (its directory of `.eml` files) and the SMS fake (its listing), so that the
season answers as its people would, by following the link in their own message.

A link is `{portal}/l/{token}` (docs/portal.md); the token's claims (read without the
secret, as anyone holding the message could) say what it is for (`act`), what about
(`sub`) and whom it was sent to (`for`). The services check the signature when the
token comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import jwt

from devkit.mail import SmtpCatcher, message_text, portal_tokens


@dataclass(frozen=True)
class CaughtLink:
    """One link in one caught message."""

    token: str
    purpose: str
    subject: UUID
    recipient: UUID
    municipality_code: str | None
    expires_at: datetime
    channel: str
    """`email` or `sms`: the channel of the message that carried it."""
    address: str
    """Where the message went: the e-mail address or the phone number."""
    subject_line: str = ""
    """The e-mail's subject (empty for an SMS)."""
    text: str = ""
    """The message's text (decoded), for what it says around the link."""


def claims(token: str) -> dict[str, Any]:
    """A token's claims, unchecked (what the link says; its sender's service checks)."""
    try:
        found = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return {}
    return found if isinstance(found, dict) else {}


def caught_link(token: str, channel: str, address: str, subject_line: str = "",
                text: str = "") -> CaughtLink | None:
    said = claims(token)
    try:
        return CaughtLink(token, str(said["act"]), UUID(str(said["sub"])),
                          UUID(str(said["for"])), said.get("mun"),
                          datetime.fromtimestamp(int(said["exp"]), UTC), channel,
                          address.lower(), subject_line, text)
    except (KeyError, ValueError, TypeError):
        return None


@dataclass
class Inbox:
    """Every link caught so far; `refresh` reads what arrived since."""

    mail_dir: Path
    sms_url: str
    sms_auth: tuple[str, str] = ("elks-user", "elks-password")
    links: list[CaughtLink] = field(default_factory=list)
    _files: set[str] = field(default_factory=set)
    _sms: set[str] = field(default_factory=set)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _read_at: float = -1e9

    async def refresh(self, client: httpx.AsyncClient, fresh_s: float = 0.0) -> None:
        """Read what arrived; not again when the last read is under `fresh_s` old (many
        people wait for their messages at once: one read serves them all)."""
        async with self._lock:
            if time.monotonic() - self._read_at < fresh_s:
                return
            self._read_mail()
            await self._read_sms(client)
            self._read_at = time.monotonic()

    def _read_mail(self) -> None:
        catcher = SmtpCatcher(self.mail_dir)  # not started: it only reads the directory
        for entry in catcher.messages():
            if entry["file"] in self._files:
                continue
            self._files.add(entry["file"])
            with contextlib.suppress(OSError):
                text = message_text(catcher.read(entry))
                for to in entry["rcpt_tos"]:
                    self._add(portal_tokens(text), "email", to, entry.get("subject", ""), text)

    async def _read_sms(self, client: httpx.AsyncClient) -> None:
        try:
            response = await client.get(f"{self.sms_url}/a1/sms", auth=self.sms_auth)
        except httpx.HTTPError:
            return
        if response.status_code != 200:
            return
        for sms in response.json().get("data", []):
            if sms["id"] in self._sms:
                continue
            self._sms.add(sms["id"])
            self._add(portal_tokens(sms["message"]), "sms", sms["to"], "", sms["message"])

    def _add(self, tokens: list[str], channel: str, address: str, subject_line: str,
             text: str) -> None:
        for token in tokens:
            link = caught_link(token, channel, address, subject_line, text)
            if link is not None:
                self.links.append(link)

    def find(self, purpose: str, subject: UUID, recipient: UUID,
             address: str | None = None) -> CaughtLink | None:
        """The newest link for that purpose, thing and person (to that address)."""
        for link in reversed(self.links):
            if (link.purpose, link.subject, link.recipient) == (purpose, subject, recipient) \
                    and (address is None or link.address == address.lower()):
                return link
        return None

    async def wait_for(self, client: httpx.AsyncClient, purpose: str, subject: UUID,
                       recipient: UUID, address: str | None = None,
                       timeout_s: float = 60.0) -> CaughtLink | None:
        """The link once its message has arrived; None after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.find(purpose, subject, recipient, address)
            if found is not None or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.3)  # the poll interval of a mailbox
            await self.refresh(client, fresh_s=0.5)
