"""The link API over HTTP against the real database and broker: a place confirmed or
cancelled by the link in its letter (the waitlist moves up, on the bus), an evaluation
answered once, and bad links (used, expired, altered, someone else's) refused with
nothing changed; the expiry warning published once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.services import http_client, running
from services.training.bootstrap import build
from services.training.entrypoints.jobs import run_daily
from services.training.settings import TrainingSettings
from services.training.tests.integration.support import (
    bearer,
    count,
    migrated,
    register_supervisors,
    session_body,
    settings,
)
from shared.contracts import topics
from shared.links import DEVELOPMENT_SECRET, HEADER, LinkSigner, Purpose
from shared.runtime import Service

pytestmark = pytest.mark.infra

ENROLMENT = "/training/links/enrolment"
EVALUATION = "/training/links/evaluation"


def token(service: Service, purpose: Purpose, session_id: str | UUID, person: UUID,
          expires_in: timedelta = timedelta(days=2)) -> dict[str, str]:
    signed = LinkSigner(service.settings.link_secret).sign(
        purpose, UUID(str(session_id)), person, datetime.now(UTC) + expires_in, "1380")
    return {HEADER: signed}


def of(reader: TopicReader, type_: str, **data: Any) -> list[dict[str, Any]]:
    return [e["data"] for e in reader.events(topics.TRAINING_EVENTS, type_)
            if all(e["data"].get(k) == v for k, v in data.items())]


async def session_with(client: httpx.AsyncClient, service: Service, people: list[UUID],
                       starts: datetime, capacity: int) -> str:
    admin = bearer(service)
    created = await client.post("/sessions", headers=admin, json=session_body(
        starts, starts + timedelta(hours=8), capacity=capacity))
    assert created.status_code == 201, created.text
    session_id: str = created.json()["session_id"]
    for person in people:
        enrolled = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                     json={"person_id": str(person)})
        assert enrolled.status_code == 201, enrolled.text
    return session_id


async def statuses(client: httpx.AsyncClient, service: Service, session_id: str) -> dict[str,
                                                                                      str]:
    roster = await client.get(f"/sessions/{session_id}/enrolments", headers=bearer(service))
    return {r["person_id"]: r["status"] for r in roster.json()}


async def test_a_place_is_confirmed_then_cancelled_and_the_waitlist_moves_up(
        infra: Infra) -> None:
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(settings(infra))) as service,
        http_client(service) as client,
    ):
        _, (holder, waiting) = await register_supervisors(service, 2)
        session_id = await session_with(client, service, [holder, waiting],
                                        datetime.now(UTC) + timedelta(days=3), capacity=1)
        first = token(service, "enrolment", session_id, holder)
        page = (await client.get(ENROLMENT, headers=first)).json()
        assert (page["status"], page["confirmed"], page["answered"], page["can_answer"],
                page["course"], page["waitlist_position"]) == (
            "enrolled", False, False, True, "base_course", None)
        waiting_page = await client.get(ENROLMENT, headers=token(
            service, "enrolment", session_id, waiting))
        assert (waiting_page.json()["status"], waiting_page.json()["waitlist_position"]) == (
            "waitlisted", 1)

        confirmed = await client.post(ENROLMENT, headers=first, json={"attend": True})
        assert confirmed.status_code == 200, confirmed.text
        assert (confirmed.json()["status"], confirmed.json()["confirmed"],
                confirmed.json()["answered"]) == ("enrolled", True, True)
        # The same link again: refused, and the place stays.
        again = await client.post(ENROLMENT, headers=first, json={"attend": False})
        assert (again.status_code, again.json()["problem"]) == (409, "link_used")
        assert (await statuses(client, service, session_id))[str(holder)] == "enrolled"

        cancelled = await client.post(ENROLMENT, json={"attend": False}, headers=token(
            service, "enrolment", session_id, holder))
        assert cancelled.json()["status"] == "cancelled"
        assert await statuses(client, service, session_id) == {str(waiting): "enrolled"}
        # Each person's events are on their own partition: wait for both people's.
        await reader.wait_for(lambda _: bool(
            of(reader, "EnrolmentRecorded", person_id=str(waiting), status="enrolled")
            and of(reader, "EnrolmentRecorded", person_id=str(holder), status="cancelled")))
        [promoted] = of(reader, "EnrolmentRecorded", person_id=str(waiting), status="enrolled")
        assert promoted["previous_status"] == "waitlisted"
        holder_events = of(reader, "EnrolmentRecorded", person_id=str(holder))
        assert [(e["status"], e["previous_status"]) for e in holder_events] == [
            ("enrolled", None), ("cancelled", "enrolled")]  # the confirmation sent nothing

        await client.post(f"/sessions/{session_id}/cancel", headers=bearer(service))
        await reader.wait_for(lambda _: bool(of(reader, "EnrolmentRecorded",
                                                person_id=str(waiting), status="cancelled")))
        [gone] = of(reader, "EnrolmentRecorded", person_id=str(waiting), status="cancelled")
        assert (gone["previous_status"], gone["session_cancelled"]) == ("enrolled", True)


async def test_bad_enrolment_links_are_refused_and_change_nothing(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        _, (holder, stranger) = await register_supervisors(service, 2)
        session_id = await session_with(client, service, [holder],
                                        datetime.now(UTC) + timedelta(days=3), capacity=5)
        good = token(service, "enrolment", session_id, holder)[HEADER]
        other = token(service, "enrolment", session_id, stranger)[HEADER]
        header, _, signature = good.split(".")
        forged = LinkSigner(DEVELOPMENT_SECRET[::-1]).sign(
            "enrolment", UUID(session_id), holder, datetime.now(UTC) + timedelta(days=1))
        cases = {
            "expired": (token(service, "enrolment", session_id, holder,
                              timedelta(seconds=-5)), 410, "link_expired"),
            "altered": ({HEADER: f"{header}.{other.split('.')[1]}.{signature}"}, 403,
                        "link_invalid"),
            "another key": ({HEADER: forged}, 403, "link_invalid"),
            "someone else's": ({HEADER: other}, 403, "link_invalid"),
            "another purpose": (token(service, "evaluation", session_id, holder), 403,
                                "link_wrong_purpose"),
            "no link": ({}, 403, "link_invalid"),
        }
        for name, (headers, status, problem) in cases.items():
            for answer in (await client.get(ENROLMENT, headers=headers),
                           await client.post(ENROLMENT, headers=headers,
                                             json={"attend": False})):
                assert (answer.status_code, answer.json()["problem"]) == (status, problem), name
        expired = await client.get(ENROLMENT, headers=cases["expired"][0])
        assert expired.json()["municipality_code"] == "1380"  # whom to contact
        assert await statuses(client, service, session_id) == {str(holder): "enrolled"}
        assert await count(service, "select count(*) from training.used_links") == 0

        started = await session_with(client, service, [holder],
                                     datetime.now(UTC) - timedelta(hours=1), capacity=5)
        late = token(service, "enrolment", started, holder)
        refused = await client.post(ENROLMENT, headers=late, json={"attend": False})
        assert (refused.status_code, refused.json()["detail"]) == (409, "session_started")
        assert (await client.get(ENROLMENT, headers=late)).json()["can_answer"] is False
        assert await count(service, "select count(*) from training.used_links") == 0


async def test_an_attendee_answers_the_evaluation_once_and_the_figures_follow(
        infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        admin = bearer(service)
        _, people = await register_supervisors(service, 3)
        starts = datetime.now(UTC) - timedelta(days=1)
        session_id = await session_with(client, service, people, starts, capacity=5)
        attended = await client.post(f"/sessions/{session_id}/attendance", headers=admin,
                                     json={"present": [str(p) for p in people[:2]],
                                           "absent": [str(people[2])]})
        assert attended.status_code == 200, attended.text

        first = token(service, "evaluation", session_id, people[0])
        page = (await client.get(EVALUATION, headers=first)).json()
        assert (page["course"], page["answered"]) == ("base_course", False)
        assert [q["name"] for q in page["questions"]] == ["overall", "usefulness", "comment"]
        bad = await client.post(EVALUATION, headers=first, json={"overall": 6, "usefulness": 3})
        assert bad.status_code == 422
        answered = await client.post(EVALUATION, headers=first, json={
            "overall": 5, "usefulness": 4, "comment": "Mycket bra"})
        assert (answered.status_code, answered.json()["answered"]) == (200, True)
        used = await client.post(EVALUATION, headers=first, json={"overall": 1, "usefulness": 1})
        assert (used.status_code, used.json()["problem"]) == (409, "link_used")
        second_link = token(service, "evaluation", session_id, people[0])
        assert (await client.get(EVALUATION, headers=second_link)).json()["answered"] is True
        twice = await client.post(EVALUATION, headers=second_link,
                                  json={"overall": 1, "usefulness": 1})
        assert (twice.status_code, twice.json()["detail"]) == (409, "already_answered")
        absent = await client.post(EVALUATION, json={"overall": 1, "usefulness": 1},
                                   headers=token(service, "evaluation", session_id, people[2]))
        assert (absent.status_code, absent.json()["problem"]) == (403, "link_invalid")
        await client.post(EVALUATION, json={"overall": 3, "usefulness": 3, "comment": None},
                          headers=token(service, "evaluation", session_id, people[1]))

        summary = (await client.get("/evaluations", headers=admin,
                                    params={"year": starts.year})).json()
        base = summary["courses"]["base_course"]
        assert (base["responses"], base["overall"], base["usefulness"], base["comments"]) == (
            2, 4.0, 3.5, ["Mycket bra"])
        [one] = [s for s in summary["sessions"] if s["session_id"] == session_id]
        assert (one["responses"], one["overall"]) == (2, 4.0)
        # The keyed-in path is gone; the answers name no one.
        keyed = await client.post(f"/sessions/{session_id}/evaluations", headers=admin,
                                  json={"scores": {"overall": 5}})
        assert keyed.status_code in (404, 405)
        assert await count(service, "select count(*) from information_schema.columns where "
                                    "table_schema = 'training' and table_name = "
                                    "'evaluation_answers' and column_name = 'person_id'") == 0
        assert await count(service, "select count(*) from training.evaluation_respondents") == 2


async def test_the_expiry_warning_is_published_once(infra: Infra) -> None:
    config = settings(infra, certificate_warning_days=60)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        http_client(service) as client,
    ):
        _, [supervisor] = await register_supervisors(service, 1)
        session_id = await session_with(client, service, [supervisor],
                                        datetime.now(UTC) - timedelta(days=1), capacity=5)
        await client.post(f"/sessions/{session_id}/attendance", headers=bearer(service),
                          json={"present": [str(supervisor)]})
        status = (await client.get(f"/supervisors/{supervisor}",
                                   headers=bearer(service))).json()
        valid_until = datetime.fromisoformat(status["valid_until"]).date()
        assert isinstance(service.settings, TrainingSettings)
        bus = service.state["bus"]
        await run_daily(bus, service.settings, valid_until - timedelta(days=60))
        for _ in range(2):
            await run_daily(bus, service.settings, valid_until - timedelta(days=59))
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertificationExpiring",
                                                supervisor_id=str(supervisor))))
        for _ in range(10):
            await reader.poll(0.2)
        [warning] = of(reader, "SupervisorCertificationExpiring", supervisor_id=str(supervisor))
        assert (warning["valid_until"], warning["refresher_session_id"]) == (
            valid_until.isoformat(), None)
        assert await count(service, "select count(*) from training.certifications where "
                                    "warned_at is not null") == 1
