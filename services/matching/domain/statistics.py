"""Statistics for funders: applicants, placed, waitlisted, completed and outcomes, by
programme × municipality × sector × gender × period (seed 003: "2,538 participants,
79 % women").

One `Fact` per placement request. A request counts in the period in which the period it
asks for starts (`PlacementRequested.period_start`); its placement, completion and
outcomes count with it, so a person's path stays in one period. A window (`year`, or an
ESF project's `from`–`to`, both dates inclusive) keeps the facts whose `period_start`
falls in it. A participant who is erased stays counted: matching keeps an anonymous fact
per request (no ids, no birth date) whose `person` is a random key drawn at the erasure,
so distinct applicants are still counted once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from shared.contracts.types import Gender, Outcome
from shared.errors import Rejected
from shared.reporting import Window as Window
from shared.reporting import window as window

Dimension = Literal["program", "municipality_code", "sector", "gender", "period"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
PeriodUnit = Literal["year", "quarter", "month"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
GENDERS: tuple[Gender, ...] = get_args(Gender)

COUNTS = ("applicants", "requests", "awaiting_round", "waitlisted", "offered", "placed",
          "completed", "withdrawn")
"""The counts of a group, in the order a table shows them."""

WAITING = frozenset({"waitlisted", "reopened"})
OFFERED = frozenset({"proposed", "accepted"})
PLACED = frozenset({"confirmed", "completed"})


@dataclass(frozen=True, slots=True)
class Fact:
    """One request as statistics see it."""

    person: str
    """The participant's id, or the random key an erasure left (never the id)."""
    program: str
    municipality_code: str
    gender: str
    period_start: date
    request_status: str
    placement_status: str | None = None
    """The request's placement that counts: open, or completed; None when it has none."""
    sector: str | None = None
    """The placement's workplace sector; None when the request has no placement."""
    outcome: str | None = None
    follow_up: str | None = None
    """The outcome six months on (`PlacementFollowedUp`)."""


def dimensions(by: str | None) -> tuple[Dimension, ...]:
    """`by=program,gender` → the dimensions in the canonical order; None: all of them."""
    if by is None:
        return DIMENSIONS
    names = {name.strip() for name in by.split(",") if name.strip()}
    unknown = sorted(names - set(DIMENSIONS))
    if unknown:
        raise Rejected.field("by", f"unknown dimension {unknown[0]!r}; "
                             f"choose from {', '.join(DIMENSIONS)}")
    return tuple(d for d in DIMENSIONS if d in names)


def period_of(day: date, unit: PeriodUnit) -> str:
    """`2027`, `2027-Q2` or `2027-06`."""
    if unit == "year":
        return str(day.year)
    if unit == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def stage(fact: Fact) -> str:
    """Where the request stands: awaiting_round, waitlisted, offered (a proposal waiting
    for answers), placed (confirmed or completed), withdrawn."""
    if fact.placement_status in PLACED:
        return "placed"
    if fact.placement_status in OFFERED:
        return "offered"
    if fact.request_status in WAITING:
        return "waitlisted"
    return fact.request_status


@dataclass(slots=True)
class Figures:
    """The counts of one group (or of all)."""

    persons: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    follow_ups: Counter[str] = field(default_factory=Counter)

    def add(self, fact: Fact) -> None:
        self.persons.add(fact.person)
        self.counts["requests"] += 1
        self.counts[stage(fact)] += 1
        if fact.placement_status == "completed":
            self.counts["completed"] += 1
        if fact.outcome:
            self.outcomes[fact.outcome] += 1
        if fact.follow_up:
            self.follow_ups[fact.follow_up] += 1

    def count(self, name: str) -> int:
        return len(self.persons) if name == "applicants" else self.counts[name]

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {name: self.count(name) for name in COUNTS}
        out["outcomes"] = {o: self.outcomes[o] for o in OUTCOMES}
        out["follow_ups"] = {o: self.follow_ups[o] for o in OUTCOMES}
        return out


GroupKey = tuple[str | None, ...]


def key_of(fact: Fact, by: Sequence[Dimension], unit: PeriodUnit) -> GroupKey:
    values: dict[str, str | None] = {
        "program": fact.program, "municipality_code": fact.municipality_code,
        "sector": fact.sector, "gender": fact.gender,
        "period": period_of(fact.period_start, unit)}
    return tuple(values[d] for d in by)


def grouped(facts: Iterable[Fact], by: Sequence[Dimension],
            unit: PeriodUnit = "year") -> dict[GroupKey, Figures]:
    """The facts' figures per group, in the order of the groups' keys (None first)."""
    groups: dict[GroupKey, Figures] = {}
    for fact in facts:
        groups.setdefault(key_of(fact, by, unit), Figures()).add(fact)
    return dict(sorted(groups.items(), key=lambda item: [(v is not None, v or "")
                                                         for v in item[0]]))


def total(facts: Iterable[Fact]) -> Figures:
    figures = Figures()
    for fact in facts:
        figures.add(fact)
    return figures


def shares(facts: Sequence[Fact]) -> dict[str, dict[str, float]]:
    """Each gender's share of the applicants (distinct people) and of the placed
    requests, as fractions rounded to four decimals (0.7917 = 79 %); none when empty."""
    people = {f.person: f.gender for f in facts}
    placed = [f.gender for f in facts if stage(f) == "placed"]
    return {"applicants": _shares(list(people.values())), "placed": _shares(placed)}


def _shares(genders: list[str]) -> dict[str, float]:
    if not genders:
        return {}
    counted = Counter(genders)
    return {g: round(counted[g] / len(genders), 4) for g in GENDERS}


def columns(by: Sequence[Dimension]) -> list[str]:
    """A table's header: the dimensions, the counts, then outcome_* and follow_up_*."""
    return [*by, *COUNTS, *(f"outcome_{o}" for o in OUTCOMES),
            *(f"follow_up_{o}" for o in OUTCOMES)]


def table(groups: dict[GroupKey, Figures]) -> list[list[str | int | None]]:
    """The groups as rows under `columns(by)`."""
    rows: list[list[str | int | None]] = []
    for key, figures in groups.items():
        rows.append([*key, *(figures.count(name) for name in COUNTS),
                     *(figures.outcomes[o] for o in OUTCOMES),
                     *(figures.follow_ups[o] for o in OUTCOMES)])
    return rows
