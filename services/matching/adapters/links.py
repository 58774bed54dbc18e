"""Acceptance links: an HMAC token per placement, so the supervisor's link is the key."""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

from shared.auth import same_secret


class AcceptanceLinks:
    def __init__(self, secret: str, base_url: str) -> None:
        self._secret = secret.encode()
        self._base = base_url.rstrip("/")

    def token(self, placement_id: UUID) -> str:
        digest = hmac.new(self._secret, f"accept:{placement_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")

    def verify(self, placement_id: UUID, token: str) -> bool:
        return same_secret(self.token(placement_id), token)

    def url(self, placement_id: UUID) -> str:
        return (f"{self._base}/matching/placements/{placement_id}/respond"
                f"?token={self.token(placement_id)}")
