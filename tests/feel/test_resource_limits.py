"""Resource bounds: no FEEL text may hang a worker or allocate gigabytes; it is null plus an error instead.

Each test measures wall-clock time. The bounds are about five times what a case takes on an idle 2-core
machine, because the test machine is shared: they fail on a hang or an exponential blow-up, not on load.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from bizdevops.feel import EvaluationResult, FeelSyntaxError, evaluate, parse, to_json
from bizdevops.feel.parser import MAX_TEXT
from bizdevops.feel.values import MAX_STRING
from bizdevops.feel.xpath_regex import MAX_INPUT, MAX_PATTERN

# Seconds. QUICK: refused before any real work (milliseconds when idle). REGEX_LIMIT: a 0.25 s regex
# time-out plus the regex module's clock-check granularity (0.4-0.7 s when idle). BUDGETED: runs until the
# step, string or node budget is spent (0.2-1.5 s when idle).
QUICK = 1.0
REGEX_LIMIT = 2.0
BUDGETED = 8.0


def timed(text: str, context: dict[str, Any] | None = None) -> tuple[EvaluationResult, float]:
    expression = parse(text, tuple(context or ()))
    start = time.perf_counter()
    result = expression.evaluate(context)
    return result, time.perf_counter() - start


def assert_refused(result: EvaluationResult, fragment: str) -> None:
    assert result.value is None
    assert any(fragment in error for error in result.errors), result.errors


# -- regular expressions -------------------------------------------------------------------------------

SLOW = "a" * 40 + "!"  # `(a|aa)+$` backtracks through every way of splitting 40 a's before failing at "!"


@pytest.mark.parametrize(
    "text",
    [
        'matches(s, "(a|aa)+$")',
        'matches(s, "(a|a)+$", "i")',
        'replace(s, "(a|aa)+$", "x")',
        'split(s, "(a|aa)+$")',
        'extract(s, "(a|aa)+$")',
    ],
)
def test_catastrophic_pattern_is_null_with_a_warning_within_a_second(text: str) -> None:
    # given a pattern whose backtracking is exponential in the input length
    # when it runs on a 41-character input
    result, elapsed = timed(text, {"s": SLOW})
    # then the call stops at the time limit with null and says why
    assert_refused(result, "regular expression took too long")
    assert result.warnings
    assert elapsed < REGEX_LIMIT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('matches("abc", "^a.c$")', True),
        ('matches("a\nc", "a.c")', False),
        ('matches("a\nc", "a.c", "s")', True),
        ('matches("x\nabc", "^abc$", "m")', True),
        ('matches("ABC", "abc", "i")', True),
        ('matches("abc", "a b c", "x")', True),
        ('matches("a.c", ".", "q")', True),
        ('matches("abc", ".", "q")', False),
        ('matches("bcd", "^[a-z-[aeiou]]+$")', True),
        ('matches("Ünïcode", "^\\p{Lu}")', True),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b.c", ".", "-", "q")', "a-b-c"),
        ('split("a1b22c", "\\d+")', ["a", "b", "c"]),
        ('extract("a1b22c", "\\d+")', ["1", "22"]),
        ('matches(s, "(a+)+$")', False),  # the regex module answers this classic one at once
    ],
)
def test_normal_patterns_keep_xpath_semantics(text: str, expected: Any) -> None:
    assert to_json(parse(text, ("s",)).evaluate({"s": SLOW}).value) == expected


def test_huge_input_is_refused_without_scanning_it() -> None:
    # given an input one character over the limit
    big = "a" * (MAX_INPUT + 1)
    for text in ('matches(s, "b")', 'replace(s, "b", "c")', 'split(s, "b")', 'extract(s, "b")'):
        # when a pattern runs on it
        result, elapsed = timed(text, {"s": big})
        # then it is refused
        assert_refused(result, "input longer than")
        assert elapsed < QUICK
    # and an input at the limit is still matched
    assert evaluate('matches(s, "a$")', {"s": "a" * MAX_INPUT}) is True


@pytest.mark.parametrize(
    "pattern",
    [
        "((a{1000}){1000}){1000}",  # unrolled by the regex compiler: gigabytes
        "(" * 20 + "a" + ")+" * 20,  # x+ compiles as x x*: 2**20 copies
        "a{0,100000}",
        "a{99999999999999999999}",
    ],
)
def test_pattern_that_unrolls_to_a_huge_program_is_refused(pattern: str) -> None:
    result, elapsed = timed("matches(s, p)", {"s": "aaa", "p": pattern})
    assert_refused(result, "too large")
    assert elapsed < QUICK


def test_pattern_longer_than_the_limit_is_refused() -> None:
    result, _ = timed("matches(s, p)", {"s": "aaa", "p": "a" * (MAX_PATTERN + 1)})
    assert_refused(result, "pattern longer than")
    assert evaluate("matches(s, p)", {"s": "a" * 10, "p": "a{10}" + "b?" * 100}) is True


def test_replacement_that_multiplies_the_input_is_refused() -> None:
    # given one match of 100,000 characters and a replacement that repeats it 20 times
    result, elapsed = timed('replace(s, "(a+)", r)', {"s": "a" * 100_000, "r": "$1" * 20})
    # then the result would pass MAX_STRING and is refused
    assert_refused(result, "longer than")
    assert elapsed < QUICK
    assert evaluate('replace(s, "(a+)", "$1$1")', {"s": "a" * 10}) == "a" * 20


# -- iteration, recursion and sizes -------------------------------------------------------------------


def test_string_join_of_a_million_strings_is_refused() -> None:
    result, elapsed = timed('string join(for i in 1..1000000 return "xxxxxxxxxx")')
    assert_refused(result, f"result longer than {MAX_STRING} characters")
    assert elapsed < BUDGETED


def test_string_join_result_is_capped() -> None:
    result, elapsed = timed("string join(for i in 1..2000 return s)", {"s": "x" * 1000})
    assert_refused(result, f"longer than {MAX_STRING}")
    assert elapsed < QUICK


def test_product_of_for_ranges_is_refused_before_iterating() -> None:
    # given three ranges of 1,000 that multiply to a billion rounds
    result, elapsed = timed("for a in 1..1000, b in 1..1000, c in 1..1000 return 1")
    # then the product is refused before the body runs once
    assert_refused(result, "more than 1000000 values")
    assert elapsed < QUICK
    # and a product under the limit still runs
    assert evaluate("count(for a in 1..100, b in 1..100, c in 1..10 return 1)") == 100_000


def test_dependent_ranges_are_still_capped() -> None:
    result, elapsed = timed("for a in 1..1000, b in 1..1000, c in a..1000 + a return 1")
    assert_refused(result, "more than 1000000 values")
    assert elapsed < BUDGETED


def test_loop_inside_a_loop_body_is_refused() -> None:
    # each loop alone is within the limit; together they are a trillion rounds
    result, elapsed = timed("count(for i in 1..1000000 return count(for j in 1..1000000 return 1))")
    assert_refused(result, "steps")
    assert elapsed < BUDGETED


def test_quantifier_inside_a_loop_is_refused() -> None:
    result, elapsed = timed("for i in 1..1000000 return some a in 1..1000000 satisfies a < 0")
    assert_refused(result, "steps")
    assert elapsed < BUDGETED


def test_large_but_bounded_work_still_runs() -> None:
    assert evaluate("count(for i in 1..1000000 return i)") == 1_000_000
    assert evaluate("some a in 1..1000000 satisfies a > 0") is True
    assert evaluate("(for i in 1..20000 return if i = 1 then 1 else partial[-1] + i)[-1]") == 200_010_000


def test_string_doubling_recursion_is_refused() -> None:
    text = '{f: function(s, n) if n = 0 then s else f(s + s, n - 1), r: f("x", 40)}.r'
    result, elapsed = timed(text)
    assert_refused(result, f"string longer than {MAX_STRING}")
    assert elapsed < QUICK


def test_exponential_recursion_is_refused() -> None:
    # given a function that calls itself twice per level: 2**60 calls
    result, elapsed = timed("{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1), r: f(60)}.r")
    # then the step budget stops it
    assert_refused(result, "steps")
    assert elapsed < BUDGETED
    assert evaluate("{f: function(n) if n < 2 then n else f(n - 1) + f(n - 2), r: f(15)}.r") == 610


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10 ** 999999999", "Overflow"),
        ("(10 ** 6000) * (10 ** 6000)", "Overflow"),
        ("decimal(1, 999999999)", "scale out of range"),
        ('number("1e999999999")', "out of range"),
        ("exp(10 ** 6000)", "overflow"),
    ],
)
def test_huge_numbers_are_null_with_an_error(text: str, fragment: str) -> None:
    result, elapsed = timed(text)
    assert_refused(result, fragment)
    assert elapsed < QUICK


def test_substring_with_a_huge_length_takes_the_rest_at_once() -> None:
    # FEEL takes the rest of the string when the length runs past its end: a value, not an error
    result, elapsed = timed('substring("x", 1, 999999999)')
    assert result.value == "x"
    assert elapsed < QUICK
    result, elapsed = timed("substring(s, 2, 999999999)", {"s": "y" * 1_000_000})
    assert len(result.value) == 999_999
    assert elapsed < QUICK


def test_deeply_nested_context_text_is_a_syntax_error() -> None:
    text = "{a: " * 2000 + "1" + "}" * 2000
    start = time.perf_counter()
    with pytest.raises(FeelSyntaxError):
        parse(text)
    assert time.perf_counter() - start < QUICK


def test_deep_structure_built_at_run_time_stays_bounded() -> None:
    # given a list nested 5,000 levels deep, built without recursion
    deep = "(for i in 1..5000 return [partial[-1]])[5000]"
    # when it is printed, compared and converted, then each is bounded
    result, elapsed = timed(f"string({deep})")
    assert_refused(result, "recursion too deep")
    result, elapsed2 = timed(f"{deep} = {deep}")
    assert result.value is None
    assert result.errors
    value = parse(deep).evaluate({}).value
    start = time.perf_counter()
    converted = to_json(value)
    for _ in range(101):
        converted = converted[0]
    assert converted is None  # nodes nested deeper than 100 levels are cut
    assert max(elapsed, elapsed2, time.perf_counter() - start) < BUDGETED


SHARED = "(for i in 1..100 return [partial[-1], partial[-1]])"  # 100 nodes, 2**100 paths


def test_string_of_a_huge_structure_is_refused() -> None:
    result, elapsed = timed(f"string({SHARED})")
    assert_refused(result, f"longer than {MAX_STRING}")
    assert elapsed < BUDGETED
    result, elapsed = timed("string(for i in 1..100000 return [i, i, i, i, i, i, i, i, i, i])")
    assert_refused(result, f"longer than {MAX_STRING}")
    assert elapsed < BUDGETED


def test_shared_sub_lists_do_not_blow_up_equality_types_or_json() -> None:
    # given a list whose elements share their sub-lists (2**100 paths through 100 nodes)
    result, elapsed = timed(f"{SHARED}[100] = {SHARED}[100]")
    # then equality compares each pair of sub-lists once
    assert result.value is True
    assert elapsed < QUICK
    nested_type = "list<" * 40 + "Any" + ">" * 40
    result, elapsed = timed(f"{SHARED}[100] instance of {nested_type}")
    assert result.value is True
    assert elapsed < QUICK
    result, elapsed = timed(f"flatten({SHARED})")
    assert_refused(result, "list too long")
    assert elapsed < BUDGETED
    value = parse(SHARED).evaluate({}).value
    start = time.perf_counter()
    to_json(value)
    assert time.perf_counter() - start < BUDGETED


def test_self_containing_partial_list_is_bounded() -> None:
    # `partial` is the list being built, so returning it makes a list that holds itself
    result, elapsed = timed("string(for i in 1..10 return partial)")
    assert_refused(result, "recursion too deep")
    value = parse("for i in 1..10 return partial").evaluate({}).value
    start = time.perf_counter()
    to_json(value)
    assert max(elapsed, time.perf_counter() - start) < BUDGETED


def test_distinct_values_of_many_numbers_is_linear() -> None:
    result, elapsed = timed("count(distinct values(for i in 1..200000 return i))")
    assert result.value == 200_000
    assert elapsed < BUDGETED
    assert evaluate('distinct values([1, 1.0, true, "1", null, null, true])') == [1, True, "1", None]
    assert evaluate('duplicate values([1, 2, 1, "a", "a", 1, [1], [1]])') == [1, "a", [1]]


def test_range_text_too_long_is_refused() -> None:
    result, elapsed = timed("range(s)", {"s": "[" + ".." * 100_000})
    assert_refused(result, "longer than")
    assert elapsed < QUICK


def test_bounded_cases_stay_under_a_gigabyte() -> None:
    # given a child process whose address space is capped at 1.5 GiB
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        from bizdevops.feel import parse
        cases = [
            '{f: function(s, n) if n = 0 then s else f(s + s, n - 1), r: f("x", 40)}.r',
            'string join(for i in 1..1000000 return "xxxxxxxxxx")',
            'for a in 1..1000, b in 1..1000, c in 1..1000 return [a, b, c]',
            'matches("x", "((a{1000}){1000}){1000}")',
            'string(for i in 1..100 return [partial[-1], partial[-1]])',
            'replace(string join(for i in 1..10000 return "aaaaaaaaaa"), "(a+)", "$1$1$1$1$1$1$1$1$1$1$1$1")',
        ]
        for text in cases:
            result = parse(text).evaluate({})
            assert result.value is None and result.errors, (text, result)
        print("bounded")
        """
    )
    # when the pathological cases run in it, then none runs out of memory
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "bounded"


