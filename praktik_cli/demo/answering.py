"""Matching rounds, and the answers to their proposals, given as the people would: each
follows the link in the message the system sent them (found in the caught e-mails and
SMS, `inbox.py`) and answers through the service's link API, as the portal's page does
(docs/portal.md). Workplaces accept (a few decline, with a reason), guardians who waited
for the proposal consent (or refuse), participants accept their offers (a few decline);
repeated while new proposals come (a decline moves the place on)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from praktik_cli.demo.plan import DemoError
from shared.contracts import topics

if TYPE_CHECKING:  # the season calls its phases
    from praktik_cli.demo.inbox import CaughtLink
    from praktik_cli.demo.records import Participant
    from praktik_cli.demo.season import Season

WORKPLACE_DECLINE = "supervisor_unavailable"
PARTICIPANT_DECLINE = "Jag har fått ett annat sommarjobb."
REFUSAL = "Vi vill inte att vårt barn gör praktik i sommar."


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
            and e["data"]["placement_id"] not in seen
            and uuid.UUID(e["data"]["participant_id"]) not in season.erased]


async def respond(season: Season, label: str) -> None:
    """Everyone asked answers through their link; repeated while new proposals come."""
    declines = season.plan.workplace_declines
    participant_declines = season.plan.participant_declines
    season.step(label, 0)
    for _ in range(8):
        await season.settle("matching")
        fresh = _proposals(season, season.answered)
        if not fresh:
            break
        declines, accepted = await _workplaces_answer(season, fresh, declines)
        await _guardians_answer(season, accepted)
        participant_declines = await _participants_answer(season, accepted,
                                                          participant_declines)


async def follow(season: Season, purpose: str, subject: str, person: uuid.UUID,
                 address: str | None) -> CaughtLink | None:
    """The link the person got for that purpose and thing; a failure when none came."""
    link = await season.inbox.wait_for(season.client, purpose, uuid.UUID(subject), person,
                                       address)
    if link is None:
        season.failures.append(f"no {purpose} link for {person} about {subject}")
        season.responses[f"{purpose}_link_missing"] += 1
    return link


async def answer(season: Season, service: str, link: CaughtLink, body: dict[str, Any]
                 ) -> Any:
    """What the portal's page does with a person's answer: the link's API, the token in
    the header. A link used up already, or a placement no longer open, is 409."""
    base = getattr(season.endpoints, service)
    try:
        return await season.call("POST", f"{base}/{service}/links/{link.purpose}", body,
                                 ok=(200, 201, 204, 409), link=link.token)
    except DemoError as error:
        if " answered 5" not in str(error):
            raise
        season.failures.append(str(error))
        season.responses["failed"] += 1
        return None


async def _workplaces_answer(season: Season, fresh: list[dict[str, Any]],
                             declines: int) -> tuple[int, list[dict[str, Any]]]:
    """Each proposal accepted by its supervisor, or (now and then, up to `declines`)
    declined with a reason; returns the declines left and the proposals accepted."""
    accepted: list[dict[str, Any]] = []
    jobs = []
    # About one in ten declines, at least one a round while any are left to give.
    count = min(declines, max(1, len(fresh) // 10))
    declining = set(season.rng.sample(range(len(fresh)), count)) if count else set()
    for n, proposal in enumerate(fresh):
        season.answered.add(proposal["placement_id"])
        if n not in declining:
            accepted.append(proposal)
        jobs.append(_workplace(season, proposal, n in declining))
    await season.gather(jobs)
    return declines - count, accepted


async def _workplace(season: Season, proposal: dict[str, Any], decline: bool) -> None:
    supervisor = next((s for s in season.supervisors
                       if str(s.id) == proposal["supervisor_id"]), None)
    if supervisor is None:
        return  # an earlier season's supervisor: not ours to answer for
    link = await follow(season, "workplace_answer", proposal["placement_id"], supervisor.id,
                        supervisor.person.email)
    if link is None:
        return
    body: dict[str, Any] = ({"accept": False, "reason": WORKPLACE_DECLINE} if decline
                            else {"accept": True})
    await answer(season, "matching", link, body)
    season.responses["workplace_declined" if decline else "workplace_accepted"] += 1


async def _guardians_answer(season: Season, accepted: list[dict[str, Any]]) -> None:
    """Guardians who said they would answer after the proposal: consent (each of them,
    as a municipality whose rule is `both` needs), or a refusal from one."""
    jobs = []
    for proposal in accepted:
        participant = season.participants.get(uuid.UUID(proposal["participant_id"]))
        if participant is None or not proposal.get("consent_required"):
            continue
        if participant.consent == "late":
            participant.consent = "given"
            jobs += [_consent(season, proposal, participant, g, True)
                     for g in range(len(participant.guardians))]
        elif participant.consent == "refused":
            participant.consent = "refused-given"
            jobs.append(_consent(season, proposal, participant, 0, False))
    await season.gather(jobs)


async def _consent(season: Season, proposal: dict[str, Any], participant: Participant,
                   index: int, granted: bool) -> None:
    guardian = participant.guardians[index]
    assert guardian.id is not None
    link = await follow(season, "consent", proposal["placement_id"], guardian.id,
                        guardian.email)
    if link is None:
        return
    await answer(season, "registration", link,
                 {"granted": granted, "message": None if granted else REFUSAL})
    season.record_consent(participant.id, proposal["program"], granted)


async def _participants_answer(season: Season, accepted: list[dict[str, Any]],
                               declines: int) -> int:
    """Each offer that asks for an answer accepted by the participant (and a guardian
    where the municipality asks one), or, up to `declines`, declined by the
    participant; returns the declines left."""
    jobs = []
    for proposal in accepted:
        participant = season.participants.get(uuid.UUID(proposal["participant_id"]))
        if participant is None or not proposal.get("answer_by"):
            continue
        decline = declines > 0 and participant.consent in ("none", "early", "given")
        if decline:
            declines -= 1
        jobs.append(_offer(season, proposal, participant, decline))
    await season.gather(jobs)
    return declines


async def _offer(season: Season, proposal: dict[str, Any], participant: Participant,
                 decline: bool) -> None:
    link = await follow(season, "offer_answer", proposal["placement_id"], participant.id,
                        participant.person.email)
    if link is None:
        return
    body = {"accept": not decline, "reason": PARTICIPANT_DECLINE if decline else None}
    await answer(season, "matching", link, body)
    season.responses["participant_declined" if decline else "participant_accepted"] += 1
    if decline or not proposal.get("guardian_answer"):
        return
    for guardian in participant.guardians:
        assert guardian.id is not None
        found = await follow(season, "offer_answer", proposal["placement_id"], guardian.id,
                             guardian.email)
        if found is not None:
            await answer(season, "matching", found, {"accept": True, "reason": None})
            season.responses["guardian_accepted_offer"] += 1
            return  # one guardian's answer is the guardians'
