"""Keys are integers handed out by the caller (the database uses a sequence): never reused."""

from __future__ import annotations

import itertools
from typing import Protocol


class KeyGenerator(Protocol):
    def next_key(self) -> int:
        """A new, never used key."""
        ...


class CounterKeys:
    """In-memory keys starting at `start` (Zeebe-like large numbers make keys easy to spot in logs)."""

    def __init__(self, start: int = 2251799813685249) -> None:
        self._counter = itertools.count(start)
        self.next_key = self._counter.__next__  # bound once: this is called for every element instance
