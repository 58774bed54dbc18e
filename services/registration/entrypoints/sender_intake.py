"""The senders' door: `registration.intake.v1.<sender>`, one intake topic per municipal
system, read by one pattern subscription (`registration.senders`).

Who sent a message is the topic the broker let it write (its ACLs allow only that
sender's principal), never anything in the message: the message's `source` must be the
one the sender registered and its municipality one the sender speaks for, else it is
refused (`domain.senders`: `source_mismatch`, `municipality_not_registered`, and
`sender_not_registered` for a topic whose sender was removed). Accepted requests go to
the same handlers as `registration.intake.v1`; the registered events or the
`IntakeRejected` are copied to the sender's answers topic in the same transaction
(`handlers.senders.answered`).

A pattern subscription, not a topic list: senders come and go while registration runs,
and the client matches the broker's topics against the pattern at each metadata refresh
(`kafka_metadata_max_age_ms`), so a new sender's topic is read without a restart; a new
topic is read from its beginning. Messages are handled one by one (no set-based path: each
names its sender by its topic).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from services.registration.domain import commands
from services.registration.domain.senders import not_registered
from services.registration.entrypoints.intake import (
    CommandHandler,
    _prefixed,
    answer_rejection,
)
from services.registration.entrypoints.translate import TRANSLATIONS
from services.registration.handlers.senders import answered
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected
from shared.errors import Rejected
from shared.kafka.consumer import Subscription

SENDER_INTAKE_PATTERN = re.escape(topics.SENDER_INTAKE_PREFIX) + r"(?!dlq$)[a-z0-9][a-z0-9-]*"
"""Every sender's intake topic (contract names), and not the `.dlq` twins."""


def sender_handler(
    translate: Callable[[Any], commands.Command], handlers: Mapping[type, CommandHandler],
) -> Callable[[Any, RegistrationUnitOfWork], Awaitable[None]]:
    async def handle(data: Any, uow: RegistrationUnitOfWork) -> None:
        assert uow.cause is not None
        name = topics.sender_of(uow.cause_topic or "")
        sender = await uow.senders.get(name) if name is not None else None
        if sender is None:
            raise not_registered(name or str(uow.cause_topic))
        refusal = sender.refusal(uow.cause.source, data.municipality_code)
        if refusal is not None:
            raise refusal
        since = len(uow.published)
        command = translate(data)
        try:
            await handlers[type(command)](command, uow)
        except Rejected as error:
            raise _prefixed(error) from None
        await answered(uow, sender.name, since)

    return handle


async def answer_sender_rejection(event: CloudEvent | None, record: Any,
                                  error: MessageRejected, uow: RegistrationUnitOfWork) -> None:
    """`IntakeRejected` as on the shared intake, and its copy on the sender's answers
    topic (not for a sender no longer registered: its topics may be gone)."""
    since = len(uow.published)
    name = topics.sender_of(uow.cause_topic or "")
    await answer_rejection(event, record, error, uow)
    if name is not None and await uow.senders.get(name) is not None:
        await answered(uow, name, since)


def subscription(handlers: Mapping[type, CommandHandler]) -> Subscription:
    """The consumer of every sender's intake topic."""
    table: dict[type[EventData], Callable[[Any, Any], Awaitable[None]]] = {
        model: sender_handler(translate, handlers) for model, translate in TRANSLATIONS.items()
    }
    return Subscription(
        name="senders", topics=[], pattern=SENDER_INTAKE_PATTERN, handlers=table,
        on_rejected=answer_sender_rejection, auto_offset_reset="earliest",
    )
