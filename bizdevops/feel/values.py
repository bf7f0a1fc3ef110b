"""FEEL values: numbers, temporals, durations, ranges and the rules that compare and print them.

Representation (Python type per FEEL type):

- null: ``None``; boolean: ``bool``; string: ``str``; number: ``decimal.Decimal`` (34 digits, half-even)
- date: ``datetime.date``; time: ``datetime.time`` (tzinfo None = local, ``timezone`` = offset,
  ``ZoneInfo`` = zone id); date and time: ``datetime.datetime`` (same tzinfo rules)
- years and months duration: :class:`YearsMonthsDuration`; days and time duration: :class:`DaysTimeDuration`
- list: ``list``; context: ``dict`` (insertion ordered); range: :class:`Range`; function: :class:`FeelFunction`
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# decimal128 as the spec asks: 34 significant digits, half-even rounding, errors trap (→ FEEL null).
DECIMAL_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


# Longest string an operation may build (concatenation, string join, replace, string()): beyond it the
# result is null with an error, so a doubling recursion cannot allocate gigabytes.
MAX_STRING = 1_000_000
# Most nodes to_json converts: shared sub-lists (a list built from `partial`) would otherwise expand
# exponentially; nodes past the budget become None, as nodes nested deeper than 100 levels do.
MAX_JSON_NODES = 1_000_000


class FeelError(Exception):
    """An evaluation error: the interpreter turns it into null plus a warning."""


@dataclass(frozen=True, slots=True)
class YearsMonthsDuration:
    """A years and months duration, kept as a signed count of months."""

    months: int

    @property
    def years(self) -> int:
        return _trunc_div(self.months, 12)

    def __str__(self) -> str:
        return duration_to_string(self)


@dataclass(frozen=True, slots=True)
class DaysTimeDuration:
    """A days and time duration, kept as signed seconds (Decimal, so sub-microsecond parts survive)."""

    seconds: Decimal

    def to_timedelta(self) -> dt.timedelta:
        whole = int(self.seconds)
        micros = int(((self.seconds - whole) * 1000000).to_integral_value())
        return dt.timedelta(seconds=whole, microseconds=micros)

    @staticmethod
    def from_timedelta(delta: dt.timedelta) -> DaysTimeDuration:
        total = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1000000)
        return DaysTimeDuration(total)

    def __str__(self) -> str:
        return duration_to_string(self)


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range (interval). An endpoint of None with ``*_included`` False is unbounded (``< 5``)."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool
    # ``=`` / ``!=`` unary tests used as values have no interval form; they keep their operator here.
    operator: str | None = None

    def __str__(self) -> str:
        return to_feel_string(self)


class FeelFunction:
    """Base of built-in and user-defined FEEL functions (see ``interpreter``)."""

    name: str = "anonymous"
    params: tuple[str, ...] = ()


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# ---------------------------------------------------------------------------------------------------------
# Construction and conversion


def to_number(value: int | float | str | Decimal) -> Decimal:
    """Build a FEEL number; floats go through their shortest repr so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def from_python(value: Any, _depth: int = 0) -> Any:
    """Convert plain Python input (int, float, dict, tuple, ...) into FEEL values."""
    if value is None or isinstance(value, str | bool | Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if _depth > 100:
        return None
    if isinstance(value, Mapping):
        return {str(k): from_python(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_python(v, _depth + 1) for v in value]
    return value


def from_json(obj: Any) -> Any:
    """JSON-compatible Python (int/float/str/bool/None/list/dict) → FEEL values (numbers become Decimal)."""
    return from_python(obj)


def to_json(value: Any, _depth: int = 0) -> Any:
    """FEEL value → JSON-compatible Python: integral numbers become int, others float, temporals ISO strings.

    Lists and contexts nested deeper than 100 levels, and nodes past ``MAX_JSON_NODES``, become None.
    """
    return _to_json(value, _depth, [MAX_JSON_NODES])


def _to_json(value: Any, depth: int, budget: list[int]) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, int | float):
        return value
    if depth > 100:
        return None
    if isinstance(value, dict | list | tuple):
        budget[0] -= len(value)
        if budget[0] < 0:
            return None
    if isinstance(value, dict):
        return {k: _to_json(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v, depth + 1, budget) for v in value]
    if isinstance(value, dt.date | dt.time | YearsMonthsDuration | DaysTimeDuration | Range):
        return to_feel_string(value)
    return None


# ---------------------------------------------------------------------------------------------------------
# Temporal parsing

_DATE_RE = re.compile(r"(-?\d{4,9})-(\d\d)-(\d\d)")
_TIME_RE = re.compile(
    r"(\d\d):(\d\d):(\d\d)(\.\d+)?(?:(Z|z)|([+-])(\d\d):(\d\d)(?::(\d\d))?|@([A-Za-z0-9_+\-/]+))?"
)
_DURATION_RE = re.compile(
    r"(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?"
)


def _tz(groups: tuple[Any, ...]) -> dt.tzinfo | None:
    z, sign, hh, mm, ss, zone = groups
    if z:
        return dt.UTC
    if sign:
        if int(hh) > 18 or int(mm) > 59:
            raise FeelError("invalid offset")
        delta = dt.timedelta(hours=int(hh), minutes=int(mm), seconds=int(ss or 0))
        if delta > dt.timedelta(hours=18):
            raise FeelError("invalid offset")
        return dt.timezone(-delta if sign == "-" else delta)
    if zone:
        return zone_from_id(zone)
    return None


def zone_from_id(zone: str) -> dt.tzinfo:
    """A tzinfo for an IANA zone id (``Europe/Paris``); ``Z``/``UTC`` give UTC."""
    if zone in ("Z", "UTC", "Etc/UTC"):
        return ZoneInfo("Etc/UTC") if zone != "Z" else dt.UTC
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise FeelError(f"unknown time zone {zone!r}") from error


def _micro(frac: str | None) -> int:
    if not frac:
        return 0
    digits = (frac[1:] + "000000")[:6]
    return int(digits)


def _nanos(frac: str | None) -> int:
    """Digits 7-9 of a fraction of a second (Python keeps microseconds; FEEL has nanoseconds)."""
    if not frac:
        return 0
    return int((frac[1:] + "000000000")[6:9])


MAX_YEAR = 999_999_999
_CYCLE_YEARS = 400
_CYCLE_DAYS = 146097  # days in 400 Gregorian years: the calendar (and weekdays) repeat exactly


class ExtDate(dt.date):
    """A date whose real year is outside 1..9999: stored year + 400 * ``cycles`` (see ``with_year``)."""

    __slots__ = ("cycles",)
    cycles: int


class ExtDateTime(dt.datetime):
    """A date and time with a year outside 1..9999 (like :class:`ExtDate`) and/or nanoseconds."""

    __slots__ = ("cycles", "nanos")
    cycles: int
    nanos: int


class NanoTime(dt.time):
    """A time with nanoseconds beyond Python's microseconds (``nanos`` is 0..999)."""

    __slots__ = ("nanos",)
    nanos: int


def cycles_of(value: dt.date) -> int:
    return getattr(value, "cycles", 0) if isinstance(value, ExtDate | ExtDateTime) else 0


def nanos_of(value: dt.date | dt.time) -> int:
    """Nanoseconds beyond the microsecond (0..999)."""
    return getattr(value, "nanos", 0) if isinstance(value, ExtDateTime | NanoTime) else 0


def _wrap_date_time(plain: dt.datetime, cycles: int, nanos: int) -> dt.datetime:
    if not cycles and not nanos:
        return plain
    out = ExtDateTime(
        plain.year, plain.month, plain.day, plain.hour, plain.minute, plain.second,
        plain.microsecond, tzinfo=plain.tzinfo, fold=plain.fold,
    )  # fmt: skip
    out.cycles = cycles
    out.nanos = nanos
    return out


def with_nanos(value: Any, nanos: int) -> Any:
    """A time or date and time with its sub-microsecond part set to ``nanos``."""
    if isinstance(value, dt.datetime):
        plain = _plain(value)
        assert isinstance(plain, dt.datetime)
        return _wrap_date_time(plain, cycles_of(value), nanos)
    if isinstance(value, dt.time):
        plain_time = dt.time(
            value.hour, value.minute, value.second, value.microsecond, tzinfo=value.tzinfo, fold=value.fold
        )
        if not nanos:
            return plain_time
        out = NanoTime(
            value.hour, value.minute, value.second, value.microsecond, tzinfo=value.tzinfo, fold=value.fold
        )
        out.nanos = nanos
        return out
    return value


def real_year(value: dt.date) -> int:
    """The year a FEEL date shows (Python's ``.year`` is the stored one for far past/future dates)."""
    return value.year + _CYCLE_YEARS * cycles_of(value)


def _plain(value: dt.date) -> dt.date:
    if isinstance(value, ExtDateTime):
        return dt.datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond, tzinfo=value.tzinfo, fold=value.fold,
        )  # fmt: skip
    if isinstance(value, ExtDate):
        return dt.date(value.year, value.month, value.day)
    return value


