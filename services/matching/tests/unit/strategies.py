"""Hypothesis strategies: small random round instances (one or two municipalities)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from services.matching.domain.rounds import Preference, RoundOffer, RoundRequest

WEEK0 = date(2027, 3, 1)
OCCUPATIONS = ("5120", "5311", "4112")
WORKPLACES = ("w1", "w2", "w3")
SUPERVISORS = ("s1", "s2", "s3")


@st.composite
def offers(draw: st.DrawFn, n: int, key: str, binding: bool) -> RoundOffer:
    week = draw(st.integers(0, 1))
    long = draw(st.booleans())
    start = WEEK0 + timedelta(weeks=week)
    return RoundOffer(
        key=key, bucket=(draw(st.sampled_from(("1380", "1380", "1384"))), "prao"),
        occupation=draw(st.sampled_from(OCCUPATIONS)),
        workplace=draw(st.sampled_from(WORKPLACES)),
        supervisor=draw(st.sampled_from(SUPERVISORS)),
        start=start, end=start + timedelta(days=11 if long else 4),
        capacity=draw(st.integers(0, 3)), min_age=draw(st.sampled_from((0, 0, 15))),
        client_contact=draw(st.booleans()),
        supports=frozenset(draw(st.sets(st.sampled_from(("npf", "language")), max_size=2))),
        languages=frozenset(draw(st.sets(st.sampled_from(("sv", "en")), min_size=1))),
        certified_until=draw(st.sampled_from((date(2028, 1, 1), date(2028, 1, 1), None))),
    )


@st.composite
def requests(draw: st.DrawFn, key: str) -> RoundRequest:
    week = draw(st.integers(0, 1))
    start = WEEK0 + timedelta(weeks=week)
    choices: list[Preference] = [("occupation", o) for o in OCCUPATIONS] + [
        ("workplace", w) for w in WORKPLACES]
    prefs = draw(st.lists(st.sampled_from(choices), max_size=3, unique=True))
    return RoundRequest(
        key=key, bucket=(draw(st.sampled_from(("1380", "1380", "1384"))), "prao"),
        start=start, end=start + timedelta(days=4), age=draw(st.integers(13, 17)),
        restricted=draw(st.sampled_from((True, True, False))),
        needs=frozenset(draw(st.sets(st.sampled_from(("npf", "language")), max_size=1))),
        language=draw(st.sampled_from(("sv", "en"))), priority=draw(st.integers(0, 2)),
        preferences=tuple(prefs),
    )


@st.composite
def instances(
    draw: st.DrawFn, max_requests: int = 6, max_offers: int = 5, binding: bool = True
) -> tuple[list[RoundRequest], list[RoundOffer], dict[str, int], int]:
    n_offers = draw(st.integers(1, max_offers))
    offer_list = [draw(offers(n_offers, f"o{i}", binding)) for i in range(n_offers)]
    n_requests = draw(st.integers(1, max_requests))
    request_list = [draw(requests(f"r{i}")) for i in range(n_requests)]
    room: dict[str, int] = {}
    for s in SUPERVISORS:
        total = sum(o.capacity for o in offer_list if o.supervisor == s)
        room[s] = draw(st.integers(0, 4)) if binding else total
    seed = draw(st.integers(0, 2**62))
    return request_list, offer_list, room, seed
