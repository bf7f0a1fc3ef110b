"""Cron expressions for timer cycles, as Zeebe accepts them (Spring's six fields: second minute hour
day-of-month month day-of-week; five fields without seconds are accepted too). Times are UTC.

Supported per field: `*`, `?`, numbers, names (JAN-DEC, SUN-SAT), ranges `a-b`, steps `*/n` and `a-b/n`,
lists `a,b`. Day-of-month and day-of-week must both match when both are restricted (Spring's rule).
Not supported (refused): `L`, `W`, `#` and macros such as `@daily`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}


class CronError(ValueError):
    """Not a cron expression we can run."""


@dataclass(frozen=True, slots=True)
class Cron:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None = any day of month
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 0 = Sunday; None = any

    def next_after(self, after_ms: int) -> int:
        """The first firing strictly after `after_ms` (epoch ms, UTC)."""
        t = dt.datetime.fromtimestamp(after_ms // 1000 + 1, tz=dt.UTC)
        for _ in range(100_000):  # enough for any valid expression within several years
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0, second=0) + dt.timedelta(days=32)).replace(day=1)
                continue
            weekday = (t.weekday() + 1) % 7
            if (self.days is not None and t.day not in self.days) or (
                self.weekdays is not None and weekday not in self.weekdays
            ):
                t = t.replace(hour=0, minute=0, second=0) + dt.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0, second=0) + dt.timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t = t.replace(second=0) + dt.timedelta(minutes=1)
                continue
            if t.second not in self.seconds:
                t += dt.timedelta(seconds=1)
                continue
            return int(t.timestamp()) * 1000
        raise CronError("the expression never fires")


def looks_like_cron(text: str) -> bool:
    return len(text.split()) in (5, 6) and not text.strip().startswith(("R", "P"))


def parse_cron(text: str) -> Cron:
    fields = text.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise CronError(
            f"'{text}' is not a cron expression (six fields: second minute hour day month weekday)"
        )
    second, minute, hour, day, month, weekday = fields
    cron = Cron(
        seconds=_field(second, 0, 59, {}, text),
        minutes=_field(minute, 0, 59, {}, text),
        hours=_field(hour, 0, 23, {}, text),
        days=None if day in ("*", "?") else _field(day, 1, 31, {}, text),
        months=_field(month, 1, 12, _MONTHS, text),
        weekdays=None
        if weekday in ("*", "?")
        else frozenset(d % 7 for d in _field(weekday, 0, 7, _DAYS, text)),
    )
    cron.next_after(0)  # an expression that can never fire (31 FEB) is refused now, not at run time
    return cron


def _field(spec: str, low: int, high: int, names: dict[str, int], text: str) -> frozenset[int]:
    values: set[int] = set()
    for part in spec.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _number(step_text, names, text)
            if step <= 0:
                raise CronError(f"'{text}': a step must be positive")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _number(a, names, text), _number(b, names, text)
        else:
            start = _number(part, names, text)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise CronError(f"'{text}': '{part}' is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _number(token: str, names: dict[str, int], text: str) -> int:
    if token in names:
        return names[token]
    if not token.isdigit():
        raise CronError(f"'{text}': '{token}' is not supported in a cron field")
    return int(token)
