"""The season: its state, its calls to the services' HTTP APIs, waiting for the services to
catch up with the bus, and the order of its phases (`play`)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from aiokafka.errors import KafkaError

from devkit.bus import TopicMissing, TopicReader
from praktik_cli.demo import answering, applying, registering, training
from praktik_cli.demo.buslog import GroupProgress, event_log
from praktik_cli.demo.inbox import Inbox
from praktik_cli.demo.people import People, Person
from praktik_cli.demo.plan import DemoError, Endpoints, Plan
from praktik_cli.demo.records import Offer, Participant, Request, Supervisor, Workplace
from shared.auth import issue_token
from shared.links import HEADER

Step = Callable[[str, int], None]
Advance = Callable[[int], None]


def _quiet(_: str, __: int) -> None:
    return None


def _nothing(_: int) -> None:
    return None


@dataclass
class Season:
    plan: Plan
    endpoints: Endpoints
    step: Step = _quiet
    """Called as `step(description, total)` when a phase begins."""
    advance: Advance = _nothing
    """Called with how much of the phase was done."""

    rng: random.Random = field(init=False)
    people: People = field(init=False)
    workplaces: list[Workplace] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    participants: dict[uuid.UUID, Participant] = field(default_factory=dict)
    requests: dict[uuid.UUID, Request] = field(default_factory=dict)
    sessions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    consents: list[tuple[uuid.UUID, str, bool, datetime]] = field(default_factory=list)
    """(participant, program, granted, when the API answered)."""
    responses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    """Answers (accept, decline, consent) that a service failed with 5xx: kept, not fatal."""
    patience_s: float = 180.0
    """How long to wait for the services to catch up with the bus."""
    erased: set[uuid.UUID] = field(default_factory=set)
    """Participants erased after they applied (their requests have no outcome left)."""
    log: TopicReader = field(init=False)
    """The bus as the season read it (`buslog.event_log`), in the background."""
    groups: dict[str, str] = field(default_factory=dict)
    """Consumer group → service, from the services' `/health/consumers`."""
    started: float = field(default_factory=time.monotonic)
    _client: httpx.AsyncClient | None = None
    _progress: GroupProgress | None = None
    _limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(12))
    _birth_dates: set[date] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    """The proposals answered so far (by placement id)."""
    coordinators: dict[str, Person] = field(default_factory=dict)
    """Each municipality's coordinator, by code."""
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each municipality's profile as recorded (coordinator, rules), by code."""
    inbox: Inbox = field(init=False)
    """The links in the caught messages: how the season's people answer."""
    _public: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)
        self.people = People(self.rng, self.plan.tag)
        self.log = event_log(self.endpoints)
        self.inbox = Inbox(self.endpoints.mail_dir, self.endpoints.sms_fake,
                           self.endpoints.sms_auth)
        codes = self.plan.municipalities
        self._coordinator = issue_token(self.endpoints.secret, "demo-coordinator",
                                        "coordinator", codes, ttl_s=3 * 3600)
        self._admin = issue_token(self.endpoints.secret, "demo-admin", "admin", ["*"],
                                  ttl_s=3 * 3600)

    # -- plumbing -----------------------------------------------------------------------

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "use `async with season`"
        return self._client

    async def __aenter__(self) -> Season:
        self._client = httpx.AsyncClient(timeout=30.0, headers={
            "Authorization": f"Bearer {self._coordinator}"})
        self._public = httpx.AsyncClient(timeout=30.0)  # a person's: no account, a link
        try:
            await self.log.start()
        except KafkaError as error:
            await self._client.aclose()
            raise DemoError(f"Kafka does not answer at {self.endpoints.kafka} "
                            f"({type(error).__name__}); start the system with "
                            "`scripts/stack up`") from None
        except TopicMissing as error:
            await self._client.aclose()
            raise DemoError(f"{error} ({self.endpoints.kafka})") from None
        self.log.follow()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._progress is not None:
            await self._progress.stop()
        await self.log.stop()
        if self._client is not None:
            await self._client.aclose()
        if self._public is not None:
            await self._public.aclose()

    async def call(self, method: str, url: str, body: Any = None, *, ok: Iterable[int] = (
            200, 201, 204), retry: Callable[[httpx.Response], bool] | None = None,
            admin: bool = False, patience_s: float = 60.0, link: str | None = None) -> Any:
        """One HTTP call; retried while `retry` says the answer is not final yet (or 503).
        With `link`, a person's call: no bearer token, the link's token in its header."""
        deadline = time.monotonic() + patience_s
        headers = {"Authorization": f"Bearer {self._admin}"} if admin else None
        client = self.client
        if link is not None:
            assert self._public is not None
            client, headers = self._public, {HEADER: link}
        while True:
            async with self._limit:
                try:
                    response = await client.request(method, url, json=body, headers=headers)
                except httpx.TransportError as error:
                    if time.monotonic() > deadline:
                        raise DemoError(f"{method} {_path(url)}: {type(error).__name__}"
                                        ) from None
                    await asyncio.sleep(0.5)
                    continue
            if response.status_code in set(ok):
                return response.json() if response.content else None
            again = response.status_code == 503 or (retry is not None and retry(response))
            if not again or time.monotonic() > deadline:
                raise DemoError(f"{method} {_path(url)} answered {response.status_code}: "
                                f"{response.text[:300]}")
            await asyncio.sleep(0.3)

    async def gather(self, jobs: Sequence[Awaitable[Any]]) -> list[Any]:
        async def one(job: Awaitable[Any]) -> Any:
            result = await job
            self.advance(1)
            return result

        return list(await asyncio.gather(*(one(j) for j in jobs)))

    async def settle(self, *services: str, timeout_s: float | None = None) -> None:
        """Wait until the services' consumers (all, or those of `services`) have handled
        what is on the bus now, then once more for what was published meanwhile (other
        traffic on the shared topics after that is not waited for)."""
        if not self.groups:
            for name, base in self.endpoints.services().items():
                owned = await self.call("GET", f"{base}/health/consumers")
                self.groups.update({g: name for g in owned})
        groups = [g for g, name in self.groups.items() if not services or name in services]
        if self._progress is None:
            self._progress = await GroupProgress(self.endpoints.kafka, self.log.start_offsets,
                                                 self.endpoints.kafka_security).start()
        deadline = time.monotonic() + (timeout_s or self.patience_s)
        for _ in range(3):
            await asyncio.sleep(0.2)  # outbox relays
            targets = await self._progress.targets(groups)
            while not await self._progress.reached(targets):
                if time.monotonic() > deadline:
                    raise DemoError("the services did not catch up with the bus in time")
                await asyncio.sleep(0.2)
        await asyncio.sleep(0.2)
        ends = await self.log.ends()
        while not await self.log.reached(ends):
            if time.monotonic() > deadline:
                raise DemoError("could not read the bus in time")
            await asyncio.sleep(0.1)

    def record_consent(self, participant_id: uuid.UUID, program: str, granted: bool) -> None:
        self.consents.append((participant_id, program, granted, datetime.now(UTC)))

    def born(self, youngest: int, oldest: int, on: date) -> date:
        """A birth date not used before in this run, aged youngest..oldest on `on`."""
        latest = date(on.year - youngest, on.month, on.day)
        earliest = date(on.year - oldest - 1, on.month, on.day) + timedelta(days=1)
        span = (latest - earliest).days
        for _ in range(10_000):
            born = earliest + timedelta(days=self.rng.randrange(span + 1))
            if born not in self._birth_dates:
                self._birth_dates.add(born)
                return born
        raise DemoError("ran out of birth dates")

    async def check_ready(self) -> None:
        for name, base in self.endpoints.services().items():
            try:
                ready = await self.client.get(f"{base}/health/ready")
            except httpx.TransportError:
                raise DemoError(f"{name} does not answer at {base}; start the system with "
                                "`scripts/stack up`") from None
            if ready.status_code != 200:
                raise DemoError(f"{name} at {base} is not ready: {ready.text[:200]}")

    async def already_seeded(self) -> int:
        """How many workplaces the county's registration holds already."""
        total = 0
        for code in self.plan.municipalities:
            page = await self.call("GET", f"{self.endpoints.registration}/workplaces"
                                          f"?municipality_code={code}&limit=1")
            total += int(page["total"])
        return total

    @property
    def supervisors(self) -> list[Supervisor]:
        return [s for w in self.workplaces for s in w.supervisors]

    def workplace(self, workplace_id: uuid.UUID) -> Workplace:
        return next(w for w in self.workplaces if w.id == workplace_id)

    async def play(self) -> None:
        """The whole season."""
        await self.check_ready()
        await registering.register_workplaces(self)
        await registering.record_profiles(self)
        await training.train(self)
        await registering.offer(self)
        self.step("waiting for matching to see the certificates", 0)
        await self.settle("matching")
        await applying.apply(self, "summer_job", self.plan.summer_requests,
                             "summer-job applications")
        await applying.apply(self, "prao", self.plan.prao_requests,
                             "prao applications with consent")
        await self.settle("matching")
        await answering.run_rounds(self, "summer_job")
        await answering.run_rounds(self, "prao")
        await answering.respond(self, "workplaces answer, guardians consent")
        await applying.apply(self, "work_trial", self.plan.work_trials,
                             "work trials (matched continuously)")
        await answering.respond(self, "work trials: workplaces answer")
        self.step("waiting for the messages to go out", 0)
        await self.settle()
        await self.wait_for_messages()

    async def wait_for_messages(self, timeout_s: float = 45.0) -> None:
        """Until notifications has reported on every welcome letter it owes (or time)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            confirmed = {e["id"] for e in self.log.of("PlacementConfirmed")
                         if uuid.UUID(e["data"]["request_id"]) in self.requests}
            reported = {e["data"]["cause_event_id"]
                        for t in ("NotificationDelivered", "NotificationFailed")
                        for e in self.log.of(t)}
            if confirmed <= reported:
                return
            await asyncio.sleep(0.5)

    # -- what came of it ----------------------------------------------------------------

    async def outcomes(self) -> dict[uuid.UUID, dict[str, Any]]:
        """Matching's view of each request of this season, with its placement's status."""
        placements: dict[str, dict[str, Any]] = {}
        for code in self.plan.municipalities:
            for row in await self.call("GET", f"{self.endpoints.matching}/matching/placements"
                                              f"?municipality_code={code}&limit=1000"):
                if row["status"] in ("proposed", "accepted", "confirmed"):
                    placements[row["request_id"]] = row

        async def one(request_id: uuid.UUID) -> tuple[uuid.UUID, dict[str, Any]]:
            row = await self.call("GET", f"{self.endpoints.matching}/matching/requests/"
                                         f"{request_id}", retry=lambda r: r.status_code == 404)
            row["placement"] = placements.get(str(request_id))
            return request_id, row

        return dict(await asyncio.gather(*(
            one(r.id) for r in self.requests.values() if r.participant_id not in self.erased)))

    def person_ids(self) -> set[str]:
        """Everyone this season registered (as strings, as on the bus)."""
        ids = {str(p.id) for p in self.participants.values()}
        ids |= {str(g.id) for p in self.participants.values() for g in p.guardians}
        ids |= {str(w.manager.id) for w in self.workplaces}
        ids |= {str(s.id) for s in self.supervisors}
        return ids


def _path(url: str) -> str:
    return urlparse(url).path
