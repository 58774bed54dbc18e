"""The plain report at the end of `praktik demo`: placements by municipality and
programme, supervisors and workplaces, training costs, messages, where to read them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from praktik_cli.demo.plan import COUNTY, SEASON_YEAR

if TYPE_CHECKING:
    from praktik_cli.demo.season import Season

Out = Callable[[str], None]


async def report(season: Season) -> str:
    lines: list[str] = []
    out = lines.append
    outcomes = await season.outcomes()
    out(f"Praktik season {SEASON_YEAR}, Halland county (run {season.plan.tag}), "
        f"played in {time.monotonic() - season.started:.0f} s")
    out("")
    _placements(season, outcomes, out)
    out("")
    _supervisors_and_workplaces(season, out)
    out("")
    for year in _training_years(season):
        budget = await season.call("GET", f"{season.endpoints.training}/budget/{year}")
        _costs(year, budget, out)
        evaluations = await season.call(
            "GET", f"{season.endpoints.training}/evaluations?year={year}")
        _evaluations(evaluations, out)
    out("")
    _messages(season, out)
    _receipts(await sms_receipts(season), out)
    out("")
    _where_to_read(season, out)
    return "\n".join(lines)


def _tally(season: Season, outcomes: dict[uuid.UUID, dict[str, Any]]
           ) -> tuple[dict[tuple[str, str], Counter[str]], dict[tuple[str, str], Counter[str]]]:
    """(counts, waitlist reasons) by (municipality, programme)."""
    table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    reasons: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for request_id, row in outcomes.items():
        request = season.requests[request_id]
        key = (request.municipality_code, request.program)
        table[key]["requests"] += 1
        placement = row.get("placement")
        if placement is not None:
            table[key][placement["status"]] += 1
        elif row["status"] in ("waitlisted", "awaiting_round", "reopened"):
            table[key]["waitlisted"] += 1
            reasons[key].update(row["reasons"] or ["waiting"])
        else:
            table[key][row["status"]] += 1
    return table, reasons


def _placements(season: Season, outcomes: dict[uuid.UUID, dict[str, Any]], out: Out) -> None:
    out("PLACEMENTS BY MUNICIPALITY AND PROGRAMME")
    header = (f"  {'municipality':<12} {'programme':<11} {'requests':>8} {'confirmed':>9} "
              f"{'await consent':>13} {'await wp':>8} {'waitlisted':>10}  waitlist reasons")
    out(header)
    table, reasons = _tally(season, outcomes)
    for (code, program), counts in sorted(table.items()):
        why = ", ".join(f"{r} {n}" for r, n in reasons[(code, program)].most_common(4))
        out(f"  {COUNTY.get(code, code):<12} {program:<11} {counts['requests']:>8} "
            f"{counts['confirmed']:>9} {counts['accepted']:>13} {counts['proposed']:>8} "
            f"{counts['waitlisted']:>10}  {why}")
    totals = Counter[str]()
    for counts in table.values():
        totals.update(counts)
    out(f"  {'all':<12} {'':<11} {totals['requests']:>8} {totals['confirmed']:>9} "
        f"{totals['accepted']:>13} {totals['proposed']:>8} {totals['waitlisted']:>10}")
    for summary in season.rounds:
        out(f"  round {COUNTY.get(summary['municipality_code'], '')} {summary['program']}:"
            f" {summary['requests']} requests, {summary['placed']} placed, "
            f"{summary['waitlisted']} waitlisted (seed {summary['seed']}, "
            f"{summary['duration_ms']:.0f} ms)")
    out(f"  answers: {dict(season.responses)}; guardian consents recorded: "
        f"{sum(1 for c in season.consents if c[2])} granted, "
        f"{sum(1 for c in season.consents if not c[2])} refused")


def _supervisors_and_workplaces(season: Season, out: Out) -> None:
    mine_sup = {str(s.id) for s in season.supervisors}
    certified = {e["data"]["supervisor_id"] for e in season.log.of("SupervisorCertified")
                 if e["data"]["supervisor_id"] in mine_sup}
    mine_wp = {str(w.id): w for w in season.workplaces}
    opened = {e["data"]["workplace_id"] for e in season.log.of("WorkplaceOpened")
              if e["data"]["workplace_id"] in mine_wp}
    out("SUPERVISORS AND WORKPLACES")
    for code in season.plan.municipalities:
        sups = [s for s in season.supervisors if s.municipality_code == code]
        wps = [w for w in season.workplaces if w.municipality_code == code]
        out(f"  {COUNTY.get(code, code):<12} certified supervisors "
            f"{sum(1 for s in sups if str(s.id) in certified):>3} of {len(sups):<3} "
            f"open workplaces {sum(1 for w in wps if str(w.id) in opened):>3} of {len(wps)}")
    out(f"  {'all':<12} certified supervisors {len(certified):>3} of "
        f"{len(mine_sup):<3} open workplaces {len(opened):>3} of {len(mine_wp)}")


def _training_years(season: Season) -> list[int]:
    """The years of the season's course sessions (the budget is yearly)."""
    return sorted({datetime.fromisoformat(s["starts_at"]).year
                   for sessions in season.sessions.values() for s in sessions})


