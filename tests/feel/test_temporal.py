"""Dates, times, date-times and durations: literals, arithmetic, properties, ordering, far years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bizdevops.feel import (
    DaysTimeDuration,
    YearsMonthsDuration,
    evaluate,
    from_json,
    make_date_time,
    parse_date_time,
    to_feel_string,
    to_json,
)


def feel(text: str) -> str:
    value = evaluate(text)
    return "null" if value is None else to_feel_string(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("2021-01-31") + duration("P1M")', "2021-02-28"),
        ('date("2021-01-01") - date("2020-01-01")', "P366D"),
        ('date("2021-01-01") + duration("PT25H")', "2021-01-02"),
        ('date and time("2021-01-01T10:00:00Z") - date and time("2021-01-01T09:00:00+01:00")', "PT2H"),
        (
            'date and time("2021-03-28T01:30:00@Europe/Paris") + duration("PT1H")',
            "2021-03-28T03:30:00@Europe/Paris",
        ),
        ('time("23:00:00") + duration("PT2H")', "01:00:00"),
        ('time("10:00:00") - time("09:00:00")', "PT1H"),
        ('duration("P1D") / duration("PT12H")', "2"),
        ('duration("P1Y") / 2', "P6M"),
        ('2 * duration("P1D")', "P2D"),
        ('-duration("P1D")', "-P1D"),
        ('duration("P1D") + duration("P1Y")', "null"),
        ('@"2018-12-08T10:30:11@Australia/Melbourne"', "2018-12-08T10:30:11@Australia/Melbourne"),
        ('@"-P1Y"', "-P1Y"),
        ('time(11, 59, 45, duration("-PT2H"))', "11:59:45-02:00"),
        ('date and time(date("2017-01-01"), time("23:59:01+01:00"))', "2017-01-01T23:59:01+01:00"),
        ('date and time("2018-12-08T10:30:11.123")', "2018-12-08T10:30:11.123"),
        ('date("2012/12/25")', "null"),
        ('date("2017-02-30")', "null"),
    ],
)
def test_temporal_values(text: str, expected: str) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("2019-09-17").weekday', "2"),
        ('date and time("2018-12-08T10:30:11@Australia/Melbourne").timezone', "Australia/Melbourne"),
        ('date and time("2018-12-08T10:30:11+02:00").time offset', "PT2H"),
        ('time("10:30:11").time offset', "null"),
        ('duration("P1DT2H3M4S").hours', "2"),
        ('duration("P3Y14M").years', "4"),
        ('duration("P3Y14M").months', "2"),
        ("[1..10).end included", "false"),
    ],
)
def test_properties(text: str, expected: str) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('time("10:30:00Z") = time("10:30:00+00:00")', "true"),
        ('time("10:30:00+02:00") = time("10:30:00@Europe/Paris")', "false"),
        (
            'date and time("2018-12-08T00:00:00+00:00") = date and time("2018-12-08T00:00:00@Etc/UTC")',
            "false",
        ),
        ('date and time("2018-12-08") = date and time("2018-12-08T00:00:00")', "true"),
        ('date and time("2018-12-08T10:00:00+01:00") < date and time("2018-12-08T10:00:00Z")', "true"),
        ('date("2018-12-08") < date and time("2018-12-09T00:00:00")', "null"),
        ('duration("P1Y") = duration("P12M")', "true"),
        ('duration("P1Y") = duration("P365D")', "null"),
        ('duration("P1D") > duration("PT23H")', "true"),
    ],
)
def test_equality_and_order(text: str, expected: str) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('string(@"-2021-01-01T10:10:10+11:00" - @"P1Y")', "-2022-01-01T10:10:10+11:00"),
        (
            'string(@"-P1D" + @"-2021-01-01T10:10:10@Australia/Melbourne")',
            "-2022-12-31T10:10:10@Australia/Melbourne",
        ),
        ('date("999999999-12-31")', "999999999-12-31"),
        ('date("9999-12-31") + duration("P1D")', "10000-01-01"),
        ('date("-0001-01-01").year', "-1"),
        ('date("-2021-01-01") < date("2021-01-01")', "true"),
        ('date("1000000000-01-01")', "null"),
    ],
)
def test_years_outside_1_to_9999(text: str, expected: str) -> None:
    assert feel(text) == expected


def test_python_values_come_in_and_json_goes_out() -> None:
    # given Python temporals and numbers in the context
    ctx = {"d": dt.date(2020, 1, 31), "n": 1.1, "i": 3}
    # then FEEL computes with them exactly
    assert evaluate('d + duration("P1M")', ctx) == dt.date(2020, 2, 29)
    assert evaluate("n * i", ctx) == Decimal("3.3")
    # and to_json gives JSON-friendly values
    assert to_json(Decimal("2")) == 2
    assert to_json(Decimal("2.5")) == 2.5
    assert to_json(DaysTimeDuration(Decimal(90))) == "PT1M30S"
    assert to_json(YearsMonthsDuration(14)) == "P1Y2M"
    assert (
        to_json(make_date_time(2020, 1, 2, 3, 4, 5, offset="Europe/Paris"))
        == "2020-01-02T03:04:05@Europe/Paris"
    )
    assert to_json({"a": [Decimal("1.5"), None, True]}) == {"a": [1.5, None, True]}
    assert from_json({"a": [1, 2.5]}) == {"a": [Decimal(1), Decimal("2.5")]}
    assert parse_date_time("2020-01-02T03:04:05Z").tzinfo is not None
