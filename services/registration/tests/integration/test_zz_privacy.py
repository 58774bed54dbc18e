"""Last in this package (hence the name): no identity number used by any test here
appears in any log line or in any event the service published."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.registration.domain.identity import InvalidIdentityNumber, parse_identity_number
from services.registration.tests import support
from services.registration.tests.integration.conftest import LogLines
from shared.contracts import topics
from shared.runtime import Service
from tests.support.kafka import TopicReader

pytestmark = pytest.mark.infra


def _forms(number: str) -> set[str]:
    """The ways a number may be written: as given, without separator, 10 and 12 digits."""
    digits = re.sub(r"\D", "", number)
    forms = {number, digits}
    try:
        parsed = parse_identity_number(number, date.today())
    except InvalidIdentityNumber:
        return {f for f in forms if len(f) >= 10}
    forms |= {parsed.canonical, parsed.canonical[2:], f"{parsed.canonical[2:8]}-"
              f"{parsed.canonical[8:]}", f"{parsed.canonical[:8]}-{parsed.canonical[8:]}"}
    return forms


async def test_no_identity_number_in_logs_or_events(
    service: Service, log_lines: LogLines, published: TopicReader
) -> None:
    assert len(support.USED_PINS) > 100, "the tests before this one register people"
    await published.wait_for(lambda records: len(records) > 0)
    for _ in range(20):  # catch up with everything published in the package
        before = len(published.records)
        await published.poll(0.5)
        if len(published.records) == before:
            break
    assert any(r.topic == topics.REGISTRATION_CONTACTS for r in published.records)
    events = b"\n".join(r.value for r in published.records if r.value)
    logs = "\n".join(log_lines.lines)
    assert len(log_lines.lines) > 100 and "dead-lettered" in logs
    leaks = sorted(form for number in support.USED_PINS for form in _forms(number)
                   if form.encode() in events or form in logs)
    assert not leaks, f"{len(leaks)} identity numbers leaked"
