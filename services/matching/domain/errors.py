"""What the rules refuse: a command the Book will not carry out."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the rules refuse (the handlers answer `Conflict`: a 409)."""


class UnknownPlacement(DomainError):
    pass


class InvalidTransition(DomainError):
    """`code` names the clash for a page to word: `not_proposed` (the workplace has
    answered), `deadline_passed`, `not_asked`, `already_answered`."""

    def __init__(self, message: str, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.code = code

