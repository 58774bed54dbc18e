"""Generated round instances shaped like a national prao week (for matching's tests and the
benchmark).

Each municipality has about 345 requests and 86 offers over four prao weeks; offers
last one or two weeks; a fifth of the supervisors run two offers and share their
maximum between them; preferences are skewed (a few occupations and workplaces are
popular), so offers compete. Density per municipality is the same at every size:
a smaller instance just has fewer municipalities.

The draws from the seeded generator come in a fixed order: a seed gives the same
instance as it always has (the tests and the benchmark's figures rely on it).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from services.matching.domain.rounds import Preference, RoundOffer, RoundRequest

WEEKS = [date(2027, 3, 1) + timedelta(weeks=w) for w in (0, 1, 6, 7)]
OCCUPATIONS = [f"{5000 + 37 * i:04d}" for i in range(24)]
NEEDS = ("npf", "language", "mobility")


def make_instance(
    n_requests: int,
    seed: int = 7,
    *,
    requests_per_municipality: int = 345,
    offers_per_request: float = 0.25,
    places_per_request: float = 1.1,
    preferences: int = 5,
    shared_supervisors: float = 0.2,
    binding_supervisors: bool = True,
) -> tuple[list[RoundRequest], list[RoundOffer], dict[str, int]]:
    """(requests, offers, supervisor room) for one round over many municipalities."""
    rnd = random.Random(seed)
    n_offers = max(1, round(n_requests * offers_per_request))
    n_places = round(n_requests * places_per_request)
    n_munis = max(1, round(n_requests / requests_per_municipality))
    munis = [f"{1000 + m:04d}" for m in range(n_munis)]
    caps = _capacities(rnd, n_offers, n_places)
    offers, room, workplaces = _offers(rnd, munis, caps, shared_supervisors,
                                       binding_supervisors)
    requests = [_request(rnd, r, munis[r % n_munis], workplaces[munis[r % n_munis]],
                         preferences) for r in range(n_requests)]
    return requests, offers, room


def _capacities(rnd: random.Random, n_offers: int, n_places: int) -> list[int]:
    """Capacities summing to `n_places`, each at least 1."""
    caps = [1] * n_offers
    for _ in range(n_places - n_offers):
        caps[rnd.randrange(n_offers)] += 1
    return caps


def _offers(rnd: random.Random, munis: list[str], caps: list[int], shared_supervisors: float,
            binding_supervisors: bool
            ) -> tuple[list[RoundOffer], dict[str, int], dict[str, list[str]]]:
    """(offers, supervisor room, workplaces by municipality): supervisor by supervisor,
    one offer each or (a `shared_supervisors` share) two sharing the supervisor's room."""
    n_offers, n_munis = len(caps), len(munis)
    offers: list[RoundOffer] = []
    room: dict[str, int] = {}
    workplaces_by_muni: dict[str, list[str]] = {m: [] for m in munis}
    i = 0
    while i < n_offers:
        muni = munis[i % n_munis]
        workplace = f"{muni}-w{(i // n_munis) // 3:05d}"
        if not workplaces_by_muni[muni] or workplaces_by_muni[muni][-1] != workplace:
            workplaces_by_muni[muni].append(workplace)
        client_contact = rnd.random() < 0.15
        certified = rnd.random() < 0.95
        languages = frozenset({"sv"} | ({"en"} if rnd.random() < 0.4 else set())
                              | ({"ar"} if rnd.random() < 0.1 else set()))
        supervisor = f"s{i:06d}"
        group = 2 if rnd.random() < shared_supervisors and i + 1 < n_offers else 1
        total = 0
        for _ in range(group):
            offers.append(_offer(rnd, i, muni, workplace, supervisor, caps[i], client_contact,
                                 languages, certified))
            total += caps[i]
            i += 1
        if binding_supervisors:
            room[supervisor] = max(2, total - rnd.randrange(0, 3))
        else:
            room[supervisor] = total
    return offers, room, workplaces_by_muni


def _offer(rnd: random.Random, i: int, muni: str, workplace: str, supervisor: str,
           capacity: int, client_contact: bool, languages: frozenset[str],
           certified: bool) -> RoundOffer:
    week = rnd.randrange(len(WEEKS))
    two = rnd.random() < 0.3 and week in (0, 2)
    start = WEEKS[week]
    end = start + timedelta(days=11 if two else 4)
    supports = frozenset(n for n in NEEDS if rnd.random() < 0.25)
    min_age = rnd.choice((0, 0, 0, 0, 15, 16))
    return RoundOffer(
        key=f"o{i:06d}", bucket=(muni, "prao"),
        occupation=OCCUPATIONS[min(int(rnd.paretovariate(1.2)) - 1, len(OCCUPATIONS) - 1)],
        workplace=workplace, supervisor=supervisor, start=start, end=end,
        capacity=capacity, min_age=min_age,
        client_contact=client_contact and rnd.random() < 0.7,
        supports=supports, languages=languages,
        certified_until=date(2028, 6, 30) if certified else None,
    )


def _request(rnd: random.Random, r: int, muni: str, workplaces: list[str],
             preferences: int) -> RoundRequest:
    start = WEEKS[rnd.randrange(len(WEEKS))]
    age = rnd.choice((14, 15, 15, 16))
    prefs: list[Preference] = []
    while len(prefs) < preferences:
        if rnd.random() < 0.7 or not workplaces:
            k = min(int(rnd.paretovariate(1.0)) - 1, len(OCCUPATIONS) - 1)
            pref: Preference = ("occupation", OCCUPATIONS[k])
        else:
            k = min(int(rnd.paretovariate(0.8)) - 1, len(workplaces) - 1)
            pref = ("workplace", workplaces[k])
        if pref not in prefs:
            prefs.append(pref)
    return RoundRequest(
        key=f"r{r:07d}", bucket=(muni, "prao"), start=start,
        end=start + timedelta(days=4), age=age, restricted=True,
        needs=frozenset({rnd.choice(NEEDS)}) if rnd.random() < 0.08 else frozenset(),
        language=rnd.choice(("sv",) * 8 + ("en", "ar")),
        priority=rnd.choice((0,) * 18 + (1, 2)),
        preferences=tuple(prefs),
    )
