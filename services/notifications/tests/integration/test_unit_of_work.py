"""Recorded rows are written in one statement at the end, yet belong to their message:
a message that fails inside its savepoint (the consumer's isolate mode) leaves none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devkit.infra import Infra
from devkit.mail import SmtpCatcher
from devkit.sms import ElksFake
from services.notifications.bootstrap import build
from services.notifications.domain.model import PlannedNotification
from services.notifications.tests.integration.support import rows, settings
from services.notifications.unit_of_work import NotificationsUnitOfWork


def planned(cause: str) -> PlannedNotification:
    return PlannedNotification(cause, uuid.uuid4(), "email", "waitlisted",
                               {"program": "prao", "reasons": []}, datetime.now(UTC))


async def test_a_failed_message_leaves_no_rows(infra: Infra, db: str, tmp_path: Path) -> None:
    service = build(settings(infra, db, SmtpCatcher(tmp_path), ElksFake(),
                             dispatcher_enabled=False))
    await service.migrate()
    try:
        async with service.uow() as uow:
            assert isinstance(uow, NotificationsUnitOfWork)
            uow.outbound.add([planned("kept-1")])
            with pytest.raises(RuntimeError):
                async with uow.savepoint():
                    uow.outbound.add([planned("dropped")])
                    raise RuntimeError("handler failed")
            async with uow.savepoint():
                uow.outbound.add([planned("kept-2")])
            uow.outbound.add([planned("kept-3"), planned("kept-3")])
            await uow.commit()
        found = sorted(r.cause_event_id for r in await rows(
            service, "select cause_event_id from notifications.notifications"))
        assert found == ["kept-1", "kept-2", "kept-3", "kept-3"]
    finally:
        await service.engine.dispose()
