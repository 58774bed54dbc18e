"""From an event and its facts to the messages the routing table asks for (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.notifications.domain import course_letters, letters
from services.notifications.domain.letters import Facts
from services.notifications.domain.links import Links
from services.notifications.domain.model import PlannedNotification, day_before_at
from services.notifications.domain.routing import ROUTES, Route


@dataclass(frozen=True)
class PlanConfig:
    links: Links
    timezone: str = "Europe/Stockholm"
    reminder_hour: int = 9


def _of(e: Any, facts: Facts, name: str) -> Any:
    """A placement's fact: from the event, else from the placement read model."""
    value = getattr(e, name, None)
    if value is None and facts.placement is not None:
        value = getattr(facts.placement, name, None)
    return value


def _guardians_of_minor(e: Any, facts: Facts, today: date) -> list[tuple[UUID, str]]:
    p = facts.participant
    start = _of(e, facts, "period_start") or today
    if p is None or not p.is_minor_on(start):
        return []
    return [(g, "guardian") for g in p.guardian_ids]


def audience(route: Route, e: Any, facts: Facts, today: date) -> list[tuple[UUID, str]]:
    """(person id, role) of each recipient of `route` for event `e`."""
    p = facts.participant
    match route.audience:
        case "participant":
            found = _of(e, facts, "participant_id")
            return [(found, "participant")] if found else []
        case "guardians":
            return [(g, "guardian") for g in (p.guardian_ids if p else ())]
        case "guardians_of_minor":
            return _guardians_of_minor(e, facts, today)
        case "guardian":
            return [(e.guardian_id, "guardian")]
        case "supervisor":
            found = _of(e, facts, "supervisor_id")
            return [(found, "supervisor")] if found else []
        case "manager":
            manager = facts.workplace.manager_id if facts.workplace else None
            return [(manager, "manager")] if manager else []
        case "invited":
            return [(i.person_id, i.role) for i in e.invited]
        case "person":
            return [(e.person_id, e.role)]
        case "open_placement_supervisors":
            return [(o.supervisor_id, "supervisor") for o in facts.open_placements
                    if o.supervisor_id is not None]
    raise AssertionError(route.audience)


def _proposal_context(route: Route, e: Any, facts: Facts, c: PlanConfig,
                      person_id: UUID) -> dict[str, Any] | None:
    links, tz, mun = c.links, c.timezone, getattr(e, "municipality_code", None)
    match route.template:
        case "placement_proposal":
            return letters.proposal(e, facts, tz, links.workplace_answer(
                e.placement_id, person_id, e.accept_by, e.period_start, mun))
        case "placement_offer":
            answers = e.answer_by is not None and (
                route.audience == "participant" or e.guardian_answer)
            link = (links.offer_answer(e.placement_id, person_id, e.answer_by, mun)
                    if answers and e.answer_by else None)
            return letters.offer(e, facts, tz, link) | {
                "draw_url": links.draw(getattr(e, "round_id", None), e.request_id)}
        case "consent_request":
            answer = (links.offer_answer(e.placement_id, person_id, e.answer_by, mun)
                      if e.guardian_answer and e.answer_by else None)
            return letters.consent_request(e, facts, tz, links.consent(
                e.placement_id, person_id, e.period_start, mun, e.consent_by), answer)
    return None


def deadline_link(e: Any, facts: Facts, links: Links, person_id: UUID) -> str:
    """The link the awaited party answers with, valid until the (new) deadline."""
    mun = e.municipality_code
    match e.awaiting:
        case "workplace":
            start = _of(e, facts, "period_start") or e.deadline.date()
            return links.workplace_answer(e.placement_id, person_id, e.deadline, start, mun)
        case "consent":
            start = _of(e, facts, "period_start") or e.deadline.date()
            return links.consent(e.placement_id, person_id, start, mun, e.deadline)
    return links.offer_answer(e.placement_id, person_id, e.deadline, mun)


def _placement_context(route: Route, e: Any, facts: Facts, c: PlanConfig,
                       person_id: UUID) -> dict[str, Any] | None:
    found = _proposal_context(route, e, facts, c, person_id)
    if found is not None:
        return found
    match route.template:
        case "consent_receipt" | "consent_outcome":
            return letters.consent_answer(e, facts)
        case "placement_accepted" | "placement_declined" | "placement_cancelled":
            return letters.placement_news(e, facts)
        case "deadline_reminder" | "deadline_extended":
            return letters.deadline(e, facts, c.timezone,
                                    deadline_link(e, facts, c.links, person_id))
        case "welcome_letter":
            return letters.welcome_letter(e, facts)
        case "day_one_checklist":
            return letters.day_one_checklist(e, facts)
        case "waitlisted":
            return letters.waitlisted(e, facts) | {
                "draw_url": c.links.draw(getattr(e, "round_id", None), e.request_id)}
        case "workplace_closed":
            return letters.workplace_closed(e, facts)
    return None


