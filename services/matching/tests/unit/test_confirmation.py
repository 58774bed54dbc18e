"""The confirmation rule on one Book (domain only): a placement is confirmed when the
workplace accepted, the participant accepted (when asked), a guardian accepted (when
asked) and the consent is granted (when needed), whichever comes last."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from services.matching.domain.answers import OfferRules, answers, waiting_for
from services.matching.domain.book import Book
from services.matching.domain.errors import InvalidTransition
from services.matching.domain.placements import Placement
from services.matching.tests.unit.test_book import (
    NOW,
    M,
    book,
    of_type,
    offer,
    participant,
    request,
    supervisor,
    workplace,
)
from shared.contracts.matching import PlacementAccepted, PlacementConfirmed, PlacementProposed

MINOR = date(2010, 6, 1)


def proposed_minor(guardian_answers: bool = True) -> tuple[Book, Placement]:
    b = book()
    b.rules = OfferRules(M, frozenset({"internship"}), 3, guardian_answers)
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    request(b, participant(b, born=MINOR))
    [placement] = b.placements.values()
    return b, placement


STEPS = ("workplace", "participant", "guardian", "consent")


def step(b: Book, placement: Placement, name: str) -> None:
    pid = placement.participant_id
    guardian = b.participants[pid].guardian_ids[0]
    if name == "workplace":
        b.accept(placement.placement_id, NOW)
    elif name == "consent":
        b.record_consent(pid, guardian, "internship", True, NOW, "granted")
    else:
        person = pid if name == "participant" else guardian
        b.answer_offer(placement.placement_id, name, person, True, None, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("order", list(itertools.permutations(STEPS)))
def test_whichever_yes_comes_last_confirms(order: tuple[str, ...]) -> None:
    b, placement = proposed_minor()
    [proposal] = of_type(b, PlacementProposed)
    assert (proposal.guardian_answer, proposal.consent_required) == (True, True)
    for name in order:
        assert of_type(b, PlacementConfirmed) == [], f"confirmed before {name}"
        step(b, placement, name)
    assert placement.status == "confirmed"
    assert len(of_type(b, PlacementConfirmed)) == 1
    assert answers(placement) == {"workplace": "accepted", "participant": "accepted",
                                  "guardian": "accepted"}


def test_waiting_for_names_who_has_still_to_say_yes() -> None:
    b, placement = proposed_minor()
    assert waiting_for(placement, consent_missing=True) == ["workplace", "participant",
                                                            "guardian", "consent"]
    step(b, placement, "participant")
    step(b, placement, "guardian")
    [by_participant, by_guardian] = of_type(b, PlacementAccepted)
    assert by_participant.waiting_for == ["workplace", "guardian", "consent"]
    assert by_guardian.waiting_for == ["workplace", "consent"]
    assert waiting_for(placement, consent_missing=False) == ["workplace"]


def test_without_rules_no_answer_is_asked_of_the_participant() -> None:
    b = book()
    wid = workplace(b)
    offer(b, wid, supervisor(b, wid))
    pid = participant(b)
    request(b, pid)
    [placement] = b.placements.values()
    assert (placement.answer_by, placement.guardian_answer) == (None, False)
    with pytest.raises(InvalidTransition) as refused:
        b.answer_offer(placement.placement_id, "participant", pid, True, None, NOW)
    assert refused.value.code == "not_asked"
    b.accept(placement.placement_id, NOW)
    assert placement.status == "confirmed"  # an adult, no answer asked: the workplace's yes


def test_a_guardian_answers_only_where_the_municipality_asks_it() -> None:
    b, placement = proposed_minor(guardian_answers=False)
    guardian = b.participants[placement.participant_id].guardian_ids[0]
    assert placement.answer_by is not None and not placement.guardian_answer
    with pytest.raises(InvalidTransition):
        b.answer_offer(placement.placement_id, "guardian", guardian, True, None, NOW)
