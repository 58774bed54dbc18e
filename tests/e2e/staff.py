"""The staff workspace for the end-to-end tests of staff's pages: registration, matching,
training and notifications on the real broker and database, the portal, a real OIDC
provider process; 1380 and 1381 each with a participant, and 1380 with a workplace, its
supervisor (not certified), a work-trial offer, which the request of 1380's participant
would want, and a base course in six weeks."""

from __future__ import annotations

import importlib
import pkgutil
import random
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute
from playwright.async_api import Page

from devkit.identity import identity_provider, sign_in_as
from devkit.infra import Infra
from devkit.mail import SmtpCatcher
from devkit.ports import free_port
from devkit.services import running, service_settings, serving
from devkit.sms import ElksFake
from services.matching.bootstrap import build as build_matching
from services.matching.settings import MatchingSettings
from services.notifications.bootstrap import build as build_notifications
from services.notifications.settings import NotificationsSettings
from services.portal import entrypoints
from services.portal.bootstrap import build as build_portal
from services.portal.settings import PortalSettings
from services.registration.bootstrap import build as build_registration
from services.registration.settings import RegistrationSettings
from services.registration.tests import support
from services.registration.tests.pins import pin
from services.training.bootstrap import build as build_training
from services.training.settings import TrainingSettings
from shared.auth import issue_token
from shared.clock import Clock, utc_now

SECRET = "staff-people-e2e-jwt-secret-0123456789abcdef"
SIGN_IN_FLOW = frozenset({"/personal/logga-in", "/personal/logga-in/start",
                          "/personal/inloggad", "/personal/utloggad"})
"""Pages of signing in and out: they show no one's data."""
HALMSTAD, LAHOLM = "1380", "1381"


class MovableClock:
    """A service's clock: now, moved on by `ahead` (to a placement's end, a course's day)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@dataclass
class Staffed:
    portal: str
    registration: str
    matching: str
    run: str
    asa: dict[str, Any]
    """1380's participant, with `request`."""
    request: dict[str, Any]
    workplace: dict[str, Any]
    """1380's workplace, with `supervisor` and `offer` there."""
    supervisor: dict[str, Any]
    offer: dict[str, Any]
    mail: SmtpCatcher
    """The messages notifications sent by e-mail."""
    training: str
    session: dict[str, Any]
    """1380's base course in six weeks, as training scheduled it."""

    def as_seed(self, municipality: str = HALMSTAD) -> dict[str, str]:
        """The headers of registration's API as a coordinator of `municipality`."""
        token = issue_token(SECRET, "seed", "coordinator", [municipality])
        return {"Authorization": f"Bearer {token}"}


def staff_pages(method: str = "GET") -> list[str]:
    """Every page under /personal answering `method`, of every router in the portal's
    entrypoints (a new page is walked too)."""
    found = []
    for module in pkgutil.iter_modules(entrypoints.__path__):
        router = getattr(importlib.import_module(f"{entrypoints.__name__}.{module.name}"),
                         "router", None)
        found += [r.path for r in getattr(router, "routes", ()) if isinstance(r, APIRoute)
                  and method in (r.methods or ()) and r.path.startswith("/personal")
                  and r.path not in SIGN_IN_FLOW]
    return sorted(found)


async def _participant(client: httpx.AsyncClient, municipality: str,
                       name: str) -> dict[str, Any]:
    token = issue_token(SECRET, "seed", "coordinator", [municipality])
    born = date(1907, random.randint(1, 12), random.randint(1, 28))
    made = await client.post("/participants", headers={"Authorization": f"Bearer {token}"},
                             json={"municipality_code": municipality, "name": name,
                                   "external_ref": f"ref-{uuid.uuid4().hex[:10]}",
                                   "personal_identity_number": pin(born, random.randint(0, 979)),
                                   "gender": "female", "preferred_language": "sv",
                                   "needs": ["language_support"], "guardians": []})
    assert made.status_code == 201, made.text
    person: dict[str, Any] = made.json()
    return person


async def _request(client: httpx.AsyncClient, person: dict[str, Any]) -> dict[str, Any]:
    token = issue_token(SECRET, "seed", "coordinator", [person["municipality_code"]])
    start = date.today() + timedelta(days=60)
    made = await client.post("/requests", headers={"Authorization": f"Bearer {token}"},
                             json={"municipality_code": person["municipality_code"],
                                   "participant_id": person["participant_id"],
                                   "external_ref": f"req-{uuid.uuid4().hex[:10]}",
                                   "program": "work_trial", "period_start": start.isoformat(),
                                   "period_end": (start + timedelta(days=11)).isoformat(),
                                   "preferences": [{"occupation": "5311"}], "needs": [],
                                   "priority": 1})
    assert made.status_code == 201, made.text
    request: dict[str, Any] = made.json()
    return request