def with_year(value: dt.date, year: int) -> Any:
    """``value`` moved to ``year`` (any year up to ±999,999,999), keeping month, day and time."""
    if abs(year) > MAX_YEAR:
        raise FeelError(f"year {year} out of range")
    plain = _plain(value)
    nanos = nanos_of(value)
    if 1 <= year <= 9999:
        moved = plain.replace(year=year)
        return _wrap_date_time(moved, 0, nanos) if isinstance(moved, dt.datetime) else moved
    base = 2000 + (year - 2000) % _CYCLE_YEARS
    moved = plain.replace(year=base)
    cycles = (year - base) // _CYCLE_YEARS
    if isinstance(moved, dt.datetime):
        return _wrap_date_time(moved, cycles, nanos)
    out = ExtDate(moved.year, moved.month, moved.day)
    out.cycles = cycles
    return out


def normalized(value: dt.date) -> tuple[Any, int]:
    """(the value moved into 2000..2399, years removed): safe for any arithmetic near the year edges."""
    year = real_year(value)
    base = 2000 + (year - 2000) % _CYCLE_YEARS
    return _plain(value).replace(year=base), year - base


def denormalized(value: dt.date, shift: int) -> Any:
    """Inverse of :func:`normalized` after arithmetic moved the value."""
    return with_year(value, real_year(value) + shift)


