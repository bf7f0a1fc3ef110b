"""Time source of the engine. Time is integer epoch milliseconds (UTC) everywhere in core."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Current time in epoch milliseconds."""
        ...


class SystemClock:
    """Wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ControlledClock:
    """A clock for tests and simulation: pinned until moved. `InMemoryEngine.advance` also fires timers."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._now = (
            start_ms
            if start_ms is not None
            else int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
        )

    def now_ms(self) -> int:
        return self._now

    def pin(self, moment_ms: int) -> None:
        self._now = moment_ms

    def advance(
        self, *, ms: int = 0, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        self._now += ms + int((seconds + minutes * 60 + hours * 3600 + days * 86400) * 1000)
        return self._now
