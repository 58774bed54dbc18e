"""Issue 18 on one Book (domain only): participants go only to open workplaces with a
supervisor certified for the whole period; closing a workplace or a supervisor leaving
cancels what has not started; deep dives add to what offers support; the summer-job
variant; "only my choices"."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from services.matching.domain import openness
from services.matching.domain.explanation import explain
from services.matching.domain.parties import Certificate
from services.matching.tests.unit.test_book import (
    NOW,
    book,
    of_type,
    offer,
    participant,
    request,
    supervisor,
    workplace,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementConfirmed,
    PlacementProposed,
    PlacementWaitlisted,
)

SUMMER = date(2027, 6, 21)


def test_a_workplace_never_opened_gets_nobody_until_it_opens() -> None:
    b = book()
    wid = workplace(b, opened=False)
    offer(b, wid, supervisor(b, wid))
    rid = request(b, participant(b))
    [waiting] = of_type(b, PlacementWaitlisted)
    assert waiting.request_id == rid and waiting.reasons == ["workplace_not_open"]
    info: Any = explain(b, b.requests[rid], {})
    assert info["offers"][0]["reasons"] == ["workplace_not_open"]
    openness.open_workplace(b, wid, NOW)
    [proposed] = of_type(b, PlacementProposed)
    assert proposed.request_id == rid and proposed.workplace_id == wid


def test_the_certificate_must_cover_the_whole_period() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, certified=False)
    b.certificates[sid] = Certificate(sid, date(2027, 3, 15))  # ends mid-period
    offer(b, wid, sid)  # 2027-03-01 .. 2027-03-31
    rid = request(b, participant(b))
    assert b.requests[rid].reasons == ("certificate_ends_before_period",)
    b.certify(Certificate(sid, date(2027, 3, 31)), NOW)  # its last day is enough
    assert b.requests[rid].status == "placed"


def test_an_expired_certificate_is_no_certificate() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, certified=False)
    b.certificates[sid] = Certificate(sid, date(2029, 1, 1), expired=True)
    offer(b, wid, sid)
    rid = request(b, participant(b))
    assert b.requests[rid].reasons == ("no_certified_supervisor",)


def test_closing_cancels_what_has_not_started_and_matches_again() -> None:
    b = book()
    closing, other = workplace(b), workplace(b)
    offer(b, closing, supervisor(b, closing), occupation="5120", capacity=2,
          start=date(2027, 1, 4), days=90)
    o_other = offer(b, other, supervisor(b, other), occupation="4112")
    waiting = request(b, participant(b), prefs=(("occupation", "5120"),))
    started = request(b, participant(b), prefs=(("occupation", "5120"),),
                      start=date(2027, 1, 4), days=60)
    by_request = {p.request_id: p for p in of_type(b, PlacementProposed)}
    b.accept(by_request[started].placement_id, NOW)
    assert of_type(b, PlacementConfirmed)
    b.events.clear()
    openness.close_workplace(b, closing, date(2027, 1, 20), NOW)
    [cancelled] = of_type(b, PlacementCancelled)
    assert cancelled.reason == "workplace_closed"
    assert (cancelled.request_id, cancelled.participant_id) == (
        waiting, by_request[waiting].participant_id)
    [again] = of_type(b, PlacementProposed)
    assert (again.request_id, again.offer_id) == (waiting, o_other)
    assert by_request[started].placement_id in b.placements  # it started: it stands
    assert closing not in b.open_workplaces


def test_a_closed_workplace_takes_nobody_new() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    openness.close_workplace(b, wid, date(2027, 1, 10), NOW)
    rid = request(b, participant(b))
    assert b.requests[rid].reasons == ("workplace_not_open",)


def test_a_supervisor_who_left_gets_no_new_placements_and_loses_the_unstarted() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, max_participants=3)
    oid = offer(b, wid, sid, capacity=3, start=date(2027, 1, 4), days=90)
    future = request(b, participant(b))
    ongoing = request(b, participant(b), start=date(2027, 1, 4), days=60)
    by_request = {p.request_id: p for p in of_type(b, PlacementProposed)}
    b.accept(by_request[ongoing].placement_id, NOW)
    b.events.clear()
    openness.supervisor_left(b, sid, NOW)
    [cancelled] = of_type(b, PlacementCancelled)
    assert (cancelled.request_id, cancelled.reason) == (future, "supervisor_left")
    assert cancelled.participant_id == by_request[future].participant_id
    assert by_request[ongoing].placement_id in b.placements
    assert "supervisor_left" in b.requests[future].reasons
    late = request(b, participant(b))
    assert "supervisor_left" in b.requests[late].reasons
    assert b.offers[oid].held == 1


def test_an_erased_supervisor_leaves_nothing_behind() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid)
    offer(b, wid, sid)
    rid = request(b, participant(b))
    openness.record_training(b, sid, ["npf_support"], NOW)
    openness.supervisor_left(b, sid, NOW, erased=True)
    assert sid not in b.supervisors and sid not in b.certificates
    assert sid not in b.trained_for
    [cancelled] = of_type(b, PlacementCancelled)
    assert cancelled.request_id == rid and b.requests[rid].status == "waitlisted"


def test_deep_dives_add_to_what_the_offers_support() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid)
    offer(b, wid, sid, supports=frozenset({"wheelchair_access"}))
    pid = participant(b, needs=frozenset({"npf_support", "wheelchair_access"}))
    rid = request(b, pid)
    assert b.requests[rid].reasons == ("needs",)
    openness.record_training(b, sid, ["npf_support"], NOW)
    assert b.requests[rid].status == "placed"  # the offer's own ∪ the supervisor's
    assert b.trained_for[sid] == frozenset({"npf_support"})


def test_a_variant_offer_takes_only_its_variant_and_the_events_say_which() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid), program="summer_job", start=SUMMER, days=20,
          variant="feriearbete")
    young = request(b, participant(b, born=date(2013, 3, 3)), program="summer_job",
                    start=SUMMER, days=10)
    older = request(b, participant(b, born=date(2010, 3, 3)), program="summer_job",
                    start=SUMMER, days=10)
    b.requests[young].variant = "feriepraktik"
    b.requests[older].variant = "feriearbete"
    b.run_round("summer_job", seed=7, now=NOW)
    assert b.requests[young].reasons == ("variant",)
    [proposed] = of_type(b, PlacementProposed)
    assert (proposed.request_id, proposed.variant) == (older, "feriearbete")
    b.accept(proposed.placement_id, NOW)
    pid = proposed.participant_id
    b.record_consent(pid, b.participants[pid].guardian_ids[0], "summer_job", True, NOW)
    [confirmed] = of_type(b, PlacementConfirmed)
    assert confirmed.variant == "feriearbete"


def test_a_variant_offer_is_not_proposed_continuously_to_another_variant() -> None:
    b = book()
    wid = workplace(b)
    oid = offer(b, wid, supervisor(b, wid), variant="feriearbete")
    rid = request(b, participant(b))
    assert b.requests[rid].reasons == ("variant",)
    b.offers[oid].variant = None
    b.reexamine(NOW)
    assert b.requests[rid].status == "placed"


def test_only_my_choices_waits_rather_than_taking_another_place() -> None:
    b = book()
    w1, w2 = workplace(b), workplace(b)
    offer(b, w1, supervisor(b, w1), occupation="5120")
    offer(b, w2, supervisor(b, w2), occupation="4112")
    request(b, participant(b), prefs=(("occupation", "5120"),))  # takes the 5120 place
    choosy = request(b, participant(b), prefs=(("occupation", "5120"),))
    b.requests[choosy].only_preferences = True
    b.requests[choosy].status = "reopened"
    b.cancel(next(p for p in b.placements.values() if p.request_id == choosy),
             "test", NOW)
    b.excluded.clear()
    b.reexamine(NOW)
    assert b.requests[choosy].status == "waitlisted"
    assert b.requests[choosy].reasons == ("no_capacity", "preferences_unavailable")
    assert not any(p.request_id == choosy for p in b.placements.values())


def test_only_my_choices_with_a_blocked_choice_says_why() -> None:
    b = book()
    w1, w2 = workplace(b, opened=False), workplace(b)
    offer(b, w1, supervisor(b, w1), occupation="5120")
    offer(b, w2, supervisor(b, w2), occupation="4112")
    rid = request(b, participant(b), prefs=(("workplace", str(w1)),))
    b.requests[rid].only_preferences = True
    b.requests[rid].status = "waitlisted"
    # placed outside its choices before the flag: undo that, then look again
    for p in [p for p in b.placements.values() if p.request_id == rid]:
        b.cancel(p, "test", NOW)
    b.excluded.clear()
    b.reexamine(NOW)
    assert b.requests[rid].reasons == ("preferences_unavailable", "workplace_not_open")


def _round_request(b: Any, prefs: tuple = (), only: bool = False, days: int = 10,
                   born: date = date(2010, 1, 1)) -> uuid.UUID:
    rid = request(b, participant(b, born=born), program="summer_job", prefs=prefs,
                  start=SUMMER, days=days)
    b.requests[rid].only_preferences = only
    return rid


def test_a_round_places_only_at_open_workplaces_and_says_why() -> None:
    b = book()
    closed, open_ = workplace(b, opened=False), workplace(b)
    offer(b, closed, supervisor(b, closed), program="summer_job", start=SUMMER, days=20)
    o_open = offer(b, open_, supervisor(b, open_), program="summer_job", start=SUMMER,
                   days=20)
    first, second = _round_request(b), _round_request(b)
    b.run_round("summer_job", seed=3, now=NOW)
    [proposed] = of_type(b, PlacementProposed)
    assert proposed.offer_id == o_open
    [left] = [r for r in (first, second) if b.requests[r].status == "waitlisted"]
    assert b.requests[left].reasons == ("no_capacity", "workplace_not_open")
    b.events.clear()
    openness.open_workplace(b, closed, NOW)  # a round has seen it: assessed again
    [again] = of_type(b, PlacementProposed)
    assert again.request_id == left and again.workplace_id == closed


def test_a_round_checks_the_certificate_against_the_period() -> None:
    b = book()
    wid = workplace(b)
    sid = supervisor(b, wid, certified=False)
    b.certificates[sid] = Certificate(sid, SUMMER + timedelta(days=5))
    offer(b, wid, sid, program="summer_job", start=SUMMER, days=20)
    rid = _round_request(b)
    b.run_round("summer_job", seed=3, now=NOW)
    assert b.requests[rid].reasons == ("certificate_ends_before_period",)


def test_a_round_keeps_only_my_choices_to_the_choices() -> None:
    b = book()
    w1, w2 = workplace(b), workplace(b)
    offer(b, w1, supervisor(b, w1), program="summer_job", occupation="5120",
          start=SUMMER, days=20)
    offer(b, w2, supervisor(b, w2), program="summer_job", occupation="4112",
          start=SUMMER, days=20)
    wanted = (("occupation", "5120"),)
    choosy = _round_request(b, wanted, only=True)
    other = _round_request(b, wanted, only=False)
    b.requests[choosy].priority = -1  # the other comes first in the round's order
    b.run_round("summer_job", seed=3, now=NOW)
    placed = {p.request_id: p for p in of_type(b, PlacementProposed)}
    assert set(placed) == {other}
    assert b.requests[choosy].reasons == ("no_capacity", "preferences_unavailable")
    # without the flag it would have taken the other place
    b2 = book()
    w3 = workplace(b2)
    offer(b2, w3, supervisor(b2, w3), program="summer_job", occupation="4112",
          start=SUMMER, days=20)
    flexible = _round_request(b2, wanted)
    b2.run_round("summer_job", seed=3, now=NOW)
    assert b2.requests[flexible].status == "placed"


def test_an_erased_guardian_leaves_the_participants_records() -> None:
    b = book()
    pid = participant(b)
    guardian = b.participants[pid].guardian_ids[0]
    b.consents[pid] = {(guardian, "prao"): True, (uuid.uuid4(), "prao"): False}
    openness.erase_guardian(b, guardian)
    assert guardian not in b.participants[pid].guardian_ids
    assert all(g != guardian for g, _ in b.consents[pid])
    assert len(b.consents[pid]) == 1
