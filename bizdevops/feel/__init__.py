"""FEEL (DMN 1.5 chapter 10): a pure-Python parser and interpreter.

Entry points::

    expr = parse("a + 1", names=("Full Name",))  # cached by (text, names); FeelSyntaxError on bad text
    expr.evaluate({"a": 1})                     # EvaluationResult(value, warnings, errors); never raises
    evaluate("a + 1", {"a": 1})                 # value, None on any error
    evaluate_strict("a + 1", {"a": 1})          # value; FeelEvaluationError if evaluation hit an error
    parse_unary_tests("< 10, > 20").evaluate(5) # EvaluationResult(True/False/None, ...)
    evaluate_unary_tests("[1..5]", 3, context)  # True | False | None
    to_json(value) / from_json(obj)             # FEEL values <-> JSON-compatible Python

``names`` lists multi-word names in scope (variables such as ``Full Name``); ``evaluate`` collects them
from the context keys. A missing variable is null with a warning, not an error.

Value types (see ``values``): number ``Decimal``; string ``str``; boolean ``bool``; null ``None``;
date ``datetime.date``; time ``datetime.time``; date and time ``datetime.datetime`` (tzinfo None = local,
``datetime.timezone`` = offset, ``zoneinfo.ZoneInfo`` = zone id); ``YearsMonthsDuration(months)``;
``DaysTimeDuration(seconds: Decimal)``; list ``list``; context ``dict``; ``Range``; ``FeelFunction``.
Dates outside years 1..9999 are ``ExtDate``/``ExtDateTime`` subclasses (use ``real_year``), times and
date-times with nanoseconds are ``NanoTime``/``ExtDateTime`` (``nanos_of``); compare with ``feel_equal``
and print with ``to_feel_string`` rather than Python's ``==``/``str``.

``Expression.evaluate(context, types=...)`` takes predicates for extra type names (DMN item definitions)
used by ``instance of`` and typed function parameters. Regular expressions follow XPath (``xpath_regex``).
Constructors: ``make_date``, ``make_time``, ``make_date_time``, ``years_months_duration``,
``days_time_duration``, ``make_range``, ``parse_date``, ``parse_time``, ``parse_date_time``,
``parse_duration``; helpers ``feel_equal`` (FEEL ``=``), ``to_feel_string`` (FEEL ``string()``).

Limits (text comes from users; none of them can hang a worker or allocate gigabytes, they give null plus an
error instead): regular expressions run on the ``regex`` module with a 0.25 s time-out ("regular expression
took too long"), patterns up to 1,000 characters and 10,000 units once repeats are unrolled, inputs up to
1,000,000 characters (``xpath_regex``); lists up to 1,000,000 items, including the product of a ``for``'s
ranges; strings built by FEEL up to 1,000,000 characters (``values.MAX_STRING``); 1,500,000 steps of work
per evaluation (``interpreter.MAX_STEPS``: loop rounds, filtered items, function calls, built-in argument
sizes; about a second of work); 120 nested function calls; exponents up to 10**9 and the decimal range of
IEEE 754 decimal128; FEEL text up to 100,000 characters (``parser.MAX_TEXT``, a syntax error beyond).
``to_json`` converts at most 1,000,000 nodes and 100 levels (the rest become None). Callers that run
compiled closures themselves (``Compiler``, ``Env``, ``State``) must catch ``FeelError``: the step budget
unwinds the evaluation with it.
"""

from bizdevops.feel.api import (
    EvaluationResult,
    Expression,
    UnaryTests,
    context_names,
    evaluate,
    evaluate_strict,
    evaluate_unary_tests,
    parse,
    parse_unary_tests,
)
from bizdevops.feel.errors import FeelEvaluationError, FeelSyntaxError
from bizdevops.feel.values import (
    DaysTimeDuration,
    FeelError,
    FeelFunction,
    Range,
    YearsMonthsDuration,
    days_time_duration,
    feel_compare,
    feel_equal,
    from_json,
    from_python,
    make_date,
    make_date_time,
    make_range,
    make_time,
    nanos_of,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    real_year,
    to_feel_string,
    to_json,
    type_name,
    years_months_duration,
)

__all__ = [
    "DaysTimeDuration",
    "EvaluationResult",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelFunction",
    "FeelSyntaxError",
    "Range",
    "UnaryTests",
    "YearsMonthsDuration",
    "context_names",
    "days_time_duration",
    "evaluate",
    "evaluate_strict",
    "evaluate_unary_tests",
    "feel_compare",
    "feel_equal",
    "from_json",
    "from_python",
    "make_date",
    "make_date_time",
    "make_range",
    "make_time",
    "parse",
    "parse_date",
    "parse_date_time",
    "parse_duration",
    "parse_time",
    "parse_unary_tests",
    "real_year",
    "nanos_of",
    "to_feel_string",
    "to_json",
    "type_name",
    "years_months_duration",
]
