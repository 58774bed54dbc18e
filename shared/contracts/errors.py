"""Why a message was refused, in a form that goes into DLQ headers and `IntakeRejected`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

RejectionKind = Literal[
    "malformed_json", "not_cloudevent", "unknown_type", "schema_violation", "rejected"
]


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


@dataclass
class MessageRejected(Exception):
    """A message that can never be handled as it is: it belongs in the dead-letter topic.

    `kind` says which check refused it; `problems` name each failing field.
    Domain rules raise it with kind `rejected` (see `shared.errors.Rejected`).
    """

    kind: RejectionKind
    reason: str
    problems: list[FieldProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    @property
    def first_field(self) -> str:
        return self.problems[0].field if self.problems else ""

    def __str__(self) -> str:
        return self.reason


def problems_from_validation(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """Turn pydantic's errors into field paths like `data.guardians.0.email`."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        problems.append(FieldProblem(field=path, message=item["msg"]))
    return problems
