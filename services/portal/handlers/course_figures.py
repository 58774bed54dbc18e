"""The training's figures: the year's costs against the budget, the evaluation, and the
certificates running out, with the one action that invites their holders to renewal
(a training administrator's only)."""

from __future__ import annotations

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import (
    RenewCertificates,
    ShowBudget,
    ShowCertificates,
    ShowEvaluations,
)
from services.portal.domain.course_figures import (
    EXPIRING_DAYS,
    BudgetPage,
    CertificatesPage,
    EvaluationsPage,
    budget_page,
    certificates_of,
    evaluations_page,
)
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.staff import StaffMember
from services.portal.handlers.courses import keeps_courses, this_year
from services.portal.handlers.people import or_trouble


async def show_budget(cmd: ShowBudget, uow: StaffApi,
                      deps: Dependencies) -> BudgetPage | StaffTroublePage:
    year = cmd.year or this_year(deps)

    async def read() -> BudgetPage:
        return budget_page(await uow.budget(cmd.member, year))

    return await or_trouble(read)


async def show_evaluations(cmd: ShowEvaluations, uow: StaffApi,
                           deps: Dependencies) -> EvaluationsPage | StaffTroublePage:
    year = cmd.year or this_year(deps)

    async def read() -> EvaluationsPage:
        return evaluations_page(year, await uow.evaluations(cmd.member, year))

    return await or_trouble(read)


async def _expiring(uow: StaffApi, member: StaffMember) -> CertificatesPage:
    rows = await uow.certificates(member, {"expiring_within_days": str(EXPIRING_DAYS)})
    return CertificatesPage(certificates_of(rows), not keeps_courses(member))


async def show_certificates(cmd: ShowCertificates, uow: StaffApi,
                            deps: Dependencies) -> CertificatesPage | StaffTroublePage:
    return await or_trouble(lambda: _expiring(uow, cmd.member))


async def renew_certificates(cmd: RenewCertificates, uow: StaffApi,
                             deps: Dependencies) -> CertificatesPage | StaffTroublePage:
    """Every listed holder not yet invited to a base course is invited to the next one
    near them; the page then lists the certificates again, each with its course."""
    if not keeps_courses(cmd.member):
        return StaffTroublePage("forbidden")

    async def renew() -> CertificatesPage:
        page = await _expiring(uow, cmd.member)
        ids = [c.supervisor_id for c in page.to_renew]
        if not ids:
            return CertificatesPage(page.certificates, invited=0)
        try:
            answer = await uow.renew(cmd.member, ids)
        except FieldProblems:
            return CertificatesPage(page.certificates, problems={"form": "not_accepted"})
        invited = [i for i in answer.get("invited") or [] if isinstance(i, dict)]
        missing = [i for i in answer.get("not_invited") or []
                   if isinstance(i, dict) and i.get("reason") == "no_session"]
        after = await _expiring(uow, cmd.member)
        return CertificatesPage(after.certificates, invited=len(invited),
                                without_session=len(missing))

    return await or_trouble(renew)
