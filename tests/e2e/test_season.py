"""A small season, end to end: four service processes, real Kafka and Postgres, the SMTP
catcher and the SMS fake; everything driven through the HTTP APIs (`praktik_cli.demo`).

What the season must show: every request has exactly one open outcome; every placement is
feasible; every confirmed placement produced exactly one welcome letter per recipient and
channel; a minor's placement is never confirmed before a guardian's consent.
"""

from __future__ import annotations

import contextlib
import email
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from devkit.wait import eventually
from praktik_cli.demo.records import age_on
from praktik_cli.demo.season import Season
from shared.contracts import topics
from tests.e2e.conftest import Outside

pytestmark = [pytest.mark.infra]

OPEN_PLACEMENT = ("proposed", "confirmed")


def _data(season: Season, type_: str, topic: str | None = None) -> list[dict[str, Any]]:
    return [e["data"] for e in season.log.of(type_, topic)]


def _mine(season: Season, data: dict[str, Any]) -> bool:
    return uuid.UUID(data["request_id"]) in season.requests


def _proposed(request: dict[str, Any], data: dict[str, Any], problems: list[str]) -> None:
    if request["open"]:
        problems.append(f"request {data['request_id']} proposed while "
                        f"{list(request['open'].values())} is open")
    request["open"][data["placement_id"]] = "proposed"
    request["waitlisted"] = False


def _confirmed(request: dict[str, Any], data: dict[str, Any], problems: list[str]) -> None:
    if data["placement_id"] not in request["open"]:
        problems.append(f"placement {data['placement_id']} confirmed but not open")
    request["open"][data["placement_id"]] = "confirmed"


def _closed(request: dict[str, Any], data: dict[str, Any], _: list[str]) -> None:
    request["open"].pop(data["placement_id"], None)


def _waitlisted(request: dict[str, Any], data: dict[str, Any], problems: list[str]) -> None:
    if request["open"]:
        problems.append(f"request {data['request_id']} waitlisted while "
                        f"{list(request['open'].values())} is open")
    request["waitlisted"] = True
    request["reasons"] = data["reasons"]


FOLDS: dict[str, Callable[[dict[str, Any], dict[str, Any], list[str]], None]] = {
    "PlacementProposed": _proposed, "PlacementConfirmed": _confirmed,
    "PlacementDeclined": _closed, "PlacementCancelled": _closed,
    "PlacementWaitlisted": _waitlisted,
}
"""How each of matching's events moves its request's open outcome (and what it must not
find)."""


def fold_outcomes(season: Season) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Replay matching.events.v1 in the order matching published it (one municipality is
    one partition): the open outcome of each request, and every moment two were open."""
    state: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": {}, "waitlisted": False})
    problems: list[str] = []
    for topic, event in season.log.with_topics():
        if topic != topics.MATCHING_EVENTS:
            continue
        data, fold = event["data"], FOLDS.get(event["type"])
        if fold is not None and _mine(season, data):
            fold(state[data["request_id"]], data, problems)
    return dict(state), problems


async def test_every_request_has_exactly_one_open_outcome(season: Season) -> None:
    await season.settle()
    state, problems = fold_outcomes(season)
    assert problems == []
    wrong = {}
    for request_id, request in season.requests.items():
        if request.participant_id in season.erased:
            continue  # erased by another test: its requests closed with the person
        outcome = state.get(str(request_id), {"open": {}, "waitlisted": False})
        opened = len(outcome["open"])
        if not ((opened == 1 and not outcome["waitlisted"])
                or (opened == 0 and outcome["waitlisted"])):
            wrong[str(request_id)] = outcome
    assert wrong == {}, f"{len(wrong)} of {len(season.requests)} requests without exactly one"
    # Matching's own view agrees with what it published.
    views = await season.outcomes()
    disagree = {}
    for request_id, row in views.items():
        outcome = state[str(request_id)]
        placed = row["placement"] is not None
        if placed != bool(outcome["open"]) or (placed and row["status"] != "placed") or (
                not placed and row["status"] not in ("waitlisted", "awaiting_round")):
            disagree[str(request_id)] = (row["status"], row["placement"] and
                                         row["placement"]["status"], outcome)
    assert disagree == {}
    # The season went through every path: rounds placed and waitlisted, re-matches.
    statuses = Counter(s for o in state.values() for s in o["open"].values())
    assert statuses["confirmed"] > 0
    assert any(o["waitlisted"] for o in state.values())
    assert _data(season, "PlacementDeclined"), "the season declined nothing"


async def test_answers_and_rematches_never_fail(season: Season) -> None:
    """Every accept, decline and consent the season gave was taken (or refused with 409)."""
    assert season.failures == []


async def test_nothing_about_the_season_is_dead_lettered(season: Season) -> None:
    """No service gave up on an event about this season's people or requests."""
    await season.settle()
    ours = {str(i) for i in season.participants} | {str(i) for i in season.requests}
    dead = [f"{topic}: {event.get('type')}" for topic, event in season.log.with_topics()
            if topic.endswith(".dlq") and isinstance(event.get("data"), dict)
            and ours & {str(v) for v in event["data"].values()}]
    assert dead == []


