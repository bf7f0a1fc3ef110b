"""Keys for every engine record: stable integers, never reused, unique across all workers and machines.

PostgreSQL: the sequence `engine_key_seq` hands out *blocks* (hi/lo): block b holds the BLOCK_SIZE keys
from KEY_BASE + b * BLOCK_SIZE, and one round trip fetches BLOCKS_PER_FETCH of them (`nextval` that many
times), so a command that creates 30 element instances costs no extra round trip, and neither do most
commands. `nextval` is not transactional, so a rolled-back command only leaves a gap. Keys look like Zeebe's (partition 1: 2^51 + counter) and stay below
2^53, so JavaScript clients read them exactly.

SQLite (the quickstart): no sequences. A one-row table is bumped inside the current (IMMEDIATE, i.e.
write-locked) transaction, one key at a time: if the transaction rolls back, the bump rolls back with
everything that used the key, so no cached block can ever collide with another process's."""

from __future__ import annotations

import threading

from django.db import connection

KEY_BASE = 1 << 51
BLOCK_SIZE = 100  # fixed: block b's keys depend on it, so every process must agree on it
BLOCKS_PER_FETCH = 10
SEQUENCE = "engine_key_seq"


class DbKeyGenerator:
    """The core's KeyGenerator backed by the database. Thread-safe; share one per process."""

    def __init__(self, block_size: int = BLOCK_SIZE, blocks_per_fetch: int = BLOCKS_PER_FETCH) -> None:
        self._block_size = block_size
        self._blocks_per_fetch = blocks_per_fetch
        self._lock = threading.Lock()
        self._next = 0
        self._limit = 0  # exclusive end of the current block
        self._blocks: list[int] = []  # fetched, not yet used (next one last)

    def next_key(self) -> int:
        with self._lock:
            if self._next < self._limit:  # the hot path: no database, no connection lookup
                key = self._next
                self._next += 1
                return key
            if connection.vendor != "postgresql":
                return _sqlite_next_key()
            if self._next >= self._limit:
                if not self._blocks:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"SELECT nextval('{SEQUENCE}') FROM generate_series(1, %s)",
                            [self._blocks_per_fetch],
                        )
                        self._blocks = sorted((row[0] for row in cursor.fetchall()), reverse=True)
                block = self._blocks.pop()
                self._next = KEY_BASE + block * self._block_size
                self._limit = self._next + self._block_size
            key = self._next
            self._next += 1
            return key

    def reset(self) -> None:
        """Forget the cached block (tests that recreate the database)."""
        with self._lock:
            self._next = self._limit = 0
            self._blocks = []


def _sqlite_next_key() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE engine_keyblock SET next_block = next_block + 1 WHERE id = 1 RETURNING next_block"
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO engine_keyblock (id, next_block) VALUES (1, 1)")
            value = 1
        else:
            value = row[0]
    return KEY_BASE + value


_default: DbKeyGenerator | None = None
_default_lock = threading.Lock()


def default_keys() -> DbKeyGenerator:
    """The process-wide generator."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DbKeyGenerator()
        return _default
