"""Staff's view of people: a search, a participant's record, the access log; read from
registration's answers, with what went wrong as a kind of trouble the page names.

Every read of a record goes through registration, which logs it with the reader and a
code for why (`purpose`); the page says so beside the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from services.portal.domain.dates import is_day, read_day, read_moment
from services.portal.domain.messages import MessageRow

PURPOSES: tuple[str, ...] = ("case_handling", "placement", "consent", "follow_up",
                             "correction", "erasure", "audit")
"""Registration's codes for why a record is read (its `domain.access`)."""
DEFAULT_PURPOSE = "case_handling"
StaffTrouble = Literal["forbidden", "not_found", "service_down"]


class StaffRefused(Exception):
    """Registration refused the read (403) or has no such person (404)."""

    def __init__(self, trouble: StaffTrouble) -> None:
        super().__init__(trouble)
        self.trouble: StaffTrouble = trouble


@dataclass(frozen=True)
class StaffTroublePage:
    trouble: StaffTrouble

    @property
    def status(self) -> int:
        return {"forbidden": 403, "not_found": 404, "service_down": 503}[self.trouble]


@dataclass(frozen=True)
class PersonRow:
    participant_id: str
    name: str
    birth_date: date | None
    municipality_code: str
    external_ref: str | None


@dataclass(frozen=True)
class ConsentRow:
    guardian: str
    program: str
    granted: bool
    recorded_at: datetime | None
    via: str


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    program: str
    period_start: date | None
    period_end: date | None
    status: str
    """The request's own: active, withdrawn."""
    placement: str
    """Where matching has got: proposed, confirmed, waitlisted, ...; empty: nothing yet."""
    reasons: list[str]
    placement_id: str = ""


@dataclass(frozen=True)
class Search:
    name: str = ""
    birth_date: str = ""
    external_ref: str = ""

    @property
    def asked(self) -> bool:
        return bool(self.name or self.birth_date or self.external_ref)

    def problems(self) -> dict[str, str]:
        """Each field's problem, by the field, before anything is asked."""
        if self.birth_date and not is_day(self.birth_date):
            return {"birth_date": "birth_date_format"}
        return {}

    def query(self) -> dict[str, str]:
        pairs = {"name": self.name, "birth_date": self.birth_date,
                 "external_ref": self.external_ref}
        return {key: value for key, value in pairs.items() if value}


@dataclass(frozen=True)
class SearchPage:
    search: Search
    rows: list[PersonRow] = field(default_factory=list)
    total: int = 0
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonPage:
    person: PersonRow
    needs: list[str]
    consents: list[ConsentRow]
    purpose: str
    requests: list[RequestRow] = field(default_factory=list)
    messages: list[tuple[str, MessageRow]] | None = field(default_factory=list)
    """The messages about each request's placement, with that request's programme; None:
    notifications cannot say just now."""


@dataclass(frozen=True)
class AccessRow:
    read_at: datetime
    reader: str
    reader_role: str
    participant_id: str
    municipality_code: str
    record: str
    purpose: str


@dataclass(frozen=True)
class AccessLogPage:
    rows: list[AccessRow]
    total: int
    participant_id: str = ""


def is_id(text: str) -> bool:
    """An id as registration gives them (a UUID), and nothing else."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def person_row(data: Mapping[str, Any]) -> PersonRow:
    return PersonRow(str(data["participant_id"]), str(data.get("name") or ""),
                     read_day(data.get("birth_date")), str(data.get("municipality_code") or ""),
                     data.get("external_ref"))


def person_page(data: Mapping[str, Any], purpose: str,
                requests: Mapping[str, Any] | None = None) -> PersonPage:
    guardians = {str(g.get("guardian_id")): str(g.get("name") or "")
                 for g in data.get("guardians") or [] if isinstance(g, dict)}
    consents = [ConsentRow(guardians.get(str(c.get("guardian_id")), ""), str(c["program"]),
                           bool(c["granted"]), read_moment(c.get("recorded_at")),
                           str(c.get("via") or ""))
                for c in data.get("consents") or [] if isinstance(c, dict)]
    asked = [request_row(r) for r in (requests or {}).get("items") or []
             if isinstance(r, dict)]
    return PersonPage(person_row(data), [str(n) for n in data.get("needs") or []], consents,
                      purpose, asked)


def request_row(data: Mapping[str, Any]) -> RequestRow:
    found = data.get("placement")
    placement: Mapping[str, Any] = found if isinstance(found, dict) else {}
    return RequestRow(str(data.get("request_id") or ""), str(data.get("program") or ""),
                      read_day(data.get("period_start")),
                      read_day(data.get("period_end")), str(data.get("status") or ""),
                      str(placement.get("status") or ""),
                      [str(r) for r in placement.get("reasons") or []],
                      str(placement.get("placement_id") or ""))


def access_row(data: Mapping[str, Any]) -> AccessRow:
    read_at = read_moment(data.get("read_at"))
    if read_at is None:
        raise ValueError("an access-log entry without read_at")
    return AccessRow(read_at, str(data["reader"]), str(data["reader_role"]),
                     str(data["participant_id"]), str(data["municipality_code"]),
                     str(data["record"]), str(data["purpose"]))
