"""What a person asks of the portal: to see the page of a link, or to answer it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShowLink:
    token: str


@dataclass(frozen=True)
class AnswerLink:
    token: str
    form: Mapping[str, str] = field(default_factory=dict)
    """The submitted form's fields (the last value of each)."""
