"""The stability property of test_rematch_properties.py on a real Book: its round, then
declines (by the workplace, the participant, with and without the request) and cancels
through the Book's own methods, the Book's chains noted as they run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.domain import rematch
from services.matching.domain.book import Book
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import Offer, Request
from services.matching.domain.rematch import Step
from services.matching.domain.rounds import Preference, RoundOffer, RoundRequest, RoundResult
from services.matching.tests.unit.strategies import WORKPLACES
from services.matching.tests.unit.test_rematch_properties import (
    NOW,
    Instance,
    KeptOut,
    Season,
    _blocking_by_the_never_lost,
    _free_room_wanted,
    _within_places,
    crowded,
    note_kept_out,
)

BOOK_KINDS = ("workplace", "participant", "withdraw", "cancel")


@pytest.mark.timeout(120)  # hundreds of examples: more than a unit test's 30 s on a busy machine
@settings(max_examples=120, deadline=None)
@given(crowded(), st.lists(st.tuples(st.sampled_from(BOOK_KINDS), st.integers(0, 1000)),
                           max_size=5))
def test_a_books_round_stays_stable_after_its_declines_and_cancels(
        instance: Instance, steps: list[tuple[str, int]]) -> None:
    """The same on a Book: its round, then declines (by the workplace, the participant,
    with and without the request), cancels, through the Book's own methods."""
    b = _book_of(instance)
    round_id = b.run_round("prao", seed=instance[3], now=NOW).round_id
    lost: set[str] = set()
    kept_out: KeptOut = {}
    with _recording(kept_out):
        _play_on_the_book(b, round_id, steps, lost, kept_out)


def _play_on_the_book(b: Book, round_id: UUID, steps: list[tuple[str, int]], lost: set[str],
                      kept_out: KeptOut) -> None:
    for kind, pick in steps:
        open_ = sorted(b.placements.values(), key=lambda p: str(p.placement_id))
        if not open_:
            break
        p = open_[pick % len(open_)]
        lost.add(str(p.request_id))
        before = {str(q.request_id): str(q.supervisor_id) for q in open_ if q is not p}
        if kind == "cancel":
            b.cancel(p, "certificate_expired", NOW)
            b.reexamine(NOW, programs={"prao"})
        else:
            b.decline(p.placement_id, "participant" if kind != "workplace" else "workplace",
                      "x", NOW, end_request=kind == "withdraw")
        found = rematch.state(b, "prao", round_id, NOW.date())
        season = Season(found.round_requests, found.offers, found.room,
                        RoundResult(0, {}, {}, {}, {r.key: i for i, r in
                                                    enumerate(found.round_requests)}),
                        found.holding, found.fixed,
                        lost={i for i, r in enumerate(found.round_requests) if r.key in lost},
                        seats_before=before, kept_out=kept_out)
        _within_places(season)
        assert _free_room_wanted(season) == []
        assert _blocking_by_the_never_lost(season) == []
        assert all(o.held <= o.capacity for o in b.offers.values())


@contextmanager
def _recording(kept_out: KeptOut) -> Iterator[None]:
    """The Book's chains (`rematch.chain`) as they run, noted as `note_kept_out` notes."""
    real = rematch.chain

    def recorded(requests: Sequence[RoundRequest], offers: Sequence[RoundOffer],
                 room: dict[str, int], holding: list[int | None],
                 fixed: Sequence[bool]) -> list[Step]:
        before = list(holding)
        steps = real(requests, offers, room, holding, fixed)
        note_kept_out(kept_out, list(requests), list(offers), room, before, list(fixed),
                      steps)
        return steps

    with patch.object(rematch, "chain", recorded):
        yield


def _book_of(instance: Instance) -> Book:
    """A Book holding the instance: open workplaces, certified supervisors (their room as
    their maximum), prao offers, pupils of the requests' ages and their requests."""
    requests, offers, room, _ = instance
    b = Book("1380", {"prao": timedelta(days=30)})
    wids = {w: uuid.uuid4() for w in WORKPLACES}
    for wid in wids.values():
        b.workplaces[wid] = Workplace(wid, "1380", "municipal", False)
        b.open_workplaces.add(wid)
    sids: dict[str, UUID] = {}
    for o in offers:
        if o.supervisor not in sids:
            sid = sids[o.supervisor] = uuid.uuid4()
            b.supervisors[sid] = Supervisor(sid, wids[o.workplace], "1380", o.languages,
                                            room[o.supervisor])
            b.certificates[sid] = Certificate(sid, date(2028, 1, 1))
        b.add_offer(Offer(uuid.uuid4(), wids[o.workplace], sids[o.supervisor], "1380",
                          "prao", o.occupation, o.start, o.end, o.capacity,
                          min_age=o.min_age or None), NOW)
    for r in requests:
        pid = uuid.uuid4()
        b.participants[pid] = Participant(pid, "1380", date(r.start.year - r.age, 1, 1),
                                          "female", r.language, frozenset(), (uuid.uuid4(),))
        prefs: tuple[Preference, ...] = tuple(
            (kind, str(wids[value]) if kind == "workplace" else value)
            for kind, value in r.preferences)
        b.add_request(Request(uuid.uuid4(), pid, "1380", "prao", r.start, r.end, prefs,
                              frozenset(), r.priority, NOW))
    return b
