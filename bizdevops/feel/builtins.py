"""The built-in functions of DMN 1.5 §10.3.4 (plus Camunda's ``is defined``, ``get or else`` and a few more).

Implementations receive FEEL values and raise FeelError for invalid arguments; the caller turns that into
null plus a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    DecimalException,
)
from typing import Any

import regex

from bizdevops.feel import parser as feel_parser
from bizdevops.feel import xpath_regex
from bizdevops.feel.clock import current_time
from bizdevops.feel.interpreter import MAX_LIST, MAX_STRING, Builtin, Env, invoke, range_contains
from bizdevops.feel.values import (
    DECIMAL_CONTEXT,
    DaysTimeDuration,
    FeelError,
    FeelFunction,
    Range,
    YearsMonthsDuration,
    combine,
    feel_compare,
    feel_equal,
    make_any_date,
    nanos_of,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    real_year,
    time_offset,
    to_feel_string,
    type_name,
    with_nanos,
)
from bizdevops.feel.xpath_regex import compile_xpath

BUILTINS: dict[str, Builtin] = {}
_ABSENT: Any = object()

Impl = Callable[..., Any]


def builtin(name: str, *signatures: tuple[str, ...], needs_env: bool = False) -> Callable[[Impl], Impl]:
    def register(fn: Impl) -> Impl:
        target = BUILTINS.setdefault(name, Builtin(name))
        for params in signatures:
            target.add(params, fn, needs_env)
        return fn

    return register


# -- argument checks ---------------------------------------------------------------------------------------


def _unwrap(value: Any) -> Any:
    """FEEL's conversion from a singleton list where a single value is expected (TCK 0021)."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _num(value: Any, what: str = "argument") -> Decimal:
    value = _unwrap(value)
    if isinstance(value, Decimal):
        return value
    raise FeelError(f"{what} must be a number, not {type_name(value)}")


def _int(value: Any, what: str = "argument") -> int:
    n = _num(value, what)
    if n != n.to_integral_value():
        raise FeelError(f"{what} must be an integer")
    return int(n)


def _str(value: Any, what: str = "argument") -> str:
    value = _unwrap(value)
    if isinstance(value, str):
        return value
    raise FeelError(f"{what} must be a string, not {type_name(value)}")


def _list(value: Any, what: str = "list") -> list[Any]:
    if isinstance(value, list):
        return value
    if value is not None and not isinstance(value, FeelFunction):
        # FEEL's singleton-list conversion: a T where a list<T> is expected is [T].
        return [value]
    raise FeelError(f"{what} must be a list, not {type_name(value)}")


def _items(args: Any) -> list[Any]:
    """Arguments of functions that take either one list or many values (min, max, sum, ...)."""
    if isinstance(args, list) and len(args) == 1 and isinstance(args[0], list):
        return args[0]
    return list(args)


def _numbers(values: list[Any]) -> list[Decimal]:
    out = []
    for v in values:
        if not isinstance(v, Decimal):
            raise FeelError(f"expected numbers, found {type_name(v)}")
        out.append(v)
    return out


def _date(value: Any) -> dt.date:
    value = _unwrap(value)
    if isinstance(value, dt.date):
        return value
    raise FeelError(f"expected a date, not {type_name(value)}")


# -- conversion --------------------------------------------------------------------------------------------


@builtin("date", ("from",))
def _date_from(value: Any) -> Any:
    if isinstance(value, str):
        return parse_date(value)
    if isinstance(value, dt.datetime):
        return make_any_date(real_year(value), value.month, value.day)
    if isinstance(value, dt.date):
        return value
    raise FeelError(f"cannot convert {type_name(value)} to a date")


@builtin("date", ("year", "month", "day"))
def _date_parts(year: Any, month: Any, day: Any) -> Any:
    try:
        return make_any_date(_int(year), _int(month), _int(day))
    except (ValueError, OverflowError) as error:
        raise FeelError(f"invalid date: {error}") from error


