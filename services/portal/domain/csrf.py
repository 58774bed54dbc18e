"""A form's proof that it came from our own page: a random token kept in the signed-in
person's session and sent back in every form (`csrf_token`). Another site can make a
browser post to us, with its cookies, but cannot read the token to put in the form."""

from __future__ import annotations

import hmac
import secrets

FIELD = "csrf_token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_valid(expected: str | None, submitted: str | None) -> bool:
    """True when both are there and the same (compared in constant time)."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
