"""Why a message was refused, in a form that goes into DLQ headers and `IntakeRejected`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

RejectionKind = Literal[
    "malformed_json", "not_cloudevent", "unknown_type", "schema_violation", "rejected",
    "conflict", "source_mismatch", "municipality_not_registered", "sender_not_registered",
]
"""The last three refuse a sender's message on its own intake topic (CONTRACT.md,
Senders): another `source` than the sender's, a municipality not registered to it, a
topic of no registered sender."""

MAX_PROBLEMS = 20
"""A refusal names at most this many fields and counts the rest (`omitted`): an answer
never grows with its input (10,000 bad preferences are not 10,000 errors on the bus)."""
MAX_REASON = 2000
"""A reason is cut here: it travels in a header and in `IntakeRejected`."""
MAX_MESSAGE = 300
"""One problem's field path and message are cut here."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


@dataclass
class MessageRejected(Exception):
    """A message that can never be handled as it is: it belongs in the dead-letter topic.

    `kind` says which check refused it; `problems` name failing fields (at most
    `MAX_PROBLEMS`; `omitted` counts the others). Domain rules raise it with kind
    `rejected` (see `shared.errors.Rejected`); a reused event id with another payload
    is a `conflict`.
    """

    kind: RejectionKind
    reason: str
    problems: list[FieldProblem] = field(default_factory=list)
    omitted: int = 0

    def __post_init__(self) -> None:
        if len(self.problems) > MAX_PROBLEMS:
            self.omitted += len(self.problems) - MAX_PROBLEMS
            self.problems = self.problems[:MAX_PROBLEMS]
        self.reason = self.reason[:MAX_REASON]
        super().__init__(self.reason)

    @property
    def first_field(self) -> str:
        return self.problems[0].field if self.problems else ""

    def __str__(self) -> str:
        return self.reason


def problems_from_validation(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """Turn pydantic's errors into field paths like `data.guardians.0.email` (the first
    `MAX_PROBLEMS`; `error.error_count()` says how many there were)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:MAX_PROBLEMS]:
        path = ".".join(str(part) for part in item["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        problems.append(FieldProblem(field=path[:MAX_MESSAGE], message=item["msg"][:MAX_MESSAGE]))
    return problems


def rejected_by_validation(kind: RejectionKind, what: str, error: ValidationError,
                           prefix: str = "") -> MessageRejected:
    """The refusal for a failed validation: named fields, the rest counted."""
    problems = problems_from_validation(error, prefix)
    return MessageRejected(kind, f"{what}: {describe(problems)}", problems,
                           omitted=error.error_count() - len(problems))


def describe(problems: list[FieldProblem]) -> str:
    """`field: message; ...` of the problems that are named, cut to `MAX_REASON`."""
    return "; ".join(f"{p.field}: {p.message}" for p in problems[:MAX_PROBLEMS])[:MAX_REASON]
