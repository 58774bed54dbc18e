"""`praktik demo`: one season of one county (Halland) played against the running system.

Everything goes through the services' HTTP APIs, as the coordinators' and administrators'
tools would use them; the demo reads the bus (as an outside municipal system may) only to
learn what happened: proposals with their acceptance links, certifications, deliveries.

The season: workplaces with managers and supervisors register; managers attend a
breakfast meeting and supervisors a base course (attendance → certification); the
workplaces offer summer jobs, prao weeks and work trials; summer youths and prao
students apply (minors with guardians, who give consent now, later, or never); each
municipality runs a summer and a prao round; work trials are matched as they come;
workplaces accept through their links, a few decline, some participants decline, and the
requests are matched again. Then a plain report.

`Season` is also what the end-to-end tests drive, with a smaller plan.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import typer
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.registration.domain.identity import luhn_digit
from shared.auth import issue_token
from shared.contracts import topics
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import decode, parse_data
from shared.kafka.naming import PREFIX_ENV, logical, physical

COUNTY: dict[str, str] = {
    "1380": "Halmstad", "1383": "Varberg", "1384": "Kungsbacka", "1381": "Laholm",
    "1315": "Hylte",
}
"""Halland's municipalities (SCB codes, DOMAIN.md)."""

DEFAULT_WORKPLACES: dict[str, int] = {"1380": 18, "1383": 13, "1384": 13, "1381": 9,
                                      "1315": 7}
"""60 workplaces, as in the pilot of seed 001."""

DEFAULT_SECRET = "dev-only-change-me-0123456789abcdef"
SEASON_YEAR = 2027
TRAINING_YEAR = 2026

# -- synthetic identity numbers ---------------------------------------------------------
#
# A personnummer is YYMMDD + a three-digit birth number (födelsenummer) + a Luhn digit.
# Skatteverket assigns birth numbers 001-999 only (Skatteverket, rättslig vägledning,
# "Personnummer": "Födelsenumret är något av talen 001 till 999"), so a number with the
# birth number 000 has a real date and a valid check digit but can never belong to a
# real person. The demo and the tests use only such numbers, one per birth date, and
# never print or log them.


def synthetic_identity_number(born: date) -> str:
    """`YYYYMMDD000C`: a real date, birth number 000 (never assigned), valid check digit."""
    ten = f"{born:%y%m%d}000"
    return f"{born:%Y%m%d}000{luhn_digit(ten)}"


# -- synthetic people -------------------------------------------------------------------

FIRST_NAMES = (
    "Alva", "Elsa", "Maja", "Ebba", "Wilma", "Alice", "Saga", "Freja", "Agnes", "Astrid",
    "Ella", "Vera", "Stella", "Signe", "Nora", "Tyra", "Selma", "Ines", "Leia", "Iris",
    "Hugo", "Liam", "William", "Noah", "Oscar", "Lucas", "Elias", "Adam", "Nils", "Alexander",
    "Theo", "Ludvig", "Viktor", "Olle", "Sixten", "Malte", "Melvin", "Arvid", "Vincent",
    "Leo", "Amina", "Yasmin", "Mohammed", "Ali", "Hamza", "Aisha", "Fatima", "Omar", "Zainab",
    "Sara",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Ali", "Mohamed", "Engström", "Eklund", "Danielsson", "Lundin",
    "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
)

PHONE_POOL: tuple[str, ...] = tuple(
    [f"+46701740{n:03d}" for n in range(605, 700)]
    + [f"+468465004{n:02d}" for n in range(100)]
    + [f"+46313900{n:03d}" for n in range(600, 700)]
    + [f"+46406280{n:03d}" for n in range(400, 500)]
)
"""Numbers PTS reserves for fiction (070-174 06 05–99, 08-465 004 xx, 031-390 06 xx,
040-628 04 xx): they reach nobody."""


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass
class Person:
    name: str
    email: str | None
    phone: str | None
    sms_allowed: bool
    language: str = "sv"
    id: uuid.UUID | None = None


class People:
    """Unique names, e-mail addresses (example.com) and fiction phone numbers."""

    def __init__(self, rng: random.Random, tag: str) -> None:
        pairs = [(f, s) for f in FIRST_NAMES for s in LAST_NAMES]
        rng.shuffle(pairs)
        self._pairs = iter(pairs)
        self._phones = iter(PHONE_POOL)
        self._tag = tag
        self._count = 0
        self._rng = rng

    def make(self, *, phone: bool = True, sms: bool = True, language: str = "sv") -> Person:
        first, last = next(self._pairs)
        self._count += 1
        email = f"{_ascii(first)}.{_ascii(last)}.{self._tag}{self._count}@example.com"
        number = next(self._phones, None) if phone else None
        return Person(f"{first} {last}", email, number, sms and number is not None, language)


# -- the plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    workplaces: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WORKPLACES))
    """Workplaces per municipality (SCB code)."""
    summer_requests: int = 320
    prao_requests: int = 40
    work_trials: int = 24
    workplace_declines: int = 6
    participant_declines: int = 4
    seed: int = 2027
    consent_weights: tuple[int, int, int, int] = (60, 28, 4, 8)
    """How guardians answer: with the application, after the proposal, refuse, never."""
    phone_share: float = 0.3
    """Share of youths with a mobile number (adults on work trials: twice that)."""
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    """Makes this run's external refs and e-mail addresses unique."""

    @property
    def municipalities(self) -> list[str]:
        return list(self.workplaces)