def day_key(value: dt.date) -> int:
    """Days since 0001-01-01 for any year (for ordering and differences)."""
    return _plain(value).toordinal() + cycles_of(value) * _CYCLE_DAYS


def instant_key(value: dt.datetime) -> tuple[int, int, int]:
    """(day, second of day, nanosecond) in UTC (local values as they are), for any year."""
    plain = _plain(value)
    assert isinstance(plain, dt.datetime)
    if plain.tzinfo is not None:
        plain = plain.astimezone(dt.UTC)
    day = plain.toordinal() + cycles_of(value) * _CYCLE_DAYS
    seconds = plain.hour * 3600 + plain.minute * 60 + plain.second
    return (day, seconds, plain.microsecond * 1000 + nanos_of(value))


def _year(text: str) -> int:
    year = int(text)
    if abs(year) > MAX_YEAR:
        raise FeelError(f"year {year} is out of range")
    digits = text.lstrip("-")
    if len(digits) > 4 and digits[0] == "0":
        raise FeelError("year has leading zeros")
    return year


def _make_date(year: int, month: int, day: int) -> dt.date:
    base = year if 1 <= year <= 9999 else 2000 + (year - 2000) % _CYCLE_YEARS
    result: dt.date = with_year(dt.date(base, month, day), year)
    return result


def make_any_date(year: int, month: int, day: int) -> dt.date:
    """A date for any year in ±999,999,999; ValueError/FeelError when invalid."""
    return _make_date(year, month, day)


