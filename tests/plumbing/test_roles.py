"""Roles at the HTTP door (`shared.auth`): each service accepts its roles only. A training
administrator's token (`training_admin`) opens training alone: registration, matching and
notifications refuse it with 403 on every route that takes a token, whatever the route
would do; within training it is scoped by its municipalities as a coordinator's is. Pure
ASGI: the services' apps with no database and no broker behind them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.matching.bootstrap import build as build_matching
from services.matching.settings import MatchingSettings
from services.notifications.bootstrap import build as build_notifications
from services.notifications.settings import NotificationsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.settings import RegistrationSettings
from services.training.bootstrap import build as build_training
from services.training.domain import commands
from services.training.domain.invitations import Renewals
from services.training.settings import TrainingSettings
from shared.auth import ROLES, SERVICE_ROLES, Authenticator, Role, current_principal, issue_token
from shared.runtime import Service
from shared.settings import ServiceSettings
from tests.plumbing.test_http_limits import NOWHERE, served

SECRET = "a-test-secret-of-thirty-two-bytes!"
OTHERS: dict[str, tuple[Callable[[Any], Service], type[ServiceSettings]]] = {
    "registration": (build_registration, RegistrationSettings),
    "matching": (build_matching, MatchingSettings),
    "notifications": (build_notifications, NotificationsSettings),
}
SUPERVISOR = uuid.UUID("00000000-0000-4000-8000-000000000002")


def token(role: Role, *codes: str) -> str:
    return issue_token(SECRET, f"test-{role}", role, list(codes))


def refused(authenticator: Authenticator, credential: str) -> bool:
    try:
        authenticator.authenticate(credential)
    except HTTPException as error:
        assert error.status_code == 403
        return True
    return False


def test_a_service_accepts_the_roles_it_is_given_and_no_other() -> None:
    keys = "trainer-key=training_admin:1380;coordinator-key=coordinator:1380"
    default, training = Authenticator(SECRET, keys), Authenticator(SECRET, keys, roles=ROLES)
    assert default.roles == SERVICE_ROLES == ROLES - {"training_admin"}
    assert refused(default, token("training_admin", "1380"))
    assert refused(default, "trainer-key")
    for role in ("coordinator", "auditor", "system", "admin"):
        assert not refused(default, token(role, "1380")), role
    assert not refused(default, "coordinator-key")
    assert training.authenticate("trainer-key").role == "training_admin"
    assert refused(Authenticator(SECRET, roles={"coordinator"}), token("admin"))
    with pytest.raises(ValueError, match="trainer"):
        Authenticator(SECRET, roles={"coordinator", "trainer"})


def test_a_training_admin_is_scoped_by_its_municipalities_as_a_coordinator() -> None:
    training = Authenticator(SECRET, roles=ROLES)
    admin = training.authenticate(token("training_admin", "1380", "1384"))
    coordinator = training.authenticate(token("coordinator", "1380", "1384"))
    assert admin.role == "training_admin"
    assert admin.scope() == coordinator.scope() == frozenset({"1380", "1384"})
    assert admin.may_access("1384") and not admin.may_access("1381")
    admin.require("1380")
    with pytest.raises(HTTPException) as error:
        admin.require("1381")
    assert error.value.status_code == 403
    with pytest.raises(HTTPException):
        admin.require_role("admin")  # the operators' routes stay theirs


def guarded(service: Service) -> list[tuple[str, str]]:
    """(method, path) of every route of the service's routers that takes a bearer token
    (the plumbing's own routes, health and documents, take none)."""

    def needs_token(dependant: Dependant) -> bool:
        return any(d.call is current_principal or needs_token(d)
                   for d in dependant.dependencies)

    return [(method, route.path) for router in service.routers for route in router.routes
            if isinstance(route, APIRoute) and needs_token(route.dependant)
            for method in sorted(route.methods or ())]


@pytest.mark.parametrize("name", sorted(OTHERS))
async def test_the_other_services_refuse_a_training_admin_on_every_route(name: str) -> None:
    build, settings = OTHERS[name]
    service = build(settings(database_url=NOWHERE, auth_jwt_secret=SECRET))
    try:
        app = service.http_app()
        routes = guarded(service)
        assert len(routes) >= 5, routes  # notifications has five
        assert not app.state.authenticator.roles & {"training_admin"}
        headers = {"Authorization": f"Bearer {token('training_admin', '1380')}"}
        async with served(app) as client:
            for method, path in routes:
                url = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000001", path)
                answer = await client.request(method, url, headers=headers)
                assert answer.status_code == 403, (method, path, answer.text)
    finally:
        await service.engine.dispose()
        await service.producer.stop()  # never started: closes its client


class Renewing:
    """Training's bus: records the command and answers it as the handler would, empty."""

    def __init__(self) -> None:
        self.commands: list[Any] = []

    async def handle(self, command: Any) -> Renewals:
        self.commands.append(command)
        return Renewals()


async def test_training_takes_a_training_admin_and_scopes_the_command() -> None:
    service = build_training(TrainingSettings(database_url=NOWHERE, auth_jwt_secret=SECRET))
    bus = service.state["bus"] = Renewing()
    try:
        async with served(service.http_app()) as client:
            answer = await client.post(
                "/certificates/renewals", json={"supervisor_ids": [str(SUPERVISOR)]},
                headers={"Authorization": f"Bearer {token('training_admin', '1380')}"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"invited": [], "not_invited": []}
        assert bus.commands == [commands.RenewCertificates((SUPERVISOR,),
                                                           scope=frozenset({"1380"}))]
    finally:
        await service.engine.dispose()
        await service.producer.stop()
