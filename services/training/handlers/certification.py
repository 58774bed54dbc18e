"""The certificates' calendar (the daily job): a warning when one runs out soon, with an
invitation to renew it; its expiry, with a refresher; and the workplace that closes when
its last valid certificate expires."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.certification import Certificate
from services.training.domain.invitations import (
    CERTIFICATION_EXPIRED,
    CERTIFICATION_EXPIRING,
    next_base_course,
)
from services.training.domain.people import Person
from services.training.handlers.invitations import invite_to_next
from services.training.handlers.openness import follow_openness
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
)


async def _supervisor(uow: TrainingUnitOfWork, certificate: Certificate) -> Person | None:
    """The certificate's holder while they still supervise somewhere."""
    person = await uow.people.person(certificate.supervisor_id)
    if person is None or person.role != "supervisor" or person.workplace_id is None:
        return None
    return person


async def expire_certifications(cmd: commands.ExpireCertifications, uow: TrainingUnitOfWork,
                                deps: Dependencies) -> int:
    """The daily job: certificates valid until before `cmd.on` expire (once each),
    `SupervisorCertificationExpired` names the next base course as a refresher, and a
    supervisor still at a workplace is invited to it (`certification_expired`) unless
    already invited to or enrolled in an upcoming base course. A workplace left without a
    valid certificate closes (`WorkplaceClosed`, `certification_expired`, closed on the day
    its last certificate expired)."""
    now = deps.clock()
    due = await uow.records.expire_due(cmd.on)
    upcoming = await uow.sessions.upcoming_base_courses(now) if due else []
    refresh = []
    closing: dict[UUID, date] = {}
    for certificate in due:
        target = next_base_course(upcoming, certificate.municipality_code, now)
        uow.publish(SupervisorCertificationExpired(
            supervisor_id=certificate.supervisor_id, workplace_id=certificate.workplace_id,
            municipality_code=certificate.municipality_code, expired_at=certificate.expires_on,
            refresher_session_id=target.session_id if target else None,
        ), subject=str(certificate.supervisor_id))
        person = await _supervisor(uow, certificate)
        if person is None or person.workplace_id is None:
            continue
        workplace_id = person.workplace_id
        closing[workplace_id] = max(closing.get(workplace_id, certificate.expires_on),
                                    certificate.expires_on)
        if not await uow.records.awaiting_base_course(person.person_id, now):
            refresh.append((Person(person.person_id, "supervisor",
                                   certificate.municipality_code, workplace_id),
                            CERTIFICATION_EXPIRED))
    await invite_to_next(uow, refresh, now, upcoming)
    for workplace_id, closed_on in sorted(closing.items(), key=lambda item: str(item[0])):
        await follow_openness(uow, workplace_id, now, "certification_expired", closed_on)
    return len(due)


async def warn_expiring_certifications(cmd: commands.WarnExpiringCertifications,
                                       uow: TrainingUnitOfWork, deps: Dependencies) -> int:
    """The daily job: each certificate of a supervisor still at a workplace with the
    policy's `warning_days` or fewer left is announced once
    (`SupervisorCertificationExpiring`), naming the next base course in or near the
    supervisor's municipality as the refresher, if one is scheduled; the supervisor is
    invited to it (`certification_expiring`) unless already invited to or enrolled in an
    upcoming base course. With none scheduled, the next base course scheduled in the
    county invites them."""
    now = deps.clock()
    due = await uow.records.warn_due(cmd.on, deps.policy.warn_through(cmd.on))
    upcoming = await uow.sessions.upcoming_base_courses(now) if due else []
    renew = []
    for certificate in due:
        target = next_base_course(upcoming, certificate.municipality_code, now)
        uow.publish(SupervisorCertificationExpiring(
            supervisor_id=certificate.supervisor_id, workplace_id=certificate.workplace_id,
            municipality_code=certificate.municipality_code,
            valid_until=certificate.valid_until,
            refresher_session_id=target.session_id if target else None,
        ), subject=str(certificate.supervisor_id))
        person = await _supervisor(uow, certificate)
        if person is not None and not await uow.records.awaiting_base_course(
            person.person_id, now
        ):
            renew.append((Person(person.person_id, "supervisor", certificate.municipality_code,
                                 person.workplace_id), CERTIFICATION_EXPIRING))
    await invite_to_next(uow, renew, now, upcoming)
    return len(due)
