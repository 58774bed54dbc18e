"""A municipality's matching rounds as staff run them: a preview first (matching's dry
run: the draw the round will make, with the seed drawn for it; nothing kept or sent),
then the run; and each round's draw as the public sees it, its seed and every request's
lottery number, so that a family can draw the lottery again and check its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.portal.domain.dates import read_moment
from services.portal.domain.places import FORMS, Section

RoundStep = Literal["preview", "run"]


@dataclass(frozen=True)
class RoundRow:
    ident: str
    municipality_code: str
    program: str
    seed: int
    requests: int
    placed: int
    waitlisted: int
    ran_at: datetime | None
    """None: a preview's, not run."""


@dataclass(frozen=True)
class DrawRow:
    request_id: str
    lottery: int | None
    """None: not in the draw (its participant unknown, or placed already)."""
    priority: int = 0
    offer_id: str = ""
    rank: int | None = None
    """The preference proposed, from 1; None: waiting."""
    reasons: tuple[str, ...] = ()


def round_row(entry: Mapping[str, Any]) -> RoundRow:
    return RoundRow(str(entry.get("round_id") or ""), str(entry.get("municipality_code") or ""),
                    str(entry.get("program") or ""), int(entry.get("seed") or 0),
                    int(entry.get("requests") or 0), int(entry.get("placed") or 0),
                    int(entry.get("waitlisted") or 0), read_moment(entry.get("ran_at")))


def draw_row(entry: Mapping[str, Any]) -> DrawRow:
    lottery, rank = entry.get("lottery"), entry.get("rank")
    return DrawRow(str(entry.get("request_id") or ""),
                   lottery if isinstance(lottery, int) else None,
                   int(entry.get("priority") or 0), str(entry.get("offer_id") or ""),
                   rank + 1 if isinstance(rank, int) else None,
                   tuple(str(r) for r in entry.get("reasons") or ()))


@dataclass(frozen=True)
class RoundsPage:
    """The rounds of the person's municipalities, the form of the next, and its preview."""

    values: dict[str, str]
    options: dict[str, list[tuple[str, str]]]
    rounds: list[RoundRow] = field(default_factory=list)
    preview: RoundRow | None = None
    draws: list[DrawRow] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    read_only: bool = False

    @property
    def sections(self) -> tuple[Section, ...]:
        return FORMS["round"]

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


@dataclass(frozen=True)
class PublishedDrawPage:
    """A round's draw as anyone may read it; `asked` is the request a family looks for."""

    round: RoundRow | None
    """None: there is no such round."""
    draws: list[DrawRow] = field(default_factory=list)
    asked: str = ""

    @property
    def found(self) -> DrawRow | None:
        return next((d for d in self.draws if d.request_id == self.asked), None)

    @property
    def status(self) -> int:
        return 200 if self.round is not None else 404

