"""Who is signed in: a member of staff, made from the identity provider's claims, kept in
the session, and gone when the session has lasted its time.

The provider says who the person is and what they may do; the claim names are the
municipality's (settings). A person whose claims give no role the portal knows, or a
coordinator with no municipality, is not signed in: the page says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeGuard, get_args

StaffRole = Literal["coordinator", "training_admin", "auditor"]
STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)
MUNICIPALITY_CODE = re.compile(r"^\d{4}$")
RefusalReason = Literal["no_role", "unknown_role", "no_municipality", "bad_municipality"]


class SignInFailed(Exception):
    """The identity provider's answer could not sign anyone in (state, code or token)."""


class SignInRefused(Exception):
    """The provider signed the person in, but their claims give them no way in here."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason


@dataclass(frozen=True)
class ClaimNames:
    role: str = "praktik_role"
    municipalities: str = "praktik_municipalities"
    name: str = "name"


@dataclass(frozen=True)
class StaffMember:
    subject: str
    name: str
    role: StaffRole
    municipalities: tuple[str, ...]
    """SCB codes, sorted: a coordinator's own; the county's for the others."""
    expires_at: datetime
    """The session ends then, however busy: the person signs in again."""

    def municipality(self, asked: str = "") -> str | None:
        """The municipality a page asks for (empty: the person's first), if it is theirs."""
        code = asked or self.municipalities[0]
        return code if code in self.municipalities else None

    def municipality_choice(self) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
        """A form's choice of the person's municipalities, and its value to start with
        (theirs when they have one only)."""
        options = {"municipality_code": [(code, code) for code in self.municipalities]}
        start = ({"municipality_code": self.municipalities[0]}
                 if len(self.municipalities) == 1 else {})
        return options, start

    def to_session(self, seen_at: datetime) -> dict[str, Any]:
        """What the session cookie keeps, with when the person was last seen."""
        return {"sub": self.subject, "name": self.name, "role": self.role,
                "municipalities": list(self.municipalities),
                "expires_at": self.expires_at.isoformat(), "seen_at": seen_at.isoformat()}


def _is_role(value: object) -> TypeGuard[StaffRole]:
    return value in STAFF_ROLES


def _codes(value: object) -> tuple[str, ...]:
    """A list of codes, or one string of them separated by commas or spaces."""
    if isinstance(value, str):
        items: list[object] = re.split(r"[\s,]+", value.strip()) if value.strip() else []
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = []
    codes = [str(item) for item in items]
    if any(not MUNICIPALITY_CODE.match(code) for code in codes):
        raise SignInRefused("bad_municipality")
    return tuple(sorted(set(codes)))


def staff_from_claims(claims: Mapping[str, Any], names: ClaimNames, now: datetime,
                      lifetime: timedelta) -> StaffMember:
    """The member of staff the claims describe, signed in until `now + lifetime`."""
    role = claims.get(names.role)
    if role is None or role == "":
        raise SignInRefused("no_role")
    if not _is_role(role):
        raise SignInRefused("unknown_role")
    municipalities = _codes(claims.get(names.municipalities))
    if not municipalities:
        raise SignInRefused("no_municipality")
    subject = str(claims["sub"])
    name = str(claims.get(names.name) or subject)
    return StaffMember(subject, name, role, municipalities, now + lifetime)


def staff_from_session(data: Mapping[str, Any], now: datetime,
                       idle: timedelta) -> StaffMember | None:
    """The member of staff a session holds, or None: none, unreadable, past its lifetime,
    or unused for longer than `idle` (checked here too, not only by the cookie's age)."""
    try:
        role = data["role"]
        expires_at = datetime.fromisoformat(data["expires_at"])
        seen_at = datetime.fromisoformat(data["seen_at"])
        member = StaffMember(str(data["sub"]), str(data["name"]), role,
                             _codes(data["municipalities"]), expires_at)
    except (KeyError, TypeError, ValueError, SignInRefused):
        return None
    if not _is_role(role) or expires_at <= now or seen_at + idle <= now:
        return None
    return member
