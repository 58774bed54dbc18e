"""The season's first phase: workplaces with managers and supervisors register, and offer
summer jobs, prao weeks and work trials."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from praktik_cli.demo.people import org_number
from praktik_cli.demo.plan import (
    COUNTY,
    MUNICIPALITY_NAMES,
    OFFER_ANSWER_PROGRAMS,
    PRAO,
    RULES,
    SUMMER,
    WORK_TRIAL,
)
from praktik_cli.demo.records import KINDS, NEEDS, Offer, Supervisor, Workplace

if TYPE_CHECKING:  # the season calls its phases
    from praktik_cli.demo.season import Season


async def register_workplaces(season: Season) -> None:
    """The county's coordinators, then each workplace with its manager and supervisors."""
    total = sum(season.plan.workplaces.values())
    season.step("workplaces, managers, supervisors", total)
    reg = season.endpoints.registration
    for code in season.plan.municipalities:
        coordinator = season.people.make(phone=True)
        coordinator.email = f"praktik.{code}.{season.plan.tag}@example.com"
        season.coordinators[code] = coordinator
        await season.call("POST", f"{reg}/coordinators", {
            "municipality_code": code, "name": coordinator.name,
            "email": coordinator.email, "language": "sv",
        }, admin=True)

    async def one(code: str, index: int) -> Workplace:
        kind = KINDS[(index + int(code)) % len(KINDS)]
        min_age = 18 if kind.client_contact and season.rng.random() < 0.3 else (
            16 if kind.occupation in ("7231", "8332") else None)
        manager = season.people.make(phone=season.rng.random() < 0.5)
        name = f"{kind.label.capitalize()} {COUNTY.get(code, code)} {index + 1}"
        body = {
            "external_ref": f"demo-{season.plan.tag}-wp-{code}-{index}",
            "org_number": org_number(season.rng, kind.sector),
            "name": name, "sector": kind.sector, "municipality_code": code,
            "client_contact": kind.client_contact, "min_age": min_age,
            "address": f"Storgatan {index + 1}, {COUNTY.get(code, code)}",
            "manager": {"name": manager.name, "email": manager.email,
                        "phone": manager.phone, "language": "sv",
                        "sms_allowed": manager.sms_allowed},
        }
        out = await season.call("POST", f"{reg}/workplaces", body)
        manager.id = uuid.UUID(out["manager"]["manager_id"])
        workplace = Workplace(uuid.UUID(out["workplace_id"]), code, name, kind, min_age,
                              manager, manager_attends=season.rng.random() < 0.93)
        for s in range(1 if season.rng.random() < 0.55 else 2):
            extra = season.rng.sample(["en", "ar", "so", "ti", "fa"],
                                      season.rng.choice((0, 0, 1, 2)))
            languages = ["sv", *extra]
            person = season.people.make(phone=season.rng.random() < 0.8)
            max_participants = season.rng.choice((2, 2, 3, 3, 4))
            out = await season.call("POST", f"{reg}/supervisors", {
                "external_ref": f"demo-{season.plan.tag}-sv-{code}-{index}-{s}",
                "workplace_id": str(workplace.id), "municipality_code": code,
                "name": person.name, "email": person.email, "phone": person.phone,
                "sms_allowed": person.sms_allowed, "languages": languages,
                "max_participants": max_participants,
            })
            person.id = uuid.UUID(out["supervisor_id"])
            workplace.supervisors.append(Supervisor(
                person.id, workplace.id, code, person, max_participants, languages,
                attends=season.rng.random() < 0.92))
        return workplace

    jobs = [one(code, i) for code, n in season.plan.workplaces.items() for i in range(n)]
    season.workplaces = await season.gather(jobs)


async def record_profiles(season: Season) -> None:
    """Each municipality's profile: who its messages come from (the coordinator's name,
    phone and e-mail), and its rules for answers (plan.RULES)."""
    season.step("municipality profiles", len(season.plan.municipalities))
    for code in season.plan.municipalities:
        coordinator = season.coordinators[code]
        consent_rule, guardian_answers = RULES.get(code, ("either", False))
        profile = {
            "name": MUNICIPALITY_NAMES.get(code, COUNTY.get(code, code)),
            "coordinator_name": coordinator.name, "coordinator_email": coordinator.email,
            "coordinator_phone": coordinator.phone, "consent_rule": consent_rule,
            "offer_answer_programs": list(OFFER_ANSWER_PROGRAMS), "offer_answer_days": 3,
            "guardian_answers_offer": guardian_answers,
        }
        await season.call("PUT", f"{season.endpoints.registration}/registration/"
                                 f"municipalities/{code}/profile", profile)
        season.profiles[code] = profile
        season.advance(1)


async def offer(season: Season) -> None:
    """Each supervisor's summer jobs, and some prao weeks and work trials."""
    reg = season.endpoints.registration
    season.step("placement offers", len(season.supervisors))

    async def one(w: Workplace, s: Supervisor) -> list[Offer]:
        made = []
        wanted: list[tuple[str, tuple[date, date], int, int | None, bool, list[str]]] = []
        arranged = w.kind.client_contact and season.rng.random() < 0.6
        summer_min = w.min_age if not arranged else None
        wanted.append(("summer_job", SUMMER, s.max_participants,
                       summer_min, arranged, []))
        if w.kind.prao and season.rng.random() < 0.5:
            wanted.append(("prao", PRAO, min(2, s.max_participants), None, False, []))
        if season.rng.random() < 0.35:
            wanted.append(("work_trial", WORK_TRIAL, 1, None, False,
                           season.rng.sample(NEEDS, season.rng.choice((1, 2, 3)))))
        for n, (program, (start, end), capacity, min_age, arranged_, supports) in \
                enumerate(wanted):
            out = await season.call("POST", f"{reg}/offers", {
                "external_ref": f"demo-{season.plan.tag}-of-{s.id.hex[:10]}-{n}",
                "workplace_id": str(w.id), "supervisor_id": str(s.id),
                "municipality_code": w.municipality_code, "program": program,
                "occupation": w.kind.occupation, "period_start": start.isoformat(),
                "period_end": end.isoformat(), "capacity": capacity,
                "min_age": min_age if min_age is not None else w.min_age,
                "without_client_contact": arranged_ and w.kind.client_contact,
                "supports": supports,
            })
            made.append(Offer(uuid.UUID(out["offer_id"]), w.id, s.id, w.municipality_code,
                              program, w.kind.occupation, start, end, capacity,
                              out.get("min_age"), bool(out.get("without_client_contact")),
                              supports))
        return made

    found = await season.gather([one(w, s) for w in season.workplaces for s in w.supervisors])
    season.offers = [o for batch in found for o in batch]

