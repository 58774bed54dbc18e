"""What registration's handlers need besides the unit of work: the clock, the age rules
from settings, and the identity-number cipher. `bootstrap.dependencies` builds it; a
unit test builds its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from services.registration.domain.model import AgeRules
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
    rules: AgeRules = field(default_factory=AgeRules)
    clock: Clock = utc_now
