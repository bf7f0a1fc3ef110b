"""Built-in functions of DMN 1.5 §10.3.4, including named parameters and invalid arguments."""

from __future__ import annotations

import pytest

from bizdevops.feel import evaluate, parse, to_feel_string


def feel(text: str) -> str:
    value = evaluate(text)
    return "null" if value is None else to_feel_string(value, True)


CASES = [
    # conversion
    ('number("1 000,5", " ", ",")', "1000.5"),
    ('number("12")', "12"),
    ('number("abc")', "null"),
    ('number("1,000.5", ",", ",")', "null"),
    ("string(1.10)", '"1.1"'),
    ("string(null)", "null"),
    ('string([1, "a"])', '"[1, \\"a\\"]"'),
    ('string(date("2020-01-02"))', '"2020-01-02"'),
    ('string(duration("PT90M"))', '"PT1H30M"'),
    ('duration("P13M")', "P1Y1M"),
    ('duration("P1DT30H")', "P2DT6H"),
    ('duration("x")', "null"),
    ('years and months duration(date("2011-12-22"), date("2013-08-24"))', "P1Y8M"),
    ('context([{key: "a", value: 1}])', "{a: 1}"),
    ('context([{key: "a", value: 1}, {key: "a", value: 2}])', "null"),
    ('range("[1..10)")', "[1..10)"),
    ('range("x")', "null"),
    ('range("[1..)") = >= 1', "true"),
    ('range("(..1]") = <= 1', "true"),
    ('range("[..1]")', "null"),
    (r'range("[date(\"2020-01-01\")..date(\"2020-02-01\")]")', "[2020-01-01..2020-02-01]"),
    (r'range("[date(x)..date(\"2020-02-01\")]")', "null"),
    # boolean
    ("not(true)", "false"),
    ("not(1)", "null"),
    ("is defined(null)", "false"),
    ("get or else(null, 2)", "2"),
    ('is(date("2012-12-25"), date("2012-12-25"))', "true"),
    ('is(time("10:00:00Z"), time("10:00:00"))', "false"),
    ('is(@"23:00:50@Australia/Melbourne", @"23:00:50+10:00")', "true"),
    ('is(@"2002-04-02T12:00:00-01:00", @"2002-04-02T17:00:00+04:00")', "false"),
    ('is(@"P0Y", @"P0D")', "false"),
    ('is(@"23:00:50@Etc/GMT", @"23:00:50Z")', "true"),
    # strings
    ('substring("foobar", 3)', '"obar"'),
    ('substring("foobar", -2, 1)', '"a"'),
    ('substring(string: "foobar", start position: 3, length: 2)', '"ob"'),
    ('substring("foobar", 0)', "null"),
    ('string length("\\U01F40E")', "2"),  # UTF-16 units, as the TCK (0083) expects
    ('upper case("aBc")', '"ABC"'),
    ('upper case(["bob"])', '"BOB"'),
    ('lower case("aBc")', '"abc"'),
    ('substring before("foobar", "bar")', '"foo"'),
    ('substring after("foobar", "ob")', '"ar"'),
    ('substring after("foobar", "x")', '""'),
    ('replace("banana", "a", "o")', '"bonono"'),
    ('replace("abc", "(b)", "[$1]")', '"a[b]c"'),
    ('replace("a.b", ".", "-", "q")', '"a-b"'),
    ('contains("foobar", "ob")', "true"),
    ('starts with("foobar", "fo")', "true"),
    ('ends with("foobar", "ar")', "true"),
    ('matches("Foo", "^f", "i")', "true"),
    ('matches("foo", "(")', "null"),
    ('split("John Doe", "\\s")', '["John", "Doe"]'),
    ('string join(["a", null, "c"], ", ")', '"a, c"'),
    ('string join("a", "X")', '"a"'),
    # lists
    ("list contains([1, null], null)", "true"),
    ("count([1, 2, 3])", "3"),
    ("min([3, 1, 2])", "1"),
    ("max(3, 1, 2)", "3"),
    ('min([1, "a"])', "null"),
    ("sum([1, 2, 3])", "6"),
    ("sum([])", "null"),
    ('sum([1, "a"])', "null"),
    ("mean([1, 2, 3, 4])", "2.5"),
    ("median([3, 1, 2, 4])", "2.5"),
    ("stddev([2, 4, 7, 5])", "2.081665999466132735282297706979931"),
    ("mode([6, 1, 9, 6, 1])", "[1, 6]"),
    ("product([2, 3, 4])", "24"),
    ("product([])", "null"),
    ("all([true, null])", "null"),
    ("all([true, false, null])", "false"),
    ("any([false, true])", "true"),
    ("sublist([1, 2, 3], 2)", "[2, 3]"),
    ("sublist([1, 2, 3], -2, 1)", "[2]"),
    ("append([1], 2, 3)", "[1, 2, 3]"),
    ("concatenate([1], [2], [3])", "[1, 2, 3]"),
    ("insert before([1, 3], 2, 2)", "[1, 2, 3]"),
    ("remove([1, 2, 3], 2)", "[1, 3]"),
    ("remove([1, 2, 3], 4)", "null"),
    ("reverse([1, 2, 3])", "[3, 2, 1]"),
    ("index of([1, 2, 1], 1)", "[1, 3]"),
    ("union([1, 2], [2, 3])", "[1, 2, 3]"),
    ("distinct values([1, 1.0, 2])", "[1, 2]"),
    ("duplicate values([1, 2, 2, 3, 3])", "[2, 3]"),
    ("flatten([[1, [2]], 3])", "[1, 2, 3]"),
    ("sort([3, 1, 2])", "[1, 2, 3]"),
    ("sort([3, 1, 2], function(x, y) x > y)", "[3, 2, 1]"),
    ("list replace([1, 2, 3], 2, 9)", "[1, 9, 3]"),
    # numbers
    ("decimal(1/3, 2)", "0.33"),
    ("decimal(2.5, 0)", "2"),
    ("floor(-1.5)", "-2"),
    ("floor(1.56, 1)", "1.5"),
    ("floor(1.56, null)", "null"),
    ("ceiling(1.5)", "2"),
    ("round up(5.5)", "6"),
    ("round down(-5.5)", "-5"),
    ("round half up(-5.5)", "-6"),
    ("round half down(5.5)", "5"),
    ("abs(-2)", "2"),
    ('abs("x")', "null"),
    ("modulo(-12, 5)", "3"),
    ("modulo(12, -5)", "-3"),
    ("modulo(1, 0)", "null"),
    ("sqrt(16)", "4"),
    ("sqrt(-1)", "null"),
    ("log(0)", "null"),
    ("exp(0)", "1"),
    ("odd(5)", "true"),
    ("even(5)", "false"),
    ("even(1.5)", "null"),
    # dates
    ('day of year(date("2019-12-31"))', "365"),
    ('day of week(date("2019-09-17"))', '"Tuesday"'),
    ('month of year(date("2019-09-17"))', '"September"'),
    ('week of year(date("2021-01-03"))', "53"),
    # ranges
    ("before(1, 10)", "true"),
    ("before([1..5], [5..10])", "false"),
    ("before([1..5), [5..10])", "true"),
    ("after([5..10], 4)", "true"),
    ("meets([1..5], [5..10])", "true"),
    ("met by([5..10], [1..5])", "true"),
    ("overlaps([1..5], [4..10])", "true"),
    ("overlaps before([1..5], [4..10])", "true"),
    ("overlaps after([4..10], [1..5])", "true"),
    ("finishes(5, [1..5])", "true"),
    ("finished by([1..5], 5)", "true"),
    ("includes([1..10], 5)", "true"),
    ("during(5, [1..10])", "true"),
    ("starts(1, [1..5])", "true"),
    ("started by([1..5], [1..3])", "true"),
    ("coincides([1..5], [1..5])", "true"),
    ('before(1, "a")', "null"),
    # contexts
    ('get value({a: 1}, "a")', "1"),
    ('get value({a: 1}, "b")', "null"),
    ("get entries({a: 1})", '[{key: "a", value: 1}]'),
    ('context put({a: 1}, "b", 2)', "{a: 1, b: 2}"),
    ('context put({a: {b: 1}}, ["a", "b"], 2)', "{a: {b: 2}}"),
    ("context merge([{a: 1}, {a: 2, b: 3}])", "{a: 2, b: 3}"),
    # Camunda extension: fromAi() returns its value, whatever describes it
    ("fromAi({userId: 7}.userId)", "7"),
    ('fromAi("q", "The search query")', '"q"'),
    ('fromAi([1], null, "array", {items: {type: "number"}}, {required: false})', "[1]"),
    ('fromAi(value: 3, type: "number")', "3"),
    ('fromAi(options: {required: true}, value: "x")', '"x"'),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_builtin(text: str, expected: str) -> None:
    # given a call of a built-in / when evaluated / then the FEEL value is as the spec says
    assert feel(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "substring()",
        "abs(1, 2)",
        'substring(strin: "a", start position: 1)',
        "sum(list: 1, x: 2)",
        "fromAi()",
        'fromAi(description: "no value")',
        "fromAi(1, 2, 3, 4, 5, 6)",
    ],
)
def test_wrong_arity_or_names_give_null_and_an_error(text: str) -> None:
    result = parse(text).evaluate({})
    assert result.value is None
    assert result.errors


def test_now_and_today_have_the_right_types() -> None:
    assert evaluate("now() instance of date and time") is True
    assert evaluate("today() instance of date") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r'matches("Mary\u000DJones", "Mary.Jones")', "false"),
        ('matches("x", "[A-Z-[OI]]", "i")', "true"),
        ('matches("O", "[A-Z-[OI]]", "i")', "false"),
        (r'matches("hello world", "hello\ sworld", "x")', "true"),
        (r'matches("hello world", "\p{IsBasicLatin}+")', "true"),
        (r'matches("h", "(.)\3")', "true"),
        (r'matches("abcd", "(asd)[\1]")', "null"),
        ('matches("abc", "(?i)ABC")', "null"),
        ('matches("abc\\n", "c$")', "false"),
        ('matches("a", "a", "p")', "null"),
        ('matches("x[y-z]", "x[y-z]", "q")', "true"),
        ('replace("abc", "b*", "x")', "null"),
        (r'split("a1b2c", "\d")', '["a", "b", "c"]'),
    ],
)
def test_xpath_regular_expressions(text: str, expected: str) -> None:
    # given XPath regex syntax and flags / then matches, replace and split follow XPath, not Python
    assert feel(text) == expected
