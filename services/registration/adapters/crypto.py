"""Identity numbers at rest: Fernet-encrypted, plus a keyed hash (HMAC-SHA256) to find
and deduplicate a person without decrypting anything. The keys come from settings."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet


class IdentityVault:
    """Seals identity numbers (canonical twelve-digit form) and derives their lookup hash."""

    def __init__(self, encryption_key: str, hash_key: str) -> None:
        self._fernet = Fernet(encryption_key.encode())
        self._hash_key = hash_key.encode()

    def digest(self, canonical: str) -> str:
        return hmac.new(self._hash_key, canonical.encode(), hashlib.sha256).hexdigest()

    def seal(self, canonical: str) -> bytes:
        return self._fernet.encrypt(canonical.encode())

    def unseal(self, sealed: bytes) -> str:
        return self._fernet.decrypt(sealed).decode()

    def __repr__(self) -> str:
        return "IdentityVault(<keys hidden>)"
