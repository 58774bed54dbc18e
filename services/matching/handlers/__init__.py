"""The matching service's behaviour on one page: the handler tables.

Every handler is `handler(message, uow, deps)` (`shared.wiring`). Every handler that
may place someone loads the municipality's Book (which locks the municipality for the
transaction), lets the domain decide, and saves the Book (its rows and its events,
through the outbox). By concept: `parties` (people, workplaces, consent, rules,
certificates, erasure), `market` (offers and requests), `placements` (the commands).
"""

from __future__ import annotations

from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.handlers.market import (
    placement_requested,
    placement_requested_many,
    request_withdrawn,
    slots_offered,
    slots_withdrawn,
)
from services.matching.handlers.parties import (
    certification_expired,
    consent_recorded,
    participant_erased,
    participant_registered,
    person_erased,
    profile_recorded,
    supervisor_certified,
    supervisor_left,
    supervisor_registered,
    supervisor_supports_recorded,
    workplace_closed,
    workplace_opened,
    workplace_registered,
)
from services.matching.handlers.placements import (
    accept_for_party,
    complete_placement,
    decline_placement,
    draw_round_seed,
    expire_deadlines,
    extend_deadline,
    follow_up_placement,
    offer_answered,
    remind_of_deadlines,
    run_round,
    workplace_answered,
)
from shared.contracts.base import EventData
from shared.contracts.registration import (
    GuardianConsentRecorded,
    MunicipalityProfileRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PersonErased,
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    SupervisorSupportsRecorded,
    WorkplaceClosed,
    WorkplaceOpened,
)
from shared.wiring import Handler

BATCH_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    PlacementRequested: placement_requested_many,
}
"""Set-based twins of EVENT_HANDLERS (see shared.kafka.consumer.Subscription)."""

EVENT_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    ParticipantRegistered: participant_registered,
    WorkplaceRegistered: workplace_registered,
    SupervisorRegistered: supervisor_registered,
    PlacementSlotsOffered: slots_offered,
    PlacementRequested: placement_requested,
    GuardianConsentRecorded: consent_recorded,
    MunicipalityProfileRecorded: profile_recorded,
    PlacementRequestWithdrawn: request_withdrawn,
    PlacementSlotsWithdrawn: slots_withdrawn,
    ParticipantErased: participant_erased,
    SupervisorCertified: supervisor_certified,
    SupervisorCertificationExpired: certification_expired,
    WorkplaceOpened: workplace_opened,
    WorkplaceClosed: workplace_closed,
    SupervisorSupportsRecorded: supervisor_supports_recorded,
    SupervisorLeft: supervisor_left,
    PersonErased: person_erased,
}




COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    commands.RunRound: run_round,
    commands.DrawRoundSeed: draw_round_seed,
    commands.AnswerAsWorkplace: workplace_answered,
    commands.AnswerOffer: offer_answered,
    commands.DeclinePlacement: decline_placement,
    commands.AcceptForParty: accept_for_party,
    commands.CompletePlacement: complete_placement,
    commands.ExpireDeadlines: expire_deadlines,
    commands.RemindOfDeadlines: remind_of_deadlines,
    commands.ExtendDeadline: extend_deadline,
    commands.FollowUpPlacement: follow_up_placement,
}

__all__ = [
    "certification_expired", "complete_placement", "consent_recorded", "decline_placement",
    "expire_deadlines", "extend_deadline", "follow_up_placement", "offer_answered",
    "participant_erased", "participant_registered", "person_erased", "placement_requested",
    "placement_requested_many", "profile_recorded", "remind_of_deadlines", "request_withdrawn",
    "run_round", "slots_offered", "slots_withdrawn", "supervisor_certified", "supervisor_left",
    "supervisor_registered", "supervisor_supports_recorded", "workplace_answered",
    "workplace_closed", "workplace_opened", "workplace_registered",
]
