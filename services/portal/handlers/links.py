"""The portal's behaviour: show a link's page, pass an answer on. Each handler is
`handler(command, uow, deps)` like every service's; `uow` is `ServiceApis`, the services'
APIs (the portal has no database), and the answer is a view (`domain.views`) that the
entry point puts in words.

The portal reads the token only to know which page to show and whom to name; the service
that acts checks it again and decides (docs/portal.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.portal.dependencies import Dependencies, ServiceApis
from services.portal.domain import facts as read
from services.portal.domain.answers import (
    FieldProblems,
    already_answered,
    form_field,
    outcome,
    read_form,
)
from services.portal.domain.commands import AnswerLink, ShowLink
from services.portal.domain.views import (
    BadLinkPage,
    Closed,
    Contact,
    FormPage,
    Receipt,
    Trouble,
    Unavailable,
    View,
)
from shared.links import BadLink, Link, Purpose
from shared.wiring import Handler

FACTS: dict[Purpose, Callable[[Mapping[str, Any]], read.Facts]] = {
    "consent": read.consent, "workplace_answer": read.workplace_answer,
    "offer_answer": read.offer_answer, "enrolment": read.enrolment,
    "evaluation": read.evaluation, "opt_out": read.opt_out}
PLACEMENT_LINKS: frozenset[str] = frozenset({"consent", "workplace_answer", "offer_answer"})


async def contact_for(municipality_code: str | None, uow: ServiceApis,
                      deps: Dependencies) -> Contact:
    """The municipality's coordinator, or the support when there is none to ask."""
    if municipality_code is None:
        return deps.support
    try:
        return await uow.registration.contact(municipality_code) or deps.support
    except (Unavailable, BadLink, FieldProblems):
        return deps.support


async def _bad(trouble: Trouble, municipality_code: str | None, uow: ServiceApis,
               deps: Dependencies) -> BadLinkPage:
    return BadLinkPage(trouble, await contact_for(municipality_code, uow, deps))


async def _refused(refused: BadLink | Closed | Unavailable, link: Link, uow: ServiceApis,
                   deps: Dependencies) -> BadLinkPage:
    """The page for a service's refusal of a link's page or of its answer."""
    if isinstance(refused, BadLink):
        return await _bad(refused.problem,
                          refused.municipality_code or link.municipality_code, uow, deps)
    trouble: Trouble = "closed" if isinstance(refused, Closed) else "service_down"
    return await _bad(trouble, link.municipality_code, uow, deps)


async def _facts(link: Link, token: str, uow: ServiceApis) -> read.Facts:
    """What the page shows: the acting service's answer, and the placement's facts."""
    facts = FACTS[link.purpose](await uow.acting_on(link.purpose).read(link.purpose, token))
    if link.purpose in PLACEMENT_LINKS:
        facts = {**read.placement(await uow.registration.placement(token)), **facts}
    if link.purpose == "opt_out" and link.channel in ("sms", "email"):
        facts.setdefault("channel", link.channel)
    return facts


async def _page(link: Link, token: str, uow: ServiceApis, deps: Dependencies,
                values: Mapping[str, str] | None = None,
                problems: Mapping[str, str] | None = None) -> View:
    try:
        facts = await _facts(link, token, uow)
    except (BadLink, Closed, Unavailable) as refused:
        return await _refused(refused, link, uow, deps)
    contact = await contact_for(link.municipality_code, uow, deps)
    if facts.get("answered") and not problems:
        return Receipt(link.purpose, already_answered(link.purpose, facts), facts, contact,
                       already=True)
    return FormPage(link.purpose, facts, contact, dict(values or {}), dict(problems or {}))


async def show_link(command: ShowLink, uow: ServiceApis, deps: Dependencies) -> View:
    try:
        link = deps.links.read(command.token)
    except BadLink as bad:
        return await _bad(bad.problem, bad.municipality_code, uow, deps)
    return await _page(link, command.token, uow, deps)


async def answer_link(command: AnswerLink, uow: ServiceApis, deps: Dependencies) -> View:
    try:
        link = deps.links.read(command.token)
    except BadLink as bad:
        return await _bad(bad.problem, bad.municipality_code, uow, deps)
    try:
        body = read_form(link.purpose, command.form)
        await uow.acting_on(link.purpose).answer(link.purpose, command.token, body)
    except FieldProblems as refused:
        problems = {form_field(field): problem for field, problem in refused.problems.items()}
        return await _page(link, command.token, uow, deps, command.form, problems)
    except (BadLink, Closed, Unavailable) as refused:
        return await _refused(refused, link, uow, deps)
    contact = await contact_for(link.municipality_code, uow, deps)
    return Receipt(link.purpose, outcome(link.purpose, body),
                   {"channel": link.channel or "sms"}, contact)


LINK_HANDLERS: dict[type, Handler[Dependencies]] = {ShowLink: show_link,
                                                  AnswerLink: answer_link}