async def _workplace_set(client: httpx.AsyncClient, run: str) -> tuple[dict[str, Any], ...]:
    headers = {"Authorization": f"Bearer {issue_token(SECRET, 'seed', 'coordinator', [HALMSTAD])}"}
    made: list[dict[str, Any]] = []
    for path, body in (("/workplaces", support.workplace_body(name=f"Verkstan {run}")),
                       ("/supervisors", support.supervisor_body(name=f"Hugo Hall {run}")),
                       ("/offers", support.offer_body(program="work_trial"))):
        if made:
            body["workplace_id"] = made[0]["workplace_id"]
        if len(made) == 2:
            body["supervisor_id"] = made[1]["supervisor_id"]
        answer = await client.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    return tuple(made)


def _notifications(infra: Infra, mail: SmtpCatcher, sms: ElksFake,
                   portal_url: str) -> NotificationsSettings:
    """Notifications sending at once (no quiet hours) to the local SMTP and SMS servers,
    its links to the portal."""
    return NotificationsSettings(**service_settings(
        infra, "notifications", auth_jwt_secret=SECRET, smtp_host=mail.host,
        smtp_port=mail.port, sms_base_url=sms.base_url, sms_username=sms.username,
        sms_password=sms.password, quiet_start="08:00", quiet_end="08:00",
        dispatch_idle_s=0.1, public_base_url=portal_url))


async def _base_course(training: str) -> dict[str, Any]:
    starts = datetime.combine(date.today() + timedelta(weeks=6), time(7, 0), UTC)
    token = issue_token(SECRET, "seed", "coordinator", [HALMSTAD])
    async with httpx.AsyncClient(base_url=training,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        made = await client.post("/sessions", json={
            "course": "base_course", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=7)).isoformat(), "municipality_code": HALMSTAD,
            "venue": "Rådhuset, Halmstad", "capacity": 12, "trainers": ["Region Halland"]})
    assert made.status_code == 201, made.text
    session: dict[str, Any] = made.json()
    return session


@asynccontextmanager
async def staff_workspace(infra: Infra, matching_clock: Clock = utc_now,
                          training_clock: Clock = utc_now) -> AsyncIterator[Staffed]:
    """Registration, matching, training and notifications on the run's broker and
    database (with the local SMTP and SMS servers), the portal signing in through a local
    provider; matching keeps `matching_clock` (a test moves it on to a placement's end),
    training `training_clock` (on to a course's day)."""
    run = uuid.uuid4().hex[:8]
    port = free_port()
    settings = {name: service_settings(infra, name, auth_jwt_secret=SECRET)
                for name in ("registration", "matching", "training")}
    async with AsyncExitStack() as stack:
        issuer = stack.enter_context(identity_provider())
        mail = SmtpCatcher(Path(stack.enter_context(tempfile.TemporaryDirectory()))).start()
        stack.callback(mail.stop)
        sms = await ElksFake().start()
        stack.push_async_callback(sms.stop)
        urls = {}
        for name, build in (
                ("registration", lambda: build_registration(
                    RegistrationSettings(**settings["registration"]))),
                ("matching", lambda: build_matching(MatchingSettings(**settings["matching"]),
                                                    clock=matching_clock)),
                ("training", lambda: build_training(TrainingSettings(**settings["training"]),
                                                    clock=training_clock)),
                ("notifications", lambda: build_notifications(
                    _notifications(infra, mail, sms, f"http://127.0.0.1:{port}")))):
            service = await stack.enter_async_context(running(infra, build))
            urls[name] = await stack.enter_async_context(serving(service.http_app()))
        portal_url = await stack.enter_async_context(serving(build_portal(PortalSettings(
            development=True, log_json=False, oidc_issuer=issuer,
            public_url=f"http://127.0.0.1:{port}", auth_jwt_secret=SECRET,
            registration_url=urls["registration"], matching_url=urls["matching"],
            notifications_url=urls["notifications"], training_url=urls["training"])).app,
            port=port))
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=urls["registration"]))
        asa = await _participant(client, HALMSTAD, f"Åsa Öberg {run}")
        workplace, supervisor, offer = await _workplace_set(client, run)
        request = await _request(client, asa)
        await _participant(client, LAHOLM, f"Åsa Lind {run}")
        yield Staffed(portal_url, urls["registration"], urls["matching"], run, asa, request,
                      workplace, supervisor, offer, mail, urls["training"],
                      await _base_course(urls["training"]))


async def signed_in(page: Page, staffed: Staffed, subject: str) -> None:
    await sign_in_as(page, staffed.portal, subject)
    assert page.url == f"{staffed.portal}/personal"
