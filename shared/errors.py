"""Errors a handler raises, and how the plumbing treats them.

- `Rejected`: the input breaks a rule; HTTP answers 422 with the fields, a consumer
  sends the message to the dead-letter topic. Nothing of it is stored.
- `NotFound` / `Conflict` / `Forbidden`: HTTP 404 / 409 / 403.

Which failures are the infrastructure's, not the message's, is `shared.transient`'s
business: this module is imported by domains, so it imports no I/O library.
"""

from __future__ import annotations

from shared.contracts.errors import FieldProblem, MessageRejected


class Rejected(MessageRejected):
    def __init__(self, problems: list[FieldProblem] | FieldProblem, reason: str | None = None):
        items = [problems] if isinstance(problems, FieldProblem) else list(problems)
        text = reason or "; ".join(f"{p.field}: {p.message}" for p in items)
        super().__init__("rejected", text, items)

    @classmethod
    def field(cls, field: str, message: str) -> Rejected:
        return cls(FieldProblem(field, message))


class NotFound(Exception):
    """The thing named does not exist (or the caller may not know that it does)."""


class Conflict(Exception):
    """The request clashes with the current state (HTTP 409)."""


class Forbidden(Exception):
    """Authenticated, but not allowed (HTTP 403): the body says nothing more."""
