"""What the welcome letter tells about an offer's first day and every working day:
arrival time and place, working hours, what to bring, the contact person on site (the
supervisor when none is named). All optional: a letter leaves out what is not given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from services.registration.domain import commands
from services.registration.domain import validation as v

MAX_BRING = 500


@dataclass(frozen=True)
class WelcomeFacts:
    arrival_time: time | None = None
    arrival_place: str | None = None
    work_starts: time | None = None
    work_ends: time | None = None
    bring: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


def _bring(value: str | None) -> str | None:
    if value is None:
        return None
    return v.text(value, required=False, max_length=MAX_BRING) or None


def clock(value: time | None) -> str | None:
    """A time of day as people write it: `08:30`."""
    return None if value is None else value.strftime("%H:%M")


def _local(name: str, value: time | None, problems: v.Problems) -> None:
    if value is not None and value.tzinfo is not None:
        problems.add(name, "a local time of day, without an offset (08:30)")


def check_welcome(problems: v.Problems, cmd: commands.OfferPlacementSlots) -> WelcomeFacts:
    """The welcome facts of an offer, normalised; each failing field added to `problems`."""
    place = problems.check("arrival_place", v.optional_text, cmd.arrival_place)
    bring = problems.check("bring", _bring, cmd.bring)
    name = problems.check("contact_name", v.optional_text, cmd.contact_name)
    phone = problems.check("contact_phone", v.phone, cmd.contact_phone)
    for moment in ("arrival_time", "work_starts", "work_ends"):
        _local(moment, getattr(cmd, moment), problems)
    if (cmd.work_starts is None) != (cmd.work_ends is None):
        named = "work_ends" if cmd.work_ends is None else "work_starts"
        problems.add(named, "give both work_starts and work_ends, or neither")
    elif cmd.work_starts is not None and cmd.work_ends is not None \
            and cmd.work_ends <= cmd.work_starts:
        problems.add("work_ends", "must be after work_starts")
    if phone is not None and name is None:
        problems.add("contact_name", "a contact phone needs the contact person's name")
    return WelcomeFacts(cmd.arrival_time, place, cmd.work_starts, cmd.work_ends, bring,
                        name, phone)
