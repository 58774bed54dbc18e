"""What is asked and what is given: offers, requests and placements (plain values).

The life of a placement:

- `proposed`: the Book offered a place to a request. The workplace's supervisor has
  until `accept_by` (the programme's deadline) to accept or decline. Where the
  municipality asks it for the programme, the participant has until `answer_by` (the
  end of the Nth Swedish working day) to accept or decline the offer, and for a minor,
  where the municipality asks it, a guardian too (`guardian_answer`); these answers
  may come in any order (`participant_accepted_at`, `guardian_accepted_at`).
- `accepted`: the workplace said yes (`accepted_at`).
- `confirmed`: the workplace accepted, the participant accepted (when asked), a
  guardian accepted (when asked), and the guardians' consent is granted (when the
  programme and age need it). Whichever of these comes last confirms.
- `declined` ends it, by the workplace (its answer, or `accept_by` passed), the
  participant or guardian (their answer, or `answer_by` passed), or the guardian's
  refused consent (`declined_by`, `end_reason`); `cancelled` ends it from outside (the
  request or the offer withdrawn, the participant erased, the supervisor's certificate
  expired, the consent not in by `consent_by`; or `moved_to_preferred`: a round's
  participant moved up to a place they ranked higher). Both free the place, which goes
  to the next in line (after a round: in the round's order, rematch.py); the request
  waits again for another offer.
- `completed` records the outcome of a confirmed placement, on or after its last day or
  earlier with the day it ended and why (`ended_on`, outcomes.py); six months on, its
  follow-up (`follow_up_outcome`).

Every answer that holds a place has a deadline, the guardians' consent too
(`consent_by`); halfway to it the party is reminded, and when it passes the place moves
on (deadlines.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from services.matching.domain.rounds import Preference
from shared.contracts.types import SummerJobVariant

OPEN = frozenset({"proposed", "accepted", "confirmed"})
"""The statuses of an open placement."""
OPEN_REQUEST = frozenset({"awaiting_round", "waitlisted", "reopened", "placed"})
"""The statuses of a request the Book keeps."""
UNPLACED = frozenset({"awaiting_round", "waitlisted", "reopened"})


@dataclass(slots=True)
class Offer:
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    program: str
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None = None
    without_client_contact: bool = False
    supports: frozenset[str] = frozenset()
    withdrawn: bool = False
    held: int = 0
    """Places taken by proposed, accepted, confirmed or completed placements."""
    variant: SummerJobVariant | None = None
    """For `summer_job`: the one variant these places are for; None: either."""

    @property
    def period(self) -> tuple[date, date]:
        return self.period_start, self.period_end


@dataclass(slots=True)
class Request:
    request_id: UUID
    participant_id: UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date
    preferences: tuple[Preference, ...]
    needs: frozenset[str]
    priority: int
    requested_at: datetime
    status: str = "waitlisted"
    reasons: tuple[str, ...] = ()
    lottery: int | None = None
    """The lottery number of the last round this request took part in."""
    variant: SummerJobVariant | None = None
    """For `summer_job`: feriepraktik or feriearbete."""
    only_preferences: bool = False
    """Placed only at one of `preferences`, else waitlisted (`preferences_unavailable`)."""
    round_id: UUID | None = None
    """The last round this request took part in: with `priority` and `lottery`, its
    place in that round's order, which the places freed after it follow (rematch.py)."""

    def order_key(self) -> tuple[int, int, datetime, str]:
        """Waitlist order: priority (higher first), last round's lottery, arrival."""
        return (-self.priority, self.lottery if self.lottery is not None else 0,
                self.requested_at, str(self.request_id))


@dataclass(slots=True)
class Placement:
    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date
    preference_rank: int | None
    round_id: UUID | None
    status: str
    consent_required: bool
    proposed_at: datetime
    accept_by: datetime
    priority: int
    gender: str
    sector: str
    accepted_at: datetime | None = None
    confirmed_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    outcome: str | None = None
    answer_by: datetime | None = None
    """Until when the participant answers the offer; None when no answer is asked."""
    guardian_answer: bool = False
    """A guardian of the minor answers the offer too."""
    participant_accepted_at: datetime | None = None
    guardian_accepted_at: datetime | None = None
    guardian_accepted_by: UUID | None = None
    declined_by: str | None = None
    """Who declined (`workplace`, `participant`, `guardian`), once declined."""
    consent_by: datetime | None = None
    """Until when the guardians' consent may come (when `consent_required`)."""
    guardian_answer_by: datetime | None = None
    """Until when a guardian answers the offer (when `guardian_answer`)."""
    reminded: list[str] = field(default_factory=list)
    """The parties reminded of their deadline (deadlines.py): each once."""
    ended_on: date | None = None
    """A completed placement's last day, or the day it ended early (outcomes.py)."""
    follow_up_outcome: str | None = None
    """What the participant was doing six months after `ended_on`."""
    followed_up_on: date | None = None

    @property
    def period(self) -> tuple[date, date]:
        return self.period_start, self.period_end

