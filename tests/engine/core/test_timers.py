"""ISO 8601 timer values."""

from __future__ import annotations

import pytest

from bizdevops.engine.core import timers
from bizdevops.engine.core.cron import parse_cron

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("text", "ms"),
    [("PT10S", 10_000), ("PT1M30S", 90_000), ("P1D", 86_400_000), ("P1W", 604_800_000), ("PT0.5S", 500)],
)
def test_durations(text: str, ms: int) -> None:
    assert timers.parse_duration_ms(text) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2026-01-01T01:00:00Z", NOW + 3_600_000),
        ("2026-01-01T01:00:00+01:00", NOW),
        ("2026-01-01T01:00:00", NOW + 3_600_000),
        ("2026-01-01T01:00:00@Europe/Paris", NOW),
        ("2026-01-01T01:00:00[Europe/Paris]", NOW),
    ],
)
def test_dates(text: str, ms: int) -> None:
    assert timers.parse_date_ms(text) == ms


def test_cycles() -> None:
    assert timers.parse_cycle("R5/PT10S", NOW) == timers.Schedule(NOW + 10_000, 5, 10_000)
    assert timers.parse_cycle("R/PT1M", NOW) == timers.Schedule(NOW + 60_000, -1, 60_000)
    assert timers.parse_cycle("R2/2026-01-02T00:00:00Z/PT1H", NOW) == timers.Schedule(
        NOW + 86_400_000, 2, 3_600_000
    )


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("duration", "10 seconds"),
        ("date", "tomorrow"),
        ("cycle", "0 0 L * *"),
        ("cycle", "R2/PT0S"),
        ("date", "2026-01-01T00:00:00@Mars/Base"),
    ],
)
def test_invalid_values_are_reported(kind: str, text: str) -> None:
    assert timers.check(kind, text)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 9 * * MON-FRI", "2026-01-01T00:00:00Z", "2026-01-01T09:00:00Z"),  # a Thursday
        ("0 0 9 * * MON-FRI", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z"),  # Friday 9:00 → Monday
        ("*/15 * * * *", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z"),  # five fields: no seconds
        ("0 30 12 1 JAN ?", "2026-01-01T12:30:00Z", "2027-01-01T12:30:00Z"),
        ("0 0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
    ],
)
def test_cron_next_firing(expression: str, after: str, expected: str) -> None:
    cron = parse_cron(expression)
    assert cron.next_after(timers.parse_date_ms(after)) == timers.parse_date_ms(expected)


def test_cron_cycle_schedules_forever() -> None:
    plan = timers.parse_cycle("0 0 * * * *", NOW)
    assert (plan.due_ms, plan.repetitions, plan.interval_ms) == (NOW + 3_600_000, -1, None)
    assert timers.next_due("0 0 * * * *", plan.due_ms, None) == NOW + 7_200_000


def test_impossible_cron_is_refused() -> None:
    assert timers.check("cycle", "0 0 0 31 2 *")
