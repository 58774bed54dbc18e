"""Registration's behaviour on one page: the handler tables. Every handler is
`handler(message, uow, deps)` (`shared.wiring`): the command or event, the unit of work,
and the service's `Dependencies` (clock, identity vault).

Both doors reach the command handlers: the HTTP API through `MessageBus.handle`, the
Kafka intake through the consumer (the consumer's unit of work has `cause` set, so each
published event carries the intake request's id as its `causationid`). A handler either
stores everything and stages its events, or raises `Rejected` naming every failing field
and stores nothing.
"""

from __future__ import annotations

from typing import Any

from services.registration.dependencies import Dependencies
from services.registration.domain import commands
from services.registration.handlers import access, news, senders
from services.registration.handlers.consents import answer_consent_link, record_guardian_consent
from services.registration.handlers.coordinators import register_coordinator
from services.registration.handlers.municipalities import record_municipality_profile
from services.registration.handlers.participants import (
    erase_participant,
    register_participant,
    register_participants,
)
from services.registration.handlers.people import (
    erase_guardian,
    erase_manager,
    erase_supervisor,
    supervisor_leaves,
)
from services.registration.handlers.placements import (
    offer_placement_slots,
    request_placement,
    request_placements,
    withdraw_placement_request,
    withdraw_placement_slots,
)
from services.registration.handlers.workplaces import register_supervisor, register_workplace
from shared.contracts.base import EventData
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)
from shared.wiring import Handler


def _and_tell_senders(handler: Handler[Dependencies], tell: Handler[Dependencies],
                      ) -> Handler[Dependencies]:
    """`handler`, then `tell`: what registration keeps of an outcome, then the copy for
    the sender whose request it answers (`handlers.senders`)."""
    async def both(message: Any, uow: Any, deps: Dependencies) -> Any:
        await handler(message, uow, deps)
        await tell(message, uow, deps)

    both.__name__ = getattr(handler, "__name__", "handler")
    return both


COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    commands.RegisterParticipant: register_participant,
    commands.RecordGuardianConsent: record_guardian_consent,
    commands.AnswerConsentLink: answer_consent_link,
    commands.RecordMunicipalityProfile: record_municipality_profile,
    commands.EraseParticipant: erase_participant,
    commands.RegisterWorkplace: register_workplace,
    commands.RegisterSupervisor: register_supervisor,
    commands.RegisterCoordinator: register_coordinator,
    commands.OfferPlacementSlots: offer_placement_slots,
    commands.RequestPlacement: request_placement,
    commands.WithdrawPlacementRequest: withdraw_placement_request,
    commands.WithdrawPlacementSlots: withdraw_placement_slots,
    commands.SupervisorLeaves: supervisor_leaves,
    commands.EraseSupervisor: erase_supervisor,
    commands.EraseManager: erase_manager,
    commands.EraseGuardian: erase_guardian,
    commands.RegisterSender: senders.register_sender,
    commands.RemoveSender: senders.remove_sender,
    commands.ListSenders: senders.list_senders,
    commands.RecordRead: access.record_read,
    commands.PurgeAccessLog: access.purge_access_log,
}
"""Every intent registration acts on, from either door."""

BATCH_HANDLERS: dict[type, Handler[Dependencies]] = {
    commands.RegisterParticipant: register_participants,
    commands.RequestPlacement: request_placements,
}
"""Set-based versions for runs of intake messages (`(items, uow, deps)`): the same effects
as the handler above applied to each in order (the consumer falls back to that when one
raises)."""

_placement_news = _and_tell_senders(news.placement_news, senders.tell_sender)
_placement_news_many = _and_tell_senders(news.placement_news_many, senders.tell_senders)

NEWS_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    PlacementProposed: _placement_news,
    PlacementConfirmed: _placement_news,
    PlacementDeclined: _placement_news,
    PlacementCancelled: _placement_news,
    PlacementWaitlisted: _placement_news,
    PlacementCompleted: _and_tell_senders(news.placement_completed, senders.tell_sender),
    SupervisorCertified: news.supervisor_certified,
    SupervisorCertificationExpired: news.certification_expired,
    WorkplaceOpened: news.workplace_opened,
}
"""Events of `training.events.v1` and `matching.events.v1` registration keeps track of;
each outcome of a sender's request also goes to that sender's answers topic."""

NEWS_BATCH_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    kind: _placement_news_many for kind, handler in NEWS_HANDLERS.items()
    if handler is _placement_news
}
"""Set-based twins of the placement news handlers (see shared.kafka.consumer.Subscription)."""
