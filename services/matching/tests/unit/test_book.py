"""The life of placements on one municipality's Book (domain only, no infrastructure)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from services.matching.domain.book import Book
from services.matching.domain.explanation import explain
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import Offer, Request
from shared.contracts.matching import (
    MatchingRoundCompleted,
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
M = "1380"


def book() -> Book:
    return Book(M, {p: timedelta(hours=48) for p in
                    ("prao", "summer_job", "work_trial", "internship", "job_track")})


def workplace(b: Book, client_contact: bool = False, sector: str = "municipal",
              opened: bool = True) -> UUID:
    """A workplace; open (training's `WorkplaceOpened`) unless `opened` is False."""
    wid = uuid.uuid4()
    b.workplaces[wid] = Workplace(wid, M, sector, client_contact)
    if opened:
        b.open_workplaces.add(wid)
    return wid


def supervisor(b: Book, wid: UUID, max_participants: int = 2, languages: str = "sv",
               certified: bool = True) -> UUID:
    sid = uuid.uuid4()
    b.supervisors[sid] = Supervisor(sid, wid, M, frozenset(languages.split(",")),
                                    max_participants)
    if certified:
        b.certificates[sid] = Certificate(sid, date(2028, 12, 31))
    return sid


def offer(b: Book, wid: UUID, sid: UUID, program: str = "internship", occupation: str = "5120",
          capacity: int = 1, start: date = date(2027, 3, 1), days: int = 30, **kw: Any) -> UUID:
    oid = uuid.uuid4()
    b.add_offer(Offer(oid, wid, sid, M, program, occupation, start,
                      start + timedelta(days=days), capacity, **kw), NOW)
    return oid


def participant(b: Book, born: date = date(1990, 5, 5), language: str = "sv",
                needs: frozenset[str] = frozenset(), gender: str = "female") -> UUID:
    pid = uuid.uuid4()
    b.participants[pid] = Participant(pid, M, born, gender, language, needs, (uuid.uuid4(),))
    return pid


def request(b: Book, pid: UUID, program: str = "internship", prefs: tuple = (),
            priority: int = 0, start: date = date(2027, 3, 1), days: int = 30) -> UUID:
    rid = uuid.uuid4()
    b.add_request(Request(rid, pid, M, program, start, start + timedelta(days=days),
                          prefs, frozenset(), priority, NOW))
    return rid


def of_type(b: Book, kind: type) -> list:
    return [e for e in b.events if isinstance(e, kind)]


def test_continuous_request_gets_its_preference_then_language_then_start() -> None:
    b = book()
    w1, w2 = workplace(b), workplace(b)
    o_first = offer(b, w1, supervisor(b, w1), occupation="4112")
    o_lang = offer(b, w2, supervisor(b, w2, languages="sv,ar"), occupation="5120",
                   start=date(2027, 3, 10))
    offer(b, w2, supervisor(b, w2), occupation="5120", start=date(2027, 3, 2))
    pid = participant(b, language="ar")
    request(b, pid, prefs=(("occupation", "5120"), ("occupation", "4112")))
    [proposed] = of_type(b, PlacementProposed)
    assert proposed.offer_id == o_lang and proposed.preference_rank == 1
    pid2 = participant(b)
    request(b, pid2, prefs=(("occupation", "9999"),))
    proposed2 = of_type(b, PlacementProposed)[1]
    assert proposed2.preference_rank is None  # outside its preferences
    assert proposed2.offer_id != o_first or proposed2.period_start == date(2027, 3, 1)


def test_waitlisted_with_reasons_then_placed_when_certified() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, certified=False)
    offer(b, wid, sid)
    rid = request(b, participant(b))
    [waitlisted] = of_type(b, PlacementWaitlisted)
    assert waitlisted.request_id == rid and waitlisted.reasons == ["no_certified_supervisor"]
    b.certify(Certificate(sid, date(2028, 1, 1)), NOW)
    [proposed] = of_type(b, PlacementProposed)
    assert proposed.request_id == rid


def test_reasons_name_every_blocking_rule() -> None:
    b = book()
    wid = workplace(b, client_contact=True)
    sid = supervisor(b, wid)
    offer(b, wid, sid, program="summer_job", min_age=16, supports=frozenset(),
          start=date(2027, 6, 14), days=20)
    minor = participant(b, born=date(2012, 1, 1), needs=frozenset({"npf"}))
    rid = request(b, minor, program="summer_job", start=date(2027, 6, 20), days=10)
    b.run_round("summer_job", seed=1, now=NOW)
    assert b.requests[rid].reasons == ("age", "client_contact", "needs")
    # An offer in another period only adds `period` (its other rules are not weighed).
    offer(b, wid, sid, program="summer_job", start=date(2027, 8, 1), days=10)
    b.run_round("summer_job", seed=2, now=NOW)
    assert b.requests[rid].reasons == ("age", "client_contact", "needs", "period")


def test_supervisor_maximum_spans_offers_and_periods() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, max_participants=1)
    offer(b, wid, sid, occupation="5120")
    offer(b, wid, sid, occupation="4112")
    offer(b, wid, sid, occupation="4112", start=date(2027, 6, 1))
    request(b, participant(b))
    r2 = request(b, participant(b))
    r3 = request(b, participant(b), start=date(2027, 6, 1))
    assert b.requests[r2].reasons == ("no_capacity", "period")
    assert b.requests[r3].status == "placed"  # another period: the supervisor has room


