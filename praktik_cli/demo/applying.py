"""Participants apply: summer youths and prao students (minors with guardians, who give
consent now, later, or never) and adults for work trials, each with a request."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

from praktik_cli.demo.people import Person, synthetic_identity_number
from praktik_cli.demo.plan import PRAO, SUMMER_REQUESTS, WORK_TRIAL, DemoError
from praktik_cli.demo.records import NEEDS, Participant, Request, age_on, needs_consent

if TYPE_CHECKING:  # the season calls its phases
    from praktik_cli.demo.season import Season


def _share(season: Season, total: int) -> dict[str, int]:
    """Split `total` over the municipalities in proportion to their workplaces."""
    weights = season.plan.workplaces
    whole = sum(weights.values())
    share = {c: total * n // whole for c, n in weights.items()}
    for code in list(weights)[: total - sum(share.values())]:
        share[code] += 1
    return share


async def apply(season: Season, program: str, total: int, label: str) -> None:
    """Participants and their requests (minors with guardians and consent)."""
    if total <= 0:
        return
    season.step(label, total)
    jobs = []
    for code, count in _share(season, total).items():
        occupations = sorted({o.occupation for o in season.offers
                              if o.municipality_code == code and o.program == program})
        for n in range(count):
            jobs.append(_apply_one(season, program, code, n, occupations))
    await season.gather(jobs)


Ages = tuple[int, int, date]
"""Aged youngest..oldest on a day: the band a demo participant is drawn from."""


def _school_years(start: date, first: int, last: int) -> Ages:
    """A child in school years first..last on `start` (year N runs from August of the
    year of birth + 6 + N): born in the years autumn − 6 − last to autumn − 6 − first,
    that is aged first + 6 to last + 6 at the New Year after that autumn."""
    autumn = start.year if start.month >= 8 else start.year - 1
    return first + 6, last + 6, date(autumn, 12, 31)


def _period(rng: random.Random, program: str, n: int) -> tuple[date, date, Ages]:
    """(start, end, ages) of the n-th request of a programme, inside the default age rules
    (prao: school years 8–9; feriepraktik: year 8; feriearbete: 16–19; adults 18+)."""
    if program == "summer_job":
        start, end = SUMMER_REQUESTS[n % 2]
        if rng.random() < 0.3:
            return start, end, _school_years(start, 8, 8)
        return start, end, (16, 17, start) if rng.random() < 0.8 else (18, 19, start)
    if program == "prao":
        return *PRAO, _school_years(PRAO[0], 8, 9)
    return (WORK_TRIAL[0] + timedelta(days=14), WORK_TRIAL[1] - timedelta(days=21),
            (24, 60, WORK_TRIAL[0]))


async def _apply_one(season: Season, program: str, code: str, n: int,
                     occupations: list[str]) -> None:
    """One participant, registered, and their request (the draws in a fixed order)."""
    rng = season.rng
    start, end, band = _period(rng, program, n)
    share = season.plan.phone_share * (2 if program == "work_trial" else 1)
    person = season.people.make(phone=rng.random() < share)
    gender = rng.choices(("female", "male", "other", "unspecified"), (48, 48, 2, 2))[0]
    needs = rng.sample(NEEDS, rng.choice((1, 1, 2))) if program == "work_trial" else []
    language = rng.choices(("sv", "ar", "en", "so"), (85, 7, 5, 3))[0]
    person.language = language  # as registration holds it, and notifications writes in it
    participant = await _register(season, program, code, n, person, band, start, gender,
                                  needs, language)
    wishes = 1 if season.plan.one_wish else rng.choice((1, 2, 3))
    preferences = [{"occupation": o} for o in rng.sample(
        occupations, min(len(occupations), wishes))]
    out = await season.call("POST", f"{season.endpoints.registration}/requests", {
        "external_ref": f"demo-{season.plan.tag}-r-{program}-{code}-{n}",
        "participant_id": str(participant.id), "municipality_code": code,
        "program": program, "period_start": start.isoformat(),
        "period_end": end.isoformat(), "preferences": preferences, "needs": needs,
        "priority": 1 if rng.random() < 0.08 else 0,
        "only_preferences": season.plan.one_wish,
    })
    request = Request(uuid.UUID(out["request_id"]), participant.id, code, program, start,
                      end)
    season.requests[request.id] = request


async def _register(season: Season, program: str, code: str, n: int, person: Person,
                    band: Ages, start: date, gender: str, needs: list[str],
                    language: str) -> Participant:
    """The participant (a minor with guardians), with a birth date no one has yet; how
    the guardians will answer; consent given now where they give it with the application."""
    guardians: list[Person] = []
    for attempt in range(20):
        born = season.born(*band)
        minor = age_on(born, date.today()) < 18 or age_on(born, start) < 18
        if minor and not guardians:
            guardians = [season.people.make(phone=season.rng.random() < 0.5)
                         for _ in range(season.rng.choice((1, 2)))]
        try:
            out = await season.call("POST", f"{season.endpoints.registration}/participants", {
                "external_ref": f"demo-{season.plan.tag}-p-{program}-{code}-{n}",
                "municipality_code": code,
                "personal_identity_number": synthetic_identity_number(born),
                "name": person.name, "email": person.email, "phone": person.phone,
                "sms_allowed": person.sms_allowed, "gender": gender,
                "preferred_language": language, "needs": needs,
                "guardians": [{"name": g.name, "email": g.email, "phone": g.phone,
                               "language": "sv", "sms_allowed": g.sms_allowed}
                              for g in guardians],
            })
            break
        except DemoError as error:
            # An earlier season registered someone with this birth date (and so this
            # identity number): another date, another person.
            if "under another external_ref" not in str(error) or attempt == 19:
                raise
    person.id = uuid.UUID(out["participant_id"])
    for guardian, given in zip(guardians, out["guardians"], strict=False):
        guardian.id = uuid.UUID(given["guardian_id"])
    participant = Participant(person.id, code, born, gender, person, needs, guardians)
    if needs_consent(program, born, start):
        participant.consent = season.rng.choices(("early", "late", "refused", "never"),
                                                 season.plan.consent_weights)[0]
    season.participants[participant.id] = participant
    if participant.consent == "early":
        # On the paper form with the application, keyed in by the coordinator: from
        # every guardian where the municipality's rule is that both must consent.
        both = season.profiles.get(code, {}).get("consent_rule") == "both"
        for index in range(len(guardians) if both else 1):
            await give_consent(season, participant, program, True, index)
    return participant


async def give_consent(season: Season, participant: Participant, program: str,
                       granted: bool, guardian_index: int = 0) -> None:
    await season.call("POST", f"{season.endpoints.registration}/participants/"
                              f"{participant.id}/consents",
                      {"guardian_index": guardian_index, "program": program,
                       "granted": granted})
    season.record_consent(participant.id, program, granted)
