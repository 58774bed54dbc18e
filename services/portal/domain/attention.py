"""What needs a coordinator's attention, for the start page: each item links to where it
is fixed. Read from the services' answers (matching's open placements and waitlisted
requests, notifications' messages that reached no one, registration's supervisors whose
certificate ends soon); no rule here decides anything, it only picks out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.portal.domain.dates import read_day, read_moment

KINDS: tuple[str, ...] = ("unanswered", "consent_missing", "train_supervisors",
                          "ask_for_offers", "undelivered", "certificates", "intake_rejected")
"""The start page's sections, in its order (`staff.attention.<kind>` in the texts)."""
SOURCES: tuple[str, ...] = ("placements", "requests", "messages", "supervisors", "intake")
CONSENT_DAYS = 14
"""A minor's start is close within this many days."""
CERTIFICATE_DAYS = 60
SHOWN = 20
"""Items listed per section (the count says how many there are)."""
FIXABLE: dict[str, str] = {"no_certified_supervisor": "train_supervisors",
                           "certificate_ends_before_period": "train_supervisors",
                           "no_capacity": "ask_for_offers"}
"""The waitlist reasons a coordinator can fix, and the section that says how."""


@dataclass(frozen=True)
class Item:
    href: str
    label: str
    """What it is about: a workplace, a supervisor, a programme."""
    detail: str = ""
    """A code the page words (a party, a message's template, a reason)."""
    when: datetime | date | None = None
    municipality_code: str = ""


@dataclass(frozen=True)
class Section:
    kind: str
    items: list[Item]
    total: int


@dataclass(frozen=True)
class StartPage:
    """The staff start page; a coordinator's has what needs attention."""

    attention: bool = False
    sections: list[Section] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    """The sources that could not answer just now (`SOURCES`)."""


def unanswered(placements: Iterable[Mapping[str, Any]], names: Mapping[str, str],
               now: datetime) -> list[Item]:
    """Proposals a party has not answered past half the time it was given."""
    found = []
    for p in placements:
        proposed = read_moment(p.get("proposed_at"))
        answers = p.get("answers") or {}
        for party, raw in (p.get("deadlines") or {}).items():
            deadline = read_moment(raw)
            if (party == "consent" or proposed is None or deadline is None
                    or answers.get(party) != "waiting"):
                continue
            if now >= proposed + (deadline - proposed) / 2:
                found.append(Item(f"/personal/placeringar/{p['placement_id']}",
                                  names.get(str(p.get("workplace_id")), ""), party, deadline,
                                  str(p.get("municipality_code") or "")))
    return sorted(found, key=lambda item: str(item.when))


def consent_missing(placements: Iterable[Mapping[str, Any]], names: Mapping[str, str],
                    today: date) -> list[Item]:
    """Placements of minors still without their guardians' consent, starting soon."""
    found = []
    for p in placements:
        start = read_day(p.get("period_start"))
        if "consent" not in (p.get("deadlines") or {}) or start is None:
            continue
        if start - today <= timedelta(days=CONSENT_DAYS):
            found.append(Item(f"/personal/placeringar/{p['placement_id']}",
                              names.get(str(p.get("workplace_id")), ""),
                              str(p.get("program") or ""), start,
                              str(p.get("municipality_code") or "")))
    return sorted(found, key=lambda item: str(item.when))


def fixable(requests: Iterable[Mapping[str, Any]]) -> dict[str, list[Item]]:
    """Waitlisted requests by what a coordinator can do about them."""
    found: dict[str, list[Item]] = {"train_supervisors": [], "ask_for_offers": []}
    for r in requests:
        kinds = {FIXABLE[code] for code in r.get("reasons") or [] if code in FIXABLE}
        for kind in sorted(kinds):
            found[kind].append(Item(f"/personal/forfragningar/{r['request_id']}",
                                    str(r.get("program") or ""), kind,
                                    read_day(r.get("period_start")),
                                    str(r.get("municipality_code") or "")))
    return found


def undelivered(messages: Iterable[Mapping[str, Any]], municipality: str) -> list[Item]:
    """Messages that reached no one: to the placement (or the person) they were about."""
    found = []
    for m in messages:
        if m.get("placement_id"):
            href = f"/personal/placeringar/{m['placement_id']}"
        elif m.get("participant_id"):
            href = f"/personal/deltagare/{m['participant_id']}"
        else:
            continue
        found.append(Item(href, str(m.get("recipient_role") or ""),
                          str(m.get("template") or ""), read_moment(m.get("created_at")),
                          municipality))
    return found


def certificates(supervisors: Iterable[Mapping[str, Any]]) -> list[Item]:
    """Supervisors whose certificate ends soon (registration picked them)."""
    return sorted((Item(f"/personal/handledare/{s['supervisor_id']}", str(s.get("name") or ""),
                        "", read_day(s.get("certified_until")),
                        str(s.get("municipality_code") or ""))
                   for s in supervisors), key=lambda item: str(item.when))


def intake_rejected(rejections: Iterable[Mapping[str, Any]], municipality: str) -> list[Item]:
    """Requests a sending system sent that registration refused: to the list of what
    failed, for the sender to fix."""
    return [Item(f"/personal/intag?kommun={municipality}#r-{r.get('source_event_id')}",
                 str(r.get("source") or ""), str(r.get("reason") or ""),
                 read_moment(r.get("rejected_at")), municipality) for r in rejections]


def sections(found: Mapping[str, list[Item]]) -> list[Section]:
    return [Section(kind, found.get(kind, [])[:SHOWN], len(found.get(kind, [])))
            for kind in KINDS]
