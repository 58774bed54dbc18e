"""The access log: who among staff read whose record, when, and why.

Swedish municipalities log each read of a person's record in social-services systems
(the "loggkontroll" of the patient and social-services data laws); Praktik does so for
participants, whose records hold needs that are health data. An entry names the reader
(the token's subject and role), the participant (by id only: no name, no identity
number), the record read and a code for why. The log is personal data too: it is kept
for `access_log_retention_days`, then purged; an auditor reads it, a coordinator cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

Purpose = Literal["case_handling", "placement", "consent", "follow_up", "correction",
                  "erasure", "audit"]
"""Why the record was opened: handling the person's matter (the default), a placement,
consent, following up a placement, correcting the record, an erasure, an audit."""
PURPOSES: tuple[str, ...] = get_args(Purpose)
DEFAULT_PURPOSE: Purpose = "case_handling"

Record = Literal["participant", "consents"]
"""What was read: the participant's record, or the guardians' consent answers."""


@dataclass(frozen=True)
class AccessEntry:
    reader: str
    reader_role: str
    participant_id: UUID
    municipality_code: str
    record: Record
    purpose: Purpose
    read_at: datetime


def purge_before(now: datetime, retention_days: int) -> datetime:
    """Entries read before this moment are past their retention."""
    return now - timedelta(days=retention_days)
