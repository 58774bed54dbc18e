"""What a season is made of (county, sizes, seed, periods) and the system it is played
against (`Endpoints`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from devkit.infra import REPO
from shared.kafka.security import KafkaSecurity

COUNTY: dict[str, str] = {
    "1380": "Halmstad", "1383": "Varberg", "1384": "Kungsbacka", "1381": "Laholm",
    "1315": "Hylte",
}
"""Halland's municipalities (SCB codes, DOMAIN.md)."""
MUNICIPALITY_NAMES: dict[str, str] = {
    "1380": "Halmstads kommun", "1383": "Varbergs kommun", "1384": "Kungsbacka kommun",
    "1381": "Laholms kommun", "1315": "Hylte kommun",
}
"""As their letters sign them."""
RULES: dict[str, tuple[str, bool]] = {"1383": ("both", False), "1384": ("either", True)}
"""(consent_rule, guardian_answers_offer) where a municipality's profile differs from
("either", False): in Varberg both guardians must consent; in Kungsbacka a guardian of a
minor answers the offer too."""
OFFER_ANSWER_PROGRAMS = ("summer_job",)
"""Where the participant accepts or declines an offer within three working days, as
Swedish summer-job offices ask."""

DEFAULT_WORKPLACES: dict[str, int] = {"1380": 18, "1383": 13, "1384": 13, "1381": 9,
                                      "1315": 7}
"""60 workplaces, as in the pilot of seed 001."""

DEFAULT_SECRET = "dev-only-change-me-0123456789abcdef"
SEASON_YEAR = 2027
TRAINING_YEAR = 2026


@dataclass(frozen=True)
class Plan:
    workplaces: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WORKPLACES))
    """Workplaces per municipality (SCB code)."""
    summer_requests: int = 320
    prao_requests: int = 40
    work_trials: int = 24
    workplace_declines: int = 6
    participant_declines: int = 4
    seed: int = 2027
    consent_weights: tuple[int, int, int, int] = (60, 28, 4, 8)
    """How guardians answer: with the application, after the proposal, refuse, never."""
    phone_share: float = 0.3
    """Share of youths with a mobile number (adults on work trials: twice that)."""
    people_answer: bool = True
    """The people follow the links in their messages themselves (the demo); False leaves
    the links for a test that follows them in a browser (tests/e2e/test_public_pages.py).
    """
    one_wish: bool = False
    """Each applicant ranks one occupation and takes only a place of it (the request's
    `only_preferences`): nobody holds a place they rank below another, so nobody moves up
    when a place comes free (services/matching/domain/rematch.py); for a test that
    follows the same placements from answer to answer."""
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    """Makes this run's external refs and e-mail addresses unique."""

    @property
    def municipalities(self) -> list[str]:
        return list(self.workplaces)


@dataclass(frozen=True)
class Endpoints:
    registration: str = "http://127.0.0.1:8001"
    matching: str = "http://127.0.0.1:8002"
    training: str = "http://127.0.0.1:8003"
    notifications: str = "http://127.0.0.1:8004"
    kafka: str = "127.0.0.1:19092"
    secret: str = DEFAULT_SECRET
    smtp_catcher: str = "SMTP 127.0.0.1:1025"
    sms_fake: str = "http://127.0.0.1:8025"
    topic_prefix: str = ""
    """The environment's topic prefix (`PRAKTIK_TOPIC_PREFIX`): the broker's topic names."""
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)
    """How the demo connects to the broker (`PRAKTIK_KAFKA_SECURITY_PROTOCOL`, ...)."""
    mail_dir: Path = field(default_factory=lambda: REPO / ".cache" / "mail")
    """Where the SMTP catcher keeps the caught e-mails (its `DEV_MAIL_DIR`)."""
    sms_auth: tuple[str, str] = ("elks-user", "elks-password")
    """The SMS fake's credentials (its listing, `GET /a1/sms`)."""

    def services(self) -> dict[str, str]:
        return {"registration": self.registration, "matching": self.matching,
                "training": self.training, "notifications": self.notifications}


SUMMER = (date(SEASON_YEAR, 6, 14), date(SEASON_YEAR, 7, 9))
SUMMER_REQUESTS = ((date(SEASON_YEAR, 6, 14), date(SEASON_YEAR, 7, 2)),
                   (date(SEASON_YEAR, 6, 21), date(SEASON_YEAR, 7, 9)))
PRAO = (date(SEASON_YEAR, 3, 15), date(SEASON_YEAR, 3, 26))
WORK_TRIAL = (date(SEASON_YEAR, 1, 18), date(SEASON_YEAR, 5, 28))


class DemoError(RuntimeError):
    """What stops the demo, said to the user in one line (no traceback)."""

