"""What registration's handlers need besides the unit of work: the clock and the
identity-number cipher (the age rules are the domain's defaults and each municipality's
profile: `domain.age_rules`). `bootstrap.dependencies` builds it; a unit test builds its
own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.clock import Clock, utc_now


class IdentityCipher(Protocol):
    """Seals identity numbers (canonical twelve-digit form) and derives their keyed lookup
    hash (`adapters.crypto.IdentityVault`)."""

    def digest(self, canonical: str) -> str: ...

    def seal(self, canonical: str) -> bytes: ...

    def unseal(self, sealed: bytes) -> str: ...


@dataclass(frozen=True)
class Dependencies:
    vault: IdentityCipher
    clock: Clock = utc_now