def test_text_longer_than_the_limit_is_a_syntax_error_at_once() -> None:
    text = "[" + "1," * (MAX_TEXT // 2) + "1]"
    start = time.perf_counter()
    with pytest.raises(FeelSyntaxError) as caught:
        parse(text)
    assert "longer than" in caught.value.message
    assert time.perf_counter() - start < QUICK


def test_large_context_literal_parses_in_linear_time() -> None:
    # given a generated context of 7,000 entries, just under the text limit
    text = "{" + ", ".join(f"k{i}: {i}" for i in range(7000)) + "}"
    assert len(text) < MAX_TEXT
    start = time.perf_counter()
    # when it is parsed and evaluated, then duplicate keys are found by hash, not by a scan per entry
    assert len(evaluate(text)) == 7000
    assert time.perf_counter() - start < BUDGETED


def test_error_messages_do_not_repeat_a_huge_input() -> None:
    result = parse("number(s)").evaluate({"s": "1" * 100_000 + "x"})
    assert result.value is None
    assert result.errors
    assert all(len(message) <= 600 for message in result.warnings)


def test_string_of_the_largest_number_is_its_digits() -> None:
    # Python refuses int-to-text past 4,300 digits; FEEL numbers reach 6,145
    assert evaluate("string length(string(10 ** 6144))") == 6145
    assert evaluate("string(-(10 ** 2))") == "-100"


def test_small_patterns_are_compiled_once_and_large_ones_are_not_kept() -> None:
    from bizdevops.feel.xpath_regex import _cache, compile_xpath

    # given a usual pattern and one near the unrolled-size limit
    small, large = "^[A-Z]{2}\\d{4}$", "(" * 13 + "a" + ")+" * 13
    # when each is compiled twice, then the small one is reused and the large one (about 10 MB) is not held
    assert compile_xpath(small, "") is compile_xpath(small, "")
    compile_xpath(large, "")
    assert (small, "") in _cache
    assert (large, "") not in _cache


def test_sort_of_many_numbers_is_fast_and_of_many_dates_is_budgeted() -> None:
    # numbers and strings sort natively; other values compare through Python code and are counted
    result, elapsed = timed("sort(xs)[1]", {"xs": [(i * 7919) % 1_000_003 for i in range(300_000)]})
    assert result.value == 0
    assert elapsed < BUDGETED
    result, elapsed = timed("count(sort(for i in 1..200000 return date(2000, 1, 1)))")
    assert_refused(result, "steps")
    assert elapsed < BUDGETED
    assert evaluate('sort([date("2020-01-02"), date("2020-01-01")])')[0].day == 1


BIG = {"s": "x" * 900_000, "xs": ["y" * 1000] * 1000, "big": [list(range(1000))] * 1000}


@pytest.mark.parametrize(
    "text",
    [
        'count(for i in 1..1000000 return s + "x")',  # a 900 KB copy per round
        "count(for i in 1..1000 return string join(xs))",  # 1 MB built per round
        "count(for i in 1..1000 return string(big))",  # 1 MB printed per round, then refused
        "count(for i in 1..1000000 return big = big)",  # a million element comparisons per round
        "count(for i in 1..1000000 return big[1] in big)",  # a million per membership test
        'count(for i in 1..100000 return replace(s, "x", "y"))',  # 900,000 matches per round
    ],
)
def test_loops_of_large_operations_are_refused_by_the_budget(text: str) -> None:
    # given operations that are each allowed but large
    result, elapsed = timed(text, BIG)
    # then repeating them in a loop spends the step budget instead of gigabytes or minutes
    assert result.value is None
    assert result.errors
    assert elapsed < BUDGETED


def test_one_large_replace_runs_in_c_and_counts_its_output() -> None:
    result, elapsed = timed('string length(replace(s, "x", "y"))', BIG)
    assert result.value == 900_000
    assert elapsed < BUDGETED
    assert evaluate('replace("a.b", ".", "\\\\", "q")') == "a\\b"
    assert evaluate('replace("abc", "b", "\\\\$")') == "a$c"


def test_plain_text_patterns_replace_like_their_regex() -> None:
    # given patterns with no regex syntax (or the q flag), which take the str.replace path
    assert evaluate('replace("a-b-c", "-", "+")') == "a+b+c"
    assert evaluate('replace("a+b", "+", "\\\\", "q")') == "a\\b"
    assert evaluate('replace("a-b", "-", "$0$0")') == "a--b"  # a group reference still goes through regex
    assert evaluate('replace("aXbx", "x", "y", "i")') == "ayby"  # and so does a case-insensitive pattern
    # when the output would pass the string limit, then it is refused, not built
    result, elapsed = timed('replace(s, "x", "yy")', {"s": "x" * 600_000})
    assert_refused(result, "result longer than")
    assert elapsed < QUICK