def test_decline_by_workplace_rematches_elsewhere_and_frees_the_place() -> None:
    b = book()
    w1, w2 = workplace(b), workplace(b)
    o1 = offer(b, w1, supervisor(b, w1), occupation="5120")
    o2 = offer(b, w2, supervisor(b, w2), occupation="4112")
    first = request(b, participant(b), prefs=(("occupation", "5120"),))
    waiting = request(b, participant(b), prefs=(("occupation", "5120"),), priority=0)
    placement = of_type(b, PlacementProposed)[0]
    assert placement.offer_id == o1 and placement.request_id == first
    assert of_type(b, PlacementProposed)[1].offer_id == o2
    b.events.clear()
    # nobody else waits: the freed place stays free; the declined request is not
    # offered the same place again
    b.decline(placement.placement_id, "workplace", "no room after all", NOW)
    [declined] = of_type(b, PlacementDeclined)
    assert declined.by == "workplace"
    assert b.requests[first].reasons == ("declined", "no_capacity")
    assert b.offers[o1].held == 0
    assert b.requests[waiting].status == "placed"


def test_minor_confirmed_only_when_consent_arrives_after_acceptance() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    minor = participant(b, born=date(2010, 6, 1))
    request(b, minor)
    [proposed] = of_type(b, PlacementProposed)
    assert proposed.consent_required
    placement = b.accept(proposed.placement_id, NOW + timedelta(hours=1))
    assert placement.status == "accepted" and not of_type(b, PlacementConfirmed)
    guardian = b.participants[minor].guardian_ids[0]
    b.record_consent(minor, guardian, "internship", True, NOW + timedelta(hours=2))
    [confirmed] = of_type(b, PlacementConfirmed)
    assert confirmed.placement_id == proposed.placement_id


def test_refused_consent_declines_by_guardian_and_blocks() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid), capacity=2)
    minor = participant(b, born=date(2010, 6, 1))
    rid = request(b, minor)
    [proposed] = of_type(b, PlacementProposed)
    b.record_consent(minor, uuid.uuid4(), "internship", False, NOW)
    [declined] = of_type(b, PlacementDeclined)
    assert declined.by == "guardian" and declined.placement_id == proposed.placement_id
    assert "consent" in b.requests[rid].reasons


def test_certificate_expiring_under_a_confirmed_future_placement() -> None:
    b = book()
    w1, w2 = workplace(b), workplace(b)
    s1 = supervisor(b, w1)
    offer(b, w1, s1, occupation="5120")
    o2 = offer(b, w2, supervisor(b, w2), occupation="4112")
    request(b, participant(b), prefs=(("occupation", "5120"),))
    [proposed] = of_type(b, PlacementProposed)
    b.accept(proposed.placement_id, NOW)
    assert of_type(b, PlacementConfirmed)
    b.events.clear()
    b.expire_certificate(s1, date(2027, 2, 1), NOW)
    [cancelled] = of_type(b, PlacementCancelled)
    assert cancelled.reason == "certificate_expired"
    [again] = of_type(b, PlacementProposed)
    assert again.offer_id == o2


def test_missed_deadline_counts_as_declined_by_workplace() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    request(b, participant(b))
    assert b.expire_deadlines(NOW + timedelta(hours=47)) == 0
    assert b.expire_deadlines(NOW + timedelta(hours=49)) == 1
    [declined] = of_type(b, PlacementDeclined)
    assert declined.by == "workplace" and declined.reason == "acceptance_deadline_passed"


def test_round_proposes_publishes_seed_and_fills_freed_place_from_waitlist() -> None:
    b = book()
    wid = workplace(b)
    start = date(2027, 4, 5)
    o = offer(b, wid, supervisor(b, wid, max_participants=5), program="prao", capacity=2,
              start=start, days=4)
    rids = [request(b, participant(b, born=date(2012, 2, 2)), program="prao",
                    prefs=(("workplace", str(wid)),), start=start, days=4, priority=p)
            for p in (0, 0, 3)]
    assert all(b.requests[r].status == "awaiting_round" for r in rids)
    b.events.clear()
    summary = b.run_round("prao", seed=1234, now=NOW)
    [done] = of_type(b, MatchingRoundCompleted)
    assert done.seed == 1234 and done.placed == 2 and done.waitlisted == 1
    assert summary.placed == 2
    proposals = of_type(b, PlacementProposed)
    assert rids[2] in {p.request_id for p in proposals}  # the priority wins
    assert all(p.round_id == summary.round_id and p.preference_rank == 1 for p in proposals)
    [left] = [r for r in rids if b.requests[r].status == "waitlisted"]
    assert b.requests[left].reasons == ("no_capacity",)
    info = explain(b, b.requests[left], {r: b.requests[r].lottery for r in rids})
    offers: Any = info["offers"]
    [entry] = offers
    assert entry["full"] and len(entry["held_by"]) == 2
    assert all("participant_id" not in h for h in entry["held_by"])
    b.events.clear()
    b.decline(proposals[0].placement_id, "participant", "changed my mind", NOW)
    [again] = of_type(b, PlacementProposed)
    assert again.request_id == left and again.offer_id == o


def test_erasure_cancels_and_forgets() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    pid = participant(b)
    rid = request(b, pid)
    b.erase(pid, NOW)
    [cancelled] = of_type(b, PlacementCancelled)
    assert cancelled.reason == "participant_erased"
    assert pid not in b.participants and b.requests[rid].status == "erased"