def _facts(season: Season) -> dict[str, dict[str, dict[str, Any]]]:
    reg = topics.REGISTRATION_EVENTS
    return {
        "offers": {d["offer_id"]: d for d in _data(season, "PlacementSlotsOffered", reg)},
        "workplaces": {d["workplace_id"]: d for d in _data(season, "WorkplaceRegistered", reg)},
        "supervisors": {d["supervisor_id"]: d
                        for d in _data(season, "SupervisorRegistered", reg)},
        "participants": {d["participant_id"]: d
                         for d in _data(season, "ParticipantRegistered", reg)},
        "requests": {d["request_id"]: d for d in _data(season, "PlacementRequested", reg)},
        "certificates": {d["supervisor_id"]: d for d in _data(season, "SupervisorCertified")},
        "opened": {d["workplace_id"]: d for d in _data(season, "WorkplaceOpened")},
    }


def _overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _unfit_offer(facts: dict[str, dict[str, dict[str, Any]]], p: dict[str, Any],
                 offer: dict[str, Any]) -> list[str]:
    """What makes a proposal differ from its offer: workplace (and whether it was ever
    opened), supervisor, programme, certificate, period."""
    pid, problems = p["placement_id"], []
    request = facts["requests"][p["request_id"]]
    end = date.fromisoformat(p["period_end"])
    if (p["workplace_id"], p["supervisor_id"]) != (offer["workplace_id"],
                                                    offer["supervisor_id"]):
        problems.append(f"{pid}: not the offer's workplace and supervisor")
    if p["workplace_id"] not in facts["opened"]:
        problems.append(f"{pid}: at a workplace training never opened")
    if p["program"] != offer["program"] or p["program"] != request["program"]:
        problems.append(f"{pid}: programme differs from the offer's or the request's")
    certificate = facts["certificates"].get(p["supervisor_id"])
    if certificate is None:
        problems.append(f"{pid}: supervisor never certified")
    elif date.fromisoformat(certificate["valid_until"]) < end:
        problems.append(f"{pid}: certificate ends before the placement")
    if not (date.fromisoformat(offer["period_start"]) <= date.fromisoformat(p["period_start"])
            and end <= date.fromisoformat(offer["period_end"])):
        problems.append(f"{pid}: period outside the offer's")
    return problems


def _unfit_participant(facts: dict[str, dict[str, dict[str, Any]]], p: dict[str, Any],
                       offer: dict[str, Any]) -> list[str]:
    """What makes a proposal wrong for its participant: age, client contact, needs."""
    pid, problems = p["placement_id"], []
    workplace = facts["workplaces"][offer["workplace_id"]]
    participant = facts["participants"][p["participant_id"]]
    request = facts["requests"][p["request_id"]]
    age = age_on(date.fromisoformat(participant["birth_date"]),
                 date.fromisoformat(p["period_start"]))
    minimum = max(offer.get("min_age") or 0, workplace.get("min_age") or 0)
    if age < minimum:
        problems.append(f"{pid}: participant {age} years, minimum {minimum}")
    if workplace["client_contact"] and not offer["without_client_contact"] and (
            age < 18 or p["program"] == "prao"):
        problems.append(f"{pid}: minor or prao student at a workplace with client contact")
    needs = set(participant.get("needs", [])) | set(request.get("needs", []))
    if not needs <= set(offer.get("supports", [])):
        problems.append(f"{pid}: needs {sorted(needs)} not supported")
    return problems


