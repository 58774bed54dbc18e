"""Invitations: which upcoming base course a supervisor without a valid certificate is
invited to (the earliest in or near their municipality)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from services.training.domain.model import BASE_COURSE, Session


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


def next_base_course(
    sessions: Iterable[Session], municipality_code: str, now: datetime
) -> Session | None:
    """The next base course in or near the municipality: the earliest upcoming one in the
    county, the person's own municipality first on the same day."""
    candidates = [
        (s.starts_at.date(), near, s.starts_at, s)
        for s in sessions
        if s.course == BASE_COURSE and not s.cancelled and s.starts_at > now
        and (near := nearness(s.municipality_code, municipality_code)) is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1], c[2], str(c[3].session_id)))[3]
