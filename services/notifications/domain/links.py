"""The links in messages: `{public_base_url}/l/{token}`, the token signed with the shared
`link_secret` (shared.links), one purpose and one recipient per link (docs/portal.md).

Expiry, as docs/portal.md agrees: consent until `consent_by` (else the placement's first day),
workplace_answer until `accept_by`, offer_answer until `answer_by`, enrolment until the
session starts, evaluation 30 days after the session, opt_out 365 days.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.links import LinkSigner, Purpose

EVALUATION_DAYS = 30
OPT_OUT_DAYS = 365
NAMESPACE = uuid.UUID("3c0f6f64-0d1e-4a8e-9d53-7b1f4f6f2a10")


@dataclass(frozen=True)
class Links:
    base_url: str
    signer: LinkSigner
    timezone: str = "Europe/Stockholm"
    seed: str | None = None
    """The message's cause: a token's id is then derived from it, the purpose and the
    recipient, so a cause event planned again writes the same links."""

    def link(self, purpose: Purpose, subject: UUID, recipient: UUID, until: datetime,
             municipality_code: str | None, channel: str | None = None) -> str:
        token_id = (uuid.uuid5(NAMESPACE, f"{self.seed}|{purpose}|{subject}|{recipient}").hex
                    if self.seed is not None else None)
        token = self.signer.sign(purpose, subject, recipient, until, municipality_code,
                                 channel=channel, token_id=token_id)
        return f"{self.base_url.rstrip('/')}/l/{token}"

    def draw(self, round_id: UUID | None, request_id: UUID) -> str | None:
        """The published draw of the round a request took part in, marking the request
        (the portal's `/omgang/{round}`); None when no round placed it."""
        if round_id is None:
            return None
        return f"{self.base_url.rstrip('/')}/omgang/{round_id}?forfragan={request_id}"

    def start_page(self) -> str:
        """The portal's start page (the coordinators' digest links there)."""
        return f"{self.base_url.rstrip('/')}/"

    def first_day(self, day: date) -> datetime:
        """The start of a placement's first day, local time: a consent link's end."""
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone))

    def consent(self, placement_id: UUID, guardian_id: UUID, period_start: date,
                municipality_code: str | None, consent_by: datetime | None = None) -> str:
        """Until the consent deadline when there is one (then the place moves on), else
        until the first day."""
        return self.link("consent", placement_id, guardian_id,
                         consent_by or self.first_day(period_start), municipality_code)

    def workplace_answer(self, placement_id: UUID, supervisor_id: UUID,
                         accept_by: datetime | None, period_start: date,
                         municipality_code: str | None) -> str:
        until = accept_by or self.first_day(period_start)
        return self.link("workplace_answer", placement_id, supervisor_id, until,
                         municipality_code)

    def offer_answer(self, placement_id: UUID, person_id: UUID, answer_by: datetime,
                     municipality_code: str | None) -> str:
        return self.link("offer_answer", placement_id, person_id, answer_by, municipality_code)

    def enrolment(self, session_id: UUID, person_id: UUID, starts_at: datetime,
                  municipality_code: str | None) -> str:
        return self.link("enrolment", session_id, person_id, starts_at, municipality_code)

    def evaluation(self, session_id: UUID, person_id: UUID, ended_at: datetime,
                   municipality_code: str | None) -> str:
        return self.link("evaluation", session_id, person_id,
                         ended_at + timedelta(days=EVALUATION_DAYS), municipality_code)

    def opt_out(self, person_id: UUID, channel: str, now: datetime,
                municipality_code: str | None) -> str:
        return self.link("opt_out", person_id, person_id, now + timedelta(days=OPT_OUT_DAYS),
                         municipality_code, channel=channel)