def _overbooked(facts: dict[str, dict[str, dict[str, Any]]], p: dict[str, Any],
                offer: dict[str, Any], open_now: dict[str, dict[str, Any]]) -> list[str]:
    """With `p` open: its offer over capacity, or its supervisor over their maximum."""
    pid, problems = p["placement_id"], []
    held = [q for q in open_now.values() if q["offer_id"] == p["offer_id"]]
    if len(held) > offer["capacity"]:
        problems.append(f"{pid}: offer over capacity ({len(held)} > {offer['capacity']})")
    span = (date.fromisoformat(p["period_start"]), date.fromisoformat(p["period_end"]))
    load = [q for q in open_now.values() if q["supervisor_id"] == p["supervisor_id"]
            and _overlap(span, (date.fromisoformat(q["period_start"]),
                                date.fromisoformat(q["period_end"])))]
    maximum = facts["supervisors"][p["supervisor_id"]]["max_participants"]
    if len(load) > maximum:
        problems.append(f"{pid}: supervisor has {len(load)} at once, at most {maximum}")
    return problems


async def test_every_placement_is_feasible(season: Season) -> None:
    await season.settle()
    facts = _facts(season)
    problems: list[str] = []
    open_now: dict[str, dict[str, Any]] = {}
    checked = 0
    for topic, event in season.log.with_topics():
        if topic != topics.MATCHING_EVENTS:
            continue
        p, type_ = event["data"], event["type"]
        if type_ in ("PlacementDeclined", "PlacementCancelled"):
            open_now.pop(p["placement_id"], None)
            continue
        if type_ != "PlacementProposed" or not _mine(season, p):
            continue
        checked += 1
        offer = facts["offers"].get(p["offer_id"])
        if offer is None:
            problems.append(f"{p['placement_id']}: at an offer registered outside this season")
            continue
        problems += _unfit_offer(facts, p, offer) + _unfit_participant(facts, p, offer)
        open_now[p["placement_id"]] = p
        problems += _overbooked(facts, p, offer, open_now)
    assert checked > 0, "no placements to check"
    assert problems == []


def _consent_needed(season: Season, placement: dict[str, Any]) -> bool:
    participant = season.participants[uuid.UUID(placement["participant_id"])]
    return placement["program"] == "prao" or age_on(
        participant.birth_date, date.fromisoformat(placement["period_start"])) < 18


