"""Invitations against the real database: who is invited to which base course, once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import text

from devkit.infra import Infra
from services.training import handlers
from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.tests.integration.support import migrated, register_supervisors
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.registration import SupervisorRegistered
from shared.messagebus import MessageBus
from shared.runtime import Service

pytestmark = pytest.mark.infra


async def announcements(service: Service) -> list[dict[str, Any]]:
    async with service.engine.connect() as conn:
        values = (await conn.execute(text(
            "select value from training.outbox where headers->>'ce_type' = "
            "'CourseSessionScheduled' order by id"))).scalars().all()
    return [json.loads(v)["data"] for v in values]


def invited(announcement: dict[str, Any]) -> set[str]:
    return {i["person_id"] for i in announcement["invited"]}


async def test_uncertified_supervisors_are_invited_once_to_the_next_base_course_near_them(
    infra: Infra,
) -> None:
    async with migrated(infra) as service:
        bus: MessageBus = service.state["bus"]
        _, halmstad = await register_supervisors(service, 2, "1380")
        _, hylte = await register_supervisors(service, 1, "1315")
        _, motala = await register_supervisors(service, 1, "0583")
        soon = datetime.now(UTC) + timedelta(days=20)

        async def schedule(municipality: str, starts: datetime) -> uuid.UUID:
            session_id = uuid.uuid4()
            await bus.handle(commands.ScheduleSession(
                session_id, "base_course", None, starts, starts + timedelta(hours=8),
                municipality, "Rådhuset", False, 20))
            return session_id

        first = await schedule("1384", soon)
        [scheduled] = await announcements(service)
        assert scheduled["announcement"] == "scheduled"
        assert invited(scheduled) == {str(p) for p in halmstad + hylte}  # the county, not Motala
        assert {i["reason"] for i in scheduled["invited"]} == {"uncertified"}

        later = await schedule("1380", soon + timedelta(days=30))
        assert invited((await announcements(service))[-1]) == set()  # already invited

        newcomer = uuid.uuid4()
        async with service.uow() as opened:
            uow = cast(TrainingUnitOfWork, opened)
            event = SupervisorRegistered(supervisor_id=newcomer, workplace_id=uuid.uuid4(),
                                         municipality_code="1381", max_participants=1)
            deps = Dependencies()
            await handlers.on_supervisor_registered(event, uow, deps)
            await handlers.on_supervisor_registered(event, uow, deps)  # the same fact again
            await uow.commit()
        invitation = (await announcements(service))[-1]
        assert (invitation["session_id"], invitation["announcement"], invited(invitation)) == (
            str(first), "invitation", {str(newcomer)})

        await bus.handle(commands.CancelSession(first))
        cancelled, reinvited = (await announcements(service))[-2:]
        assert cancelled["cancelled"] is True
        assert reinvited["session_id"] == str(later)
        assert invited(reinvited) == {str(p) for p in [*halmstad, *hylte, newcomer]}
        assert str(motala[0]) not in invited(reinvited)
