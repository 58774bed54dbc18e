"""What a person asks of the portal: to see the page of a link, or to answer it; and,
signed in, to search for people, open one's record, read the access log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.portal.domain.people import DEFAULT_PURPOSE, Search
from services.portal.domain.staff import StaffMember


@dataclass(frozen=True)
class ShowLink:
    token: str


@dataclass(frozen=True)
class AnswerLink:
    token: str
    form: Mapping[str, str] = field(default_factory=dict)
    """The submitted form's fields (the last value of each)."""


@dataclass(frozen=True)
class SearchPeople:
    member: StaffMember
    search: Search


@dataclass(frozen=True)
class ShowPerson:
    member: StaffMember
    participant_id: str
    purpose: str = DEFAULT_PURPOSE


@dataclass(frozen=True)
class ShowAccessLog:
    member: StaffMember
    participant_id: str = ""
