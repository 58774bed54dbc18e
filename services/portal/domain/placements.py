"""Placements for staff: a municipality's by status, and one placement's page with what a
coordinator does to it (matching's `/matching/placements/{id}/...`): record a party's
yes or cancel it for a party who said no (by phone), give a party more time, record how
it ended, and the follow-up six months on. Each action is a small form, read here into
the body matching takes; matching decides whether the placement allows it, and says why
not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.portal.domain.answers import chosen
from services.portal.domain.dates import is_day, read_day, read_moment
from services.portal.domain.messages import MessageRow

Action = Literal["decline", "completion", "follow-up", "deadline", "acceptance"]
STATUSES: tuple[str, ...] = ("proposed", "accepted", "confirmed", "completed", "declined",
                             "cancelled", "withdrawn")
"""Matching's placement statuses, in the order the filter offers them."""
PARTIES: tuple[str, ...] = ("workplace", "participant", "guardian")
ON_BEHALF: tuple[str, ...] = ("workplace", "participant")
"""The parties whose yes a coordinator records for them (a guardian's needs which
guardian: by the guardian's own link)."""
AWAITED: tuple[str, ...] = ("workplace", "participant", "guardian", "consent")
OUTCOMES: tuple[str, ...] = ("employed", "summer_substitute", "studies", "continued_search",
                             "discontinued")
ACTIONS: dict[str, Action] = {"avbryt": "decline", "utfall": "completion",
                              "uppfoljning": "follow-up", "frist": "deadline",
                              "bekrafta": "acceptance"}
"""Each action's name in the portal's paths, and matching's."""
REASON_MAX = 500


@dataclass(frozen=True)
class PlacementRow:
    ident: str
    program: str
    period_start: date | None
    period_end: date | None
    status: str
    workplace: str
    participant_id: str
    request_id: str
    deadlines: dict[str, datetime]
    """Each party the placement waits for, and by when."""
    answers: dict[str, str]
    """Each party asked, and its answer so far (waiting, accepted, declined)."""
    outcome: str
    ended_on: date | None
    follow_up_from: date | None
    follow_up_outcome: str

    @property
    def answerable(self) -> list[str]:
        """The parties still to answer whose yes a coordinator may record for them."""
        return [party for party in ON_BEHALF if self.answers.get(party) == "waiting"]


@dataclass(frozen=True)
class PlacementsPage:
    municipality: str
    wanted: str
    """The status asked for ("": every one); `status` is a page's HTTP status."""
    municipalities: tuple[str, ...]
    rows: list[PlacementRow]


@dataclass(frozen=True)
class PlacementPage:
    placement: PlacementRow
    read_only: bool = False
    action: str = ""
    """The action whose form has problems (its values and problems below)."""
    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    done: str = ""
    """The action just done (the page says so)."""
    messages: list[MessageRow] | None = field(default_factory=list)
    """What notifications sent about it, and what became of each; None: it cannot say
    just now."""

    @property
    def status(self) -> int:
        return 422 if self.problems else 200

    @property
    def labelled_messages(self) -> list[tuple[str, MessageRow]] | None:
        """As a participant's page lists them, without the programme (it is this one)."""
        return None if self.messages is None else [("", row) for row in self.messages]


def placement_row(entry: Mapping[str, Any], workplaces: Mapping[str, str]) -> PlacementRow:
    deadlines = {str(k): at for k, v in (entry.get("deadlines") or {}).items()
                 if (at := read_moment(v)) is not None}
    follow_up = entry.get("follow_up") if isinstance(entry.get("follow_up"), dict) else {}
    return PlacementRow(
        str(entry["placement_id"]), str(entry.get("program") or ""),
        read_day(entry.get("period_start")), read_day(entry.get("period_end")),
        str(entry.get("status") or ""), workplaces.get(str(entry.get("workplace_id")), ""),
        str(entry.get("participant_id") or ""), str(entry.get("request_id") or ""),
        deadlines, {str(k): str(v) for k, v in (entry.get("answers") or {}).items()},
        str(entry.get("outcome") or ""), read_day(entry.get("ended_on")),
        read_day((follow_up or {}).get("from")), str((follow_up or {}).get("outcome") or ""))


def _reason(form: Mapping[str, str], problems: dict[str, str], *, required: bool) -> str | None:
    value = form.get("reason", "").strip()
    if required and not value:
        problems["reason"] = "required"
    elif len(value) > REASON_MAX:
        problems["reason"] = "too_long"
    return value or None


def _date(form: Mapping[str, str], name: str, problems: dict[str, str], *,
          required: bool) -> date | None:
    value = form.get(name, "").strip()
    if not value:
        if required:
            problems[name] = "required"
        return None
    if not is_day(value):
        problems[name] = "not_a_date"
        return None
    return date.fromisoformat(value)


def read_action(action: Action, form: Mapping[str, str],
                timezone: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The body matching takes for the action, and each field's problem."""
    problems: dict[str, str] = {}
    if action == "decline":
        body: dict[str, Any] = {"by": chosen(form, "by", PARTIES, problems),
                                "reason": _reason(form, problems, required=True),
                                "end_request": form.get("end_request") == "on"}
    elif action == "completion":
        ended_on = _date(form, "ended_on", problems, required=False)
        body = {"outcome": chosen(form, "outcome", OUTCOMES, problems),
                "ended_on": ended_on.isoformat() if ended_on else None,
                "reason": _reason(form, problems, required=ended_on is not None)}
    elif action == "acceptance":
        body = {"by": chosen(form, "by", ON_BEHALF, problems)}
    elif action == "follow-up":
        body = {"outcome": chosen(form, "outcome", OUTCOMES, problems)}
    else:
        day = _date(form, "deadline_date", problems, required=True)
        at = form.get("deadline_time", "").strip() or "16:00"
        if not re.fullmatch(r"\d{2}:\d{2}", at) or not _is_time(at):
            problems["deadline_time"] = "not_a_time"
        moment = (datetime.combine(day, time.fromisoformat(at), ZoneInfo(timezone))
                  if day is not None and "deadline_time" not in problems else None)
        body = {"awaiting": chosen(form, "awaiting", AWAITED, problems),
                "deadline": moment.isoformat() if moment else None}
    return body, problems


def _is_time(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True
