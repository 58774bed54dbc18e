"""Matching settings: environment variables with the prefix `MATCHING_`."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEFAULT_DEADLINES_H: dict[str, float] = {
    "prao": 72, "summer_job": 72, "work_trial": 120, "internship": 120, "job_track": 120,
}


class ScheduledRound(BaseModel):
    """A round a coordinator scheduled: run once `at` has passed (seed drawn then)."""

    municipality_code: str = Field(pattern=r"^\d{4}$")
    program: Literal["prao", "summer_job"]
    at: AwareDatetime


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    http_port: int = 8002
    acceptance_deadline_hours: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_DEADLINES_H)
    )
    """Per programme: hours a workplace has to accept a proposal (JSON in the env var)."""
    deadline_check_interval_s: float = 60.0
    """How often the job looks for proposals whose deadline has passed."""
    round_schedule: list[ScheduledRound] = Field(default_factory=list)
    """Rounds to run by themselves (JSON list in `MATCHING_ROUND_SCHEDULE`)."""
    lock_wait_s: float = 5.0
    """How long a transaction waits for a municipality before giving up (and retrying)."""

    def deadlines(self) -> dict[str, timedelta]:
        hours = {**DEFAULT_DEADLINES_H, **self.acceptance_deadline_hours}
        return {program: timedelta(hours=h) for program, h in hours.items()}
