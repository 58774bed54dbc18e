"""The Kafka door: `registration.intake.v1` → commands → the same handlers as HTTP.

The shared consumer decodes and validates each message against the contract and
dead-letters what fails; here each accepted request is checked against the sources
allowed for its municipality, translated into a command and handled. A refusal
(`Rejected`) sends the original to the DLQ, and `answer_rejection` stages
`IntakeRejected` naming every failing field (as `data.<field>`), in the same transaction,
and keeps which fields failed and why (never their values) for the coordinators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.registration.domain import commands
from services.registration.entrypoints.translate import COMMAND_TYPES, TRANSLATIONS
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.clock import utc_now
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.binding import binary_attributes, is_binary
from shared.contracts.envelope import CloudEvent, EnvelopeId, EnvelopeText
from shared.contracts.errors import FieldProblem, MessageRejected
from shared.contracts.registration import FieldError, IntakeRejected
from shared.errors import Rejected
from shared.kafka.consumer import Subscription
from shared.unit_of_work import UnitOfWork

ANY = "*"
_CODE = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class SourcePolicy:
    """Which sending systems may speak for which municipalities.

    Parsed from `urn:school:halmstad=1380|1381;urn:hr:kungsbacka=1384`; `*` stands for
    any source or any municipality.
    """

    grants: Mapping[str, frozenset[str]]

    @classmethod
    def parse(cls, spec: str) -> SourcePolicy:
        grants: dict[str, set[str]] = {}
        for item in filter(None, (part.strip() for part in spec.split(";"))):
            source, sep, codes = item.rpartition("=")
            if not sep or not source.strip():
                raise ValueError("intake source entries look like `source=1380|1381`")
            grants.setdefault(source.strip(), set()).update(
                c.strip() for c in codes.split("|") if c.strip()
            )
        return cls({source: frozenset(codes) for source, codes in grants.items()})

    def allows(self, source: str, municipality_code: str) -> bool:
        for key in (source, ANY):
            codes = self.grants.get(key, frozenset())
            if ANY in codes or municipality_code in codes:
                return True
        return False


def _prefixed(error: MessageRejected) -> Rejected:
    return Rejected([FieldProblem(f"data.{p.field}" if p.field else "data", p.message)
                     for p in error.problems], reason=error.reason)


CommandHandler = Callable[[Any, Any], Awaitable[Any]]
BatchCommandHandler = Callable[[list[tuple[CloudEvent, Any]], Any], Awaitable[None]]


def intake_handler(
    translate: Callable[[Any], commands.Command], handlers: Mapping[type, CommandHandler],
    policy: SourcePolicy,
) -> Callable[[Any, UnitOfWork], Awaitable[None]]:
    async def handle(data: Any, uow: UnitOfWork) -> None:
        assert uow.cause is not None
        source, code = uow.cause.source, data.municipality_code
        if not policy.allows(source, code):
            raise Rejected.field("source", f"this source may not send for municipality {code}")
        command = translate(data)
        try:
            await handlers[type(command)](command, uow)
        except Rejected as error:
            raise _prefixed(error) from None

    return handle


def intake_batch_handler(
    translate: Callable[[Any], commands.Command], batch_handler: BatchCommandHandler,
    policy: SourcePolicy,
) -> Callable[[list[tuple[CloudEvent, Any]], UnitOfWork], Awaitable[None]]:
    """`intake_handler` for a run of messages of one type: the same source check and
    translation for each, then the set-based handler over the commands. Anything refused
    raises, and the consumer replays the run through `intake_handler` message by message."""
    async def handle(items: list[tuple[CloudEvent, Any]], uow: UnitOfWork) -> None:
        batch: list[tuple[CloudEvent, Any]] = []
        for event, data in items:
            code = data.municipality_code
            if not policy.allows(event.source, code):
                raise Rejected.field("source", f"this source may not send for municipality "
                                               f"{code}")
            batch.append((event, translate(data)))
        await batch_handler(batch, uow)

    return handle


def _raw_envelope(record: Any) -> dict[str, Any] | None:
    """What a refused record says of itself: its envelope, or in binary mode its `ce_`
    headers with the value as `data` (None when there is nothing to read)."""
    try:
        value = json.loads(record.value) if record.value is not None else None
    except Exception:  # not JSON, or nested past the parser's depth
        value = None
    headers = getattr(record, "headers", None) or ()
    if is_binary(headers):
        try:
            return {**binary_attributes(headers), "data": value}
        except MessageRejected:  # a header that is not text: nothing to answer
            return None
    return value if isinstance(value, dict) else None


_ID = TypeAdapter(EnvelopeId)
_SOURCE = TypeAdapter(EnvelopeText)


def _valid(adapter: TypeAdapter[str], value: Any) -> str | None:
    """`value` when it can name an answer (printable, bounded), else None."""
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError:
        return None


async def answer_rejection(event: CloudEvent | None, record: Any, error: MessageRejected,
                           uow: UnitOfWork) -> None:
    """Stage `IntakeRejected` for a refused intake message that has an id to answer to."""
    raw = _raw_envelope(record) if event is None else None
    event_id = event.id if event is not None else _valid(_ID, (raw or {}).get("id"))
    if event_id is None:
        return  # not even an id to answer to: the dead letter is all there is
    source = event.source if event is not None else _valid(_SOURCE, (raw or {}).get("source"))
    data = event.data if event is not None else (raw or {}).get("data")
    code = data.get("municipality_code") if isinstance(data, dict) else None
    problems = error.problems or [FieldProblem("", error.reason)]
    answer = IntakeRejected(
        source_event_id=event_id, source=source or "unknown",
        errors=[FieldError(field=p.field, message=p.message) for p in problems],
        more_errors=error.omitted,
        municipality_code=code if isinstance(code, str) and _CODE.match(code) else None,
        reason=error.kind,
    )
    if isinstance(uow, RegistrationUnitOfWork):  # kept for the coordinators' start page
        await uow.intake_rejections.add(answer, utc_now())
    if event is not None:
        uow.publish(answer, subject=event_id)
        return
    # Not a CloudEvent, but it has an id: answer it as its cause all the same.
    uow.cause = CloudEvent(specversion="1.0", id=event_id, type="unknown", source=answer.source,
                           time=utc_now(), data={})
    try:
        uow.publish(answer, subject=event_id)
    finally:
        uow.cause = None


def subscription(handlers: Mapping[type, CommandHandler], policy: SourcePolicy,
                 batch_handlers: Mapping[type, BatchCommandHandler] | None = None,
                 ) -> Subscription:
    """The intake consumer; `batch_handlers` (by command type) add set-based handling of
    runs of one request type, for the commands that have it."""
    table: dict[type[EventData], Callable[[Any, Any], Awaitable[None]]] = {
        model: intake_handler(translate, handlers, policy)
        for model, translate in TRANSLATIONS.items()
    }
    batch_table: dict[type[EventData], Callable[[Any, Any], Awaitable[None]]] = {}
    for model, translate in TRANSLATIONS.items():
        command_type = COMMAND_TYPES[model]
        if batch_handlers and command_type in batch_handlers:
            batch_table[model] = intake_batch_handler(translate, batch_handlers[command_type],
                                                      policy)
    return Subscription(
        name="intake", topics=[topics.REGISTRATION_INTAKE], handlers=table,
        on_rejected=answer_rejection, batch_handlers=batch_table,
    )
