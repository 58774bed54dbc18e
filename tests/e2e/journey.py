"""What a played season's people were sent, and where their placements stand, read
through the services' HTTP APIs and the bus log (for tests/e2e/test_public_pages.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from devkit.mail import SmtpCatcher, message_text
from devkit.wait import eventually
from praktik_cli.demo.inbox import CaughtLink
from praktik_cli.demo.records import Participant
from praktik_cli.demo.season import Season


def proposals(season: Season) -> list[dict[str, Any]]:
    return [e["data"] for e in season.log.of("PlacementProposed")
            if uuid.UUID(e["data"]["request_id"]) in season.requests]


def events_about(season: Season, type_: str, placement_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in season.log.of(type_)
            if e["data"].get("placement_id") == placement_id]


async def link_for(season: Season, purpose: str, subject: str, person: uuid.UUID,
                   address: str | None, channel: str = "email") -> CaughtLink:
    """The link in the person's own message (to their address, on that channel)."""
    found = await eventually(
        lambda: _refreshed(season, purpose, subject, person, address, channel), 90,
        f"a {purpose} link to {address} on {channel}", interval_s=0.5)
    assert isinstance(found, CaughtLink)
    return found


async def _refreshed(season: Season, purpose: str, subject: str, person: uuid.UUID,
                     address: str | None, channel: str) -> CaughtLink | None:
    await season.inbox.refresh(season.client)
    return next((link for link in reversed(season.inbox.links)
                 if (link.purpose, str(link.subject), link.recipient, link.channel) ==
                 (purpose, subject, person, channel)
                 and (address is None or link.address == address.lower())), None)


async def placement(season: Season, placement_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await season.call(
        "GET", f"{season.endpoints.matching}/matching/placements/{placement_id}")
    return found


async def status_becomes(season: Season, placement_id: str, *statuses: str) -> str:
    async def now() -> str | None:
        found = str((await placement(season, placement_id))["status"])
        return found if found in statuses else None

    result = await eventually(now, 60, f"placement {placement_id} to be {statuses}",
                              interval_s=0.5)
    return str(result)


def supervisor_of(season: Season, proposal: dict[str, Any]) -> Any:
    return next(s for s in season.supervisors if str(s.id) == proposal["supervisor_id"])


def participant_of(season: Season, proposal: dict[str, Any]) -> Participant:
    return season.participants[uuid.UUID(proposal["participant_id"])]


def season_mail(season: Season) -> Any:
    """(subject, text) of the caught e-mails to an address since a moment."""
    catcher = SmtpCatcher(season.endpoints.mail_dir)

    def mail(address: str, since: datetime) -> list[tuple[str, str]]:
        found = []
        for entry in catcher.messages():
            received = datetime.fromisoformat(entry["received_at"])
            if address in [a.lower() for a in entry["rcpt_tos"]] and received >= since:
                found.append((entry["subject"], message_text(catcher.read(entry))))
        return found

    return mail


async def wished_by_the_waiting(season: Season) -> set[str]:
    """The offers that a waitlisted request of the season wishes for and could take but
    for their being full (from matching's explanation): where a freed place goes on."""
    wished: set[str] = set()
    matching = season.endpoints.matching
    for request_id in season.requests:
        request = await season.call("GET", f"{matching}/matching/requests/{request_id}")
        if request["status"] != "waitlisted":
            continue
        why = await season.call(
            "GET", f"{matching}/matching/requests/{request_id}/explanation")
        wished |= {o["offer_id"] for o in why["offers"]
                   if o["feasible"] and o["preference_rank"] is not None}
    return wished
