"""Links in messages: a signed, expiring, single-purpose token per link.

Notifications signs a token when it writes a message; the person follows the link to
the portal (`{portal}/l/{token}`), the portal reads which page it is, and passes the
token on to the service that acts (header `X-Praktik-Link`). That service checks the
signature, the purpose and the expiry itself (it trusts no portal), does what the page
asked once, and records the token's id (`jti`) as used in the same transaction, so a
second use is refused (409 `link_used`) and changes nothing.

A token is a JWT (HS256, the `link_secret` every service shares). Claims:
`act` what it may do (one `Purpose`), `sub` the thing it acts on (a placement, a session,
a person), `for` the person it was sent to, `mun` the municipality (whom to contact when
the link is bad), `exp` until when, `jti` its id. No name, no identity number: a link
forwarded or logged says nothing about anyone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeGuard, get_args
from uuid import UUID

import jwt

Purpose = Literal[
    "consent",  # a guardian gives or refuses consent (registration); sub = placement
    "workplace_answer",  # the supervisor accepts or declines a proposal (matching); sub = placement
    "offer_answer",  # the participant (or a guardian) accepts or declines an offer (matching)
    "enrolment",  # confirm or cancel a course place (training); sub = session
    "evaluation",  # answer a course's evaluation (training); sub = session
    "opt_out",  # stop SMS or e-mail (notifications); sub = person
]
PURPOSES: tuple[str, ...] = get_args(Purpose)
HEADER = "X-Praktik-Link"
"""The header a portal passes the token in (never in a URL a service logs)."""
ALGORITHM = "HS256"
DEVELOPMENT_SECRET = "dev-only-praktik-link-secret-change-me-0123456789"
"""The committed development key (shared.devkeys refuses it outside development)."""

LinkProblem = Literal["link_invalid", "link_expired", "link_wrong_purpose", "link_used"]


class BadLink(Exception):
    """A token that does not hold: `problem` says which way (the portal words each)."""

    def __init__(self, problem: LinkProblem, municipality_code: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.municipality_code = municipality_code


def _is_purpose(value: object) -> TypeGuard[Purpose]:
    return value in PURPOSES


@dataclass(frozen=True)
class Link:
    """What a token says (its claims, checked)."""

    purpose: Purpose
    subject: UUID
    recipient: UUID
    municipality_code: str | None
    expires_at: datetime
    token_id: str
    channel: str | None = None
    """`opt_out` only: which channel the person stops (`sms` or `email`)."""


class LinkSigner:
    """Signs and reads link tokens with the shared `link_secret`."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("link_secret: at least 32 characters")
        self._secret = secret

    def sign(self, purpose: Purpose, subject: UUID, recipient: UUID, expires_at: datetime,
             municipality_code: str | None = None, channel: str | None = None,
             token_id: str | None = None) -> str:
        claims: dict[str, object] = {
            "act": purpose, "sub": str(subject), "for": str(recipient),
            "exp": int(expires_at.timestamp()), "jti": token_id or uuid.uuid4().hex}
        if municipality_code is not None:
            claims["mun"] = municipality_code
        if channel is not None:
            claims["ch"] = channel
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read(self, token: str, purpose: Purpose | None = None) -> Link:
        """The checked claims; `BadLink` when altered, expired or for another purpose."""
        municipality = _unverified_municipality(token)
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"require": ["act", "sub", "for", "exp", "jti"]})
        except jwt.ExpiredSignatureError:
            raise BadLink("link_expired", municipality) from None
        except jwt.PyJWTError:
            raise BadLink("link_invalid") from None
        act = claims["act"]
        try:
            link = Link(act if _is_purpose(act) else _bad(), UUID(claims["sub"]),
                        UUID(claims["for"]), claims.get("mun"),
                        datetime.fromtimestamp(claims["exp"]).astimezone(),
                        str(claims["jti"]), claims.get("ch"))
        except (ValueError, TypeError, BadLink):
            raise BadLink("link_invalid") from None
        if purpose is not None and link.purpose != purpose:
            raise BadLink("link_wrong_purpose", link.municipality_code)
        return link


def _bad() -> Purpose:
    raise BadLink("link_invalid")


def _unverified_municipality(token: str) -> str | None:
    """The municipality an expired (but otherwise sound) link names, for whom to contact."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    mun = claims.get("mun")
    return mun if isinstance(mun, str) and mun.isdigit() and len(mun) == 4 else None
