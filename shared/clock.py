"""The one clock: a function returning an aware UTC `datetime`.

Every service's handlers read the time through `deps.clock`, so a test sets the hour
and the day (`lambda: moment`) without patching anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date at `moment` where the municipality is (`Europe/Stockholm`)."""
    return moment.astimezone(ZoneInfo(timezone)).date()