@dataclass(frozen=True)
class Endpoints:
    registration: str = "http://127.0.0.1:8001"
    matching: str = "http://127.0.0.1:8002"
    training: str = "http://127.0.0.1:8003"
    notifications: str = "http://127.0.0.1:8004"
    kafka: str = "127.0.0.1:19092"
    secret: str = DEFAULT_SECRET
    smtp_catcher: str = "SMTP 127.0.0.1:1025"
    sms_fake: str = "http://127.0.0.1:8025"
    topic_prefix: str = ""
    """The environment's topic prefix (`PRAKTIK_TOPIC_PREFIX`): the broker's topic names."""

    def services(self) -> dict[str, str]:
        return {"registration": self.registration, "matching": self.matching,
                "training": self.training, "notifications": self.notifications}


# -- what the season registered ---------------------------------------------------------

SECTORS = ("municipal", "region", "state", "private", "nonprofit")


@dataclass(frozen=True)
class Kind:
    label: str
    occupation: str
    """SSYK 2012."""
    sector: str
    client_contact: bool
    prao: bool


KINDS: tuple[Kind, ...] = (
    Kind("äldreboende", "5321", "municipal", True, False),
    Kind("hemtjänst", "5321", "municipal", True, False),
    Kind("förskola", "5311", "municipal", False, True),
    Kind("fritidshem", "2342", "municipal", False, True),
    Kind("grundskola", "5312", "municipal", False, True),
    Kind("storkök", "9412", "municipal", False, True),
    Kind("fastighetsskötsel", "5153", "municipal", False, True),
    Kind("kommunkontoret", "4119", "municipal", False, True),
    Kind("socialtjänst", "3412", "municipal", True, False),
    Kind("vårdcentral", "5325", "region", True, False),
    Kind("bibliotek", "4430", "municipal", False, True),
    Kind("livsmedelsbutik", "5223", "private", False, True),
    Kind("restaurang", "9412", "private", False, True),
    Kind("verkstad", "7231", "private", False, True),
    Kind("städföretag", "9111", "private", False, False),
    Kind("second hand", "5223", "nonprofit", False, True),
    Kind("idrottsförening", "3423", "nonprofit", False, True),
    Kind("Trafikverket depå", "8332", "state", False, False),
)

NEEDS = ("neuropsychiatric", "language", "exhaustion", "adapted_tasks")


@dataclass
class Supervisor:
    id: uuid.UUID
    workplace_id: uuid.UUID
    municipality_code: str
    person: Person
    max_participants: int
    languages: list[str]
    attends: bool = True


@dataclass
class Workplace:
    id: uuid.UUID
    municipality_code: str
    name: str
    kind: Kind
    min_age: int | None
    manager: Person
    supervisors: list[Supervisor] = field(default_factory=list)
    manager_attends: bool = True


@dataclass
class Offer:
    id: uuid.UUID
    workplace_id: uuid.UUID
    supervisor_id: uuid.UUID
    municipality_code: str
    program: str
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None
    without_client_contact: bool
    supports: list[str]


@dataclass
class Participant:
    id: uuid.UUID
    municipality_code: str
    birth_date: date
    gender: str
    person: Person
    needs: list[str]
    guardians: list[Person]
    consent: str = "none"
    """When the guardian gives consent: `early` (with the application), `late` (after the
    proposal), `refused`, `never`; `none` where no consent is needed."""


@dataclass
class Request:
    id: uuid.UUID
    participant_id: uuid.UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date


