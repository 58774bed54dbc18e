"""E-mail over SMTP with aiosmtplib: a small pool of reused connections.

SMTP 4xx and connection trouble are temporary failures, 5xx permanent. The Message-ID is
derived from the notification id, so a copy sent again after a crash is recognisable.
"""

from __future__ import annotations

import asyncio
import base64
import functools
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Protocol
from uuid import UUID

import aiosmtplib

from services.notifications.domain.model import (
    Delivered,
    PermanentFailure,
    SendOutcome,
    TemporaryFailure,
)


@dataclass(frozen=True)
class OutgoingEmail:
    """One e-mail ready for the wire: envelope sender, recipient, and the MIME bytes."""

    sender: str
    to: str
    message_id: str
    data: bytes


class EmailSender(Protocol):
    async def send(self, message: OutgoingEmail) -> SendOutcome: ...

    async def close(self) -> None: ...


def message_id(notification_id: UUID, domain: str) -> str:
    return f"<{notification_id}@{domain}>"


@functools.lru_cache(maxsize=1024)
def _header(value: str) -> str:
    """An unstructured header value: ASCII as is, anything else as RFC 2047 base64
    (a template's subject repeats, so its encoding is kept)."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


@functools.lru_cache(maxsize=64)
def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def _part(content_type: str, body: str) -> str:
    encoded = base64.encodebytes(body.encode()).decode().replace("\n", "\r\n")
    return (f"Content-Type: {content_type}; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}")


def build_message(*, notification_id: UUID, domain: str, sender: str, to: str, subject: str,
                  text: str, html: str | None, language: str,
                  reply_to: str | None = None) -> OutgoingEmail:
    """MIME by hand (multipart/alternative, text and HTML, UTF-8, base64): the stdlib's
    `EmailMessage` costs several milliseconds of CPU a message, this a few tens of µs."""
    mid = message_id(notification_id, domain)
    headers = (f"From: {_address(sender)}\r\nTo: {to}\r\nSubject: {_header(subject)}\r\n"
               f"Date: {formatdate(localtime=False)}\r\nMessage-ID: {mid}\r\n"
               f"MIME-Version: 1.0\r\nContent-Language: {language}\r\n"
               f"X-Praktik-Notification: {notification_id}\r\n")
    if reply_to:
        headers += f"Reply-To: {_address(reply_to)}\r\n"
    if html is None:
        body = headers + _part("text/plain", text)
    else:
        boundary = f"=_praktik_{notification_id.hex}"
        body = (headers + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
                f"\r\n--{boundary}\r\n" + _part("text/plain", text)
                + f"--{boundary}\r\n" + _part("text/html", html) + f"--{boundary}--\r\n")
    return OutgoingEmail(_envelope_sender(sender), to, mid, body.encode("ascii"))


@functools.lru_cache(maxsize=64)
def _envelope_sender(value: str) -> str:
    return parseaddr(value)[1]


def classify(error: BaseException) -> SendOutcome:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients]
        code = min(codes) if codes else 550
        detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        return (TemporaryFailure(f"SMTP {detail}") if 400 <= code < 500
                else PermanentFailure(f"SMTP {detail}"))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"SMTP {error.code} {error.message}"
        if 400 <= error.code < 500 or error.code < 0:
            return TemporaryFailure(text)
        return PermanentFailure(text)
    return TemporaryFailure(f"{type(error).__name__}: {error}")


class SmtpSender:
    def __init__(self, host: str, port: int, *, use_tls: bool = False, start_tls: bool = False,
                 username: str | None = None, password: str | None = None,
                 timeout_s: float = 10.0, connections: int = 8) -> None:
        self._client = functools.partial(
            aiosmtplib.SMTP, hostname=host, port=port, use_tls=use_tls, start_tls=start_tls,
            timeout=timeout_s, username=username, password=password)
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP | None] = asyncio.LifoQueue()
        for _ in range(connections):
            self._idle.put_nowait(None)
        self._open: set[aiosmtplib.SMTP] = set()

    async def _connected(self, client: aiosmtplib.SMTP | None) -> aiosmtplib.SMTP:
        if client is not None and client.is_connected:
            return client
        client = self._client()
        await client.connect()
        self._open.add(client)
        return client

    async def send(self, message: OutgoingEmail) -> SendOutcome:
        client = await self._idle.get()
        try:
            client = await self._connected(client)
            await client.sendmail(message.sender, [message.to], message.data)
            return Delivered()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            outcome = classify(error)
            if client is not None:
                # After a refusal the session is reset; after anything else, reconnect.
                if isinstance(error, aiosmtplib.SMTPResponseException) and client.is_connected:
                    try:
                        await client.rset()
                    except Exception:
                        await self._drop(client)
                        client = None
                else:
                    await self._drop(client)
                    client = None
            return outcome
        finally:
            self._idle.put_nowait(client)

    async def _drop(self, client: aiosmtplib.SMTP) -> None:
        self._open.discard(client)
        try:
            client.close()
        except Exception:
            pass

    async def close(self) -> None:
        for client in list(self._open):
            try:
                if client.is_connected:
                    await asyncio.wait_for(client.quit(), timeout=2)
            except Exception:
                client.close()
        self._open.clear()