def parse_date(text: str) -> dt.date:
    """ISO ``YYYY-MM-DD`` (years may be negative or longer than 4 digits) → date; FeelError when invalid."""
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise FeelError(f"invalid date {text!r}")
    try:
        return _make_date(_year(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as error:
        raise FeelError(f"invalid date {text!r}") from error


def parse_time(text: str) -> dt.time:
    """ISO time with optional offset, ``Z`` or ``@zone id`` → time; FeelError when invalid."""
    m = _TIME_RE.fullmatch(text)
    if not m:
        raise FeelError(f"invalid time {text!r}")
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if hour == 24 and minute == 0 and second == 0 and not m.group(4):
        hour = 0
    try:
        value = dt.time(hour, minute, second, _micro(m.group(4)), tzinfo=_tz(m.groups()[4:]))
    except ValueError as error:
        raise FeelError(f"invalid time {text!r}") from error
    result: dt.time = with_nanos(value, _nanos(m.group(4)))
    return result


def combine(day: dt.date, time: dt.time) -> dt.datetime:
    """date and time(date, time) for any year."""
    plain = _plain(day)
    value = dt.datetime.combine(plain.date() if isinstance(plain, dt.datetime) else plain, time)
    result: dt.datetime = with_year(with_nanos(value, nanos_of(time)), real_year(day))
    return result


def parse_date_time(text: str) -> dt.datetime:
    """ISO date-time (or a plain date, meaning midnight) → datetime; FeelError when invalid."""
    if "T" not in text:
        return combine(parse_date(text), dt.time())
    date_part, _, time_part = text.partition("T")
    day = parse_date(date_part)
    m = _TIME_RE.fullmatch(time_part)
    if not m:
        raise FeelError(f"invalid date and time {text!r}")
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    next_day = False
    if hour == 24 and minute == 0 and second == 0 and not m.group(4):
        hour, next_day = 0, True
    try:
        time = dt.time(hour, minute, second, _micro(m.group(4)), tzinfo=_tz(m.groups()[4:]))
    except ValueError as error:
        raise FeelError(f"invalid date and time {text!r}") from error
    time = with_nanos(time, _nanos(m.group(4)))
    value = combine(day, time)
    if next_day:
        base, shift = normalized(value)
        value = denormalized(base + dt.timedelta(days=1), shift)  # 24:00:00 has no fraction
    return value


def parse_duration(text: str) -> YearsMonthsDuration | DaysTimeDuration:
    """ISO 8601 duration → years-months (only Y/M parts) or days-time duration; FeelError when invalid."""
    m = _DURATION_RE.fullmatch(text)
    if not m or text.endswith("T"):
        raise FeelError(f"invalid duration {text!r}")
    neg, years, months, days, hours, minutes, seconds = m.groups()
    sign = -1 if neg else 1
    if (years or months) and not (days or hours or minutes or seconds):
        return YearsMonthsDuration(sign * (int(years or 0) * 12 + int(months or 0)))
    if years or months:
        # Mixed durations have no FEEL type; the spec's XML duration maps them to days and time when
        # years/months are zero only, so reject the rest.
        raise FeelError(f"duration {text!r} mixes years/months with days/time")
    total = Decimal(int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60) + Decimal(
        seconds or 0
    )
    return DaysTimeDuration(total if sign > 0 else -total)


def parse_temporal(text: str) -> Any:
    """The value of an ``@"..."`` literal: a duration, date and time, time or date."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    body = text.split("@", 1)[0]  # zone ids such as Etc/GMT contain a "T"
    if "T" in body:
        return parse_date_time(text)
    if ":" in body:
        return parse_time(text)
    return parse_date(text)


# ---------------------------------------------------------------------------------------------------------
# Type names, equality, ordering


def type_name(value: Any) -> str:
    """The FEEL type name of a value (as ``instance of`` spells it)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, YearsMonthsDuration):
        return "years and months duration"
    if isinstance(value, DaysTimeDuration):
        return "days and time duration"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, FeelFunction):
        return "function"
    return "Any"


def _time_key(value: dt.time) -> tuple[Any, ...]:
    offset = time_offset(value)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    fraction = value.microsecond * 1000 + nanos_of(value)
    if offset is None:
        return (seconds, fraction)
    return (seconds - int(offset.total_seconds()), fraction)


