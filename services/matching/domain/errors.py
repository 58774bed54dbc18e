"""What the rules refuse: a command the Book will not carry out."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the rules refuse (the handlers answer `Conflict`: a 409)."""


class UnknownPlacement(DomainError):
    pass


class InvalidTransition(DomainError):
    pass

