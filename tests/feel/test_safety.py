"""Bad input: syntax errors with positions, type errors, sandboxing, depth and size limits."""

from __future__ import annotations

import pytest

from bizdevops.feel import (
    FeelEvaluationError,
    FeelSyntaxError,
    evaluate,
    evaluate_strict,
    parse,
    parse_unary_tests,
)


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("1 +", 3, "end of input"),
        ("(1 + 2", 6, "')'"),
        ("[1, 2", 5, "']'"),
        ('"abc', 0, "unterminated string"),
        ("1 + # 2", 4, "unexpected character"),
        ("if x then 1", 11, "'else'"),
        ("{a: 1, a: 2}", 7, "duplicate"),
        ("a\n  + * 3", 6, "expected an expression"),
    ],
)
def test_syntax_error_names_position_and_expectation(text: str, position: int, fragment: str) -> None:
    # when parsing invalid text
    with pytest.raises(FeelSyntaxError) as caught:
        parse(text)
    # then the error has the offset and says what was expected
    assert caught.value.position == position
    assert fragment in caught.value.message


def test_syntax_error_line_and_column() -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        parse("1 +\n  2 +\n  )")
    assert (caught.value.line, caught.value.column) == (3, 3)


def test_evaluate_returns_none_for_syntax_errors() -> None:
    assert evaluate("1 +") is None


@pytest.mark.parametrize(
    "text",
    ['1 + "a"', 'date("2020-13-01")', "substring(1, 2)", 'abs("x")', "1 / 0", "[1, 2] - 1"],
)
def test_type_errors_are_null_with_an_error(text: str) -> None:
    # when an operation is applied to wrong types
    result = parse(text).evaluate({})
    # then the value is null and an error is recorded
    assert result.value is None
    assert result.errors
    with pytest.raises(FeelEvaluationError):
        evaluate_strict(text)


def test_missing_variable_is_null_without_error() -> None:
    assert evaluate_strict("order.total > 5", {}) is None
    assert evaluate_strict("x = null", {}) is True


@pytest.mark.parametrize(
    "text",
    [
        "().__class__",
        "x.__class__",
        '"".__class__.__mro__',
        '__import__("os")',
        'eval("1")',
        "x.__dict__",
    ],
)
def test_python_internals_are_not_reachable(text: str) -> None:
    # given a context holding a Python object
    ctx = {"x": {"a": 1}}
    # when FEEL text tries to reach Python internals, then it is a syntax error or null
    try:
        result = parse(text).evaluate(ctx)
    except FeelSyntaxError:
        return
    assert result.value is None


def test_deep_nesting_is_a_syntax_error() -> None:
    with pytest.raises(FeelSyntaxError):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(FeelSyntaxError):
        parse("-" * 1000 + "1")
    assert evaluate("(" * 50 + "1" + ")" * 50) == 1


def test_huge_iteration_is_refused_quickly() -> None:
    result = parse("for i in 1..100000000 return i").evaluate({})
    assert result.value is None
    assert result.errors
    assert evaluate("count(for i in 1..1000 return i)") == 1000


def test_unbounded_recursion_stops_with_null() -> None:
    result = parse("{f: function(n) f(n + 1), r: f(1)}.r").evaluate({})
    assert result.value is None
    assert result.errors


def test_huge_exponent_is_null() -> None:
    assert evaluate("10 ** 100000") is None
    assert evaluate("2 ** 1000000000000") is None


def test_unary_tests_syntax_errors() -> None:
    with pytest.raises(FeelSyntaxError):
        parse_unary_tests("< ")
    with pytest.raises(FeelSyntaxError):
        parse_unary_tests("")
