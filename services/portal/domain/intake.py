"""The intake requests registration refused, as a coordinator reads them: which sending
system sent what (by its own id for it), which fields failed and why; never the values.
The sending system fixes and sends again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.portal.domain.dates import read_moment


@dataclass(frozen=True)
class Rejection:
    source: str
    source_event_id: str
    reason: str
    rejected_at: datetime | None
    errors: list[tuple[str, str]]
    """Each failing field and registration's reason."""


@dataclass(frozen=True)
class IntakePage:
    municipality: str
    municipalities: tuple[str, ...]
    rejections: list[Rejection]


def rejection(entry: Mapping[str, Any]) -> Rejection:
    errors = [(str(e.get("field") or ""), str(e.get("message") or ""))
              for e in entry.get("errors") or [] if isinstance(e, dict)]
    return Rejection(str(entry.get("source") or ""), str(entry.get("source_event_id") or ""),
                     str(entry.get("reason") or ""), read_moment(entry.get("rejected_at")),
                     errors)
