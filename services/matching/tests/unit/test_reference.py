"""Our rounds equal an independent stable-matching implementation (the `matching` package)."""

from __future__ import annotations

from hypothesis import given, settings

from devkit.matching_instances import make_instance
from devkit.matching_reference import solve_with_package
from services.matching.domain.rounds import RoundOffer, RoundRequest, solve_round
from services.matching.tests.unit.strategies import instances

Instance = tuple[list[RoundRequest], list[RoundOffer], dict[str, int], int]


def _ours(instance: Instance) -> dict[str, str]:
    requests, offers, room, seed = instance
    result = solve_round(requests, offers, room, seed)
    return {r: o for r, (o, _) in result.placed.items()}


@settings(max_examples=150, deadline=None)
@given(instances(binding=False))
def test_equals_hospital_resident_when_supervisors_do_not_bind(instance: Instance) -> None:
    requests, offers, room, seed = instance
    assert _ours(instance) == solve_with_package(requests, offers, room, seed, model="hr")


@settings(max_examples=150, deadline=None)
@given(instances(binding=True))
def test_equals_student_allocation_with_supervisor_capacities(instance: Instance) -> None:
    requests, offers, room, seed = instance
    assert _ours(instance) == solve_with_package(requests, offers, room, seed, model="sa")


def test_equals_reference_on_a_generated_municipality_pair() -> None:
    requests, offers, room = make_instance(700, seed=21, binding_supervisors=False)
    ours = _ours((requests, offers, room, 5))
    assert ours == solve_with_package(requests, offers, room, 5, model="hr")
    requests, offers, room = make_instance(700, seed=22)
    ours = _ours((requests, offers, room, 6))
    assert ours == solve_with_package(requests, offers, room, 6, model="sa")
