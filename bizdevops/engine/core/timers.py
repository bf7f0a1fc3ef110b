"""ISO 8601 timer values as Zeebe accepts them: durations (`PT10S`, `P1DT2H`), dates with an offset
(`2026-11-24T10:00:00Z`) and repeating cycles (`R5/PT10S`, `R/PT1M`, `R3/2026-11-24T10:00:00Z/PT1H`).
All times are integer milliseconds since the epoch (UTC) so that state stays deterministic and JSON."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bizdevops.engine.core.cron import CronError, looks_like_cron, parse_cron

_DURATION = re.compile(
    r"^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$"
)


class TimerFormatError(ValueError):
    """The text is not an ISO 8601 duration, date or cycle."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a timer fires first, and how often it repeats (repetitions -1 = forever)."""

    due_ms: int
    repetitions: int = 1
    interval_ms: int | None = None


def parse_duration_ms(text: str) -> int:
    m = _DURATION.match(text.strip())
    if not m:
        raise TimerFormatError(f"'{text}' is not an ISO 8601 duration")
    sign, years, months, weeks, days, hours, minutes, seconds = m.groups()
    if years or months:
        # Calendar months have no fixed length; approximate as Zeebe does for durations (30-day months).
        months_total = int(years or 0) * 12 + int(months or 0)
    else:
        months_total = 0
    total = (
        months_total * 30 * 86400
        + int(weeks or 0) * 7 * 86400
        + int(days or 0) * 86400
        + int(hours or 0) * 3600
        + int(minutes or 0) * 60
    ) * 1000 + round(float((seconds or "0").replace(",", ".")) * 1000)
    return -total if sign else total


def parse_date_ms(text: str) -> int:
    """ISO 8601 date-time; a zone id may follow as `[Europe/Paris]` (Java) or `@Europe/Paris` (FEEL).
    Without offset or zone the time is UTC, as in Zeebe."""
    value = text.strip()
    zone_match = re.search(r"(?:\[([^\]]+)\]|@([A-Za-z0-9_+\-/]+))$", value)
    zone: dt.tzinfo | None = None
    if zone_match:
        value = value[: zone_match.start()]
        try:
            zone = ZoneInfo(zone_match.group(1) or zone_match.group(2))
        except (ZoneInfoNotFoundError, ValueError):
            raise TimerFormatError(f"'{text}' names an unknown time zone") from None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise TimerFormatError(f"'{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or dt.UTC)
    return int(moment.timestamp() * 1000)


def parse_cycle(text: str, now_ms: int) -> Schedule:
    """`R5/PT10S`, `R/PT1M`, `R3/<start>/PT1H`, or a cron expression (repeats forever, interval None)."""
    if looks_like_cron(text):
        try:
            return Schedule(due_ms=parse_cron(text).next_after(now_ms), repetitions=-1, interval_ms=None)
        except CronError as exc:
            raise TimerFormatError(str(exc)) from None
    parts = text.strip().split("/")
    if len(parts) < 2 or not parts[0].startswith("R"):
        raise TimerFormatError(f"'{text}' is not an ISO 8601 repeating interval (R5/PT10S)")
    count = parts[0][1:]
    if count and not count.isdigit():
        raise TimerFormatError(f"'{text}' has an invalid repetition count")
    repetitions = int(count) if count else -1
    if len(parts) == 2:
        interval = parse_duration_ms(parts[1])
        start = now_ms + interval
    elif len(parts) == 3:
        interval = parse_duration_ms(parts[2])
        start = parse_date_ms(parts[1])
    else:
        raise TimerFormatError(f"'{text}' is not an ISO 8601 repeating interval")
    if interval <= 0:
        raise TimerFormatError(f"'{text}' has a non-positive interval")
    return Schedule(due_ms=start, repetitions=repetitions, interval_ms=interval)


def schedule(timer_type: str, value: str, now_ms: int) -> Schedule:
    """Resolve an evaluated timer value to its first due time (never in the past: a past date fires now)."""
    if timer_type == "duration":
        return Schedule(due_ms=now_ms + max(0, parse_duration_ms(value)))
    if timer_type == "date":
        return Schedule(due_ms=parse_date_ms(value))
    return parse_cycle(value, now_ms)


def next_due(value: str, previous_due_ms: int, interval_ms: int | None) -> int:
    """When a repeating timer fires next: previous + interval, or the cron expression's next firing."""
    if interval_ms is not None:
        return previous_due_ms + interval_ms
    try:
        return parse_cron(value).next_after(previous_due_ms)
    except CronError as exc:
        raise TimerFormatError(str(exc)) from None


def check(timer_type: str, value: str) -> str | None:
    """Deploy-time check of a static timer value; None if valid, else a message."""
    try:
        schedule(timer_type, value, 0)
    except TimerFormatError as exc:
        return str(exc)
    return None


def ms_to_datetime(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def datetime_to_ms(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return int(moment.timestamp() * 1000)


def ms_to_iso(ms: int) -> str:
    return ms_to_datetime(ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")
