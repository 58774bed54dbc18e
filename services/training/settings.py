"""Training's settings: `TRAINING_` environment variables."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINING_", extra="ignore")

    http_port: int = 8003
    certificate_validity_years: int = Field(default=3, ge=1, le=20)
    """A completed base course certifies the supervisor for this many years (seed 001)."""
    certificate_warning_days: int = Field(default=60, ge=1, le=365)
    """A supervisor is told once when their certificate has this many days or fewer left."""
    budget_per_year_sek: Decimal = Field(default=Decimal(200000), ge=0)
    """The county's yearly budget for supervisor training (200 000 SEK in seed 001)."""
    timezone: str = "Europe/Stockholm"
    """Where 'today' is for the daily expiry job."""
    expiry_interval_s: float = Field(default=3600.0, gt=0)
    """How often the expiry job looks for certifications whose validity has ended."""
    dietary_retention_days: int = Field(default=30, ge=0)
    """Dietary needs are erased this many days after their session ended."""
