"""The demo's season, as the end-to-end tests play it, answered through the links in the
caught messages (praktik_cli/demo/answering.py): every kind of answer was given that way,
and the demo's report counts the SMS by their delivery receipts, which the SMS fake posts
on its own."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from devkit.wait import eventually
from praktik_cli.demo.report import report, sms_receipts
from praktik_cli.demo.season import Season
from tests.e2e.conftest import Outside

pytestmark = [pytest.mark.infra]


async def test_the_people_answered_through_their_links(season: Season) -> None:
    await season.settle()
    answers = season.responses
    for kind in ("workplace_accepted", "workplace_declined", "participant_accepted",
                 "participant_declined", "evaluations"):
        assert answers[kind] > 0, f"no {kind} in {dict(answers)}"
    assert not [k for k in answers if k.endswith("_link_missing")], dict(answers)
    by_link = [e["data"] for e in season.log.of("GuardianConsentRecorded")
               if e["data"].get("via") == "link"]
    assert True in {d["granted"] for d in by_link}, "no consent by link"
    # A refusal by link where a guardian who refuses (the demo's draw) was asked at all:
    # whether such a child gets a proposal in this small season is the lottery's.
    refusers = {str(p.id) for p in season.participants.values() if p.consent == "refused"}
    asked = {e["data"]["participant_id"] for e in season.log.of("PlacementProposed")
             if e["data"].get("consent_required")}
    if refusers & asked:
        assert False in {d["granted"] for d in by_link}, "no refusal by link"
    decliners = {e["data"]["by"] for e in season.log.of("PlacementDeclined")}
    assert {"workplace", "participant"} <= decliners


async def test_the_report_counts_sms_by_delivery_receipt(season: Season,
                                                         outside: Outside) -> None:
    await season.settle()

    last: Counter[str] = Counter()

    async def all_confirmed() -> Counter[str] | None:
        nonlocal last
        last = await sms_receipts(season)
        return last if last["delivered"] and not last["unconfirmed"] else None

    def what() -> str:
        answered = Counter(code for _, code in outside.sms.receipts)
        return f"a receipt for every SMS ({last}; the fake's receipts answered {answered})"

    counts = await eventually(all_confirmed, 60, what, interval_s=1)
    text = await report(season)
    line = re.search(r"by delivery receipt: delivered (\d+), failed (\d+), unconfirmed (\d+)",
                     text)
    assert line is not None, text
    assert int(line.group(1)) == counts["delivered"] > 0
    assert int(line.group(3)) == 0
