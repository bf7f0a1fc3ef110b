"""The time FEEL's now() and today() see: the wall clock, unless the caller pins it for a block of code.

The engine evaluates expressions under its own clock (pinned and advanced in tests and simulations), so a
timer, a condition and now() agree on what time it is. A ContextVar keeps threads and tasks apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_now_source: ContextVar[Callable[[], dt.datetime] | None] = ContextVar("feel_now_source", default=None)


def current_time() -> dt.datetime:
    """The current date and time (timezone-aware) for FEEL."""
    source = _now_source.get()
    return source() if source is not None else dt.datetime.now(dt.UTC)


@contextmanager
def using_clock(now: Callable[[], dt.datetime]) -> Iterator[None]:
    """Within the block, now() and today() read `now()` (which must return an aware datetime)."""
    token = _now_source.set(now)
    try:
        yield
    finally:
        _now_source.reset(token)
