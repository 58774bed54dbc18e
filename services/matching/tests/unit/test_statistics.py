"""Statistics for funders: the grouping, the stages and the periods (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest

from services.matching.domain import statistics as stats
from services.matching.domain.statistics import Fact
from shared.errors import Rejected


def fact(person: str = "p1", *, program: str = "internship", gender: str = "female",
         start: date = date(2027, 3, 1), request: str = "placed",
         placement: str | None = "confirmed", sector: str | None = "municipal",
         outcome: str | None = None, follow_up: str | None = None,
         municipality_code: str = "1380") -> Fact:
    return Fact(person, program, municipality_code, gender, start, request, placement,
                sector, outcome, follow_up)


def test_a_year_is_its_calendar_year_inclusive() -> None:
    within = stats.window(2027, None, None)
    assert within.holds(date(2027, 1, 1)) and within.holds(date(2027, 12, 31))
    assert not within.holds(date(2026, 12, 31)) and not within.holds(date(2028, 1, 1))


def test_an_esf_period_holds_both_ends() -> None:
    within = stats.window(None, date(2026, 9, 1), date(2028, 8, 31))
    assert within.holds(date(2026, 9, 1)) and within.holds(date(2028, 8, 31))
    assert not within.holds(date(2026, 8, 31))
    assert stats.window(None, date(2026, 9, 1), None).holds(date(2099, 1, 1))
    assert stats.window(None, None, None).label() == "all"


@pytest.mark.parametrize(("year", "start", "end", "field"), [
    (2027, date(2027, 1, 1), None, "year"),
    (None, date(2027, 2, 1), date(2027, 1, 31), "to"),
])
def test_a_window_that_does_not_hold_names_its_field(
        year: int | None, start: date | None, end: date | None, field: str) -> None:
    with pytest.raises(Rejected) as refused:
        stats.window(year, start, end)
    assert [p.field for p in refused.value.problems] == [field]


def test_dimensions_come_in_the_canonical_order() -> None:
    assert stats.dimensions(None) == stats.DIMENSIONS
    assert stats.dimensions("gender, program") == ("program", "gender")
    assert stats.dimensions("") == ()
    with pytest.raises(Rejected) as refused:
        stats.dimensions("program,age")
    assert refused.value.problems[0].field == "by"


@pytest.mark.parametrize(("unit", "label"), [
    ("year", "2027"), ("quarter", "2027-Q2"), ("month", "2027-06")])
def test_periods(unit: stats.PeriodUnit, label: str) -> None:
    assert stats.period_of(date(2027, 6, 30), unit) == label
    assert stats.period_of(date(2027, 1, 1), "quarter") == "2027-Q1"


def test_stages_of_a_request() -> None:
    assert stats.stage(fact(placement="completed", request="completed")) == "placed"
    assert stats.stage(fact(placement="accepted")) == "offered"
    assert stats.stage(fact(request="reopened", placement=None)) == "waitlisted"
    assert stats.stage(fact(request="awaiting_round", placement=None)) == "awaiting_round"
    assert stats.stage(fact(request="withdrawn", placement=None)) == "withdrawn"


def test_applicants_are_distinct_people_and_requests_are_counted_each() -> None:
    facts = [fact("p1"), fact("p1", program="internship", request="waitlisted",
                              placement=None, sector=None),
             fact("p2", request="completed", placement="completed", outcome="employed",
                  follow_up="studies")]
    [figures] = stats.grouped(facts, ("program",)).values()
    got = figures.as_dict()
    assert (got["applicants"], got["requests"], got["placed"], got["waitlisted"],
            got["completed"]) == (2, 3, 2, 1, 1)
    assert got["outcomes"] == {"employed": 1, "summer_substitute": 0, "studies": 0,
                               "continued_search": 0, "discontinued": 0}
    assert figures.follow_ups["studies"] == 1 and got["follow_ups"] != got["outcomes"]


def test_groups_by_every_dimension_with_the_unplaced_first() -> None:
    facts = [fact("p1", sector="private", start=date(2027, 2, 1)),
             fact("p2", request="waitlisted", placement=None, sector=None),
             fact("p3", sector="private", start=date(2028, 2, 1)),
             fact("p4", gender="male", sector="private")]
    groups = stats.grouped(facts, stats.DIMENSIONS)
    assert list(groups) == [
        ("internship", "1380", None, "female", "2027"),
        ("internship", "1380", "private", "female", "2027"),
        ("internship", "1380", "private", "female", "2028"),
        ("internship", "1380", "private", "male", "2027"),
    ]
    by_month = stats.grouped(facts, ("period",), "month")
    assert [(k, f.count("requests")) for k, f in by_month.items()] == [
        (("2027-02",), 1), (("2027-03",), 2), (("2028-02",), 1)]
    assert list(stats.grouped(facts, ())) == [()]


def test_gender_shares_of_applicants_and_of_the_placed() -> None:
    facts = [fact(f"w{i}") for i in range(3)] + [
        fact("w0", program="prao", request="waitlisted", placement=None),
        fact("m1", gender="male", request="waitlisted", placement=None)]
    shares = stats.shares(facts)
    assert shares["applicants"]["female"] == 0.75 and shares["applicants"]["male"] == 0.25
    assert shares["placed"] == {"female": 1.0, "male": 0.0, "other": 0.0, "unspecified": 0.0}
    assert stats.shares([]) == {"applicants": {}, "placed": {}}


def test_the_table_lines_up_with_its_columns() -> None:
    by: tuple[stats.Dimension, ...] = ("program", "gender")
    facts = [fact("p1", outcome="employed", placement="completed", request="completed")]
    [row] = stats.table(stats.grouped(facts, by))
    header = stats.columns(by)
    line = dict(zip(header, row, strict=True))
    assert line["program"] == "internship" and line["applicants"] == 1
    assert line["completed"] == 1 and line["outcome_employed"] == 1
    assert line["follow_up_employed"] == 0
