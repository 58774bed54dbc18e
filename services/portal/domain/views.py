"""What a page shows, before it is put in words: the handlers' answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.links import LinkProblem, Purpose

Trouble = LinkProblem | Literal["closed", "service_down"]

STATUS: dict[str, int] = {"link_invalid": 403, "link_wrong_purpose": 403,
                          "link_expired": 410, "link_used": 409, "closed": 409,
                          "service_down": 503}
"""The HTTP status of each bad-link page (4xx, as the services answer; 503 for a service
that did not answer)."""


class Unavailable(Exception):
    """A service did not answer, or answered with an error of its own (5xx)."""


class Closed(Exception):
    """The link holds, but what it answers is settled (declined or cancelled meanwhile,
    answered by someone else): a service's 409 with a code, not a link problem."""

    def __init__(self, municipality_code: str | None = None) -> None:
        super().__init__("closed")
        self.municipality_code = municipality_code


@dataclass(frozen=True)
class Contact:
    """Whom to ask: the municipality's coordinator, or the portal's support."""

    name: str
    email: str
    phone: str = ""
    coordinator_name: str = ""


@dataclass(frozen=True)
class FormPage:
    """A link's page with its form; `problems` (field → problem key) after a refused answer."""

    purpose: Purpose
    facts: Mapping[str, Any]
    contact: Contact
    values: Mapping[str, str] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


@dataclass(frozen=True)
class Receipt:
    """What happened, and what happens next: `outcome` names the words (`receipt.<key>`)."""

    purpose: Purpose
    outcome: str
    facts: Mapping[str, Any]
    contact: Contact
    already: bool = False
    """The link had been used before: the page says so, and what was answered."""
    status: int = 200


@dataclass(frozen=True)
class BadLinkPage:
    trouble: Trouble
    contact: Contact

    @property
    def status(self) -> int:
        return STATUS[self.trouble]


View = FormPage | Receipt | BadLinkPage
