"""Training: enrolment throughput through the handlers against real Postgres, and the time
to compute the administration summaries (one session of 200 people; a year of 100 sessions).

Enrolments go through `MessageBus.handle(Enrol)`: one unit of work each, with the row
lock on the session, the roster loaded, the enrolment written and `EnrolmentRecorded`
staged in the outbox, committed. Measured one at a time, and with 8 concurrent callers on
one session (every caller waits for the same row lock) and on 8 different sessions.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import service_settings
from services.training.adapters import views
from services.training.adapters.orm import evaluation_answers, supervisors
from services.training.bootstrap import build
from services.training.domain import commands
from services.training.settings import TrainingSettings
from shared.contracts.types import Course
from shared.messagebus import MessageBus
from shared.runtime import Service

MUNICIPALITIES = ("1380", "1381", "1383", "1384", "1315")
DIETS: tuple[list[str], ...] = (
    [], [], [], ["vegetarian"], ["vegan"], ["gluten"], ["laktos", "vegetarian"], [])
WORKERS = 8


async def _supervisors(service: Service, count: int) -> list[UUID]:
    people = [uuid.uuid4() for _ in range(count)]
    workplace = uuid.uuid4()
    async with service.engine.begin() as conn:
        await conn.execute(supervisors.insert(), [
            {"supervisor_id": p, "workplace_id": workplace,
             "municipality_code": MUNICIPALITIES[i % len(MUNICIPALITIES)]}
            for i, p in enumerate(people)
        ])
    return people


async def _session(bus: MessageBus, starts: datetime, capacity: int, municipality: str = "1380",
                   course: Course = "base_course") -> UUID:
    session_id = uuid.uuid4()
    await bus.handle(commands.ScheduleSession(
        session_id, course, "Bench" if course == "deep_dive" else None, starts,
        starts + timedelta(hours=8), municipality, "Stadsbiblioteket", False, capacity,
        ("Kim", "Ali")))
    return session_id


async def _enrol(bus: MessageBus, session_id: UUID, person: UUID, index: int) -> None:
    await bus.handle(commands.Enrol(session_id, person, f"Deltagare {index}",
                                    tuple(DIETS[index % len(DIETS)])))


async def _rate(jobs: Sequence[Callable[[], Awaitable[None]]], workers: int) -> float:
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return len(jobs) / (time.perf_counter() - started)


async def _median_ms(action: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await action()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _enrolment_rates(bus: MessageBus, people: list[UUID], future: datetime
                           ) -> tuple[UUID, float, float, float]:
    """(the session of 200, enrolments per second: one at a time, 8 callers on one
    session, 8 callers on 8 sessions)."""
    # 1. one at a time: 200 people into one session (seats 1..150, waitlist 151..200).
    big = await _session(bus, future, capacity=150)
    sequential = await _rate(
        [partial(_enrol, bus, big, p, i) for i, p in enumerate(people[:200])], 1)
    print(f"enrolment, one at a time (200 into one session): {sequential:,.0f} enrolments/s")

    # 2. eight callers racing for one session's row lock.
    contended = await _session(bus, future, capacity=300)
    racing = await _rate([partial(_enrol, bus, contended, p, i)
                          for i, p in enumerate(people[200:600])], WORKERS)
    print(f"enrolment, {WORKERS} concurrent on one session (400): "
          f"{racing:,.0f} enrolments/s")

    # 3. eight callers on eight sessions.
    spread = [await _session(bus, future + timedelta(days=d), capacity=100)
              for d in range(WORKERS)]
    jobs = [partial(_enrol, bus, spread[i % WORKERS], p, i)
            for i, p in enumerate(people[600:1400])]
    parallel = await _rate(jobs, WORKERS)
    print(f"enrolment, {WORKERS} concurrent on {WORKERS} sessions (800): "
          f"{parallel:,.0f} enrolments/s")
    return big, sequential, racing, parallel


async def _session_summary_ms(service: Service, big: UUID) -> float:
    """4. the administration summary of the session of 200 people."""
    async with service.session_factory() as db:
        big_session = await views.session_view(db, big)
    assert big_session is not None

    async def session_summary() -> None:
        async with service.session_factory() as db:
            view = await views.session_view(db, big)
            assert view is not None
            await views.administration(db, view.session)
            await views.participants(db, big)

    session_ms = await _median_ms(session_summary, 50)
    async with service.session_factory() as db:
        catering = await views.administration(db, big_session.session)
    print(f"administration summary, one session of 200 (catering + participant list): "
          f"{session_ms:.2f} ms median; coffee {catering.coffee}, lunch {catering.lunch}, "
          f"diets {catering.dietary_needs}")
    return session_ms


async def _year(service: Service, bus: MessageBus, rng: random.Random, people: list[UUID],
                year: int) -> None:
    """A year of 100 sessions: costs, 10 evaluations each, 1,000 enrolments."""
    year_start = datetime(year, 1, 15, 8, tzinfo=UTC)
    sessions = []
    for index in range(100):
        course: Course = ("base_course", "deep_dive", "supervisor_network")[index % 3]
        session_id = await _session(bus, year_start + timedelta(days=3 * index), 25,
                                    MUNICIPALITIES[index % len(MUNICIPALITIES)], course)
        await bus.handle(commands.RecordCosts(
            session_id, Decimal(rng.randint(0, 3000)), Decimal(rng.randint(500, 2500)),
            Decimal(rng.randint(0, 500))))
        sessions.append((session_id, course))
    async with service.engine.begin() as conn:
        await conn.execute(evaluation_answers.insert(), [
            {"session_id": s, "course": c, "overall": rng.randint(1, 5),
             "usefulness": rng.randint(1, 5), "comment": rng.choice([None, "Bra dag"])}
            for s, c in sessions for _ in range(10)
        ])
    for index, person in enumerate(people):
        await _enrol(bus, sessions[index % 100][0], person, index)


async def _year_summary_ms(service: Service, settings: TrainingSettings, year: int) -> float:
    """5. the yearly reports over the year's sessions."""

    async def year_summary() -> None:
        async with service.session_factory() as db:
            await views.list_sessions(db, None, year)
            await views.budget(db, year, settings.budget_per_year_sek, None)
            await views.evaluation_summary(db, None, year)

    year_ms = await _median_ms(year_summary, 20)
    async with service.session_factory() as db:
        report = await views.budget(db, year, settings.budget_per_year_sek, None)
    print(f"yearly summary, 100 sessions (listing + budget + evaluations of 1,000 answers):"
          f" {year_ms:.2f} ms median; spent {report.spent} of {report.budget} SEK")
    return year_ms


async def run(infra: Infra) -> dict[str, float | int | str]:
    settings = TrainingSettings(**service_settings(infra, "training", db_pool_size=WORKERS))
    service = build(settings)
    await reset_schema(infra, "training", service.migrations)
    bus: MessageBus = service.state["bus"]
    rng = random.Random(4)
    people = await _supervisors(service, 2400)
    future = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    try:
        big, sequential, racing, parallel = await _enrolment_rates(bus, people, future)
        session_ms = await _session_summary_ms(service, big)
        year = future.year + 1
        await _year(service, bus, rng, people[1400:2400], year)
        year_ms = await _year_summary_ms(service, settings, year)
    finally:
        await service.engine.dispose()
        await service.producer.stop()
    return {
        "enrolments_per_s_sequential": round(sequential, 1),
        "enrolments_per_s_8_callers_one_session": round(racing, 1),
        "enrolments_per_s_8_callers_8_sessions": round(parallel, 1),
        "session_summary_200_people_ms": round(session_ms, 2),
        "year_summary_100_sessions_ms": round(year_ms, 2),
    }
