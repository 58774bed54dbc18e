"""Fixtures for every test in the repository (services' own tests and cross-service tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from devkit.infra import HOW_TO_RUN, Infra, discover, release, stop_containers

pytest_plugins = ["tests.layers"]  # markers and time budgets per layer


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """Real Kafka and Postgres: from settings, testcontainers, or a clear failure; with a
    database and a topic prefix of this session's own (dropped at the end), so a running
    system and other runs beside this one are never touched (tests/support/infra.py)."""
    found = discover()
    if found is None:
        pytest.fail(HOW_TO_RUN, pytrace=False)
    try:
        yield found
    finally:
        release(found)
        stop_containers()


FIGURE = "figure"
"""A `user_properties` name: a line of the run's closing summary (properties travel with
the test's report, wherever the test ran)."""


@pytest.fixture
def report_figures(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Lines a test wants in the run's closing summary (counts of the chaos test...)."""
    return lambda line: request.node.user_properties.append((FIGURE, line))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             if getattr(report, "when", None) == "call"
             for name, value in getattr(report, "user_properties", ()) if name == FIGURE]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(str(line))
