"""Öppen arbetsplats (DOMAIN.md): a workplace is open while its manager has attended the
breakfast meeting and at least one of its supervisors holds a valid certificate.

Training announces each change once: `WorkplaceOpened` when both conditions come to hold,
`WorkplaceClosed` when an open workplace stops meeting them. The reason for a closing is
what happened (a certificate expired, a supervisor left, the manager left), since it is
that event which made the workplace stop being open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OpennessChange = Literal["opened", "closed"]


@dataclass(frozen=True)
class Openness:
    """What the two conditions of an open workplace are now."""

    manager_attended_breakfast: bool
    certified_supervisors: int

    @property
    def open(self) -> bool:
        return self.manager_attended_breakfast and self.certified_supervisors > 0


def openness_change(was_open: bool, now: Openness) -> OpennessChange | None:
    """`opened` or `closed` when the workplace's state changes, None when it stays."""
    if now.open and not was_open:
        return "opened"
    if was_open and not now.open:
        return "closed"
    return None
