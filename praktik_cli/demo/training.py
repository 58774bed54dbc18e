"""This autumn's training: managers at breakfast meetings, supervisors at base courses,
attendance (which certifies) and costs. The evaluations are the attendees' own: each
answers through the link in the letter after the course (`/training/links/evaluation`),
as the portal's form would send it.

The sessions lie in the four weeks before today, so that their evaluation links (valid
30 days after a session) still hold when the attendees answer."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from praktik_cli.demo.answering import answer, follow
from praktik_cli.demo.people import Person
from praktik_cli.demo.plan import COUNTY
from praktik_cli.demo.records import Supervisor

if TYPE_CHECKING:  # the season calls its phases
    from praktik_cli.demo.season import Season


async def train(season: Season) -> None:
    """Breakfast meetings and base courses last autumn, with attendance and costs."""
    trn = season.endpoints.training
    codes = season.plan.municipalities
    supervisors = season.supervisors
    courses = max(1, min(4, len(codes)))
    seats = math.ceil(len(supervisors) / courses) + 2
    total = len(codes) + courses + len(season.workplaces) + len(supervisors)
    season.step("breakfast meetings and base courses", total)
    breakfasts: dict[str, dict[str, Any]] = {}
    for n, code in enumerate(codes):
        day = _at(date.today() - timedelta(days=26 - 2 * n), time(6, 30))
        digital = code in ("1315", "1381")
        breakfasts[code] = await season.call("POST", f"{trn}/sessions", {
            "course": "manager_breakfast", "starts_at": day.isoformat(),
            "ends_at": (day + timedelta(hours=1, minutes=30)).isoformat(),
            "municipality_code": code, "digital": digital,
            "venue": "Teams" if digital else f"Stadshuset {COUNTY.get(code, code)}",
            "capacity": 40, "trainers": ["Samordningsförbundet Halland"],
        })
        season.advance(1)
    bases: list[dict[str, Any]] = []
    for n in range(courses):
        code = codes[n % len(codes)]
        day = _at(date.today() - timedelta(days=7 * (courses - n)), time(7, 0))
        bases.append(await season.call("POST", f"{trn}/sessions", {
            "course": "base_course", "starts_at": day.isoformat(),
            "ends_at": (day + timedelta(hours=8)).isoformat(), "municipality_code": code,
            "venue": f"Folkets hus {COUNTY.get(code, code)}", "capacity": seats,
            "trainers": ["Samordningsförbundet Halland", "Arbetsförmedlingen"],
        }))
        season.advance(1)
    season.sessions = {"manager_breakfast": list(breakfasts.values()), "base_course": bases}

    def unknown_yet(response: httpx.Response) -> bool:  # training has not seen them yet
        return response.status_code == 422 and "known from registration" in response.text

    async def enrol(session_id: str, person: Person) -> None:
        await season.call("POST", f"{trn}/sessions/{session_id}/enrolments", {
            "person_id": str(person.id), "name": person.name,
            "dietary_needs": season.rng.choice(([], [], [], ["vegetarian"],
                                              ["gluten-free"]))},
            retry=unknown_yet)

    await season.gather([enrol(breakfasts[w.municipality_code]["session_id"], w.manager)
                       for w in season.workplaces])
    by_course: dict[str, list[Supervisor]] = defaultdict(list)
    for n, supervisor in enumerate(supervisors):
        by_course[bases[n % courses]["session_id"]].append(supervisor)
    await season.gather([enrol(session_id, s.person)
                       for session_id, group in by_course.items() for s in group])
    for code, session in breakfasts.items():
        managers = [w for w in season.workplaces if w.municipality_code == code]
        await _attendance(season, session, [w.manager.id for w in managers if w.manager_attends],
                               [w.manager.id for w in managers if not w.manager_attends])
    for session in bases:
        group = by_course[session["session_id"]]
        await _attendance(season, session, [s.id for s in group if s.attends],
                               [s.id for s in group if not s.attends])
    if season.plan.people_answer:
        await _evaluations(season, breakfasts, by_course)


def _at(day: date, at: time) -> datetime:
    """A weekday at that time (UTC): a weekend day moves back to its Friday."""
    day -= timedelta(days=max(0, day.weekday() - 4))
    return datetime.combine(day, at, tzinfo=UTC)


COMMENTS = ("Bra dag, mycket att ta med sig.", "Nyttigt att höra hur andra gör.", None,
            "Gärna mer om hur man ger återkoppling.", None)


async def _evaluations(season: Season, breakfasts: dict[str, dict[str, Any]],
                       by_course: dict[str, list[Supervisor]]) -> None:
    """Most attendees answer the evaluation from the link in their e-mail."""
    attendees: list[tuple[str, Person]] = [
        (breakfasts[w.municipality_code]["session_id"], w.manager)
        for w in season.workplaces if w.manager_attends]
    attendees += [(session_id, s.person) for session_id, group in by_course.items()
                  for s in group if s.attends]
    answering = [(sid, p) for sid, p in attendees if season.rng.random() < 0.8]
    season.step("course evaluations, by link", len(answering))
    await season.gather([_evaluate(season, sid, p) for sid, p in answering])


async def _evaluate(season: Season, session_id: str, person: Person) -> None:
    assert person.id is not None
    link = await follow(season, "evaluation", session_id, person.id, person.email)
    if link is None:
        return
    await answer(season, "training", link, {
        "overall": season.rng.choice((3, 4, 4, 5, 5)),
        "usefulness": season.rng.choice((3, 4, 5, 5)),
        "comment": season.rng.choice(COMMENTS)})
    season.responses["evaluations"] += 1


async def _attendance(season: Season, session: dict[str, Any], present: list[uuid.UUID | None],
                      absent: list[uuid.UUID | None]) -> None:
    trn = season.endpoints.training
    sid = session["session_id"]
    roster = await season.call("GET", f"{trn}/sessions/{sid}/enrolments")
    enrolled = {r["person_id"] for r in roster if r["status"] == "enrolled"}
    await season.call("POST", f"{trn}/sessions/{sid}/attendance", {
        "present": [str(p) for p in present if str(p) in enrolled],
        "absent": [str(p) for p in absent if str(p) in enrolled]})
    people = len(enrolled)
    base = session["course"] == "base_course"
    digital = session["digital"]
    await season.call("PUT", f"{trn}/sessions/{sid}/costs", {
        "venue": "0" if digital else ("4500" if base else "1200"),
        "food": "0" if digital else str(people * (245 if base else 85)),
        "material": str(1500 if base else 300)})

