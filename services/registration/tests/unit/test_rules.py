"""Field rules: municipality list, organisation numbers, phones, e-mail, SSYK, periods."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration.domain import validation as v
from services.registration.entrypoints.intake import SourcePolicy
from services.registration.tests.pins import pin


def test_the_municipality_list_has_sweden_s_290() -> None:
    codes = v.municipalities()
    assert len(codes) == 290
    assert codes["1380"] == "Halmstad" and codes["0583"] == "Motala" and codes["2584"] == "Kiruna"
    assert v.municipality_code("1384") == "1384"
    for bad in ("0000", "1399", "138", "13800"):
        with pytest.raises(v.Invalid):
            v.municipality_code(bad)


@pytest.mark.parametrize("given, normalised", [
    ("2120001355", "212000-1355"), ("212000-1355", "212000-1355"),
    ("556036-0793", "556036-0793"),
])
def test_organisation_numbers_are_luhn_checked(given: str, normalised: str) -> None:
    assert v.org_number(given) == normalised


@pytest.mark.parametrize("given, reason", [
    ("212000-1356", "check digit"), ("21200013", "10 digits"),
    (pin(date(1908, 4, 12), 983), "personal identity number"),
])
def test_bad_organisation_numbers_are_refused(given: str, reason: str) -> None:
    with pytest.raises(v.Invalid, match=reason):
        v.org_number(given)


def test_swedish_phones_become_e164() -> None:
    assert v.phone("070-123 45 67") == "+46701234567"
    assert v.phone("035-13 70 00") == "+4635137000"
    assert v.phone("+47 412 34 567") == "+4741234567"
    assert v.phone(None) is None and v.phone(" ") is None
    for bad in ("12", "070-123", "phone"):
        with pytest.raises(v.Invalid):
            v.phone(bad)


def test_emails_are_checked_and_normalised() -> None:
    assert v.email("Anna@Example.ORG") == "Anna@example.org"
    for bad in ("anna", "anna@", "@example.org", "a b@example.org"):
        with pytest.raises(v.Invalid):
            v.email(bad)


def test_occupations_periods_and_text() -> None:
    assert v.occupation("5311") == "5311"
    with pytest.raises(v.Invalid):
        v.occupation("531")
    today = date(2026, 11, 23)
    assert v.period(today, today, today, new=True)
    with pytest.raises(v.Invalid, match="before"):
        v.period(date(2027, 1, 2), date(2027, 1, 1), today, new=True)
    with pytest.raises(v.Invalid, match="past"):
        v.period(date(2026, 1, 2), date(2027, 1, 1), today, new=True)
    assert v.period(date(2026, 1, 2), date(2027, 1, 1), today, new=False)
    with pytest.raises(v.Invalid, match="control"):
        v.text("a\x00b")
    with pytest.raises(v.Invalid):
        v.tags(["Language Support"])


def test_intake_sources_per_municipality() -> None:
    policy = SourcePolicy.parse("urn:school:halmstad=1380|1381; urn:hr:all=*; *=2584")
    assert policy.allows("urn:school:halmstad", "1381")
    assert not policy.allows("urn:school:halmstad", "1384")
    assert policy.allows("urn:hr:all", "0114")
    assert policy.allows("urn:anyone", "2584") and not policy.allows("urn:anyone", "1380")
    assert not SourcePolicy.parse("").allows("urn:x", "1380")
    with pytest.raises(ValueError):
        SourcePolicy.parse("no-equals-sign")
