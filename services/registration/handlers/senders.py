"""Senders: operators register and remove them; each hears, on its own answers topic
`registration.answers.v1.<sender>`, what became of its messages.

For each message on its intake topic the sender gets the registered events (or
`IntakeRejected`) it caused, copies of the envelopes on `registration.events.v1` (same
ids, its request's `id` as `causationid`), staged in the same transaction; later, the
outcomes matching publishes for the requests it sent. Registration remembers which
sender sent which request (and which placements those led to) for that.
"""

from __future__ import annotations

from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.domain.senders import Sender
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import REGISTRATION_EVENTS, PlacementRequested
from shared.errors import NotFound, Rejected
from shared.outbox import message_for

ANSWERED: dict[str, type[EventData]] = {model.TYPE: model for model in REGISTRATION_EVENTS}
"""What a sender hears of its own messages: the registered events and `IntakeRejected`
(never the contact details, which go to notifications alone)."""

Outcome = (PlacementProposed | PlacementConfirmed | PlacementWaitlisted | PlacementDeclined
           | PlacementCancelled | PlacementCompleted)
OUTCOMES: tuple[type[EventData], ...] = (
    PlacementProposed, PlacementConfirmed, PlacementWaitlisted, PlacementDeclined,
    PlacementCancelled, PlacementCompleted)
"""What a sender hears later of the requests it sent."""


async def register_sender(cmd: commands.RegisterSender, uow: RegistrationUnitOfWork,
                          deps: Dependencies) -> Sender:
    """Register a sender, or change its source and municipalities (same name)."""
    existing = await uow.senders.get(cmd.name)
    at = existing.registered_at if existing is not None else deps.clock()
    sender = Sender.register(cmd.name, cmd.source, cmd.municipalities, at)
    other = await uow.senders.by_source(sender.source)
    if other is not None and other.name != sender.name:
        raise Rejected.field("source", f"sender {other.name} is registered with this source")
    await uow.senders.save(sender)
    return sender


async def remove_sender(cmd: commands.RemoveSender, uow: RegistrationUnitOfWork,
                        deps: Dependencies) -> None:
    """Forget a sender: its intake topic is refused from now on, its answers stop."""
    if not await uow.senders.remove(cmd.name):
        raise NotFound()


async def list_senders(cmd: commands.ListSenders, uow: RegistrationUnitOfWork,
                       deps: Dependencies) -> list[Sender]:
    return await uow.senders.all()


def _key(event: CloudEvent, model: type[EventData]) -> str | None:
    """The Kafka key the event has on its own topic (municipality, or its subject)."""
    value = event.data.get(model.KEY_FIELD) if model.KEY_FIELD is not None else None
    return str(value) if value is not None else event.subject


async def answered(uow: RegistrationUnitOfWork, sender: str, since: int) -> None:
    """Copy to `sender`'s answers topic each registered event (or `IntakeRejected`) staged
    since `since` (an index into `uow.published`), and remember the requests it made."""
    answers = topics.sender_answers(sender)
    requests: list[tuple[UUID, str, str]] = []
    for event in uow.published[since:]:
        model = ANSWERED.get(event.type)
        if model is None:
            continue
        uow.publish_message(message_for(event, answers, _key(event, model)))
        if model is PlacementRequested:
            requests.append((UUID(event.data["request_id"]), sender,
                             event.data["municipality_code"]))
    await uow.senders.remember(requests)


def _subjects(e: Outcome) -> tuple[UUID | None, UUID | None]:
    return getattr(e, "request_id", None), getattr(e, "placement_id", None)


async def tell_senders(items: list[tuple[CloudEvent, Outcome]],
                       uow: RegistrationUnitOfWork, deps: Dependencies) -> None:
    """Each outcome of a sender's request, copied to that sender's answers topic (the
    envelope matching published, keyed by the municipality); a placement it leads to is
    remembered, for the outcome that names only the placement (`PlacementCompleted`)."""
    whose = await uow.senders.whose(
        ident for _, e in items for ident in _subjects(e) if ident is not None)
    placements: list[tuple[UUID, str, str]] = []
    for envelope, e in items:
        request_id, placement_id = _subjects(e)
        found = whose.get(request_id) if request_id is not None else None
        found = found or (whose.get(placement_id) if placement_id is not None else None)
        if found is None:
            continue
        sender, code = found
        uow.publish_message(message_for(envelope, topics.sender_answers(sender), code))
        if placement_id is not None and placement_id not in whose:
            placements.append((placement_id, sender, code))
            whose[placement_id] = found
    await uow.senders.remember(placements)


async def tell_sender(e: Outcome, uow: RegistrationUnitOfWork, deps: Dependencies) -> None:
    """`tell_senders` for one outcome, the event being handled (none: nothing to copy)."""
    if uow.cause is not None:
        await tell_senders([(uow.cause, e)], uow, deps)
