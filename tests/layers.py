"""The suite's layers, for every test in the repository (a pytest plugin: conftest.py).

- **Markers.** A test that uses the `infra` fixture (directly or through other fixtures)
  is marked `infra` here, so `scripts/test --unit` (`-m "not infra and not chaos"`) leaves
  it out without anyone having to remember a `pytestmark`. A test that reaches `infra`
  in a way collection cannot see (`request.getfixturevalue`) fails loudly instead of
  starting or finding infrastructure.
- **Time budgets** (pytest-timeout): each test gets its layer's budget unless it sets
  its own `@pytest.mark.timeout`: unit 30 s, integration (anything needing Kafka or
  Postgres) 120 s, end to end 300 s, chaos 1200 s. A test over its budget fails with
  the stacks of where it hung, and the run goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUDGETS_S = {"unit": 30.0, "integration": 120.0, "e2e": 300.0, "chaos": 1200.0}


def layer_of(item: pytest.Item) -> str:
    """`chaos`, `e2e`, `integration` or `unit`, from the test's markers and path."""
    try:
        parts = item.path.resolve().relative_to(REPO).parts
    except ValueError:
        parts = item.path.parts
    if item.get_closest_marker("chaos") is not None or parts[:2] == ("tests", "chaos"):
        return "chaos"
    if parts[:2] == ("tests", "e2e"):
        return "e2e"
    if item.get_closest_marker("infra") is not None:
        return "integration"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "infra" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("infra"):
            item.add_marker(pytest.mark.infra)
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BUDGETS_S[layer_of(item)]))


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[object],
                         request: pytest.FixtureRequest) -> None:
    if fixturedef.argname != "infra":
        return
    item = getattr(request, "_pyfuncitem", None)
    if item is not None and item.get_closest_marker("infra") is None:
        pytest.fail(f"{item.nodeid} uses Kafka/Postgres (the `infra` fixture) but is not "
                    "marked `infra`: mark it (`pytestmark = pytest.mark.infra`) so that "
                    "`scripts/test --unit` leaves it out", pytrace=False)
