"""Matching rounds, and the answers to their proposals: workplaces accept through their
links (a few decline), guardians give late consent (or refuse), some participants
decline; repeated while new proposals come."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from praktik_cli.demo.applying import give_consent
from praktik_cli.demo.plan import DemoError
from shared.contracts import topics

if TYPE_CHECKING:  # the season calls its phases
    from praktik_cli.demo.season import Season


async def run_rounds(season: Season, program: str) -> None:
    codes = sorted({r.municipality_code for r in season.requests.values()
                    if r.program == program})
    season.step(f"matching rounds: {program}", len(codes))
    for code in codes:
        season.rounds.append(await season.call(
            "POST", f"{season.endpoints.matching}/matching/rounds",
            {"municipality_code": code, "program": program, "seed": season.plan.seed}))
        season.advance(1)


def _proposals(season: Season, seen: set[str]) -> list[dict[str, Any]]:
    mine = season.requests
    return [e["data"] for e in season.log.of("PlacementProposed", topics.MATCHING_EVENTS)
            if uuid.UUID(e["data"]["request_id"]) in mine
            and e["data"]["placement_id"] not in seen]


async def respond(season: Season, label: str) -> None:
    """Workplaces answer their proposals through their links; some decline; guardians
    give late consent; some participants decline; repeated while new proposals come."""
    declines = season.plan.workplace_declines
    participant_declines = season.plan.participant_declines
    season.step(label, 0)
    for _ in range(8):
        await season.settle("matching")
        fresh = _proposals(season, season.answered)
        if not fresh:
            break
        declines = await _workplaces_answer(season, fresh, declines)
        await season.settle("matching")
        await _guardians_answer(season, fresh)
        if participant_declines > 0:
            await season.settle("matching")
            participant_declines = await _participants_decline(season, fresh,
                                                               participant_declines)


async def _workplaces_answer(season: Season, fresh: list[dict[str, Any]],
                             declines: int) -> int:
    """Each proposal accepted, or (now and then, up to `declines`) declined by the
    workplace; returns the declines left."""
    jobs = []
    for proposal in fresh:
        season.answered.add(proposal["placement_id"])
        if declines > 0 and season.rng.random() < 0.1:
            declines -= 1
            jobs.append(_workplace_decline(season, proposal))
        else:
            jobs.append(_accept(season, proposal))
    await season.gather([_soft(season, j) for j in jobs])
    return declines


async def _guardians_answer(season: Season, fresh: list[dict[str, Any]]) -> None:
    """Guardians who said they would answer after the proposal: consent, or refusal."""
    late = []
    for proposal in fresh:
        participant = season.participants.get(uuid.UUID(proposal["participant_id"]))
        if participant is None:
            continue
        if participant.consent == "late":
            participant.consent = "given"
            late.append(give_consent(season, participant, proposal["program"], True))
        elif participant.consent == "refused":
            participant.consent = "refused-given"
            late.append(give_consent(season, participant, proposal["program"], False))
    await season.gather([_soft(season, j) for j in late])


async def _participants_decline(season: Season, fresh: list[dict[str, Any]],
                                declines: int) -> int:
    """Up to `declines` confirmed placements of these proposals declined by their
    participants; returns the declines left."""
    confirmed = [e["data"] for e in season.log.of("PlacementConfirmed")
                 if e["data"]["placement_id"] in {p["placement_id"] for p in fresh}]
    for placement in confirmed[: declines]:
        declines -= 1
        await _soft(season, _participant_decline(season, placement))
    return declines


async def _soft(season: Season, job: Awaitable[None]) -> None:
    """An answer a service fails (5xx) is recorded and the season goes on."""
    try:
        await job
    except DemoError as error:
        if " answered 5" not in str(error):
            raise
        season.failures.append(str(error))
        season.responses["failed"] += 1


async def _participant_decline(season: Season, placement: dict[str, Any]) -> None:
    await season.call(
        "POST", f"{season.endpoints.matching}/matching/placements/"
                f"{placement['placement_id']}/decline",
        {"by": "participant", "reason": "fick ett annat sommarjobb"}, ok=(200, 409))
    season.responses["participant_declined"] += 1


async def _accept(season: Season, proposal: dict[str, Any]) -> None:
    token = _token(proposal)
    answer = await season.call(
        "POST", f"{season.endpoints.matching}/matching/placements/"
                f"{proposal['placement_id']}/accept", {"token": token}, ok=(200, 409))
    season.responses["accepted" if answer and answer.get("status") else "no_longer_open"] += 1


async def _workplace_decline(season: Season, proposal: dict[str, Any]) -> None:
    await season.call(
        "POST", f"{season.endpoints.matching}/matching/placements/"
                f"{proposal['placement_id']}/workplace-decline",
        {"token": _token(proposal), "reason": "handledaren är föräldraledig den perioden"},
        ok=(200, 409))
    season.responses["workplace_declined"] += 1


def _token(proposal: dict[str, Any]) -> str:
    """The token in the supervisor's acceptance link (what the e-mail's link carries)."""
    url = proposal.get("acceptance_url")
    if not url:
        raise DemoError("a PlacementProposed without acceptance_url: cannot answer it")
    return parse_qs(urlparse(url).query)["token"][0]
