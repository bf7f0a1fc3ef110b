"""FEEL arithmetic on numbers, strings, temporals and durations. Type errors raise FeelError."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, DecimalException
from typing import Any

from bizdevops.feel.values import (
    DECIMAL_CONTEXT,
    MAX_STRING,
    DaysTimeDuration,
    FeelError,
    YearsMonthsDuration,
    combine,
    day_key,
    denormalized,
    instant_key,
    nanos_of,
    normalized,
    type_name,
    with_nanos,
)

_UTC = dt.UTC


def _bad(op: str, a: Any, b: Any) -> FeelError:
    return FeelError(f"cannot apply '{op}' to {type_name(a)} and {type_name(b)}")


def add_months(value: dt.date, months: int) -> dt.date:
    """Shift a date (or date and time) by whole months, clamping the day as Java's plusMonths does."""
    base, shift = normalized(value)
    total = base.year * 12 + base.month - 1 + months
    year, month = divmod(total, 12)
    extra = 0
    if not 1 <= year <= 9999:
        extra = (year - 2000) - (year - 2000) % 400
        year -= extra
    day = min(base.day, calendar.monthrange(year, month + 1)[1])
    result: dt.date = denormalized(base.replace(year=year, month=month + 1, day=day), shift + extra)
    return result


def _shift(value: Any, duration: Any, sign: int) -> Any:
    nanos = nanos_of(value)
    if isinstance(duration, YearsMonthsDuration):
        if not isinstance(value, dt.date):
            raise FeelError("cannot add a years and months duration to a time")
        return with_nanos(add_months(value, sign * duration.months), nanos)
    # Work in nanoseconds so sub-microsecond parts survive, then in microseconds for Python.
    total = int((duration.seconds * 1_000_000_000).to_integral_value()) * sign + nanos
    delta = dt.timedelta(microseconds=total // 1000)
    if isinstance(value, dt.date):
        # Days-time arithmetic runs near year 2000 and moves back: works for any year.
        base, years = normalized(value)
        return with_nanos(denormalized(_shift_plain(base, delta), years), total % 1000)
    return with_nanos(_shift_plain(value, delta), total % 1000)


def _shift_plain(value: Any, delta: dt.timedelta) -> Any:
    try:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None and not isinstance(value.tzinfo, dt.timezone):
                # Zoned date-times move on the time line, then show the zone's wall clock again.
                return (value.astimezone(_UTC) + delta).astimezone(value.tzinfo)
            return value + delta
        if isinstance(value, dt.date):
            moved = dt.datetime(value.year, value.month, value.day) + delta  # noqa: DTZ001 - local date
            return moved.date()
        if isinstance(value, dt.time):
            base = dt.datetime(2000, 1, 1, value.hour, value.minute, value.second, value.microsecond)  # noqa: DTZ001
            moved = base + delta
            return moved.time().replace(tzinfo=value.tzinfo)
    except OverflowError as error:
        raise FeelError("date out of range") from error
    raise FeelError("cannot shift this value by a duration")


def _is_duration(value: Any) -> bool:
    return isinstance(value, YearsMonthsDuration | DaysTimeDuration)


def _is_temporal(value: Any) -> bool:
    return isinstance(value, dt.date | dt.time)


def add(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return DECIMAL_CONTEXT.add(a, b)
        if ta is str and tb is str:
            if len(a) + len(b) > MAX_STRING:
                raise FeelError(f"string longer than {MAX_STRING} characters")
            return a + b
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months + b.months)
        if ta is DaysTimeDuration and tb is DaysTimeDuration:
            return DaysTimeDuration(DECIMAL_CONTEXT.add(a.seconds, b.seconds))
    except DecimalException as error:
        raise FeelError(f"arithmetic error: {error.__class__.__name__}") from error
    if _is_temporal(a) and _is_duration(b):
        return _shift(a, b, 1)
    if _is_duration(a) and _is_temporal(b):
        return _shift(b, a, 1)
    raise _bad("+", a, b)


def _as_date_time(value: dt.date, other: dt.datetime) -> dt.datetime:
    return combine(value, dt.time(tzinfo=_UTC if other.tzinfo else None))


def subtract(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return DECIMAL_CONTEXT.subtract(a, b)
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months - b.months)
        if ta is DaysTimeDuration and tb is DaysTimeDuration:
            return DaysTimeDuration(DECIMAL_CONTEXT.subtract(a.seconds, b.seconds))
    except DecimalException as error:
        raise FeelError(f"arithmetic error: {error.__class__.__name__}") from error
    if _is_temporal(a) and _is_duration(b):
        return _shift(a, b, -1)
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        if not isinstance(a, dt.datetime) and not isinstance(b, dt.datetime):
            return DaysTimeDuration(Decimal((day_key(a) - day_key(b)) * 86400))
        # A date meets a date and time as midnight UTC; a local date and time has no instant (TCK 0100).
        x = a if isinstance(a, dt.datetime) else _as_date_time(a, b)  # type: ignore[arg-type]
        y = b if isinstance(b, dt.datetime) else _as_date_time(b, a)  # type: ignore[arg-type]
        if not isinstance(a, dt.datetime) or not isinstance(b, dt.datetime):
            if x.tzinfo is None or y.tzinfo is None:
                raise FeelError("cannot subtract a date and a local date and time")
        if (x.tzinfo is None) != (y.tzinfo is None):
            raise FeelError("cannot subtract a local date and time from one with a time zone")
        kx, ky = instant_key(x), instant_key(y)
        seconds = (kx[0] - ky[0]) * 86400 + kx[1] - ky[1]
        return DaysTimeDuration(Decimal(seconds) + Decimal(kx[2] - ky[2]) / Decimal(1_000_000_000))
    if isinstance(a, dt.time) and isinstance(b, dt.time):
        if (a.tzinfo is None) != (b.tzinfo is None):
            raise FeelError("cannot subtract a local time from one with a time zone")
        da = dt.datetime.combine(dt.date(2000, 1, 1), a)
        db = dt.datetime.combine(dt.date(2000, 1, 1), b)
        if a.tzinfo is not None:
            da, db = da.astimezone(_UTC), db.astimezone(_UTC)
        nanos = Decimal(nanos_of(a) - nanos_of(b)) / Decimal(1_000_000_000)
        return DaysTimeDuration(DaysTimeDuration.from_timedelta(da - db).seconds + nanos)
    raise _bad("-", a, b)


def multiply(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    try:
        if type(a) is Decimal and type(b) is Decimal:
            return DECIMAL_CONTEXT.multiply(a, b)
        if type(b) is Decimal and _is_duration(a):
            a, b = b, a
        if type(a) is Decimal:
            if type(b) is YearsMonthsDuration:
                return YearsMonthsDuration(int(DECIMAL_CONTEXT.multiply(a, Decimal(b.months))))
            if type(b) is DaysTimeDuration:
                return DaysTimeDuration(DECIMAL_CONTEXT.multiply(a, b.seconds))
    except DecimalException as error:
        raise FeelError(f"arithmetic error: {error.__class__.__name__}") from error
    raise _bad("*", a, b)


def divide(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    try:
        if type(a) is Decimal and type(b) is Decimal:
            if not b:
                raise FeelError("division by zero")
            return DECIMAL_CONTEXT.divide(a, b)
        if type(a) is YearsMonthsDuration and type(b) is Decimal:
            if not b:
                raise FeelError("division by zero")
            return YearsMonthsDuration(int(DECIMAL_CONTEXT.divide(Decimal(a.months), b)))
        if type(a) is DaysTimeDuration and type(b) is Decimal:
            if not b:
                raise FeelError("division by zero")
            return DaysTimeDuration(DECIMAL_CONTEXT.divide(a.seconds, b))
        if type(a) is YearsMonthsDuration and type(b) is YearsMonthsDuration:
            if not b.months:
                raise FeelError("division by zero")
            return DECIMAL_CONTEXT.divide(Decimal(a.months), Decimal(b.months))
        if type(a) is DaysTimeDuration and type(b) is DaysTimeDuration:
            if not b.seconds:
                raise FeelError("division by zero")
            return DECIMAL_CONTEXT.divide(a.seconds, b.seconds)
    except DecimalException as error:
        raise FeelError(f"arithmetic error: {error.__class__.__name__}") from error
    raise _bad("/", a, b)


def power(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:
        try:
            if b == b.to_integral_value() and abs(b) > 10**9:
                raise FeelError("exponent too large")
            return DECIMAL_CONTEXT.power(a, b)
        except DecimalException as error:
            raise FeelError(f"arithmetic error: {error.__class__.__name__}") from error
    raise _bad("**", a, b)


def negate(a: Any) -> Any:
    if a is None:
        return None
    if type(a) is Decimal:
        return DECIMAL_CONTEXT.minus(a)
    if type(a) is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    if type(a) is DaysTimeDuration:
        return DaysTimeDuration(-a.seconds)
    raise FeelError(f"cannot negate {type_name(a)}")