def time_offset(value: dt.time) -> dt.timedelta | None:
    tz = value.tzinfo
    if tz is None:
        return None
    if isinstance(tz, ZoneInfo):
        # A zone's offset depends on the date; a time has none, so use 1970-01-01 as Java engines do
        # (TCK 0103: 23:00:50@Australia/Melbourne is 23:00:50+10:00).
        return tz.utcoffset(dt.datetime(1970, 1, 1, value.hour, value.minute))  # noqa: DTZ001
    return tz.utcoffset(None)


def feel_equal(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: True/False, or None when the values are not comparable (different types)."""
    return _equal(a, b, None)


class _Visit:
    """Container pairs compared so far in one equality test, and how many elements that took."""

    __slots__ = ("pairs", "count")

    def __init__(self) -> None:
        self.pairs: set[tuple[int, int]] = set()
        self.count = 0


def equal_counted(a: Any, b: Any) -> tuple[bool | None, int]:
    """``feel_equal`` and the number of list elements and context entries it compared (its cost)."""
    visit = _Visit()
    return _equal(a, b, visit), visit.count


def _equal(a: Any, b: Any, seen: _Visit | None) -> bool | None:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a == b
        return None
    if isinstance(a, Decimal):
        return a == b if isinstance(b, Decimal) else None
    if isinstance(a, str):
        return a == b if isinstance(b, str) else None
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        if not (isinstance(a, dt.datetime) and isinstance(b, dt.datetime)):
            return None
        # Equal date-times show the same instant in the same zone or offset (TCK 0068: "+00:00" is not
        # "@Etc/UTC"), as Java's ZonedDateTime.equals.
        if _tz_repr(a.tzinfo, a) != _tz_repr(b.tzinfo, b):
            return False
        return instant_key(a) == instant_key(b)
    if isinstance(a, dt.date):
        return day_key(a) == day_key(b) if isinstance(b, dt.date) else None
    if isinstance(a, dt.time):
        if not isinstance(b, dt.time):
            return None
        if _tz_repr(a.tzinfo, None) != _tz_repr(b.tzinfo, None):
            return False
        return (a.hour, a.minute, a.second, a.microsecond, nanos_of(a)) == (
            b.hour,
            b.minute,
            b.second,
            b.microsecond,
            nanos_of(b),
        )
    if isinstance(a, YearsMonthsDuration | DaysTimeDuration):
        if type(a) is type(b):
            return a == b
        if isinstance(b, YearsMonthsDuration | DaysTimeDuration):
            # P0M = PT0S: both zero durations are equal; otherwise different kinds never are.
            return _duration_zero(a) and _duration_zero(b) or None
        return None
    if isinstance(a, list | dict):
        if not isinstance(b, type(a)):
            return None
        if len(a) != len(b) or isinstance(a, dict) and isinstance(b, dict) and a.keys() != b.keys():
            return False
        # Lists built from `partial` or from one another share sub-lists (or hold themselves): compare each
        # pair of containers once, so equality stays linear in the distinct nodes instead of exponential.
        pair = (id(a), id(b))
        if seen is None:
            seen = _Visit()
        elif pair in seen.pairs:
            return True  # compared already (a False would have ended the comparison) or being compared
        seen.pairs.add(pair)
        seen.count += len(a)
        pairs = zip(a, b, strict=True) if isinstance(a, list) else ((x, b[k]) for k, x in a.items())
        for x, y in pairs:
            eq = _equal(x, y, seen)
            if eq is not True:
                return eq
        return True
    if isinstance(a, Range):
        if not isinstance(b, Range):
            return None
        return (
            a.start_included == b.start_included
            and a.end_included == b.end_included
            and a.operator == b.operator
            and feel_equal(a.start, b.start) is True
            and feel_equal(a.end, b.end) is True
        )
    if isinstance(a, FeelFunction):
        return a is b if isinstance(b, FeelFunction) else None
    return None


def _tz_repr(tz: dt.tzinfo | None, ref: dt.datetime | None) -> Any:
    if tz is None:
        return None
    if isinstance(tz, ZoneInfo):
        return tz.key
    return tz.utcoffset(ref)


def _duration_zero(value: YearsMonthsDuration | DaysTimeDuration) -> bool:
    return (value.months if isinstance(value, YearsMonthsDuration) else value.seconds) == 0


def feel_compare(a: Any, b: Any) -> int | None:
    """Order two FEEL values: -1, 0, 1, or None when FEEL defines no order between them."""
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return None
    try:
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return (a > b) - (a < b)
        if isinstance(a, str) and isinstance(b, str):
            return (a > b) - (a < b)
        if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
            if not (isinstance(a, dt.datetime) and isinstance(b, dt.datetime)):
                return None
            # A local date and time meets one with an offset as if it were UTC.
            ka, kb = instant_key(a), instant_key(b)
            return (ka > kb) - (ka < kb)
        if isinstance(a, dt.date) and isinstance(b, dt.date):
            da, db = day_key(a), day_key(b)
            return (da > db) - (da < db)
        if isinstance(a, dt.time) and isinstance(b, dt.time):
            ka, kb = _time_key(a), _time_key(b)
            return (ka > kb) - (ka < kb)
        if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
            return (a.months > b.months) - (a.months < b.months)
        if isinstance(a, DaysTimeDuration) and isinstance(b, DaysTimeDuration):
            return (a.seconds > b.seconds) - (a.seconds < b.seconds)
    except TypeError:
        return None
    return None


# ---------------------------------------------------------------------------------------------------------
# Printing (FEEL string())


def number_to_string(value: Decimal) -> str:
    if not value.is_finite():
        return "null"
    if value == value.to_integral_value():
        if value.adjusted() < 4000:
            return str(int(value))
        # Python refuses int→str past 4,300 digits; numbers reach 6,145 digits (decimal128's Emax).
        return format(value.to_integral_value(), "f")
    return format(value.normalize(DECIMAL_CONTEXT), "f")


def _frac(micro: int, nanos: int = 0) -> str:
    """Fraction of a second in groups of three digits, as Java prints it."""
    total = micro * 1000 + nanos
    if not total:
        return ""
    if total % 1_000_000 == 0:
        return f".{total // 1_000_000:03d}"
    if total % 1000 == 0:
        return f".{total // 1000:06d}"
    return f".{total:09d}"


def _offset_string(tz: dt.tzinfo | None, ref: dt.datetime | None) -> str:
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return "@" + tz.key
    offset = tz.utcoffset(ref)
    if offset is None:
        return ""
    if offset == dt.timedelta(0):
        return "Z"
    sign = "-" if offset < dt.timedelta(0) else "+"
    total = int(abs(offset).total_seconds())
    text = f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"
    if total % 60:
        text += f":{total % 60:02d}"
    return text


def _year_string(value: dt.date) -> str:
    year = real_year(value)
    return ("-" if year < 0 else "") + f"{abs(year):04d}"


def date_to_string(value: dt.date) -> str:
    return f"{_year_string(value)}-{value.month:02d}-{value.day:02d}"


def time_to_string(value: dt.time) -> str:
    base = (
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_frac(value.microsecond, nanos_of(value))}"
    )
    return base + _offset_string(value.tzinfo, None)


def date_time_to_string(value: dt.datetime) -> str:
    return (
        date_to_string(value)
        + f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        + _frac(value.microsecond, nanos_of(value))
        + _offset_string(value.tzinfo, value)
    )


def duration_to_string(value: YearsMonthsDuration | DaysTimeDuration) -> str:
    if isinstance(value, YearsMonthsDuration):
        months = abs(value.months)
        sign = "-" if value.months < 0 else ""
        years, rest = divmod(months, 12)
        if not months:
            return "P0M"
        return sign + "P" + (f"{years}Y" if years else "") + (f"{rest}M" if rest else "")
    seconds = value.seconds
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if not seconds:
        return "PT0S"
    whole = int(seconds)
    frac = seconds - whole
    days, rem = divmod(whole, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    text = sign + "P" + (f"{days}D" if days else "")
    time_part = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs or frac:
        time_part += number_to_string(Decimal(secs) + frac) + "S"
    if time_part:
        text += "T" + time_part
    return text


_PLAIN_NAME = re.compile(r"[A-Za-z_?][A-Za-z0-9_?]*")


def to_feel_string(value: Any, _nested: bool = False) -> str:
    """FEEL ``string(value)``: the textual form used by string() and for messages.

    Raises FeelError when the text would be longer than ``MAX_STRING`` (a structure that shares sub-lists
    can print exponentially long).
    """
    if isinstance(value, str) and not _nested:
        return value
    out: list[str] = []
    _write(value, _nested, out, [MAX_STRING])
    return "".join(out)


def _emit(out: list[str], budget: list[int], text: str) -> None:
    budget[0] -= len(text)
    if budget[0] < 0:
        raise FeelError(f"text longer than {MAX_STRING} characters")
    out.append(text)


def _write(value: Any, nested: bool, out: list[str], budget: list[int]) -> None:
    if isinstance(value, list):
        _emit(out, budget, "[")
        for i, item in enumerate(value):
            if i:
                _emit(out, budget, ", ")
            _write(item, True, out, budget)
        _emit(out, budget, "]")
        return
    if isinstance(value, dict):
        _emit(out, budget, "{")
        for i, (key, item) in enumerate(value.items()):
            name = key if _PLAIN_NAME.fullmatch(key) else '"' + key + '"'
            _emit(out, budget, (", " if i else "") + name + ": ")
            _write(item, True, out, budget)
        _emit(out, budget, "}")
        return
    _emit(out, budget, _scalar_string(value, nested))


def _scalar_string(value: Any, nested: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if nested:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value
    if isinstance(value, Decimal):
        return number_to_string(value)
    if isinstance(value, dt.datetime):
        return date_time_to_string(value)
    if isinstance(value, dt.date):
        return date_to_string(value)
    if isinstance(value, dt.time):
        return time_to_string(value)
    if isinstance(value, YearsMonthsDuration | DaysTimeDuration):
        return duration_to_string(value)
    if isinstance(value, Range):
        if value.operator:
            return f"{value.operator} {to_feel_string(value.end, True)}"
        if value.start is None and not value.start_included:
            return ("<= " if value.end_included else "< ") + to_feel_string(value.end, True)
        if value.end is None and not value.end_included:
            return (">= " if value.start_included else "> ") + to_feel_string(value.start, True)
        return (
            ("[" if value.start_included else "(")
            + to_feel_string(value.start, True)
            + ".."
            + to_feel_string(value.end, True)
            + ("]" if value.end_included else ")")
        )
    if isinstance(value, FeelFunction):
        return f"function {value.name}"
    return str(value)


# ---------------------------------------------------------------------------------------------------------
# Convenience constructors for callers building expected values (TCK runner, engine)


def make_date(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def make_time(
    hour: int, minute: int, second: int = 0, microsecond: int = 0, offset: dt.timedelta | str | None = None
) -> dt.time:
    """A time; ``offset`` is a timedelta (fixed offset), a zone id string, or None for a local time."""
    tz: dt.tzinfo | None
    if isinstance(offset, str):
        tz = zone_from_id(offset)
    elif isinstance(offset, dt.timedelta):
        tz = dt.timezone(offset)
    else:
        tz = None
    return dt.time(hour, minute, second, microsecond, tzinfo=tz)


def make_date_time(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    offset: dt.timedelta | str | None = None,
) -> dt.datetime:
    """A date and time; ``offset`` as in :func:`make_time`."""
    t = make_time(hour, minute, second, microsecond, offset)
    return dt.datetime(year, month, day, t.hour, t.minute, t.second, t.microsecond, tzinfo=t.tzinfo)  # noqa: DTZ001


def years_months_duration(years: int = 0, months: int = 0) -> YearsMonthsDuration:
    return YearsMonthsDuration(years * 12 + months)


def days_time_duration(
    days: int = 0, hours: int = 0, minutes: int = 0, seconds: int | Decimal = 0
) -> DaysTimeDuration:
    return DaysTimeDuration(Decimal(days * 86400 + hours * 3600 + minutes * 60) + Decimal(seconds))


def make_range(start: Any, end: Any, start_included: bool = True, end_included: bool = True) -> Range:
    return Range(from_python(start), from_python(end), start_included, end_included)


Converter = Callable[[str], Any]
