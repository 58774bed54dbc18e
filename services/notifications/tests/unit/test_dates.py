"""Dates as people write them, and the working days of a welcome letter's schedule."""

from __future__ import annotations

from datetime import date

from services.notifications.adapters.templates import Renderer
from services.notifications.domain import dates
from services.notifications.domain.dates import span, working_days

SV = Renderer().vocabulary["sv"]["months"]
EN = Renderer().vocabulary["en"]["months"]


def test_a_period_reads_as_people_write_it() -> None:
    assert span(date(2027, 3, 15), date(2027, 3, 19), SV) == "15–19 mars"
    assert span(date(2027, 6, 28), date(2027, 7, 2), SV) == "28 juni–2 juli"
    assert span(date(2027, 3, 15), date(2027, 3, 19), EN) == "15–19 March"
    assert span(date(2027, 12, 28), date(2028, 1, 3), SV) == "28 december 2027–3 januari 2028"
    assert span(date(2027, 3, 15), date(2027, 3, 15), SV) == "15 mars"
    assert span(date(2027, 3, 15), date(2027, 3, 19), SV, dates.SMS_DASH) == "15–19 mars"


def test_the_schedule_leaves_out_weekends_and_swedish_public_holidays() -> None:
    midsummer = working_days(date(2027, 6, 21), date(2027, 7, 2))
    assert date(2027, 6, 25) not in midsummer  # Midsummer Eve, a Friday
    assert date(2027, 6, 24) in midsummer and date(2027, 6, 28) in midsummer
    assert all(d.weekday() < 5 for d in midsummer) and len(midsummer) == 9
    national_day = working_days(date(2028, 6, 5), date(2028, 6, 9))
    assert date(2028, 6, 6) not in national_day and len(national_day) == 4  # a Tuesday
    easter = working_days(date(2027, 3, 22), date(2027, 4, 2))
    assert date(2027, 3, 26) not in easter and date(2027, 3, 29) not in easter
    christmas = working_days(date(2027, 12, 20), date(2027, 12, 31))
    assert {date(2027, 12, 24), date(2027, 12, 31)}.isdisjoint(christmas)
    assert date(2027, 12, 27) in christmas


def test_the_sms_of_a_letter_has_the_readable_period_and_no_iso_dates() -> None:
    renderer = Renderer()
    context = {"program": "prao", "period_start": "2027-03-15", "period_end": "2027-03-19",
               "accept_by": "2027-03-01 16:00", "workplace_name": "Biblioteket",
               "address": None, "link": "http://portal.test/l/x", "recipient_name": "Kim"}
    sms = renderer.sms("placement_proposal", "sv", context).text
    assert "15–19 mars" in sms and "1 mars kl. 16:00" in sms
    assert "2027-03-15" not in sms
    assert "15–19 March" in renderer.email("placement_proposal", "en", context).text
