"""The period a report covers: `year=`, or an ESF project's `from=`/`to=` (free of I/O,
so a service's domain may use it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.errors import Rejected


@dataclass(frozen=True, slots=True)
class Window:
    """Dates inclusive; None is open-ended."""

    start: date | None = None
    end: date | None = None

    def holds(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (
            self.end is None or day <= self.end)

    def label(self) -> str:
        if self.start is None and self.end is None:
            return "all"
        return f"{self.start or ''}_{self.end or ''}"


def window(year: int | None, start: date | None, end: date | None) -> Window:
    """The window `year=` or `from=`/`to=` asks for; refused naming the field."""
    if year is not None:
        if start is not None or end is not None:
            raise Rejected.field("year", "give either year or from/to, not both")
        return Window(date(year, 1, 1), date(year, 12, 31))
    if start is not None and end is not None and end < start:
        raise Rejected.field("to", "must be on or after from")
    return Window(start, end)