def age_on(born: date, day: date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def needs_consent(program: str, born: date, start: date) -> bool:
    return program == "prao" or age_on(born, start) < 18


SUMMER = (date(SEASON_YEAR, 6, 14), date(SEASON_YEAR, 7, 9))
SUMMER_REQUESTS = ((date(SEASON_YEAR, 6, 14), date(SEASON_YEAR, 7, 2)),
                   (date(SEASON_YEAR, 6, 21), date(SEASON_YEAR, 7, 9)))
PRAO = (date(SEASON_YEAR, 3, 15), date(SEASON_YEAR, 3, 26))
WORK_TRIAL = (date(SEASON_YEAR, 1, 18), date(SEASON_YEAR, 5, 28))


class DemoError(RuntimeError):
    pass


# -- the bus, read as an outside system reads it ----------------------------------------

READ_TOPICS = (topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS, topics.MATCHING_EVENTS,
               topics.NOTIFICATIONS_EVENTS,
               *(topics.dead_letter_topic(t) for t in (
                   topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS,
                   topics.TRAINING_EVENTS, topics.MATCHING_EVENTS)))
"""What the demo follows; the dead-letter twins too (what a service could not handle)."""


def _readable(topic: str, value: bytes) -> dict[str, Any] | None:
    """An event as the demo follows it: on a contract topic only what the contract
    accepts (someone else's poison on the bus is no fact of the season), on a dead-letter
    topic the original as far as it is a JSON object."""
    if topic.endswith(topics.DLQ_SUFFIX):
        try:
            event = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser
            return None
        return event if isinstance(event, dict) else None
    try:
        parse_data(topic, envelope := decode(value))
    except MessageRejected:
        return None
    return envelope.model_dump(mode="json")


class EventLog:
    """The contract topics from where they stood when the log started (no consumer group).

    Under a topic prefix it reads the prefixed topics; events keep the contract's names."""

    def __init__(self, bootstrap: str, names: Sequence[str] = READ_TOPICS,
                 prefix: str = "") -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.names = [physical(prefix, name) for name in names]
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.start_offsets: dict[TopicPartition, int] = {}
        self.read_up_to: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> EventLog:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        try:
            await consumer.start()
        except KafkaError:
            await consumer.stop()
            raise
        parts = []
        for name in self.names:
            found = consumer.partitions_for_topic(name)
            for _ in range(50):
                if found:
                    break
                await consumer._client.force_metadata_update()
                found = consumer.partitions_for_topic(name)
                await asyncio.sleep(0.1)
            if not found:
                raise DemoError(f"topic {name} not found on {self.bootstrap}")
            parts += [TopicPartition(name, p) for p in found]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        for tp in parts:
            self.start_offsets[tp] = await consumer.position(tp)
        self._consumer = consumer
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            for tp, records in batches.items():
                if records:
                    self.read_up_to[tp] = records[-1].offset + 1
                for record in records:
                    if record.value is None:
                        continue
                    topic = logical(self.prefix, record.topic)
                    event = _readable(topic, record.value)
                    if event is not None:
                        self.events.append((topic, event))

    async def caught_up(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self.read_up_to.get(tp, self.start_offsets.get(tp, 0)) >= end
                   for tp, end in ends.items() if end > self.start_offsets.get(tp, 0))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._consumer is not None:
            await self._consumer.stop()

    def of(self, type_: str, topic: str | None = None) -> list[dict[str, Any]]:
        """Events of a type: on `topic`, or on any contract topic (a dead letter is no
        fact: it is what a service refused, read it from `events`)."""
        return [e for t, e in self.events if e.get("type") == type_ and (
            t == topic if topic is not None else not t.endswith(topics.DLQ_SUFFIX))]


class GroupProgress:
    """How far the services' consumer groups have got on the topics they read."""

    def __init__(self, bootstrap: str, baseline: dict[TopicPartition, int]) -> None:
        self.bootstrap = bootstrap
        self.baseline = baseline
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap,
                                          enable_auto_commit=False)

    async def start(self) -> GroupProgress:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def ends(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict(await self._consumer.end_offsets(parts))

    async def targets(self, groups: Iterable[str]) -> dict[tuple[str, TopicPartition], int]:
        """Each group's partitions with their end offsets now."""
        wanted: dict[tuple[str, TopicPartition], int] = {}
        for group in groups:
            committed = await self._admin.list_consumer_group_offsets(group)
            read = {tp.topic for tp in committed}
            parts = {tp for tp in self.baseline if tp.topic in read} | set(committed)
            ends = await self._consumer.end_offsets(list(parts))
            wanted.update({(group, tp): ends[tp] for tp in parts})
        return wanted

    async def reached(self, targets: dict[tuple[str, TopicPartition], int]) -> bool:
        """True when every group has committed up to its target on every partition (a
        partition a group never committed counts while nothing came since `baseline`)."""
        by_group: dict[str, dict[TopicPartition, Any]] = {}
        for (group, tp), target in targets.items():
            if group not in by_group:
                by_group[group] = await self._admin.list_consumer_group_offsets(group)
            meta = by_group[group].get(tp)
            if meta is None or meta.offset < 0:
                if target > self.baseline.get(tp, target):
                    return False
            elif meta.offset < target:
                return False
        return True


# -- the season -------------------------------------------------------------------------

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
    patience_s: float = 180.0
    """How long to wait for the services to catch up with the bus."""
    erased: set[uuid.UUID] = field(default_factory=set)
    """Participants erased after they applied (their requests have no outcome left)."""
    """Answers (accept, decline, consent) that a service failed with 5xx: kept, not fatal."""
    log: EventLog = field(init=False)
    groups: dict[str, str] = field(default_factory=dict)
    """Consumer group → service, from the services' `/health/consumers`."""
    started: float = field(default_factory=time.monotonic)
    _client: httpx.AsyncClient | None = None
    _progress: GroupProgress | None = None
    _limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(12))
    _birth_dates: set[date] = field(default_factory=set)
    _answered: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)
        self.people = People(self.rng, self.plan.tag)
        self.log = EventLog(self.endpoints.kafka, prefix=self.endpoints.topic_prefix)
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
        try:
            await self.log.start()
        except KafkaError as error:
            await self._client.aclose()
            raise DemoError(f"Kafka does not answer at {self.endpoints.kafka} "
                            f"({type(error).__name__}); start the system with "
                            "`scripts/stack up`") from None
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._progress is not None:
            await self._progress.stop()
        await self.log.stop()
        if self._client is not None:
            await self._client.aclose()

    async def call(self, method: str, url: str, body: Any = None, *, ok: Iterable[int] = (
            200, 201, 204), retry: Callable[[httpx.Response], bool] | None = None,
            admin: bool = False, patience_s: float = 60.0) -> Any:
        """One HTTP call; retried while `retry` says the answer is not final yet (or 503)."""
        deadline = time.monotonic() + patience_s
        headers = {"Authorization": f"Bearer {self._admin}"} if admin else None
        while True:
            async with self._limit:
                try:
                    response = await self.client.request(method, url, json=body,
                                                         headers=headers)
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
            self._progress = await GroupProgress(self.endpoints.kafka,
                                            self.log.start_offsets).start()
        deadline = time.monotonic() + (timeout_s or self.patience_s)
        for _ in range(3):
            await asyncio.sleep(0.2)  # outbox relays
            targets = await self._progress.targets(groups)
            while not await self._progress.reached(targets):
                if time.monotonic() > deadline:
                    raise DemoError("the services did not catch up with the bus in time")
                await asyncio.sleep(0.2)
        await asyncio.sleep(0.2)
        ends = await self._progress.ends(list(self.log.start_offsets))
        while not await self.log.caught_up(ends):
            if time.monotonic() > deadline:
                raise DemoError("could not read the bus in time")
            await asyncio.sleep(0.1)

    def _born(self, youngest: int, oldest: int, on: date) -> date:
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

    # -- phases -------------------------------------------------------------------------

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

    async def register_workplaces(self) -> None:
        total = sum(self.plan.workplaces.values())
        self.step("workplaces, managers, supervisors", total)
        reg = self.endpoints.registration
        for code in self.plan.municipalities:
            await self.call("POST", f"{reg}/coordinators", {
                "municipality_code": code, "name": f"Praktiksamordnare {COUNTY.get(code, code)}",
                "email": f"praktik.{code}.{self.plan.tag}@example.com", "language": "sv",
            }, admin=True)

        async def one(code: str, index: int) -> Workplace:
            kind = KINDS[(index + int(code)) % len(KINDS)]
            min_age = 18 if kind.client_contact and self.rng.random() < 0.3 else (
                16 if kind.occupation in ("7231", "8332") else None)
            manager = self.people.make(phone=self.rng.random() < 0.5)
            name = f"{kind.label.capitalize()} {COUNTY.get(code, code)} {index + 1}"
            body = {
                "external_ref": f"demo-{self.plan.tag}-wp-{code}-{index}",
                "org_number": org_number(self.rng, kind.sector),
                "name": name, "sector": kind.sector, "municipality_code": code,
                "client_contact": kind.client_contact, "min_age": min_age,
                "address": f"Storgatan {index + 1}, {COUNTY.get(code, code)}",
                "manager": {"name": manager.name, "email": manager.email,
                            "phone": manager.phone, "language": "sv",
                            "sms_allowed": manager.sms_allowed},
            }
            out = await self.call("POST", f"{reg}/workplaces", body)
            manager.id = uuid.UUID(out["manager"]["manager_id"])
            workplace = Workplace(uuid.UUID(out["workplace_id"]), code, name, kind, min_age,
                                  manager, manager_attends=self.rng.random() < 0.93)
            for s in range(1 if self.rng.random() < 0.55 else 2):
                extra = self.rng.sample(["en", "ar", "so", "ti", "fa"],
                                        self.rng.choice((0, 0, 1, 2)))
                languages = ["sv", *extra]
                person = self.people.make(phone=self.rng.random() < 0.8)
                max_participants = self.rng.choice((2, 2, 3, 3, 4))
                out = await self.call("POST", f"{reg}/supervisors", {
                    "external_ref": f"demo-{self.plan.tag}-sv-{code}-{index}-{s}",
                    "workplace_id": str(workplace.id), "municipality_code": code,
                    "name": person.name, "email": person.email, "phone": person.phone,
                    "sms_allowed": person.sms_allowed, "languages": languages,
                    "max_participants": max_participants,
                })
                person.id = uuid.UUID(out["supervisor_id"])
                workplace.supervisors.append(Supervisor(
                    person.id, workplace.id, code, person, max_participants, languages,
                    attends=self.rng.random() < 0.92))
            return workplace

        jobs = [one(code, i) for code, n in self.plan.workplaces.items() for i in range(n)]
        self.workplaces = await self.gather(jobs)

    @property
    def supervisors(self) -> list[Supervisor]:
        return [s for w in self.workplaces for s in w.supervisors]

    def workplace(self, workplace_id: uuid.UUID) -> Workplace:
        return next(w for w in self.workplaces if w.id == workplace_id)

    async def train(self) -> None:
        """Breakfast meetings and base courses last autumn, with attendance and costs."""
        trn = self.endpoints.training
        codes = self.plan.municipalities
        supervisors = self.supervisors
        courses = max(1, min(4, len(codes)))
        seats = math.ceil(len(supervisors) / courses) + 2
        total = len(codes) + courses + len(self.workplaces) + len(supervisors)
        self.step("breakfast meetings and base courses", total)
        breakfasts: dict[str, dict[str, Any]] = {}
        for n, code in enumerate(codes):
            day = datetime(TRAINING_YEAR, 9, 1 + 2 * n, 6, 30, tzinfo=UTC)
            digital = code in ("1315", "1381")
            breakfasts[code] = await self.call("POST", f"{trn}/sessions", {
                "course": "manager_breakfast", "starts_at": day.isoformat(),
                "ends_at": (day + timedelta(hours=1, minutes=30)).isoformat(),
                "municipality_code": code, "digital": digital,
                "venue": "Teams" if digital else f"Stadshuset {COUNTY.get(code, code)}",
                "capacity": 40, "trainers": ["Samordningsförbundet Halland"],
            })
            self.advance(1)
        bases: list[dict[str, Any]] = []
        for n in range(courses):
            code = codes[n % len(codes)]
            day = datetime(TRAINING_YEAR, 9 + n % 3, 10 + 7 * (n // 3), 7, 0, tzinfo=UTC)
            bases.append(await self.call("POST", f"{trn}/sessions", {
                "course": "base_course", "starts_at": day.isoformat(),
                "ends_at": (day + timedelta(hours=8)).isoformat(), "municipality_code": code,
                "venue": f"Folkets hus {COUNTY.get(code, code)}", "capacity": seats,
                "trainers": ["Samordningsförbundet Halland", "Arbetsförmedlingen"],
            }))
            self.advance(1)
        self.sessions = {"manager_breakfast": list(breakfasts.values()), "base_course": bases}

        def unknown_yet(response: httpx.Response) -> bool:  # training has not seen them yet
            return response.status_code == 422 and "known from registration" in response.text

        async def enrol(session_id: str, person: Person) -> None:
            await self.call("POST", f"{trn}/sessions/{session_id}/enrolments", {
                "person_id": str(person.id), "name": person.name,
                "dietary_needs": self.rng.choice(([], [], [], ["vegetarian"],
                                                  ["gluten-free"]))},
                retry=unknown_yet)

        await self.gather([enrol(breakfasts[w.municipality_code]["session_id"], w.manager)
                           for w in self.workplaces])
        by_course: dict[str, list[Supervisor]] = defaultdict(list)
        for n, supervisor in enumerate(supervisors):
            by_course[bases[n % courses]["session_id"]].append(supervisor)
        await self.gather([enrol(session_id, s.person)
                           for session_id, group in by_course.items() for s in group])
        for code, session in breakfasts.items():
            managers = [w for w in self.workplaces if w.municipality_code == code]
            await self._attendance(session, [w.manager.id for w in managers if w.manager_attends],
                                   [w.manager.id for w in managers if not w.manager_attends])
        for session in bases:
            group = by_course[session["session_id"]]
            await self._attendance(session, [s.id for s in group if s.attends],
                                   [s.id for s in group if not s.attends])
        for session in self.sessions["base_course"]:
            await self.call("POST", f"{trn}/sessions/{session['session_id']}/evaluations",
                            {"scores": {"overall": self.rng.choice((4, 5, 5)), "content": 4},
                             "comment": "Bra dag, mycket att ta med sig."})

    async def _attendance(self, session: dict[str, Any], present: list[uuid.UUID | None],
                          absent: list[uuid.UUID | None]) -> None:
        trn = self.endpoints.training
        sid = session["session_id"]
        roster = await self.call("GET", f"{trn}/sessions/{sid}/enrolments")
        enrolled = {r["person_id"] for r in roster if r["status"] == "enrolled"}
        await self.call("POST", f"{trn}/sessions/{sid}/attendance", {
            "present": [str(p) for p in present if str(p) in enrolled],
            "absent": [str(p) for p in absent if str(p) in enrolled]})
        people = len(enrolled)
        base = session["course"] == "base_course"
        digital = session["digital"]
        await self.call("PUT", f"{trn}/sessions/{sid}/costs", {
            "venue": "0" if digital else ("4500" if base else "1200"),
            "food": "0" if digital else str(people * (245 if base else 85)),
            "material": str(1500 if base else 300)})

    async def offer(self) -> None:
        reg = self.endpoints.registration
        self.step("placement offers", len(self.supervisors))

        async def one(w: Workplace, s: Supervisor) -> list[Offer]:
            made = []
            wanted: list[tuple[str, tuple[date, date], int, int | None, bool, list[str]]] = []
            arranged = w.kind.client_contact and self.rng.random() < 0.6
            summer_min = w.min_age if not arranged else None
            wanted.append(("summer_job", SUMMER, s.max_participants,
                           summer_min, arranged, []))
            if w.kind.prao and self.rng.random() < 0.5:
                wanted.append(("prao", PRAO, min(2, s.max_participants), None, False, []))
            if self.rng.random() < 0.35:
                wanted.append(("work_trial", WORK_TRIAL, 1, None, False,
                               self.rng.sample(NEEDS, self.rng.choice((1, 2, 3)))))
            for n, (program, (start, end), capacity, min_age, arranged_, supports) in \
                    enumerate(wanted):
                out = await self.call("POST", f"{reg}/offers", {
                    "external_ref": f"demo-{self.plan.tag}-of-{s.id.hex[:10]}-{n}",
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

        found = await self.gather([one(w, s) for w in self.workplaces for s in w.supervisors])
        self.offers = [o for batch in found for o in batch]

    def _share(self, total: int) -> dict[str, int]:
        """Split `total` over the municipalities in proportion to their workplaces."""
        weights = self.plan.workplaces
        whole = sum(weights.values())
        share = {c: total * n // whole for c, n in weights.items()}
        for code in list(weights)[: total - sum(share.values())]:
            share[code] += 1
        return share

    async def apply(self, program: str, total: int, label: str) -> None:
        """Participants and their requests (minors with guardians and consent)."""
        if total <= 0:
            return
        self.step(label, total)
        jobs = []
        for code, count in self._share(total).items():
            occupations = sorted({o.occupation for o in self.offers
                                  if o.municipality_code == code and o.program == program})
            for n in range(count):
                jobs.append(self._apply_one(program, code, n, occupations))
        await self.gather(jobs)

    async def _apply_one(self, program: str, code: str, n: int,
                         occupations: list[str]) -> None:
        reg = self.endpoints.registration
        if program == "summer_job":
            start, end = SUMMER_REQUESTS[n % 2]
            band = (15, 17) if self.rng.random() < 0.8 else (18, 19)
        elif program == "prao":
            start, end = PRAO
            band = (14, 15)
        else:
            start, end = (WORK_TRIAL[0] + timedelta(days=14), WORK_TRIAL[1]
                          - timedelta(days=21))
            band = (24, 60)
        share = self.plan.phone_share * (2 if program == "work_trial" else 1)
        person = self.people.make(phone=self.rng.random() < share)
        guardians: list[Person] = []
        gender = self.rng.choices(("female", "male", "other", "unspecified"),
                                  (48, 48, 2, 2))[0]
        needs = (self.rng.sample(NEEDS, self.rng.choice((1, 1, 2)))
                 if program == "work_trial" else [])
        language = self.rng.choices(("sv", "ar", "en", "so"), (85, 7, 5, 3))[0]
        for attempt in range(20):
            born = self._born(*band, start)
            minor = age_on(born, date.today()) < 18 or age_on(born, start) < 18
            if minor and not guardians:
                guardians = [self.people.make(phone=self.rng.random() < 0.5)
                             for _ in range(self.rng.choice((1, 2)))]
            try:
                out = await self.call("POST", f"{reg}/participants", {
                    "external_ref": f"demo-{self.plan.tag}-p-{program}-{code}-{n}",
                    "municipality_code": code,
                    "personal_identity_number": synthetic_identity_number(born),
                    "name": person.name, "email": person.email, "phone": person.phone,
                    "sms_allowed": person.sms_allowed, "gender": gender,
                    "preferred_language": language, "needs": needs,
                    "guardians": [{"name": g.name, "email": g.email, "phone": g.phone,
                                   "language": "sv", "sms_allowed": g.sms_allowed}
                                  for g in guardians],
                })
                break
            except DemoError as error:
                # An earlier season registered someone with this birth date (and so this
                # identity number): another date, another person.
                if "under another external_ref" not in str(error) or attempt == 19:
                    raise
        person.id = uuid.UUID(out["participant_id"])
        for guardian, given in zip(guardians, out["guardians"], strict=False):
            guardian.id = uuid.UUID(given["guardian_id"])
        participant = Participant(person.id, code, born, gender, person, needs, guardians)
        if needs_consent(program, born, start):
            participant.consent = self.rng.choices(("early", "late", "refused", "never"),
                                                   self.plan.consent_weights)[0]
        self.participants[participant.id] = participant
        if participant.consent == "early":
            await self.give_consent(participant, program, True)
        preferences = [{"occupation": o} for o in self.rng.sample(
            occupations, min(len(occupations), self.rng.choice((1, 2, 3))))]
        out = await self.call("POST", f"{reg}/requests", {
            "external_ref": f"demo-{self.plan.tag}-r-{program}-{code}-{n}",
            "participant_id": str(participant.id), "municipality_code": code,
            "program": program, "period_start": start.isoformat(),
            "period_end": end.isoformat(), "preferences": preferences, "needs": needs,
            "priority": 1 if self.rng.random() < 0.08 else 0,
        })
        request = Request(uuid.UUID(out["request_id"]), participant.id, code, program, start,
                          end)
        self.requests[request.id] = request

    async def give_consent(self, participant: Participant, program: str,
                           granted: bool) -> None:
        await self.call("POST", f"{self.endpoints.registration}/participants/"
                                f"{participant.id}/consents",
                        {"guardian_index": 0, "program": program, "granted": granted})
        self.consents.append((participant.id, program, granted, datetime.now(UTC)))

    async def run_rounds(self, program: str) -> None:
        codes = sorted({r.municipality_code for r in self.requests.values()
                        if r.program == program})
        self.step(f"matching rounds: {program}", len(codes))
        for code in codes:
            self.rounds.append(await self.call("POST", f"{self.endpoints.matching}/matching/"
                                                       "rounds",
                                               {"municipality_code": code, "program": program,
                                                "seed": self.plan.seed}))
            self.advance(1)

    def _proposals(self, seen: set[str]) -> list[dict[str, Any]]:
        mine = self.requests
        return [e["data"] for e in self.log.of("PlacementProposed", topics.MATCHING_EVENTS)
                if uuid.UUID(e["data"]["request_id"]) in mine
                and e["data"]["placement_id"] not in seen]

    async def respond(self, label: str) -> None:
        """Workplaces answer their proposals through their links; some decline; guardians
        give late consent; some participants decline; repeated while new proposals come."""
        seen = self._answered
        declines = self.plan.workplace_declines
        participant_declines = self.plan.participant_declines
        self.step(label, 0)
        for _ in range(8):
            await self.settle("matching")
            fresh = self._proposals(seen)
            if not fresh:
                break
            jobs = []
            for proposal in fresh:
                seen.add(proposal["placement_id"])
                if declines > 0 and self.rng.random() < 0.1:
                    declines -= 1
                    jobs.append(self._workplace_decline(proposal))
                else:
                    jobs.append(self._accept(proposal))
            await self.gather([self._soft(j) for j in jobs])
            await self.settle("matching")
            late = []
            for proposal in fresh:
                participant = self.participants.get(uuid.UUID(proposal["participant_id"]))
                if participant is None:
                    continue
                if participant.consent == "late":
                    participant.consent = "given"
                    late.append(self.give_consent(participant, proposal["program"], True))
                elif participant.consent == "refused":
                    participant.consent = "refused-given"
                    late.append(self.give_consent(participant, proposal["program"], False))
            await self.gather([self._soft(j) for j in late])
            if participant_declines > 0:
                await self.settle("matching")
                confirmed = [e["data"] for e in self.log.of("PlacementConfirmed")
                             if e["data"]["placement_id"] in {p["placement_id"] for p in fresh}]
                for placement in confirmed[: participant_declines]:
                    participant_declines -= 1
                    await self._soft(self._participant_decline(placement))

    async def _soft(self, job: Awaitable[None]) -> None:
        """An answer a service fails (5xx) is recorded and the season goes on."""
        try:
            await job
        except DemoError as error:
            if " answered 5" not in str(error):
                raise
            self.failures.append(str(error))
            self.responses["failed"] += 1

    async def _participant_decline(self, placement: dict[str, Any]) -> None:
        await self.call(
            "POST", f"{self.endpoints.matching}/matching/placements/"
                    f"{placement['placement_id']}/decline",
            {"by": "participant", "reason": "fick ett annat sommarjobb"}, ok=(200, 409))
        self.responses["participant_declined"] += 1

    async def _accept(self, proposal: dict[str, Any]) -> None:
        token = _token(proposal)
        answer = await self.call(
            "POST", f"{self.endpoints.matching}/matching/placements/"
                    f"{proposal['placement_id']}/accept", {"token": token}, ok=(200, 409))
        self.responses["accepted" if answer and answer.get("status") else "no_longer_open"] += 1

    async def _workplace_decline(self, proposal: dict[str, Any]) -> None:
        await self.call(
            "POST", f"{self.endpoints.matching}/matching/placements/"
                    f"{proposal['placement_id']}/workplace-decline",
            {"token": _token(proposal), "reason": "handledaren är föräldraledig den perioden"},
            ok=(200, 409))
        self.responses["workplace_declined"] += 1

    async def play(self) -> None:
        """The whole season."""
        await self.check_ready()
        await self.register_workplaces()
        await self.train()
        await self.offer()
        self.step("waiting for matching to see the certificates", 0)
        await self.settle("matching")
        await self.apply("summer_job", self.plan.summer_requests, "summer-job applications")
        await self.apply("prao", self.plan.prao_requests, "prao applications with consent")
        await self.settle("matching")
        await self.run_rounds("summer_job")
        await self.run_rounds("prao")
        await self.respond("workplaces answer, guardians consent")
        await self.apply("work_trial", self.plan.work_trials,
                         "work trials (matched continuously)")
        await self.respond("work trials: workplaces answer")
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

    # -- the report ---------------------------------------------------------------------

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

    async def report(self) -> str:
        lines: list[str] = []
        out = lines.append
        outcomes = await self.outcomes()
        out(f"Praktik season {SEASON_YEAR}, Halland county (run {self.plan.tag}), "
            f"played in {time.monotonic() - self.started:.0f} s")
        out("")
        out("PLACEMENTS BY MUNICIPALITY AND PROGRAMME")
        header = (f"  {'municipality':<12} {'programme':<11} {'requests':>8} {'confirmed':>9} "
                  f"{'await consent':>13} {'await wp':>8} {'waitlisted':>10}  waitlist reasons")
        out(header)
        table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        reasons: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for request_id, row in outcomes.items():
            request = self.requests[request_id]
            key = (request.municipality_code, request.program)
            table[key]["requests"] += 1
            placement = row.get("placement")
            if placement is not None:
                table[key][placement["status"]] += 1
            elif row["status"] in ("waitlisted", "awaiting_round", "reopened"):
                table[key]["waitlisted"] += 1
                reasons[key].update(row["reasons"] or ["waiting"])
            else:
                table[key][row["status"]] += 1
        for (code, program), counts in sorted(table.items()):
            why = ", ".join(f"{r} {n}" for r, n in reasons[(code, program)].most_common(4))
            out(f"  {COUNTY.get(code, code):<12} {program:<11} {counts['requests']:>8} "
                f"{counts['confirmed']:>9} {counts['accepted']:>13} {counts['proposed']:>8} "
                f"{counts['waitlisted']:>10}  {why}")
        totals = Counter[str]()
        for counts in table.values():
            totals.update(counts)
        out(f"  {'all':<12} {'':<11} {totals['requests']:>8} {totals['confirmed']:>9} "
            f"{totals['accepted']:>13} {totals['proposed']:>8} {totals['waitlisted']:>10}")
        for summary in self.rounds:
            out(f"  round {COUNTY.get(summary['municipality_code'], '')} {summary['program']}:"
                f" {summary['requests']} requests, {summary['placed']} placed, "
                f"{summary['waitlisted']} waitlisted (seed {summary['seed']}, "
                f"{summary['duration_ms']:.0f} ms)")
        out(f"  answers: {dict(self.responses)}; guardian consents recorded: "
            f"{sum(1 for c in self.consents if c[2])} granted, "
            f"{sum(1 for c in self.consents if not c[2])} refused")
        out("")
        mine_sup = {str(s.id) for s in self.supervisors}
        certified = {e["data"]["supervisor_id"] for e in self.log.of("SupervisorCertified")
                     if e["data"]["supervisor_id"] in mine_sup}
        mine_wp = {str(w.id): w for w in self.workplaces}
        opened = {e["data"]["workplace_id"] for e in self.log.of("WorkplaceOpened")
                  if e["data"]["workplace_id"] in mine_wp}
        out("SUPERVISORS AND WORKPLACES")
        for code in self.plan.municipalities:
            sups = [s for s in self.supervisors if s.municipality_code == code]
            wps = [w for w in self.workplaces if w.municipality_code == code]
            out(f"  {COUNTY.get(code, code):<12} certified supervisors "
                f"{sum(1 for s in sups if str(s.id) in certified):>3} of {len(sups):<3} "
                f"open workplaces {sum(1 for w in wps if str(w.id) in opened):>3} of {len(wps)}")
        out(f"  {'all':<12} certified supervisors {len(certified):>3} of "
            f"{len(mine_sup):<3} open workplaces {len(opened):>3} of {len(mine_wp)}")
        out("")
        budget = await self.call("GET", f"{self.endpoints.training}/budget/{TRAINING_YEAR}")
        out(f"TRAINING COSTS {TRAINING_YEAR} (county budget {_sek(budget['budget'])} SEK)")
        for course, amount in sorted(budget["by_course"].items()):
            out(f"  course {course:<18} {_sek(amount):>10} SEK")
        for kind, amount in sorted(budget["by_kind"].items()):
            out(f"  cost   {kind:<18} {_sek(amount):>10} SEK")
        out(f"  spent {_sek(budget['spent'])} SEK, remaining {_sek(budget['remaining'])} SEK"
            + (" — OVER BUDGET" if budget["over_budget"] else ""))
        out("")
        out("MESSAGES (notifications.events.v1, this run)")
        people = self.person_ids()
        by: Counter[tuple[str, str]] = Counter()
        for type_ in ("NotificationDelivered", "NotificationFailed"):
            for e in self.log.of(type_):
                if e["data"]["recipient_id"] in people:
                    by[(e["data"]["channel"], type_.removeprefix("Notification").lower())] += 1
        failed_why: dict[str, Counter[str]] = defaultdict(Counter)
        for e in self.log.of("NotificationFailed"):
            if e["data"]["recipient_id"] in people:
                failed_why[e["data"]["channel"]][str(e["data"].get("error", "?"))[:40]] += 1
        for channel in ("email", "sms"):
            reasons_ = ", ".join(f"{r} {n}" for r, n in failed_why[channel].most_common(3))
            out(f"  {channel:<6} delivered {by[(channel, 'delivered')]:>5}   failed "
                f"{by[(channel, 'failed')]:>4}" + (f" ({reasons_})" if reasons_ else ""))
        templates = Counter(e["data"]["template"] for e in self.log.of("NotificationDelivered")
                            if e["data"]["recipient_id"] in people)
        if templates:
            out("  by template: " + ", ".join(f"{t} {n}" for t, n in templates.most_common()))
        if _quiet_hours_now():
            out("  (21:00-08:00 Swedish time: SMS wait for the morning, as the service's "
                "quiet hours say)")
        out("")
        out("WHERE TO READ THE CAUGHT MESSAGES")
        out(f"  e-mail: the SMTP catcher ({self.endpoints.smtp_catcher}) keeps each message "
            "as an .eml file, with index.jsonl, under .cache/mail/ (DEV_MAIL_DIR)")
        out(f"  SMS: the 46elks fake lists them: curl -u elks-user:elks-password "
            f"{self.endpoints.sms_fake}/a1/sms")
        out("  per placement: GET /notifications/placements/{placement_id} on notifications")
        return "\n".join(lines)


def _token(proposal: dict[str, Any]) -> str:
    """The token in the supervisor's acceptance link (what the e-mail's link carries)."""
    url = proposal.get("acceptance_url")
    if not url:
        raise DemoError("a PlacementProposed without acceptance_url: cannot answer it")
    return parse_qs(urlparse(url).query)["token"][0]


def org_number(rng: random.Random, sector: str) -> str:
    """A made-up organisation number of a legal person (third digit 2+, Luhn digit)."""
    first = {"municipal": "212000", "region": "232100", "state": "202100"}.get(
        sector, f"{rng.choice(('55', '56', '80', '82'))}{rng.randrange(2, 10)}"
                f"{rng.randrange(1000):03d}")
    nine = f"{first}{rng.randrange(1000):03d}"
    return f"{nine[:6]}-{nine[6:]}{luhn_digit(nine)}"


def _path(url: str) -> str:
    return urlparse(url).path


def _sek(amount: str) -> str:
    return f"{float(amount):,.0f}".replace(",", " ")


def _quiet_hours_now() -> bool:
    from zoneinfo import ZoneInfo

    hour = datetime.now(ZoneInfo("Europe/Stockholm")).hour
    return hour >= 21 or hour < 8


# -- the command ------------------------------------------------------------------------


def demo(
    registration: str = typer.Option("http://127.0.0.1:8001",
                                     envvar="PRAKTIK_REGISTRATION_URL"),
    matching: str = typer.Option("http://127.0.0.1:8002", envvar="PRAKTIK_MATCHING_URL"),
    training: str = typer.Option("http://127.0.0.1:8003", envvar="PRAKTIK_TRAINING_URL"),
    notifications: str = typer.Option("http://127.0.0.1:8004",
                                      envvar="PRAKTIK_NOTIFICATIONS_URL"),
    kafka: str = typer.Option("127.0.0.1:19092", envvar="PRAKTIK_KAFKA_BOOTSTRAP_SERVERS"),
    topic_prefix: str = typer.Option("", "--topic-prefix", envvar=PREFIX_ENV,
                                     help="the environment's topic prefix (default none)"),
    secret: str = typer.Option(DEFAULT_SECRET, envvar="PRAKTIK_AUTH_JWT_SECRET",
                               help="the services' auth_jwt_secret"),
    summer: int = typer.Option(320, help="summer-job requests"),
    prao: int = typer.Option(40, help="prao requests"),
    work_trials: int = typer.Option(24, help="work-trial requests"),
    seed: int = typer.Option(2027, help="seed of the synthetic season and the lotteries"),
    again: bool = typer.Option(False, "--again",
                               help="play even though the county already holds a season"),
) -> None:
    """Play a season for Halland against the running system and print a report."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    endpoints = Endpoints(registration, matching, training, notifications, kafka, secret,
                          topic_prefix=topic_prefix)
    if again and seed == 2027:
        seed = random.randrange(1 << 30)  # other people than the first season's
    plan = Plan(summer_requests=summer, prao_requests=prao, work_trials=work_trials,
                seed=seed)
    with Progress(TextColumn("{task.description:<45}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  transient=False) as progress:
        current: list[Any] = []

        def step(description: str, total: int) -> None:
            if current:
                task = current[-1]
                progress.update(task, completed=progress.tasks[task].total or 1,
                                total=progress.tasks[task].total or 1)
            current.append(progress.add_task(description, total=total or None))

        def advance(n: int) -> None:
            if current:
                progress.advance(current[-1], n)

        async def main() -> str:
            async with Season(plan, endpoints, step, advance) as season:
                await season.check_ready()
                if await season.already_seeded() and not again:
                    raise DemoError(
                        "Halland already has a season in this system. For a clean one run "
                        "`scripts/stack down --purge && scripts/stack up` (deletes all data), "
                        "or play another season beside it with `praktik demo --again` (new "
                        "external refs; the rounds then also place earlier runs' waiting "
                        "requests).")
                await season.play()
                step("report", 0)
                return await season.report()

        try:
            text = asyncio.run(main())
        except DemoError as error:
            progress.stop()
            typer.echo(f"demo: {error}", err=True)
            raise typer.Exit(1) from None
        if current:
            progress.update(current[-1], total=1, completed=1)
    typer.echo("")
    typer.echo(text)


__all__ = ["Endpoints", "EventLog", "Plan", "Season", "demo", "synthetic_identity_number"]