async def test_minor_never_confirmed_before_consent(season: Season) -> None:
    await season.settle()
    consents: dict[tuple[str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for event in season.log.of("GuardianConsentRecorded", topics.REGISTRATION_EVENTS):
        data = event["data"]
        consents[(data["participant_id"], data["program"])].append(
            (datetime.fromisoformat(event["time"]), data["granted"]))
    confirmed = [e for e in season.log.of("PlacementConfirmed") if _mine(season, e["data"])]
    needing = [e for e in confirmed if _consent_needed(season, e["data"])]
    assert needing, "no minor was confirmed: the check would prove nothing"
    early = []
    for event in needing:
        data = event["data"]
        at = datetime.fromisoformat(event["time"])
        given = [t for t, granted in consents[(data["participant_id"], data["program"])]
                 if granted and t <= at]
        if not given:
            early.append(data["placement_id"])
    assert early == [], "confirmed before any guardian consented"
    # Those whose guardians never consented, or refused, are not confirmed, although
    # their workplaces accepted.
    accepted_without = [
        p for p in season.participants.values()
        if p.consent in ("never", "refused-given")
        and any(e["data"]["participant_id"] == str(p.id) for e in season.log.of(
            "PlacementProposed"))
    ]
    assert accepted_without, "no minor was proposed without consent: nothing to check"
    wrongly = [str(p.id) for p in accepted_without
               if any(e["data"]["participant_id"] == str(p.id) for e in confirmed)]
    assert wrongly == []


def _caught_by_notification(outside: Outside) -> dict[str, list[dict[str, Any]]]:
    caught: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in outside.mail.messages():
        message = email.message_from_bytes(outside.mail.read(entry))
        notification = message.get("X-Praktik-Notification")
        if notification:
            caught[notification].append(entry)
    return caught


async def _wait_for_letters(season: Season, expected: dict[str, set[str]],
                            timeout_s: float = 180.0) -> dict[str, list[dict[str, Any]]]:
    """Deliveries of welcome letters by confirmation event id, once each expected
    recipient has a delivery report (or after `timeout_s`, for the asserts to judge)."""
    reports: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def done() -> bool:
        nonlocal reports
        reports = defaultdict(list)
        for type_ in ("NotificationDelivered", "NotificationFailed"):
            for e in season.log.of(type_, topics.NOTIFICATIONS_EVENTS):
                if e["data"]["template"] == "welcome_letter":
                    reports[e["data"]["cause_event_id"]].append(e["data"] | {"type": type_})
        return all(expected[cause] <= {r["recipient_id"] for r in reports[cause]}
                   for cause in expected)

    with contextlib.suppress(AssertionError):  # the caller's asserts say what is missing
        await eventually(done, timeout_s, "a report of every welcome letter", interval_s=0.5)
    return reports


async def test_each_confirmed_placement_gets_one_welcome_letter_per_recipient(
        season: Season, outside: Outside) -> None:
    await season.settle()
    confirmed = [e for e in season.log.of("PlacementConfirmed") if _mine(season, e["data"])]
    assert confirmed, "nothing confirmed"
    expected: dict[str, set[str]] = {}
    allowed: dict[str, set[str]] = {}
    addresses: dict[str, str | None] = {}
    for event in confirmed:
        participant = season.participants[uuid.UUID(event["data"]["participant_id"])]
        addresses[str(participant.id)] = participant.person.email
        start = date.fromisoformat(event["data"]["period_start"])
        minor_now = age_on(participant.birth_date, date.today()) < 18
        minor_then = age_on(participant.birth_date, start) < 18
        guardians = {str(g.id) for g in participant.guardians}
        for g in participant.guardians:
            addresses[str(g.id)] = g.email
        expected[event["id"]] = {str(participant.id)} | (
            guardians if minor_now and minor_then else set())
        allowed[event["id"]] = {str(participant.id)} | guardians
    reports = await _wait_for_letters(season, expected)
    caught = _caught_by_notification(outside)
    problems = []
    for cause, recipients in expected.items():
        problems += _reported_once_each(cause, reports[cause], recipients, allowed[cause])
        problems += _caught_once_each(cause, reports[cause], caught, addresses)
    assert problems == []


def _reported_once_each(cause: str, reports: list[dict[str, Any]], recipients: set[str],
                        allowed: set[str]) -> list[str]:
    """One delivery report per recipient and channel, for everyone owed one, no one else."""
    problems = []
    got = Counter((r["recipient_id"], r["channel"]) for r in reports)
    twice = [k for k, n in got.items() if n > 1]
    if twice:
        problems.append(f"{cause}: reported twice {twice}")
    missing = recipients - {r for r, _ in got}
    if missing:
        problems.append(f"{cause}: no welcome letter for {len(missing)} recipient(s)")
    strangers = {r for r, _ in got} - allowed
    if strangers:
        problems.append(f"{cause}: welcome letter to someone else")
    return problems


def _caught_once_each(cause: str, reports: list[dict[str, Any]],
                      caught: dict[str, list[dict[str, Any]]],
                      addresses: dict[str, str | None]) -> list[str]:
    """Each report a delivery, and each delivery one copy in the catcher, to the address."""
    problems = []
    for report in reports:
        if report["type"] != "NotificationDelivered":
            problems.append(f"{cause}: {report['type']} {report.get('error')}")
            continue
        copies = caught.get(report["notification_id"], [])
        if len(copies) != 1:
            problems.append(f"{cause}: {len(copies)} copies of {report['notification_id']}"
                            " in the mail catcher")
        elif copies[0]["rcpt_tos"] != [addresses[report["recipient_id"]]]:
            problems.append(f"{cause}: sent to another address")
    return problems
