"""Unary tests (decision table input entries) and `in`."""

from __future__ import annotations

import datetime as dt

import pytest

from bizdevops.feel import evaluate, evaluate_unary_tests, parse_unary_tests


@pytest.mark.parametrize(
    ("tests", "value", "expected"),
    [
        ("-", 5, True),
        ("-", None, True),
        ('"a", "b"', "b", True),
        ('"a", "b"', "c", False),
        ('not("a")', "b", True),
        ('not("a")', "a", False),
        ("[1..5]", 3, True),
        ("(1..5)", 5, False),
        ("> 3, < 1", 0, True),
        ("? > 5", 6, True),
        ("null", None, True),
        ("null", 1, False),
        ("false", False, True),
        ("false", True, False),
        ('contains(?, "a")', "bar", True),
        ('date("2020-01-01")', dt.date(2020, 1, 1), True),
        ("[1, 2, 3]", 2, True),
        ("< x", 1, True),
        ("x", 3, True),
        ("not(< 3, > 5)", 4, True),
        (">= 10", None, None),
        ("!= 3", 4, True),
        ("= 3", 3, True),
    ],
)
def test_unary_tests(tests: str, value: object, expected: bool | None) -> None:
    # given unary tests and an input value (and a variable x = 3)
    # when tested, then the outcome follows DMN 1.5 §10.3.2.9
    assert evaluate_unary_tests(tests, value, {"x": 3}) is expected


def test_parsed_unary_tests_are_cached_and_reusable() -> None:
    tests = parse_unary_tests("< 1000")
    assert parse_unary_tests("< 1000") is tests
    assert tests.evaluate(5).value is True
    assert tests.evaluate(5000).value is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 in [[2..4], [1..3]]", True),
        ("10 in (1, < 5, >= 10)", True),
        ("[1, 2, 3] in [1, 2, 3]", False),
        ("[1, 2, 3] in [[1, 2, 3], [4]]", True),
        ('{a: "foo"} in [{b: "bar"}, {a: "foo"}]', True),
        ('"b" in [["f".."h"], ["a".."c"]]', True),
        ("5 in < 10", True),
        ("null in [1..2]", None),
    ],
)
def test_in_expressions(text: str, expected: bool | None) -> None:
    assert evaluate(text) is expected
