"""Who a message comes from: the municipality and its coordinator (from the profile the
coordinator keeps in registration). Without a profile the message is signed with the
municipality code only, with no Reply-To: never with made-up names or addresses."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

SERVICE = "Praktik"


@dataclass(frozen=True)
class MunicipalityProfile:
    municipality_code: str
    name: str
    coordinator_name: str
    coordinator_email: str
    coordinator_phone: str


@dataclass(frozen=True)
class Sender:
    municipality_code: str | None
    profile: MunicipalityProfile | None = None

    @property
    def reply_to(self) -> str | None:
        return self.profile.coordinator_email if self.profile else None

    def mail_from(self, configured: str) -> str:
        """The configured address, its display name "<Municipality> via Praktik"."""
        _, address = parseaddr(configured)
        if self.profile is not None:
            return formataddr((f"{self.profile.name} via {SERVICE}", address))
        if self.municipality_code is not None:
            return formataddr((f"{SERVICE} ({self.municipality_code})", address))
        return configured

    def signature(self) -> dict[str, Any]:
        """The template variable `sender` (templates/<lang>/_signature.j2 words it)."""
        p = self.profile
        return {"municipality_code": self.municipality_code,
                "name": p.name if p else None,
                "coordinator_name": p.coordinator_name if p else None,
                "coordinator_email": p.coordinator_email if p else None,
                "coordinator_phone": p.coordinator_phone if p else None}
