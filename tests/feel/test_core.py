"""Core FEEL language: literals, names, operators, control flow, lists, contexts, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bizdevops.feel import evaluate, parse, to_feel_string


def feel(text: str, context: dict[str, object] | None = None) -> str:
    """Evaluate and print the result the way FEEL string() does (null for None)."""
    value = evaluate(text, context)
    return "null" if value is None else to_feel_string(value, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 / 4", "2.5"),
        ("0.1 + 0.2", "0.3"),
        ("1 / 3", "0.3333333333333333333333333333333333"),
        ("2 ** 10", "1024"),
        ("3 ** 4 ** 5", "3486784401"),
        ("-3 ** 2", "9"),
        ("- 5 + 2", "-3"),
        (".5 + 1", "1.5"),
        ('"a" + "b" + "c"', '"abc"'),
        ("1 + null", "null"),
        ('1 + "a"', "null"),
        ("1 / 0", "null"),
    ],
)
def test_arithmetic(text: str, expected: str) -> None:
    # given an arithmetic expression / when evaluated / then the FEEL result matches
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 < 2", "true"),
        ("2 <= 2", "true"),
        ('"a" < "b"', "true"),
        ("1 = 1.0", "true"),
        ('1 = "1"', "null"),
        ("null = null", "true"),
        ("1 = null", "false"),
        ("1 != null", "true"),
        ("true < false", "null"),
        ("[1, 2] = [1, 2]", "true"),
        ("{a: 1} = {a: 1}", "true"),
        ("5 between 1 and 10", "true"),
        ("true and null", "null"),
        ("false and null", "false"),
        ("true or null", "true"),
        ("false or null", "null"),
        ("not(true)", "false"),
        ("not(null)", "null"),
    ],
)
def test_comparison_and_logic(text: str, expected: str) -> None:
    assert feel(text) == expected


def test_names_paths_and_multi_word_names() -> None:
    # given a nested context with a multi-word key
    ctx = {"applicant": {"name": "Ann", "age": 30}, "Full Name": "Ann Lee", "amount": 1500}
    # then paths, multi-word names and comparisons work
    assert evaluate("applicant.name", ctx) == "Ann"
    assert evaluate("Full Name", ctx) == "Ann Lee"
    assert evaluate("amount > 1000", ctx) is True
    assert evaluate('"Dear " + applicant.name + ","', ctx) == "Dear Ann,"
    assert evaluate("`Full Name`", ctx) == "Ann Lee"
    assert evaluate("missing", ctx) is None


def test_parse_with_names_and_warning_for_missing_variable() -> None:
    expr = parse("Monthly Salary * 12", names=("Monthly Salary",))
    assert expr.evaluate({"Monthly Salary": 100}).value == Decimal(1200)
    result = expr.evaluate({})
    assert result.value is None
    assert result.warnings
    assert not result.errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('if 1 > 2 then "a" else "b"', '"b"'),
        ('if null then "a" else "b"', '"b"'),
        ("for i in 1..3 return i * 2", "[2, 4, 6]"),
        ("for i in 3..1 return i", "[3, 2, 1]"),
        ("for x in [1, 2], y in [10, 20] return x + y", "[11, 21, 12, 22]"),
        ("for i in 1..5 return if i = 1 then 1 else i * partial[-1]", "[1, 2, 6, 24, 120]"),
        ("some x in [1, 2, 3] satisfies x > 2", "true"),
        ("every x in [1, 2, 3] satisfies x > 2", "false"),
        ("every x in [] satisfies x > 2", "true"),
        ("[1, 2, 3][item > 1]", "[2, 3]"),
        ("[1, 2, 3][1]", "1"),
        ("[1, 2, 3][-1]", "3"),
        ("[1, 2, 3][4]", "null"),
        ("[{a: 1}, {a: 2}][a > 1].a", "[2]"),
        ("[{a: 1}, {a: 2}].a", "[1, 2]"),
        ("{a: 1, b: a + 1}", "{a: 1, b: 2}"),
        ('{"x y": 1, z: x y + 1}.z', "2"),
        ("{a: {b: 3}}.a.b", "3"),
        ("5 in [1..10]", "true"),
        ("5 in (1..5)", "false"),
        ("5 in ]1..5]", "true"),
        ("5 in (1, 2, 5)", "true"),
        ("5 in < 10", "true"),
        ("5 in [1, 5]", "true"),
        ("[1..10[.end included", "false"),
        ("]1..10[.start", "1"),
        ("[1..[5, 10][2]]", "[1..10]"),
        ("[1..null]", "null"),
        ("(function(a, b) a - b)(b: 1, a: 5)", "4"),
        ("{f: function(n) if n <= 1 then 1 else n * f(n - 1), r: f(5)}.r", "120"),
        ("1 // comment\n + /* more */ 2", "3"),
        ('"\\u0041\\n"', '"A\n"'),
    ],
)
def test_expressions(text: str, expected: str) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 instance of number", "true"),
        ('"a" instance of number', "false"),
        ("[1, 2] instance of list<number>", "true"),
        ("{a: 1} instance of context<a: number>", "true"),
        ("(function(x) x) instance of function<Any> -> Any", "true"),
        ("[1..2] instance of range<number>", "true"),
        ('date("2020-01-01") instance of date', "true"),
        ('date and time("2020-01-01T10:00:00") instance of date and time', "true"),
        ("null instance of Null", "true"),
        ("null instance of Any", "false"),
        (
            '(function(a: list<number>) {b: "b"}) instance of function<list<number>> -> context<b: string, c: string>',
            "false",
        ),
        (
            '(function(a: context<a: string>) "x") instance of function<context<a: string, b: string>> -> string',
            "true",
        ),
        (
            '(function(a: context<a: string, b: string>) "x") instance of function<context<a: string>> -> string',
            "false",
        ),
        ('(function(a: string, b: string) "x") instance of function<string> -> string', "false"),
        ("1 instance of tUnknown", "false"),
        ('(function(a: number) a)("x")', "null"),
        ("(function(a: number) a)([1])", "1"),
    ],
)
def test_instance_of(text: str, expected: str) -> None:
    assert feel(text) == expected
