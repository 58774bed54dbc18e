"""Certification: a completed base course certifies a supervisor for a configurable
number of years (seed 001); the certificate expires the day after its last valid day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from shared import clock


@dataclass(frozen=True)
class Policy:
    """The configurable rules: certificate validity, when to warn, the local calendar."""

    validity_years: int = 3
    timezone: str = "Europe/Stockholm"
    warning_days: int = 60
    """A supervisor is told once when their certificate has this many days or fewer left."""

    def warn_through(self, on: date) -> date:
        """On `on`, certificates valid until this day or earlier (but not before `on`) have
        `warning_days` or fewer days left (the last valid day counts as one)."""
        return on + timedelta(days=self.warning_days - 1)

    def local_date(self, moment: datetime) -> date:
        return clock.local_date(moment, self.timezone)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Certificate:
    """A supervisor's certification from one completed base course.

    Valid through `valid_until`; it expires on the day after (`expires_on`), which is the
    certification day plus the configured number of years.
    """

    supervisor_id: UUID
    session_id: UUID
    workplace_id: UUID
    municipality_code: str
    certified_at: date
    valid_until: date
    expired_at: date | None = None

    @property
    def expires_on(self) -> date:
        return self.valid_until + timedelta(days=1)

    def valid_on(self, day: date) -> bool:
        return self.certified_at <= day <= self.valid_until and self.expired_at is None


def certify(
    supervisor_id: UUID,
    session_id: UUID,
    workplace_id: UUID,
    municipality_code: str,
    completed_on: date,
    validity_years: int,
) -> Certificate:
    if validity_years < 1:
        raise ValueError("validity_years must be at least 1")
    valid_until = add_years(completed_on, validity_years) - timedelta(days=1)
    return Certificate(supervisor_id, session_id, workplace_id, municipality_code,
                       completed_on, valid_until)