def context(route: Route, e: Any, facts: Facts, c: PlanConfig,
            person_id: UUID) -> dict[str, Any]:
    found = _placement_context(route, e, facts, c, person_id)
    if found is not None:
        return found
    tz, mun = c.timezone, getattr(e, "municipality_code", None)
    match route.template:
        case "course_invitation":
            reason = next((i.reason for i in e.invited if i.person_id == person_id), "")
            return course_letters.course_invitation(e, tz, reason)
        case "enrolment_confirmation":
            starts_at = facts.session.starts_at if facts.session else e.starts_at
            link = (c.links.enrolment(e.session_id, person_id, starts_at, mun)
                    if starts_at else None)
            return course_letters.enrolment(e, facts, tz, link)
        case "enrolment_waitlisted" | "course_reminder" | "enrolment_cancelled":
            return course_letters.enrolment(e, facts, tz, None)
        case "course_evaluation":
            ended = facts.session.ends_at if facts.session else e.completed_at
            return course_letters.evaluation(e, facts, tz, c.links.evaluation(
                e.session_id, person_id, ended, mun))
        case "certificate" | "certification_note":
            return course_letters.certification(e, facts)
        case "certification_expiring" | "certification_expired":
            return course_letters.certification_end(e, facts, tz)
    raise AssertionError(route.template)


def _when(route: Route, e: Any, facts: Facts, c: PlanConfig, now: datetime) -> datetime | None:
    """When the message may go; None when it is too late to be of use."""
    if route.timing == "now":
        return now
    starts_at = facts.session.starts_at if facts.session else getattr(e, "starts_at", None)
    if starts_at is None or starts_at <= now:
        return None
    return max(now, day_before_at(starts_at, c.reminder_hour, c.timezone))


def _ended(route: Route, e: Any, facts: Facts, c: PlanConfig, cause_event_id: str,
           correlation_id: str | None, now: datetime) -> list[PlannedNotification]:
    """Erasure: one message per open placement, about the placement only (not about the
    erased person, so the erasure of their messages leaves it be)."""
    out: list[PlannedNotification] = []
    workplace = facts.workplace
    for p in facts.open_placements:
        if p.supervisor_id is None:
            continue
        out.append(PlannedNotification(  # one per placement, though one supervisor
            cause_event_id=f"{cause_event_id}:{p.placement_id}",
            recipient_id=p.supervisor_id, channel="email",
            template=route.template, context=letters.placement_ended(
                p, workplace if workplace and workplace.workplace_id == p.workplace_id
                else None), not_before=now, correlation_id=correlation_id,
            recipient_role="supervisor", placement_id=p.placement_id,
            municipality_code=p.municipality_code or e.municipality_code))
    return out


def plan(e: Any, facts: Facts, c: PlanConfig, cause_event_id: str,
         correlation_id: str | None, now: datetime) -> list[PlannedNotification]:
    """Every message the routing table asks for, for one event (pure)."""
    planned: list[PlannedNotification] = []
    c = replace(c, links=replace(c.links, seed=cause_event_id))
    for route in ROUTES.get(type(e), ()):
        if not route.when(e):
            continue
        if route.audience == "open_placement_supervisors":
            planned += _ended(route, e, facts, c, cause_event_id, correlation_id, now)
            continue
        not_before = _when(route, e, facts, c, now)
        if not_before is None:
            continue
        for person_id, role in audience(route, e, facts, now.date()):
            body = context(route, e, facts, c, person_id)
            for channel in route.channels:
                planned.append(PlannedNotification(
                    cause_event_id=cause_event_id, recipient_id=person_id, channel=channel,
                    template=route.template, context=body, not_before=not_before,
                    correlation_id=correlation_id, recipient_role=role,
                    placement_id=getattr(e, "placement_id", None),
                    about_participant_id=_of(e, facts, "participant_id"),
                    municipality_code=getattr(e, "municipality_code", None)
                    or _of(e, facts, "municipality_code")))
    return planned

