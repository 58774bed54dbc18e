"""Invitations: which upcoming session a person is invited to (the earliest of the course
in or near their municipality). Supervisors without a valid certificate, or whose
certificate runs out soon, go to a base course; managers of workplaces that are not open
because they have not attended one go to a breakfast meeting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from uuid import UUID

from services.training.domain.model import BASE_COURSE, Session
from shared.contracts.types import Course

UNCERTIFIED: Final = "uncertified"
CERTIFICATION_EXPIRED: Final = "certification_expired"
CERTIFICATION_EXPIRING: Final = "certification_expiring"
WORKPLACE_NOT_OPEN: Final = "workplace_not_open"
"""`Invitee.reason`: why a person is invited (shared/contracts/training.py)."""


def county_of(municipality_code: str) -> str:
    """SCB municipality codes start with the county (län) code: 1380 Halmstad → 13 Halland."""
    return municipality_code[:2]


def nearness(session_municipality: str, person_municipality: str) -> int | None:
    """0 in the person's municipality, 1 elsewhere in the county, None farther away."""
    if session_municipality == person_municipality:
        return 0
    if county_of(session_municipality) == county_of(person_municipality):
        return 1
    return None


def next_session(sessions: Iterable[Session], course: Course, municipality_code: str,
                 now: datetime) -> Session | None:
    """The next session of the course in or near the municipality: the earliest upcoming
    one in the county, the person's own municipality first on the same day."""
    candidates = [
        (s.starts_at.date(), near, s.starts_at, s)
        for s in sessions
        if s.course == course and not s.cancelled and s.starts_at > now
        and (near := nearness(s.municipality_code, municipality_code)) is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1], c[2], str(c[3].session_id)))[3]


def next_base_course(
    sessions: Iterable[Session], municipality_code: str, now: datetime
) -> Session | None:
    """The refresher or first base course for a supervisor of the municipality."""
    return next_session(sessions, BASE_COURSE, municipality_code, now)


ALREADY_INVITED: Final = "already_invited"
NO_SESSION: Final = "no_session"
"""Why a supervisor asked to renew was not invited: invited to or enrolled in an upcoming
base course already, or none is scheduled in or near their municipality."""


@dataclass(frozen=True)
class Renewals:
    """The answer to renewing certificates, in the order asked."""

    invited: list[tuple[UUID, UUID]] = field(default_factory=list)
    """(supervisor, the base course they are invited to)."""
    not_invited: list[tuple[UUID, str]] = field(default_factory=list)
    """(supervisor, `ALREADY_INVITED` or `NO_SESSION`)."""
