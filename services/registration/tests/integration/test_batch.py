"""The set-based intake path has exactly the per-message path's effects.

The same Kafka records go through the shared consumer's `BatchProcessor` twice, once
with registration's batch handlers and once message by message, each time in a
transaction that is rolled back at the end (so both start from the same database): the
staged outbox (events, keys, causes, dead letters) and the rows written must be the
same, up to the random ids (mapped to placeholders in order of first appearance).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from devkit.infra import Infra
from services.registration.adapters import orm
from services.registration.bootstrap import dependencies
from services.registration.domain import commands
from services.registration.entrypoints import intake as intake_door
from services.registration.entrypoints.translate import to_command
from services.registration.handlers import (
    BATCH_HANDLERS,
    COMMAND_HANDLERS,
    participants,
    placements,
)
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, SCHOOL
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import intake, topics
from shared.contracts.envelope import new_event
from shared.contracts.registry import encode
from shared.kafka.consumer import BatchProcessor
from shared.runtime import Service
from shared.wiring import bind_all

pytestmark = pytest.mark.infra

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _Ids:
    """Random ids → `id#n`, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            value = str(value)
        if isinstance(value, str):
            return _UUID.sub(lambda m: self.seen.setdefault(m[0], f"id#{len(self.seen)}"),
                             value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


def _records(datas: Sequence[intake.RegisterParticipant | intake.RequestPlacement]
             ) -> list[Any]:
    records = []
    for offset, data in enumerate(datas):
        event = new_event(data, source=SCHOOL, subject=str(uuid.uuid4()))
        records.append(SimpleNamespace(
            topic=topics.REGISTRATION_INTAKE, partition=0, offset=offset,
            key=data.municipality_code.encode(), value=encode(event), headers=[]))
    return records


async def _effects(service: Service, infra: Infra, records: list[Any], refs: list[str],
                   batch: bool) -> tuple[dict[str, Any], list[int]]:
    """Run the records through the intake consumer; what it would have committed."""
    deps = dependencies(support.settings(infra))
    vault = deps.vault
    policy = intake_door.SourcePolicy.parse(support.INTAKE_SOURCES)
    calls: list[int] = []

    def counting(handler: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapped(items: list[Any], uow: Any) -> None:
            calls.append(len(items))
            await handler(items, uow)
        return wrapped

    batch_handlers = {kind: counting(h) for kind, h in bind_all(BATCH_HANDLERS, deps).items()}
    subscription = intake_door.subscription(bind_all(COMMAND_HANDLERS, deps), policy,
                                            batch_handlers if batch else None)
    seen: dict[str, Any] = {}

    class Rehearsal(RegistrationUnitOfWork):
        """Keeps what it would commit, then rolls back."""

        async def commit(self) -> None:
            p, g, link = orm.participants, orm.guardians, orm.participant_guardians
            people = list(await self.session.execute(
                select(p).where(p.c.municipality_code == HALMSTAD, p.c.external_ref.in_(refs))
                .order_by(p.c.external_ref)))
            ids = [row.id for row in people]
            # In the participants' order (by reference), then by position: not by the
            # random ids, which differ from run to run.
            rank = {ident: i for i, ident in enumerate(ids)}
            links = sorted(await self.session.execute(
                select(link).where(link.c.participant_id.in_(ids))),
                key=lambda row: (rank[row.participant_id], row.position))
            order = {row.guardian_id: i for i, row in enumerate(links)}
            guardians = sorted(await self.session.execute(
                select(g).where(g.c.id.in_(list(order)))), key=lambda row: order[row.id])
            r = orm.requests
            requests = list(await self.session.execute(
                select(r).where(r.c.municipality_code == HALMSTAD, r.c.external_ref.in_(refs))
                .order_by(r.c.external_ref)))
            seen["outbox"] = [
                (m.topic, m.key, json.loads(m.value) if m.value is not None else None,
                 m.headers) for m in self._pending
            ]
            seen["rows"] = {
                "participants": [_row(row, vault) for row in people],
                "links": [dict(row._mapping) for row in links],
                "guardians": [_row(row, vault) for row in guardians],
                "requests": [_row(row, vault) for row in requests],
            }
            await self.rollback()

    def uow() -> RegistrationUnitOfWork:
        return Rehearsal(service.session_factory, service.tables.outbox, service.source)

    outcome = await BatchProcessor(subscription, uow, service.tables.inbox,
                                   label="registration.intake").process(records)
    seen["outcome"] = (outcome.handled, outcome.duplicates, outcome.dead_lettered)
    return _normalised(seen), calls


def _row(row: Any, vault: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for stamp in ("created_at", "updated_at"):
        values.pop(stamp, None)
    sealed = values.pop("sealed_identity", None)
    # The Fernet token differs run to run; it must open to the number hashed.
    values["sealed_matches_hash"] = (
        None if sealed is None else vault.digest(vault.unseal(sealed)) == values["identity_hash"])
    return values


def _normalised(seen: dict[str, Any]) -> dict[str, Any]:
    ids = _Ids()
    outbox = []
    for topic, key, value, headers in seen["outbox"]:
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "time"}
        outbox.append(ids([topic, key, value, headers]))
    return {"outbox": outbox, "rows": ids(seen["rows"]), "outcome": seen["outcome"]}


def _person(ref: str | None, **extra: Any) -> intake.RegisterParticipant:
    body = support.participant_body(HALMSTAD, **extra)
    body["external_ref"] = ref
    return intake.RegisterParticipant(**body)


def _delegations(monkeypatch: pytest.MonkeyPatch, module: ModuleType,
                 name: str) -> list[str | None]:
    """The external_refs the batch handler hands to the per-message handler `name`."""
    refs: list[str | None] = []
    original = getattr(module, name)

    async def counting(cmd: Any, uow: Any, deps: Any) -> Any:
        refs.append(cmd.external_ref)
        return await original(cmd, uow, deps)

    monkeypatch.setattr(module, name, counting)
    return refs


@pytest.fixture
def delegated(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    return _delegations(monkeypatch, participants, "register_participant")


@pytest.fixture
def delegated_requests(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    return _delegations(monkeypatch, placements, "request_placement")


def _request(ref: str, **extra: Any) -> intake.RequestPlacement:
    return intake.RequestPlacement(**support.request_body(
        HALMSTAD, external_ref=ref, program="work_trial", **extra))


async def test_batch_and_per_message_paths_have_the_same_effects(
        infra: Infra, service: Service, delegated: list[str | None]) -> None:
    ref = support.ref
    known, a, b, c, d, e = (ref("batch") for _ in range(6))
    # One participant is there before the batch.
    seeded = await service.state["bus"].handle(commands.RegisterParticipant(
        municipality_code=HALMSTAD, personal_identity_number=support.adult(),
        contact=commands.ContactInput("Förr Registrerad"), external_ref=known))
    pin_a, pin_d = support.adult(), support.adult()
    datas = [
        _person(a, personal_identity_number=pin_a),
        _person(b),
        _person(a, personal_identity_number=pin_a, name="Andra Gången"),  # repeat in the run
        _person(c, minor_age=14),  # guardians: the per-message handler
        _person(d, personal_identity_number=pin_d),
        _person(None, personal_identity_number=pin_d, name="Utan Referens"),  # d by number
        _person(known, name="Nu Ändrad"),  # known before the run
        _person(e),
    ]
    records = _records(datas)
    refs = [known, a, b, c, d, e]
    one_by_one, no_calls = await _effects(service, infra, records, refs, batch=False)
    assert no_calls == [] and delegated == []
    batched, calls = await _effects(service, infra, records, refs, batch=True)
    assert calls == [len(datas)]
    assert delegated == [a, c, None, known]  # the others went in one statement

    assert one_by_one["outcome"] == (len(datas), 0, 0)
    people = {row["external_ref"]: row for row in one_by_one["rows"]["participants"]}
    assert set(people) == set(refs) and len(people) == 6
    assert people[a]["name"] == "Andra Gången" and people[d]["name"] == "Utan Referens"
    assert people[known]["name"] == "Nu Ändrad"
    registered = [value["data"] for _, _, value, _ in one_by_one["outbox"]
                  if value["type"] == "ParticipantRegistered"]
    assert len(registered) == len(datas)
    assert registered[0]["participant_id"] == registered[2]["participant_id"]
    assert registered[4]["participant_id"] == registered[5]["participant_id"]
    assert registered[6]["participant_id"] == people[known]["id"]
    assert all(row["sealed_matches_hash"] for row in one_by_one["rows"]["participants"])
    assert seeded is not None

    assert batched == one_by_one


async def test_a_refused_message_in_a_run_is_isolated_the_same_way(
        infra: Infra, service: Service, delegated: list[str | None]) -> None:
    good, bad, other = (support.ref("batch") for _ in range(3))
    number = support.adult()
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)  # a wrong check digit
    datas = [_person(good), _person(bad, personal_identity_number=broken), _person(other)]
    records = _records(datas)
    refs = [good, bad, other]
    one_by_one, _ = await _effects(service, infra, records, refs, batch=False)
    batched, calls = await _effects(service, infra, records, refs, batch=True)
    assert calls == [len(datas)]  # tried set-based once, then replayed one by one

    assert one_by_one["outcome"] == (2, 0, 1)
    assert [row["external_ref"] for row in one_by_one["rows"]["participants"]] == sorted(
        [good, other])
    kinds = [(topic, value["type"]) for topic, _, value, _ in one_by_one["outbox"]]
    assert kinds.count((topics.dead_letter_topic(topics.REGISTRATION_INTAKE),
                        "ParticipantRegistered")) == 1  # the original, dead-lettered
    assert kinds.count((topics.REGISTRATION_EVENTS, "IntakeRejected")) == 1
    assert kinds.count((topics.REGISTRATION_EVENTS, "ParticipantRegistered")) == 2

    assert batched == one_by_one


async def test_requests_in_a_run_have_the_per_message_effects(
        infra: Infra, service: Service, delegated_requests: list[str | None]) -> None:
    bus = service.state["bus"]
    person_ref = support.ref("batch")
    person = await bus.handle(commands.RegisterParticipant(
        municipality_code=HALMSTAD, personal_identity_number=support.adult(),
        contact=commands.ContactInput("Arbets Prövare"), external_ref=person_ref))
    workplace = (await bus.handle(to_command(intake.RegisterWorkplace(
        **support.workplace_body(HALMSTAD)))))
    known, a, b, c = (support.ref("req") for _ in range(4))
    await bus.handle(to_command(_request(known, participant_id=person)))
    datas = [
        _request(a, participant_ref=person_ref),
        _request(b, participant_id=person, preferences=[{"workplace_id": str(workplace)},
                                                          {"occupation": "5311"}]),
        _request(a, participant_ref=person_ref, priority=5),  # a repeat in the run
        _request(known, participant_id=person, needs=[]),  # known before the run
        _request(c, participant_id=person, needs=[]),
    ]
    records = _records(datas)
    refs = [person_ref, known, a, b, c]
    one_by_one, _ = await _effects(service, infra, records, refs, batch=False)
    assert delegated_requests == []
    batched, calls = await _effects(service, infra, records, refs, batch=True)
    assert calls == [len(datas)]
    assert delegated_requests == [a, known]  # the others went in one statement

    assert one_by_one["outcome"] == (len(datas), 0, 0)
    rows = {row["external_ref"]: row for row in one_by_one["rows"]["requests"]}
    assert set(rows) == {known, a, b, c}
    assert rows[a]["priority"] == 5 and rows[known]["needs"] == []
    assert batched == one_by_one


async def test_a_refused_request_in_a_run_is_isolated_the_same_way(
        infra: Infra, service: Service) -> None:
    bus = service.state["bus"]
    person_ref = support.ref("batch")
    await bus.handle(commands.RegisterParticipant(
        municipality_code=HALMSTAD, personal_identity_number=support.adult(),
        contact=commands.ContactInput("Arbets Prövare"), external_ref=person_ref))
    good, bad, other = (support.ref("req") for _ in range(3))
    datas = [_request(good, participant_ref=person_ref),
             _request(bad, participant_ref="nobody-by-this-ref"),
             _request(other, participant_ref=person_ref,
                      preferences=[{"workplace_id": str(uuid.uuid4())}])]
    records = _records(datas)
    refs = [person_ref, good, bad, other]
    one_by_one, _ = await _effects(service, infra, records, refs, batch=False)
    batched, calls = await _effects(service, infra, records, refs, batch=True)
    assert calls == [len(datas)]
    assert one_by_one["outcome"] == (1, 0, 2)
    assert [row["external_ref"] for row in one_by_one["rows"]["requests"]] == [good]
    assert batched == one_by_one
