"""The certificates' calendar (the daily job): a warning when one runs out soon, with an
invitation to renew it; its expiry, with a refresher; and the workplace that closes when
its last valid certificate expires. And renewal on request: a training administrator
invites holders of valid certificates to the next base course near them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.certification import Certificate
from services.training.domain.commands import may_access
from services.training.domain.invitations import (
    ALREADY_INVITED,
    CERTIFICATION_EXPIRED,
    CERTIFICATION_EXPIRING,
    NO_SESSION,
    Renewals,
    next_base_course,
)
from services.training.domain.people import Person
from services.training.handlers.invitations import invite_to_next
from services.training.handlers.openness import follow_openness
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.errors import FieldProblem
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
)
from shared.errors import Forbidden, Rejected


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


async def renew_certificates(cmd: commands.RenewCertificates, uow: TrainingUnitOfWork,
                             deps: Dependencies) -> Renewals:
    """Each supervisor listed must hold a valid certificate and supervise still (else 422
    `supervisor_ids.<index>`, nothing invited), of a municipality in the caller's scope
    (else 403). Each is invited to the next base course in or near the certificate's
    municipality (`certification_expiring`, one `invitation` announcement per session),
    unless already invited to or enrolled in an upcoming base course (`already_invited`)
    or none is scheduled there (`no_session`)."""
    now = deps.clock()
    holders: dict[UUID, Person] = {}
    problems, forbidden = [], False
    for index, supervisor_id in enumerate(cmd.supervisor_ids):
        certificate = await uow.records.current_certificate(supervisor_id)
        person = await uow.people.person(supervisor_id)
        if (certificate is None or certificate.expired_at is not None or person is None
                or person.role != "supervisor"):
            problems.append(FieldProblem(f"supervisor_ids.{index}",
                                         "holds no valid certificate (or has left)"))
            continue
        forbidden |= not may_access(cmd.scope, certificate.municipality_code)
        holders[supervisor_id] = Person(supervisor_id, "supervisor",
                                        certificate.municipality_code, person.workplace_id)
    if forbidden:
        raise Forbidden()
    if problems:
        raise Rejected(problems)
    awaiting = {p for p in holders if await uow.records.awaiting_base_course(p, now)}
    invited = await invite_to_next(
        uow, [(p, CERTIFICATION_EXPIRING) for p in holders.values()
              if p.person_id not in awaiting],
        now, await uow.sessions.upcoming_base_courses(now))
    answer = Renewals()
    for supervisor_id in holders:
        if supervisor_id in invited:
            answer.invited.append((supervisor_id, invited[supervisor_id]))
        else:
            answer.not_invited.append(
                (supervisor_id, ALREADY_INVITED if supervisor_id in awaiting else NO_SESSION))
    return answer
