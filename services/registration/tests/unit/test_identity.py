"""The identity-number validator: forms, century rule, dates, coordination numbers, Luhn;
a property test over generated numbers (all synthetic)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registration.domain.identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    luhn_valid,
    parse_identity_number,
    ten_digit_form,
)
from services.registration.tests.pins import pin

TODAY = date(2026, 11, 23)


def test_the_usual_forms_of_one_number_are_one_person() -> None:
    born = date(1987, 4, 12)
    forms = [pin(born, 983), pin(born, 983, sep=""), pin(born, 983, twelve=True),
             pin(born, 983, twelve=True, sep="")]
    parsed = {parse_identity_number(form, TODAY) for form in forms}
    assert len(parsed) == 1
    (number,) = parsed
    assert number.birth_date == born and not number.coordination
    assert number.canonical.startswith("19870412")


def test_century_rule_plus_means_a_hundred_or_more() -> None:
    assert parse_identity_number(pin(date(2012, 3, 1), 981), TODAY).birth_date.year == 2012
    assert parse_identity_number(pin(date(1912, 3, 1), 981, sep="+"),
                                 TODAY).birth_date.year == 1912
    # A minus for someone born in '26 that is still ahead this year: not born yet.
    with pytest.raises(InvalidIdentityNumber, match="future"):
        parse_identity_number(pin(date(2026, 12, 24), 981), TODAY)


def test_coordination_number_adds_sixty_to_the_day() -> None:
    number = parse_identity_number(pin(date(1990, 6, 30), 982, coordination=True), TODAY)
    assert number.coordination and number.birth_date == date(1990, 6, 30)


@pytest.mark.parametrize("text, reason", [
    ("", "10 or 12 digits"),
    ("12345", "10 or 12 digits"),
    ("19870412-98X1", "10 or 12 digits"),
    ("198704129831+", "10 or 12 digits"),
    (pin(date(1987, 4, 12), 983, twelve=True, sep="+"), "10-digit form"),
    ("870231" + "-9830", "check digit"),  # Luhn checked first; see next cases for dates
])
def test_malformed_numbers_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentityNumber, match=reason):
        parse_identity_number(text, TODAY)


def _with_check(nine: str, sep: str = "-") -> str:
    from services.registration.domain.identity import luhn_digit

    return f"{nine[:6]}{sep}{nine[6:]}{luhn_digit(nine)}"


@pytest.mark.parametrize("nine", ["870231983", "871301983", "870000983", "870192983"])
def test_impossible_dates_are_refused(nine: str) -> None:
    with pytest.raises(InvalidIdentityNumber, match="not a real date"):
        parse_identity_number(_with_check(nine), TODAY)


def test_a_leap_day_is_a_real_date_only_in_a_leap_year() -> None:
    assert parse_identity_number(_with_check("080229983"), TODAY).birth_date == date(2008, 2, 29)
    with pytest.raises(InvalidIdentityNumber, match="not a real date"):
        parse_identity_number(_with_check("090229983"), TODAY)


def test_the_number_never_shows_in_repr_or_errors() -> None:
    text = pin(date(1987, 4, 12), 983)
    number = parse_identity_number(text, TODAY)
    assert number.canonical not in repr(number) and text not in str(number)
    assert text[-4:] not in repr(number)
    broken = text[:-1] + str((int(text[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentityNumber) as info:
        parse_identity_number(broken, TODAY)
    assert broken not in str(info.value) and broken[-4:] not in str(info.value)


def test_ten_digit_form_round_trips() -> None:
    for born, sep in ((date(1999, 1, 2), "-"), (date(1910, 1, 2), "+")):
        text = pin(born, 990, sep=sep)
        assert ten_digit_form(parse_identity_number(text, TODAY), TODAY) == text


# -- the property -------------------------------------------------------------------------

MIN_BORN = date(TODAY.year - 120, 1, 1)


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, date]:
    """Any number the validator must accept, in any accepted form (all synthetic)."""
    born = draw(st.dates(min_value=MIN_BORN, max_value=TODAY))
    serial = draw(st.integers(0, 999))
    coordination = draw(st.booleans())
    if draw(st.booleans()):
        text = pin(born, serial, twelve=True, sep=draw(st.sampled_from(["", "-"])),
                   coordination=coordination)
    else:
        century_old = TODAY.year - born.year >= 100
        sep = "+" if century_old else draw(st.sampled_from(["", "-"]))
        text = pin(born, serial, sep=sep, coordination=coordination)
    return text, born


@settings(max_examples=400, deadline=None)
@given(valid_numbers())
def test_every_generated_valid_number_is_accepted(case: tuple[str, date]) -> None:
    text, born = case
    number = parse_identity_number(text, TODAY)
    assert isinstance(number, IdentityNumber)
    assert number.birth_date == born
    assert luhn_valid(number.canonical[2:])


@settings(max_examples=300, deadline=None)
@given(valid_numbers(), st.data())
def test_every_single_digit_change_is_refused(case: tuple[str, date], data: st.DataObject) -> None:
    text, _ = case
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    for position in positions:
        for digit in "0123456789":
            if digit == text[position]:
                continue
            changed = text[:position] + digit + text[position + 1:]
            with pytest.raises(InvalidIdentityNumber):
                parse_identity_number(changed, TODAY)


def test_ages_are_counted_from_the_derived_birth_date() -> None:
    from services.registration.domain.validation import age_on

    born = parse_identity_number(pin(date(2012, 11, 24), 981), TODAY).birth_date
    assert age_on(born, TODAY) == 13
    assert age_on(born, TODAY + timedelta(days=1)) == 14