@builtin("date and time", ("from",))
def _date_time_from(value: Any) -> Any:
    if isinstance(value, str):
        return parse_date_time(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return combine(value, dt.time())
    raise FeelError(f"cannot convert {type_name(value)} to a date and time")


@builtin("date and time", ("date", "time"))
def _date_time_parts(date: Any, time: Any) -> Any:
    day = _date(date)
    if not isinstance(time, dt.time):
        raise FeelError("time must be a time")
    return combine(day, time)


@builtin("time", ("from",))
def _time_from(value: Any) -> Any:
    if isinstance(value, str):
        return parse_time(value)
    if isinstance(value, dt.datetime):
        return with_nanos(value.timetz(), nanos_of(value))
    if isinstance(value, dt.time):
        return value
    raise FeelError(f"cannot convert {type_name(value)} to a time")


@builtin("time", ("hour", "minute", "second", "offset?"))
def _time_parts(hour: Any, minute: Any, second: Any, offset: Any = None) -> Any:
    sec = _num(second, "second")
    whole = int(sec)
    total_nanos = int(((sec - whole) * 1_000_000_000).to_integral_value())
    micro, nanos = divmod(total_nanos, 1000)
    tz: dt.tzinfo | None = None
    if offset is not None:
        if not isinstance(offset, DaysTimeDuration):
            raise FeelError("offset must be a days and time duration")
        try:
            tz = dt.timezone(offset.to_timedelta())
        except ValueError as error:
            raise FeelError("offset out of range") from error
    try:
        return with_nanos(dt.time(_int(hour), _int(minute), whole, micro, tzinfo=tz), nanos)
    except ValueError as error:
        raise FeelError(f"invalid time: {error}") from error


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@builtin("number", ("from", "grouping separator?", "decimal separator?"))
def _number(text: Any, grouping: Any = None, decimal: Any = None) -> Any:
    s = _str(text, "from")
    if grouping is not None and grouping not in (" ", ",", "."):
        raise FeelError("grouping separator must be ' ', ',' or '.'")
    if decimal is not None and decimal not in (".", ","):
        raise FeelError("decimal separator must be '.' or ','")
    if grouping is not None and grouping == decimal:
        raise FeelError("grouping and decimal separators must differ")
    if grouping:
        s = s.replace(grouping, "")
    if decimal:
        s = s.replace(decimal, ".")
    if not _NUMBER_TEXT.fullmatch(s):
        raise FeelError(f"cannot convert {text!r} to a number")
    try:
        return DECIMAL_CONTEXT.plus(Decimal(s))
    except DecimalException as error:
        raise FeelError(f"cannot convert {text!r} to a number: out of range") from error


@builtin("string", ("from",), needs_env=True)
def _string(env: Env, value: Any) -> Any:
    if value is None:
        return None
    try:
        text = to_feel_string(value)
    except FeelError:
        env.state.tick(MAX_STRING >> 2)  # it printed MAX_STRING characters before giving up
        raise
    # Printing walks the structure in Python, about a step per four characters.
    env.state.tick(len(text) >> 2)
    return text


@builtin("duration", ("from",))
def _duration(value: Any) -> Any:
    return parse_duration(_str(value, "from"))


@builtin("years and months duration", ("from", "to"))
def _ym_duration(start: Any, end: Any) -> Any:
    a, b = _date(start), _date(end)
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        raise FeelError("from and to must both be dates or both be date and time values")
    # Whole months between the calendar dates; the time of day does not count (TCK 1121).
    months = (real_year(b) - real_year(a)) * 12 + (b.month - a.month)
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return YearsMonthsDuration(months)


@builtin("range", ("from",))
def _range(text: Any) -> Any:
    from bizdevops.feel.api import evaluate_range_literal

    return evaluate_range_literal(_str(text, "from"))


# -- boolean -----------------------------------------------------------------------------------------------


@builtin("not", ("negand",))
def _not(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if value is None:
        return None
    raise FeelError("not() expects a boolean")


@builtin("is defined", ("value",))
def _is_defined(value: Any) -> Any:
    return value is not None


@builtin("get or else", ("value", "default"))
def _get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


@builtin("fromAi", ("value", "description?", "type?", "schema?", "options?"))
def _from_ai(value: Any, *_tags: Any) -> Any:
    """Camunda extension: tags `value` as provided by an AI agent (its other arguments describe it for the
    integration, see the engine's ad-hoc subprocess elements) and returns it unchanged."""
    return value


@builtin("is", ("value1", "value2"))
def _is(a: Any, b: Any) -> Any:
    """Same element of the FEEL domain: equal and of the same type; temporals also keep local time+offset."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        if (a.tzinfo is None) != (b.tzinfo is None) or feel_equal(
            a.replace(tzinfo=None), b.replace(tzinfo=None)
        ) is not True:
            return False
        return a.utcoffset() == b.utcoffset()
    if isinstance(a, dt.time) and isinstance(b, dt.time):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        local = (a.hour, a.minute, a.second, a.microsecond, nanos_of(a))
        return local == (b.hour, b.minute, b.second, b.microsecond, nanos_of(b)) and time_offset(
            a
        ) == time_offset(b)
    return feel_equal(a, b) is True


# -- strings -----------------------------------------------------------------------------------------------


@builtin("substring", ("string", "start position", "length?"))
def _substring(string: Any, start: Any, length: Any = None) -> Any:
    s = _str(string, "string")
    chars = list(s)
    n = len(chars)
    begin = _num(start, "start position").to_integral_value(rounding=ROUND_DOWN)
    b = int(begin)
    if b == 0 or abs(b) > n and not (b > 0 and b == n + 1):
        if b == 0 or b < -n:
            raise FeelError("start position out of range")
    index = b - 1 if b > 0 else n + b
    if length is None:
        return "".join(chars[index:])
    count = int(_num(length, "length").to_integral_value(rounding=ROUND_DOWN))
    if count < 0:
        raise FeelError("length must not be negative")
    return "".join(chars[index : index + count])


@builtin("string length", ("string",))
def _string_length(string: Any) -> Any:
    # Counted in UTF-16 code units as Java engines do: the TCK (0083) expects 2 for one emoji.
    text = _str(string, "string")
    return Decimal(len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF))


@builtin("upper case", ("string",))
def _upper(string: Any) -> Any:
    return _str(string, "string").upper()


@builtin("lower case", ("string",))
def _lower(string: Any) -> Any:
    return _str(string, "string").lower()


@builtin("substring before", ("string", "match"))
def _before(string: Any, match: Any) -> Any:
    s, m = _str(string), _str(match)
    i = s.find(m)
    return "" if i < 0 else s[:i]


@builtin("substring after", ("string", "match"))
def _after(string: Any, match: Any) -> Any:
    s, m = _str(string), _str(match)
    i = s.find(m)
    return "" if i < 0 else s[i + len(m) :]


@builtin("contains", ("string", "match"))
def _contains(string: Any, match: Any) -> Any:
    return _str(match) in _str(string)


@builtin("starts with", ("string", "match"))
def _starts(string: Any, match: Any) -> Any:
    return _str(string).startswith(_str(match))


@builtin("ends with", ("string", "match"))
def _ends(string: Any, match: Any) -> Any:
    return _str(string).endswith(_str(match))


@builtin("trim", ("string",))
def _trim(string: Any) -> Any:
    return _str(string).strip()


def _regex(pattern: Any, flags: Any) -> Any:
    """Compile an XPath regular expression with XPath flags (see ``xpath_regex``)."""
    return compile_xpath(_str(pattern, "pattern"), "" if flags is None else _str(flags, "flags"))


def _replacement(text: str) -> tuple[str, int, int]:
    """An XPath replacement string (``$1``, ``\\$``, ``\\\\``) as a ``regex`` template (``\\g<1>``).

    Also returns how many group references and how many plain characters it has, which bound its output.
    """
    out: list[str] = []
    refs = plain = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "\\$":
            out.append("\\\\" if text[i + 1] == "\\" else "$")
            plain += 1
            i += 2
            continue
        if ch == "\\":
            raise FeelError("invalid replacement string")
        if ch == "$":
            m = re.match(r"\d+", text[i + 1 :])
            if not m:
                raise FeelError("invalid replacement string")
            out.append(f"\\g<{m.group()}>")
            refs += 1
            i += 1 + len(m.group())
            continue
        out.append(ch if ch != "\\" else "\\\\")
        plain += 1
        i += 1
    return "".join(out), refs, plain


@builtin("replace", ("input", "pattern", "replacement", "flags?"), needs_env=True)
def _replace(env: Env, input: Any, pattern: Any, replacement: Any, flags: Any = None) -> Any:
    rx = _regex(pattern, flags)
    s = _regex_input(env, input, "input")
    if xpath_regex.fullmatch(rx, "") is not None:
        raise FeelError("pattern matches the empty string")
    plain = _str(replacement, "replacement")
    if flags is None or "q" not in flags:
        template, refs, static = _replacement(plain)
    else:
        template, refs, static = plain.replace("\\", "\\\\"), 0, len(plain)
    literal = _literal_pattern(_str(pattern, "pattern"), "" if flags is None else _str(flags, "flags"))
    if literal is not None and refs == 0:
        # A plain text pattern: str.replace, linear and with no regex time-out to race against.
        text = template.replace("\\\\", "\\")
        if len(s) > xpath_regex.MAX_INPUT:
            raise FeelError(f"input longer than {xpath_regex.MAX_INPUT} characters for a regular expression")
        if len(s) + s.count(literal) * (len(text) - len(literal)) > MAX_STRING:
            raise FeelError(f"result longer than {MAX_STRING} characters")
        return s.replace(literal, text)
    # Matches are never empty, so there are at most len(s) + 1 of them, each replaced by `static`
    # characters plus `refs` copies of at most the match: the output is at most this long.
    if (len(s) + 1) * (refs + max(1, static)) <= MAX_STRING:
        try:
            return xpath_regex.sub(rx, template, s)  # substituted in C, no Python call per match
        except (regex.error, re.error, IndexError) as error:
            raise FeelError(f"invalid replacement: {error}") from error
    # Otherwise count the output as it is built: `$1$1$1...` on a long match could grow without bound.
    produced = [len(s)]
    state = env.state

    def expand(m: Any) -> str:
        state.tick()  # a Python call per match
        text = str(m.expand(template))
        produced[0] += len(text) - (m.end() - m.start())
        if produced[0] > MAX_STRING:
            raise FeelError(f"result longer than {MAX_STRING} characters")
        return text

    try:
        return xpath_regex.sub(rx, expand, s)
    except (regex.error, re.error, IndexError) as error:
        raise FeelError(f"invalid replacement: {error}") from error


_REGEX_SYNTAX = frozenset("\\^$.|?*+()[]{}")


def _literal_pattern(pattern: str, flags: str) -> str | None:
    """The text a pattern matches when it is plain text (no regex syntax, or the ``q`` flag), else None.

    Case-insensitive (``i``) and free-spacing (``x``) patterns are left to the regex engine.
    """
    if not set(flags) <= {"q", "s", "m"}:
        return None
    if "q" in flags or not _REGEX_SYNTAX.intersection(pattern):
        return pattern
    return None


def _regex_input(env: Env, value: Any, what: str) -> str:
    # A regex call may run up to its time limit, which grows with the input (1 us a character): count a
    # step per 2 characters so that a loop of calls on long inputs ends within the evaluation's budget.
    text = _str(value, what)
    env.state.tick(len(text) >> 1)
    return text


@builtin("matches", ("input", "pattern", "flags?"), needs_env=True)
def _matches(env: Env, input: Any, pattern: Any, flags: Any = None) -> Any:
    rx = _regex(pattern, flags)
    return xpath_regex.search(rx, _regex_input(env, input, "input")) is not None


@builtin("split", ("string", "delimiter"), needs_env=True)
def _split(env: Env, string: Any, delimiter: Any) -> Any:
    rx = _regex(delimiter, None)
    s = _regex_input(env, string, "string")
    if xpath_regex.fullmatch(rx, "") is not None:
        raise FeelError("delimiter matches the empty string")
    return xpath_regex.split(rx, s)


@builtin("extract", ("string", "pattern"), needs_env=True)
def _extract(env: Env, string: Any, pattern: Any) -> Any:
    rx = _regex(pattern, None)
    return xpath_regex.find_all(rx, _regex_input(env, string, "string"))


@builtin("string join", ("list", "delimiter?"))
def _string_join(values: Any, delimiter: Any = None) -> Any:
    items = _list(values)
    sep = "" if delimiter is None else _str(delimiter, "delimiter")
    parts = []
    length = 0
    for item in items:
        if item is None:
            continue
        parts.append(_str(item, "list element"))
        length += len(parts[-1]) + len(sep)
        if length > MAX_STRING + len(sep):
            raise FeelError(f"result longer than {MAX_STRING} characters")
    return sep.join(parts)


@builtin("string join", ("...",))
def _string_join_var(values: Any) -> Any:
    raise FeelError("string join() expects a list")


# -- lists -------------------------------------------------------------------------------------------------


@builtin("list contains", ("list", "element"))
def _list_contains(values: Any, element: Any) -> Any:
    return any(feel_equal(v, element) is True for v in _list(values))


@builtin("count", ("list",))
def _count(values: Any) -> Any:
    return Decimal(len(_list(values)))


@builtin("count", ("...",))
def _count_var(values: Any) -> Any:
    return Decimal(len(values))


def _extreme(values: list[Any], sign: int) -> Any:
    if not values:
        return None
    best = values[0]
    for v in values[1:]:
        c = feel_compare(v, best)
        if c is None:
            raise FeelError("values are not comparable")
        if c * sign > 0:
            best = v
    if len(values) == 1 and feel_compare(best, best) is None:
        raise FeelError("value is not comparable")
    return best


@builtin("min", ("list",))
def _min(values: Any) -> Any:
    return _extreme(values if isinstance(values, list) else [values], -1)


@builtin("min", ("...",))
def _min_var(values: Any) -> Any:
    if not values:
        raise FeelError("min() needs arguments")
    return _extreme(values, -1)


@builtin("max", ("list",))
def _max(values: Any) -> Any:
    return _extreme(values if isinstance(values, list) else [values], 1)


@builtin("max", ("...",))
def _max_var(values: Any) -> Any:
    if not values:
        raise FeelError("max() needs arguments")
    return _extreme(values, 1)


def _sum(values: list[Any]) -> Any:
    nums = _numbers(values)
    if not nums:
        return None
    total = Decimal(0)
    for n in nums:
        total = DECIMAL_CONTEXT.add(total, n)
    return total


def _list_or_varargs(name: str, fn: Callable[[list[Any]], Any]) -> None:
    def one(values: Any) -> Any:
        return fn(values if isinstance(values, list) else [values])

    def many(values: Any) -> Any:
        if not values:
            raise FeelError(f"{name}() needs arguments")
        return fn(values)

    builtin(name, ("list",))(one)
    builtin(name, ("...",))(many)


def _mean(values: list[Any]) -> Any:
    nums = _numbers(values)
    if not nums:
        return None
    return DECIMAL_CONTEXT.divide(_sum(nums), Decimal(len(nums)))


def _median(values: list[Any]) -> Any:
    nums = sorted(_numbers(values))
    if not nums:
        return None
    mid = len(nums) // 2
    if len(nums) % 2:
        return nums[mid]
    return DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.add(nums[mid - 1], nums[mid]), Decimal(2))


def _stddev(values: list[Any]) -> Any:
    nums = _numbers(values)
    if len(nums) < 2:
        return None
    mean = _mean(nums)
    squares = sum((DECIMAL_CONTEXT.power(n - mean, 2) for n in nums), Decimal(0))
    return DECIMAL_CONTEXT.sqrt(DECIMAL_CONTEXT.divide(squares, Decimal(len(nums) - 1)))


def _mode(values: list[Any]) -> Any:
    nums = _numbers(values)
    if not nums:
        return []
    counts: dict[Decimal, int] = {}
    for n in nums:
        counts[n] = counts.get(n, 0) + 1
    top = max(counts.values())
    return sorted(n for n, c in counts.items() if c == top)


def _product(values: list[Any]) -> Any:
    nums = _numbers(values)
    if not nums:
        return None
    total = Decimal(1)
    for n in nums:
        total = DECIMAL_CONTEXT.multiply(total, n)
    return total


def _all(values: list[Any]) -> Any:
    result: bool | None = True
    for v in values:
        if v is False:
            return False
        if v is not True:
            result = None
    return result


def _any(values: list[Any]) -> Any:
    result: bool | None = False
    for v in values:
        if v is True:
            return True
        if v is not False:
            result = None
    return result


_list_or_varargs("sum", _sum)
_list_or_varargs("mean", _mean)
_list_or_varargs("median", _median)
_list_or_varargs("stddev", _stddev)
_list_or_varargs("mode", _mode)
_list_or_varargs("product", _product)
_list_or_varargs("all", _all)
_list_or_varargs("any", _any)


def _position(values: list[Any], position: Any, allow_end: bool = False) -> int:
    p = _int(position, "position")
    n = len(values)
    if 1 <= p <= n or allow_end and p == n + 1:
        return p - 1
    if -n <= p <= -1:
        return n + p
    raise FeelError(f"position {p} out of range")


@builtin("sublist", ("list", "start position", "length?"))
def _sublist(values: Any, start: Any, length: Any = None) -> Any:
    items = _list(values)
    index = _position(items, start)
    if length is None:
        return items[index:]
    count = _int(length, "length")
    if count < 0 or index + count > len(items):
        raise FeelError("length out of range")
    return items[index : index + count]


def _check_size(n: int) -> None:
    if n > MAX_LIST:
        raise FeelError(f"list longer than {MAX_LIST}")


@builtin("append", ("list", "..."))
def _append(values: Any, items: Any) -> Any:
    base = _list(values)
    _check_size(len(base) + len(items))
    return [*base, *items]


@builtin("concatenate", ("...",))
def _concatenate(lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        out.extend(_list(item))
        _check_size(len(out))
    return out


@builtin("insert before", ("list", "position", "newItem"))
def _insert_before(values: Any, position: Any, item: Any) -> Any:
    items = _list(values)
    index = _position(items, position)
    return [*items[:index], item, *items[index:]]


@builtin("remove", ("list", "position"))
def _remove(values: Any, position: Any) -> Any:
    items = _list(values)
    index = _position(items, position)
    return [*items[:index], *items[index + 1 :]]


@builtin("list replace", ("list", "position", "newItem"), ("list", "match", "newItem"), needs_env=True)
def _list_replace_match(env: Env, values: Any, match: Any, item: Any) -> Any:
    items = list(_list(values))
    if not isinstance(match, FeelFunction):
        items[_position(items, match)] = item
        return items
    out = []
    for v in items:
        matched = invoke(env, match, [v, item])
        if not isinstance(matched, bool):
            raise FeelError("match must return a boolean")
        out.append(item if matched else v)
    return out


@builtin("reverse", ("list",))
def _reverse(values: Any) -> Any:
    return list(reversed(_list(values)))


@builtin("index of", ("list", "match"))
def _index_of(values: Any, match: Any) -> Any:
    return [Decimal(i + 1) for i, v in enumerate(_list(values)) if feel_equal(v, match) is True]


# Pairwise feel_equal comparisons distinct values / duplicate values may make for values without a hash key.
_MAX_COMPARISONS = 5_000_000


def _hash_key(value: Any) -> Any:
    """A key that is equal exactly when FEEL ``=`` is true, for the common scalar types; None otherwise."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, Decimal):
        return ("number", value)  # Decimal hashes 1 and 1.0 alike, as FEEL equality wants
    if isinstance(value, str):
        return ("string", value)
    return None


class _Seen:
    """Values seen so far, found by hash when they have a key and by feel_equal otherwise."""

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.others: list[Any] = []
        self.comparisons = 0

    def add(self, value: Any) -> bool:
        """Remember ``value``; False when an equal value was there already."""
        key = _hash_key(value)
        if key is not None:
            if key in self.keys:
                return False
            self.keys.add(key)
            return True
        self.comparisons += len(self.others)
        if self.comparisons > _MAX_COMPARISONS:
            raise FeelError("list too long to compare its elements")
        if any(feel_equal(value, o) is True for o in self.others):
            return False
        self.others.append(value)
        return True


def _distinct(values: list[Any]) -> list[Any]:
    seen = _Seen()
    return [v for v in values if seen.add(v)]


@builtin("union", ("...",))
def _union(lists: Any) -> Any:
    combined: list[Any] = []
    for item in lists:
        combined.extend(_list(item))
        _check_size(len(combined))
    return _distinct(combined)


@builtin("distinct values", ("list",))
def _distinct_values(values: Any) -> Any:
    return _distinct(_list(values))


@builtin("duplicate values", ("list",))
def _duplicate_values(values: Any) -> Any:
    seen, reported = _Seen(), _Seen()
    return [v for v in _list(values) if not seen.add(v) and reported.add(v)]


@builtin("flatten", ("list",))
def _flatten(values: Any) -> Any:
    out: list[Any] = []
    visited = [0]

    def walk(items: list[Any], depth: int) -> None:
        if depth > 100:
            raise FeelError("list nested too deeply")
        # Shared sub-lists are walked once per occurrence: count every element, not only the leaves.
        visited[0] += len(items)
        if visited[0] > MAX_LIST:
            raise FeelError("list too long")
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append(item)
                if len(out) > MAX_LIST:
                    raise FeelError("list too long")

    walk(_list(values), 0)
    return out


@builtin("is empty", ("list",))
def _is_empty(values: Any) -> Any:
    return not _list(values)


@builtin("partition", ("list", "size"))
def _partition(values: Any, size: Any) -> Any:
    items, n = _list(values), _int(size, "size")
    if n <= 0:
        raise FeelError("size must be positive")
    return [items[i : i + n] for i in range(0, len(items), n)]


@builtin("sort", ("list", "precedes?"), needs_env=True)
def _sort(env: Env, values: Any, precedes: Any = None) -> Any:
    items = list(_list(values))
    if precedes is None:
        kinds = {type(v) for v in items}
        if kinds == {Decimal} or kinds == {str}:
            return sorted(items)  # FEEL's order is Python's here; a C sort is 10 times faster
        # Comparisons through Python code cost about a step each: n log n of them.
        env.state.tick(len(items) * len(items).bit_length() // 2)

        def natural(x: Any, y: Any) -> int:
            c = feel_compare(x, y)
            if c is None:
                raise FeelError("list elements are not comparable")
            return c

        return sorted(items, key=functools.cmp_to_key(natural))
    if not isinstance(precedes, FeelFunction):
        raise FeelError("precedes must be a function")

    def compare(x: Any, y: Any) -> int:
        if invoke(env, precedes, [x, y]) is True:
            return -1
        if invoke(env, precedes, [y, x]) is True:
            return 1
        return 0

    return sorted(items, key=functools.cmp_to_key(compare))


# -- numbers -----------------------------------------------------------------------------------------------


def _scaled(n: Any, scale: Any, rounding: str) -> Any:
    number = _num(n, "n")
    if scale is _ABSENT:
        s = 0
    else:
        s = int(_num(scale, "scale"))  # a fractional scale is truncated (TCK 1100: decimal(1/3, 2.5))
    if not -6111 <= s <= 6176:
        raise FeelError("scale out of range")
    if number.is_finite() and number.as_tuple().exponent >= -s:  # type: ignore[operator]
        return number  # already has no more digits than the scale keeps
    try:
        return number.quantize(Decimal(1).scaleb(-s), rounding=rounding, context=DECIMAL_CONTEXT)
    except DecimalException as error:
        raise FeelError("cannot round this number") from error


@builtin("decimal", ("n", "scale"))
def _decimal(n: Any, scale: Any) -> Any:
    return _scaled(n, scale, ROUND_HALF_EVEN)


@builtin("floor", ("n", "scale?"))
def _floor(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_FLOOR)


@builtin("ceiling", ("n", "scale?"))
def _ceiling(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_CEILING)


@builtin("round up", ("n", "scale?"))
def _round_up(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_UP)


@builtin("round down", ("n", "scale?"))
def _round_down(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_DOWN)


@builtin("round half up", ("n", "scale?"))
def _round_half_up(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_HALF_UP)


@builtin("round half down", ("n", "scale?"))
def _round_half_down(n: Any, scale: Any = _ABSENT) -> Any:
    return _scaled(n, scale, ROUND_HALF_DOWN)


@builtin("abs", ("n",))
def _abs(n: Any) -> Any:
    if isinstance(n, YearsMonthsDuration):
        return YearsMonthsDuration(abs(n.months))
    if isinstance(n, DaysTimeDuration):
        return DaysTimeDuration(abs(n.seconds))
    return abs(_num(n, "n"))


@builtin("modulo", ("dividend", "divisor"))
def _modulo(dividend: Any, divisor: Any) -> Any:
    a, b = _num(dividend, "dividend"), _num(divisor, "divisor")
    if not b:
        raise FeelError("division by zero")
    floor = DECIMAL_CONTEXT.divide_int(a, b)
    if (a % b) and (a < 0) != (b < 0):
        floor -= 1
    return DECIMAL_CONTEXT.subtract(a, DECIMAL_CONTEXT.multiply(b, floor))


@builtin("sqrt", ("number",))
def _sqrt(n: Any) -> Any:
    number = _num(n, "number")
    if number < 0:
        raise FeelError("square root of a negative number")
    return DECIMAL_CONTEXT.sqrt(number)


@builtin("log", ("number",))
def _log(n: Any) -> Any:
    number = _num(n, "number")
    if number <= 0:
        raise FeelError("logarithm of a non-positive number")
    return DECIMAL_CONTEXT.ln(number)


@builtin("exp", ("number",))
def _exp(n: Any) -> Any:
    try:
        return DECIMAL_CONTEXT.exp(_num(n, "number"))
    except DecimalException as error:
        raise FeelError("exp overflow") from error


@builtin("odd", ("number",))
def _odd(n: Any) -> Any:
    return _int(n, "number") % 2 == 1


@builtin("even", ("number",))
def _even(n: Any) -> Any:
    return _int(n, "number") % 2 == 0


# -- dates -------------------------------------------------------------------------------------------------

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@builtin("day of year", ("date",))
def _day_of_year(date: Any) -> Any:
    return Decimal(_date(date).timetuple().tm_yday)


@builtin("day of week", ("date",))
def _day_of_week(date: Any) -> Any:
    return _DAYS[_date(date).weekday()]


@builtin("month of year", ("date",))
def _month_of_year(date: Any) -> Any:
    return _MONTHS[_date(date).month - 1]


@builtin("week of year", ("date",))
def _week_of_year(date: Any) -> Any:
    return Decimal(_date(date).isocalendar()[1])


@builtin("last day of month", ("date",))
def _last_day_of_month(date: Any) -> Any:
    import calendar

    d = _date(date)
    return make_any_date(real_year(d), d.month, calendar.monthrange(d.year, d.month)[1])


@builtin("now", ())
def _now() -> Any:
    return current_time()


@builtin("today", ())
def _today() -> Any:
    return current_time().date()


# -- ranges ------------------------------------------------------------------------------------------------


class _Inf:
    def __init__(self, sign: int) -> None:
        self.sign = sign


_NEG, _POS = _Inf(-1), _Inf(1)


def _start(r: Range) -> Any:
    return _NEG if r.start is None and not r.start_included else r.start


def _end(r: Range) -> Any:
    return _POS if r.end is None and not r.end_included else r.end


def _cmp(a: Any, b: Any) -> int:
    if isinstance(a, _Inf) or isinstance(b, _Inf):
        sa = a.sign if isinstance(a, _Inf) else 0
        sb = b.sign if isinstance(b, _Inf) else 0
        return (sa > sb) - (sa < sb)
    c = feel_compare(a, b)
    if c is None:
        raise FeelError(f"cannot compare {type_name(a)} with {type_name(b)}")
    return c


def _lt(a: Any, b: Any) -> bool:
    return _cmp(a, b) < 0


def _eq(a: Any, b: Any) -> bool:
    return _cmp(a, b) == 0


def _gt(a: Any, b: Any) -> bool:
    return _cmp(a, b) > 0


def _as_range(v: Any) -> Range:
    if isinstance(v, Range):
        if v.operator is not None:
            raise FeelError("= and != tests are not intervals")
        return v
    raise FeelError(f"expected a range, not {type_name(v)}")


def _point(v: Any) -> Any:
    if v is None or isinstance(v, list | dict | bool | FeelFunction):
        raise FeelError(f"expected a point, not {type_name(v)}")
    return v


def _ranged(name: str, pp: Any, pr: Any, rp: Any, rr: Any, names: tuple[tuple[str, str], ...]) -> None:
    def impl(a: Any, b: Any) -> Any:
        if a is None or b is None:
            raise FeelError(f"{name}() with null")
        ra, rb = isinstance(a, Range), isinstance(b, Range)
        if not ra and not rb:
            if pp is None:
                raise FeelError(f"{name}() needs a range")
            return pp(_point(a), _point(b))
        if not ra and rb:
            if pr is None:
                raise FeelError(f"{name}() does not take a point and a range")
            return pr(_point(a), _as_range(b))
        if ra and not rb:
            if rp is None:
                raise FeelError(f"{name}() does not take a range and a point")
            return rp(_as_range(a), _point(b))
        return rr(_as_range(a), _as_range(b))

    for pair in names:
        builtin(name, pair)(impl)


def _before_pr(p: Any, r: Range) -> bool:
    return _lt(p, _start(r)) or (_eq(p, _start(r)) and not r.start_included)


def _before_rp(r: Range, p: Any) -> bool:
    return _lt(_end(r), p) or (_eq(_end(r), p) and not r.end_included)


def _before_rr(a: Range, b: Range) -> bool:
    return _lt(_end(a), _start(b)) or (
        (not a.end_included or not b.start_included) and _eq(_end(a), _start(b))
    )


def _includes_rp(r: Range, p: Any) -> bool:
    return (
        (_lt(_start(r), p) and _gt(_end(r), p))
        or (_eq(_start(r), p) and r.start_included)
        or (_eq(_end(r), p) and r.end_included)
    )


def _includes_rr(a: Range, b: Range) -> bool:
    return (
        _lt(_start(a), _start(b))
        or (_eq(_start(a), _start(b)) and (a.start_included or not b.start_included))
    ) and (_gt(_end(a), _end(b)) or (_eq(_end(a), _end(b)) and (a.end_included or not b.end_included)))


def _starts_pr(p: Any, r: Range) -> bool:
    return r.start_included and _eq(_start(r), p)


def _starts_rr(a: Range, b: Range) -> bool:
    return (
        _eq(_start(a), _start(b))
        and a.start_included == b.start_included
        and (_lt(_end(a), _end(b)) or (_eq(_end(a), _end(b)) and (not a.end_included or b.end_included)))
    )


def _finishes_pr(p: Any, r: Range) -> bool:
    return r.end_included and _eq(_end(r), p)


def _finishes_rr(a: Range, b: Range) -> bool:
    return (
        a.end_included == b.end_included
        and _eq(_end(a), _end(b))
        and (
            _gt(_start(a), _start(b))
            or (_eq(_start(a), _start(b)) and (not a.start_included or b.start_included))
        )
    )


def _meets(a: Range, b: Range) -> bool:
    return a.end_included and b.start_included and _eq(_end(a), _start(b))


def _overlaps(a: Range, b: Range) -> bool:
    return (
        _gt(_end(a), _start(b)) or (_eq(_end(a), _start(b)) and a.end_included and b.start_included)
    ) and (_lt(_start(a), _end(b)) or (_eq(_start(a), _end(b)) and a.start_included and b.end_included))


def _overlaps_before(a: Range, b: Range) -> bool:
    return (
        (
            _lt(_start(a), _start(b))
            or (_eq(_start(a), _start(b)) and a.start_included and not b.start_included)
        )
        and (_gt(_end(a), _start(b)) or (_eq(_end(a), _start(b)) and a.end_included and b.start_included))
        and (_lt(_end(a), _end(b)) or (_eq(_end(a), _end(b)) and (not a.end_included or b.end_included)))
    )


def _coincides_rr(a: Range, b: Range) -> bool:
    return (
        _eq(_start(a), _start(b))
        and a.start_included == b.start_included
        and _eq(_end(a), _end(b))
        and a.end_included == b.end_included
    )


_PP = (("point1", "point2"),)
_ranged(
    "before",
    _lt,
    _before_pr,
    _before_rp,
    _before_rr,
    (("point1", "point2"), ("point", "range"), ("range", "point"), ("range1", "range2")),
)
_ranged(
    "after",
    lambda a, b: _gt(a, b),
    lambda p, r: _before_rp(r, p),
    lambda r, p: _before_pr(p, r),
    lambda a, b: _before_rr(b, a),
    (("point1", "point2"), ("point", "range"), ("range", "point"), ("range1", "range2")),
)
_ranged("meets", None, None, None, _meets, (("range1", "range2"),))
_ranged("met by", None, None, None, lambda a, b: _meets(b, a), (("range1", "range2"),))
_ranged("overlaps", None, None, None, _overlaps, (("range1", "range2"),))
_ranged("overlaps before", None, None, None, _overlaps_before, (("range1", "range2"),))
_ranged("overlaps after", None, None, None, lambda a, b: _overlaps_before(b, a), (("range1", "range2"),))
_ranged("finishes", None, _finishes_pr, None, _finishes_rr, (("point", "range"), ("range1", "range2")))
_ranged(
    "finished by",
    None,
    None,
    lambda r, p: _finishes_pr(p, r),
    lambda a, b: _finishes_rr(b, a),
    (("range", "point"), ("range1", "range2")),
)
_ranged(
    "includes",
    None,
    None,
    _includes_rp,
    _includes_rr,
    (("range", "point"), ("range1", "range2")),
)
_ranged(
    "during",
    None,
    lambda p, r: _includes_rp(r, p),
    None,
    lambda a, b: _includes_rr(b, a),
    (("point", "range"), ("range1", "range2")),
)
_ranged("starts", None, _starts_pr, None, _starts_rr, (("point", "range"), ("range1", "range2")))
_ranged(
    "started by",
    None,
    None,
    lambda r, p: _starts_pr(p, r),
    lambda a, b: _starts_rr(b, a),
    (("range", "point"), ("range1", "range2")),
)
_ranged("coincides", _eq, None, None, _coincides_rr, (("point1", "point2"), ("range1", "range2")))

# `range_contains` is re-exported for callers that test membership directly.
contains_point = range_contains


# -- contexts ----------------------------------------------------------------------------------------------


def _context(value: Any, what: str = "context") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise FeelError(f"{what} must be a context, not {type_name(value)}")


@builtin("get value", ("m", "key"))
def _get_value(m: Any, key: Any) -> Any:
    ctx = _context(m, "m")
    if isinstance(key, list):
        value: Any = ctx
        for k in key:
            value = _context(value).get(_str(k, "key"))
        return value
    return ctx.get(_str(key, "key"))


@builtin("get entries", ("m",))
def _get_entries(m: Any) -> Any:
    return [{"key": k, "value": v} for k, v in _context(m, "m").items()]


@builtin("context", ("entries",))
def _context_from(entries: Any) -> Any:
    items = entries if isinstance(entries, list) else [entries]
    out: dict[str, Any] = {}
    for entry in items:
        e = _context(entry, "entry")
        if "key" not in e or "value" not in e:
            raise FeelError("context entries need 'key' and 'value'")
        key = _str(e["key"], "key")
        if key in out:
            raise FeelError(f"duplicate key {key!r}")
        out[key] = e["value"]
    return out


def _put(ctx: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    out = dict(ctx)
    if len(keys) == 1:
        out[keys[0]] = value
        return out
    inner = out.get(keys[0], _ABSENT)
    if inner is _ABSENT:
        inner = {}
    if not isinstance(inner, dict):
        raise FeelError(f"entry {keys[0]!r} is not a context")
    out[keys[0]] = _put(inner, keys[1:], value)
    return out


@builtin("context put", ("context", "key|keys", "value"))  # positional: a key or a list of keys
def _context_put_any(context: Any, key: Any, value: Any) -> Any:
    if isinstance(key, list):
        return _context_put_keys(context, key, value)
    return _context_put(context, key, value)


@builtin("context put", ("context", "key", "value"))
def _context_put(context: Any, key: Any, value: Any) -> Any:
    return _put(_context(context), [_str(key, "key")], value)


@builtin("context put", ("context", "keys", "value"))
def _context_put_keys(context: Any, keys: Any, value: Any) -> Any:
    ctx = _context(context)
    if not isinstance(keys, list):
        raise FeelError("keys must be a list")
    names = [_str(k, "key") for k in keys]
    if not names:
        raise FeelError("keys must not be empty")
    return _put(ctx, names, value)


@builtin("context merge", ("contexts",))
def _context_merge(contexts: Any) -> Any:
    out: dict[str, Any] = {}
    for c in _list(contexts, "contexts"):
        out.update(_context(c))
    return out


@builtin("string", ("mask", "..."))
def _string_format(mask: Any, args: Any) -> Any:
    # Camunda-style formatting is not FEEL; keep string(from) semantics for a single argument only.
    raise FeelError("string() takes one argument")


def _math_guard() -> None:  # keeps `math` imported for future numeric helpers without lint noise
    _ = math.pi


feel_parser.BUILTIN_NAMES.update(BUILTINS)
