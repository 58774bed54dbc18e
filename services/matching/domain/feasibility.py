"""When may a participant be placed at an offer: the rules, with a reason code for each.

A reason code names the rule that blocked a pair; a waitlisted request carries the
codes of every rule that blocked it, so a coordinator can see what to fix:

| code | rule |
|---|---|
| `program` | no offer of the request's programme in its municipality |
| `period` | the offer does not cover (rounds) / overlap (continuous) the requested period |
| `workplace_not_open` | the workplace is not open: its manager has not attended the breakfast
  meeting, or it has no certified supervisor (training's `WorkplaceOpened`/`WorkplaceClosed`) |
| `no_certified_supervisor` | the offer's supervisor has no valid certificate |
| `certificate_ends_before_period` | the supervisor's certificate runs out before the
  placement's last day |
| `supervisor_left` | the offer's supervisor has left the workplace (or was erased) |
| `variant` | the offer is for the other summer-job variant |
| `age` | the participant is younger than the offer's or the workplace's minimum age |
| `client_contact` | a minor or prao student, a workplace with client contact, and an
  offer not marked without client contact |
| `needs` | a need of the participant is not among what the offer supports |
| `consent` | a guardian refused consent for the programme |
| `no_capacity` | feasible, but the offer's places or the supervisor's maximum are taken |
| `declined` | this request already had (and lost) a placement at this offer |
| `preferences_unavailable` | the request is placed only at one of its preferences
  (`only_preferences`), and every offer it prefers is full or blocked |
| `participant_unknown`, `workplace_unknown` | not yet seen the participant / workplace |
| `awaiting_round` | a prao or summer request waits for the next matching round |
| `already_placed` | the participant holds an open placement in this programme already |

Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import date

from shared.contracts.types import ROUND_PROGRAMS

PROGRAM = "program"
PERIOD = "period"
NO_CERTIFIED_SUPERVISOR = "no_certified_supervisor"
CERTIFICATE_ENDS_BEFORE_PERIOD = "certificate_ends_before_period"
WORKPLACE_NOT_OPEN = "workplace_not_open"
SUPERVISOR_LEFT = "supervisor_left"
VARIANT = "variant"
PREFERENCES_UNAVAILABLE = "preferences_unavailable"
AGE = "age"
CLIENT_CONTACT = "client_contact"
NEEDS = "needs"
CONSENT = "consent"
NO_CAPACITY = "no_capacity"
DECLINED = "declined"
PARTICIPANT_UNKNOWN = "participant_unknown"
WORKPLACE_UNKNOWN = "workplace_unknown"
AWAITING_ROUND = "awaiting_round"
ALREADY_PLACED = "already_placed"

ADULT_AGE = 18


def age_at(birth_date: date, day: date) -> int:
    """Completed years on `day`."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_round_program(program: str) -> bool:
    """prao and summer jobs are allocated in rounds; the others continuously."""
    return program in ROUND_PROGRAMS


def restricted_from_client_contact(program: str, age: int) -> bool:
    """A prao student or any minor never meets clients nor client data (seed 000)."""
    return program == "prao" or age < ADULT_AGE


def needs_consent(program: str, age: int) -> bool:
    """A minor's placement (and every prao placement) is confirmed only with guardian consent."""
    return program == "prao" or age < ADULT_AGE


def placement_period(
    program: str, request: tuple[date, date], offer: tuple[date, date]
) -> tuple[date, date] | None:
    """The period a placement would have, or None when the periods do not fit.

    Rounds (prao, summer jobs): the offer must cover the requested period, which is
    the placement's. Continuous programmes: the periods must overlap; the placement
    runs over the overlap.
    """
    (r_start, r_end), (o_start, o_end) = request, offer
    if is_round_program(program):
        if o_start <= r_start and o_end >= r_end:
            return r_start, r_end
        return None
    start, end = max(r_start, o_start), min(r_end, o_end)
    return (start, end) if start <= end else None


def certificate_reasons(valid_until: date | None, last_day: date) -> list[str]:
    """Why a supervisor certified until `valid_until` (None: not certified, or expired)
    cannot take a placement ending on `last_day`: certified for the whole period or not."""
    if valid_until is None:
        return [NO_CERTIFIED_SUPERVISOR]
    return [CERTIFICATE_ENDS_BEFORE_PERIOD] if valid_until < last_day else []


def variant_fits(offer_variant: str | None, request_variant: str | None) -> bool:
    """An offer for one summer-job variant takes only requests of that variant."""
    return offer_variant is None or offer_variant == request_variant


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
