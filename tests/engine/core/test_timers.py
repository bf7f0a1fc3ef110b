"""ISO 8601 timer values."""

from __future__ import annotations

import pytest

from bizdevops.engine.core import timers

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
        ("cycle", "0 0 * * *"),
        ("cycle", "R2/PT0S"),
        ("date", "2026-01-01T00:00:00@Mars/Base"),
    ],
)
def test_invalid_values_are_reported(kind: str, text: str) -> None:
    assert timers.check(kind, text)