def _costs(year: int, budget: dict[str, Any], out: Out) -> None:
    out(f"TRAINING COSTS {year} (county budget {_sek(budget['budget'])} SEK)")
    for course, amount in sorted(budget["by_course"].items()):
        out(f"  course {course:<18} {_sek(amount):>10} SEK")
    for kind, amount in sorted(budget["by_kind"].items()):
        out(f"  cost   {kind:<18} {_sek(amount):>10} SEK")
    out(f"  spent {_sek(budget['spent'])} SEK, remaining {_sek(budget['remaining'])} SEK"
        + (" — OVER BUDGET" if budget["over_budget"] else ""))


def _messages(season: Season, out: Out) -> None:
    out("MESSAGES (notifications.events.v1, this run)")
    people = season.person_ids()
    by: Counter[tuple[str, str]] = Counter()
    for type_ in ("NotificationDelivered", "NotificationFailed"):
        for e in season.log.of(type_):
            if e["data"]["recipient_id"] in people:
                by[(e["data"]["channel"], type_.removeprefix("Notification").lower())] += 1
    failed_why: dict[str, Counter[str]] = defaultdict(Counter)
    for e in season.log.of("NotificationFailed"):
        if e["data"]["recipient_id"] in people:
            failed_why[e["data"]["channel"]][str(e["data"].get("error", "?"))[:40]] += 1
    for channel in ("email", "sms"):
        reasons_ = ", ".join(f"{r} {n}" for r, n in failed_why[channel].most_common(3))
        out(f"  {channel:<6} delivered {by[(channel, 'delivered')]:>5}   failed "
            f"{by[(channel, 'failed')]:>4}" + (f" ({reasons_})" if reasons_ else ""))
    templates = Counter(e["data"]["template"] for e in season.log.of("NotificationDelivered")
                        if e["data"]["recipient_id"] in people)
    if templates:
        out("  by template: " + ", ".join(f"{t} {n}" for t, n in templates.most_common()))
    if _quiet_hours_now():
        out("  (21:00-08:00 Swedish time: SMS wait for the morning, as the service's "
            "quiet hours say)")


def _evaluations(summary: dict[str, Any], out: Out) -> None:
    """The attendees' own answers (by the evaluation link), per course."""
    for course, item in sorted(summary.get("courses", {}).items()):
        out(f"  evaluation {course:<14} {item['responses']:>4} answers, overall "
            f"{_score(item.get('overall'))}, usefulness {_score(item.get('usefulness'))}")


def _score(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}"


async def sms_receipts(season: Season) -> Counter[str]:
    """The SMS of the season's placements sent, by their delivery receipt: `delivered`,
    `failed`, or `unconfirmed` (no receipt yet), from notifications' view per placement."""
    placements = {e["data"]["placement_id"] for e in season.log.of("PlacementProposed")
                  if uuid.UUID(e["data"]["request_id"]) in season.requests}

    async def one(placement_id: str) -> list[dict[str, Any]]:
        found = await season.call(
            "GET", f"{season.endpoints.notifications}/notifications/placements/"
                   f"{placement_id}", ok=(200, 404))
        return list(found.get("messages", [])) if found else []

    counts: Counter[str] = Counter()
    for messages in await asyncio.gather(*(one(p) for p in sorted(placements))):
        for m in messages:
            if m["channel"] == "sms" and m["status"] == "sent":
                counts[m.get("receipt") or "unconfirmed"] += 1
    return counts


def _receipts(counts: Counter[str], out: Out) -> None:
    out(f"  SMS about placements, by delivery receipt: delivered "
        f"{counts['delivered']}, failed {counts['failed']}, unconfirmed "
        f"{counts['unconfirmed']}" + "".join(
            f", {k} {n}" for k, n in sorted(counts.items())
            if k not in ("delivered", "failed", "unconfirmed")))


def _where_to_read(season: Season, out: Out) -> None:
    out("WHERE TO READ THE CAUGHT MESSAGES")
    out(f"  e-mail: the SMTP catcher ({season.endpoints.smtp_catcher}) keeps each message "
        "as an .eml file, with index.jsonl, under .cache/mail/ (DEV_MAIL_DIR)")
    out(f"  SMS: the 46elks fake lists them: curl -u elks-user:elks-password "
        f"{season.endpoints.sms_fake}/a1/sms")
    out("  per placement: GET /notifications/placements/{placement_id} on notifications")


def _sek(amount: str) -> str:
    return f"{float(amount):,.0f}".replace(",", " ")


def _quiet_hours_now() -> bool:
    hour = datetime.now(ZoneInfo("Europe/Stockholm")).hour
    return hour >= 21 or hour < 8
