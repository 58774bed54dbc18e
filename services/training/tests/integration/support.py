"""Helpers for training's integration tests: a migrated service, tokens, registrations."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import text

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import service_settings
from services.training import handlers
from services.training.bootstrap import build
from services.training.dependencies import Dependencies
from services.training.settings import TrainingSettings
from services.training.unit_of_work import TrainingUnitOfWork
from shared.auth import Role, issue_token
from shared.contracts.registration import SupervisorRegistered, WorkplaceRegistered
from shared.runtime import Service


def settings(infra: Infra, **overrides: Any) -> TrainingSettings:
    return TrainingSettings(**service_settings(infra, "training", **overrides))


@asynccontextmanager
async def migrated(infra: Infra, **overrides: Any) -> AsyncIterator[Service]:
    """The service on a fresh schema, without its consumers and relay (HTTP and handlers)."""
    service = build(settings(infra, **overrides))
    await reset_schema(infra, "training", service.migrations)
    try:
        yield service
    finally:
        await service.engine.dispose()
        await service.producer.stop()  # never started: closes its client


def bearer(service: Service, role: Role = "admin", municipalities: list[str] | None = None,
           ) -> dict[str, str]:
    token = issue_token(service.settings.auth_jwt_secret, f"test-{role}", role,
                        municipalities or [])
    return {"Authorization": f"Bearer {token}"}


def workplace_event(municipality: str = "1380") -> WorkplaceRegistered:
    return WorkplaceRegistered(
        workplace_id=uuid.uuid4(), org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code=municipality, manager_id=uuid.uuid4(),
        client_contact=False)


async def register_supervisors(service: Service, count: int,
                               municipality: str = "1380") -> tuple[WorkplaceRegistered,
                                                                     list[UUID]]:
    """Registration's facts, handled directly (no broker needed)."""
    workplace = workplace_event(municipality)
    people = [uuid.uuid4() for _ in range(count)]
    deps = Dependencies()
    async with service.uow() as opened:
        uow = cast(TrainingUnitOfWork, opened)
        await handlers.on_workplace_registered(workplace, uow, deps)
        for person in people:
            await handlers.on_supervisor_registered(SupervisorRegistered(
                supervisor_id=person, workplace_id=workplace.workplace_id,
                municipality_code=municipality, max_participants=2), uow, deps)
        await uow.commit()
    return workplace, people


def session_body(starts_at: datetime, ends_at: datetime, **overrides: Any) -> dict[str, Any]:
    return {
        "course": "base_course", "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(), "municipality_code": "1380",
        "venue": "Stadsbiblioteket, Halmstad", "capacity": 20, "trainers": ["Kim Trainer"],
        **overrides,
    }


async def count(service: Service, sql: str, **params: Any) -> int:
    async with service.engine.connect() as conn:
        return int(await conn.scalar(text(sql), params) or 0)
