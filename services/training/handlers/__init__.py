"""Training's behaviour on one page: a handler per command and per consumed event.

Every handler runs inside one unit of work (one transaction): what it changes and what it
publishes (through the outbox) commit together. Each is `handler(message, uow, deps)`
(`shared.wiring`); `bootstrap.py` binds the `Dependencies` (clock, policy). By concept:
`sessions` (sessions, enrolment, attendance), `people` (registration's events: people
registered, left, erased), `openness` (a workplace opens and closes), `invitations`
(to a chosen session too), `certification` (the daily warnings and expiries, renewals
on request), `links` (answers by the links in messages), `publishing`.
"""

from __future__ import annotations

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.handlers.certification import (
    expire_certifications,
    renew_certificates,
    warn_expiring_certifications,
)
from services.training.handlers.invitations import invite_to_session
from services.training.handlers.links import answer_enrolment, answer_evaluation
from services.training.handlers.people import (
    on_participant_erased,
    on_person_erased,
    on_supervisor_left,
    on_supervisor_registered,
    on_workplace_registered,
)
from services.training.handlers.sessions import (
    cancel_enrolment,
    cancel_session,
    change_session,
    enrol,
    erase_personal_data,
    purge_dietary_needs,
    record_attendance,
    record_costs,
    schedule_session,
)
from shared.contracts.base import EventData
from shared.contracts.registration import (
    ParticipantErased,
    PersonErased,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.wiring import Handler

__all__ = [
    "COMMAND_HANDLERS", "EVENT_HANDLERS", "answer_enrolment", "answer_evaluation",
    "cancel_enrolment", "cancel_session", "change_session", "enrol", "erase_personal_data",
    "expire_certifications", "invite_to_session", "on_participant_erased",
    "on_person_erased", "on_supervisor_left", "on_supervisor_registered",
    "on_workplace_registered", "purge_dietary_needs", "record_attendance", "record_costs",
    "renew_certificates", "schedule_session", "warn_expiring_certifications",
]

COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    commands.ScheduleSession: schedule_session,
    commands.ChangeSession: change_session,
    commands.CancelSession: cancel_session,
    commands.Enrol: enrol,
    commands.CancelEnrolment: cancel_enrolment,
    commands.RecordAttendance: record_attendance,
    commands.RecordCosts: record_costs,
    commands.AnswerEnrolment: answer_enrolment,
    commands.AnswerEvaluation: answer_evaluation,
    commands.ExpireCertifications: expire_certifications,
    commands.WarnExpiringCertifications: warn_expiring_certifications,
    commands.ErasePersonalData: erase_personal_data,
    commands.PurgeDietaryNeeds: purge_dietary_needs,
    commands.InviteToSession: invite_to_session,
    commands.RenewCertificates: renew_certificates,
}

EVENT_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    WorkplaceRegistered: on_workplace_registered,
    SupervisorRegistered: on_supervisor_registered,
    ParticipantErased: on_participant_erased,
    SupervisorLeft: on_supervisor_left,
    PersonErased: on_person_erased,
}
