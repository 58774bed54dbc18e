"""The certificates' calendar (the daily job): a warning when one runs out soon, its
expiry, and the refresher offered for each."""

from __future__ import annotations

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.invitations import next_base_course
from services.training.domain.people import Person
from services.training.handlers.sessions import invite_to_next
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
)


async def expire_certifications(cmd: commands.ExpireCertifications, uow: TrainingUnitOfWork,
                                deps: Dependencies) -> int:
    """The daily job: certificates valid until before `cmd.on` expire (once each), and their
    supervisors are invited to the next base course as a refresher."""
    now = deps.clock()
    due = await uow.records.expire_due(cmd.on)
    upcoming = await uow.sessions.upcoming_base_courses(now)
    refresh = []
    for certificate in due:
        target = next_base_course(upcoming, certificate.municipality_code, now)
        uow.publish(SupervisorCertificationExpired(
            supervisor_id=certificate.supervisor_id, workplace_id=certificate.workplace_id,
            municipality_code=certificate.municipality_code, expired_at=certificate.expires_on,
            refresher_session_id=target.session_id if target else None,
        ), subject=str(certificate.supervisor_id))
        if not await uow.records.awaiting_base_course(certificate.supervisor_id, now):
            refresh.append((Person(certificate.supervisor_id, "supervisor",
                                   certificate.municipality_code, certificate.workplace_id),
                            "certification_expired"))
    await invite_to_next(uow, refresh, now, upcoming)
    return len(due)


async def warn_expiring_certifications(cmd: commands.WarnExpiringCertifications,
                                       uow: TrainingUnitOfWork, deps: Dependencies) -> int:
    """The daily job: each certificate with the policy's `warning_days` or fewer left is
    announced once (`SupervisorCertificationExpiring`), naming the next base course in or
    near the supervisor's municipality as the refresher, if one is scheduled."""
    now = deps.clock()
    due = await uow.records.warn_due(cmd.on, deps.policy.warn_through(cmd.on))
    upcoming = await uow.sessions.upcoming_base_courses(now) if due else []
    for certificate in due:
        target = next_base_course(upcoming, certificate.municipality_code, now)
        uow.publish(SupervisorCertificationExpiring(
            supervisor_id=certificate.supervisor_id, workplace_id=certificate.workplace_id,
            municipality_code=certificate.municipality_code,
            valid_until=certificate.valid_until,
            refresher_session_id=target.session_id if target else None,
        ), subject=str(certificate.supervisor_id))
    return len(due)
