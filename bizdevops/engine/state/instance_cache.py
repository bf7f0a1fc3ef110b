"""The instances a process wrote last, kept between units so the next command on one may skip its lock.

A command on an instance normally costs two round trips: BEGIN with the instance's lock and read, then the
write with COMMIT. When this process wrote the instance last (a Tasklist completion after the start that
created the task, a worker's next step), the copy here is what the row holds, and the unit can begin from
it without reading: its write is then ONE autocommit statement whose first part is

    UPDATE engine_processinstance SET ..., revision = revision + 1 WHERE key = $k AND revision = $r

and which fails (nothing of it written) unless that UPDATE found the row at revision `r`. A unit begun
from a copy that another process (or a rolled-back transaction) made stale therefore never writes: the
store raises RetryUnit and the engine runs it again under lock. The same design as Temporal's cache of
workflow mutable state with conditional writes, and a stand-in for the in-memory state of Zeebe's
partition leader. Nothing here is needed for correctness: an empty cache only means locked units.

What makes a copy current is the row's `revision`, bumped by every write of the row (`save_instances`),
and the rule that every writer of an instance's user-task rows holds that instance's lock and writes the
instance in the same unit (see store._OPEN_TASKS): so the open user tasks noted with a revision are the
rows as they were at that revision. A copy is put here only after a commit this process saw succeed, by a
unit that owned its transaction (never inside a caller's transaction, which may still roll back), and is
dropped whenever a unit on the instance fails.

Jobs are not kept: a job's row changes without its instance's lock (activation, lock expiry), so a unit
about a job always locks."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CachedInstance:
    revision: int  # the row's revision once the write that produced `document` committed
    document: str  # the state document as written (JSON text; decoded afresh for each unit)
    open_tasks: tuple[Any, ...]  # the instance's user tasks in state CREATED (UserTaskRecord, immutable)


class InstanceCache:
    """Least recently used first, at most `size` instances and `max_bytes` of documents; thread-safe (one
    per process, shared)."""

    # Documents larger than this are not kept (a copy is a saving of one round trip, not worth megabytes).
    MAX_DOCUMENT = 64 * 1024

    def __init__(self, size: int, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # characters of the documents kept
        self._entries: OrderedDict[int, CachedInstance] = OrderedDict()
        self._owners: dict[int, int] = {}  # open user task key -> instance key
        self._lock = threading.Lock()
        self.hits = 0
        self.stale = 0  # copies found outdated at the write (or unusable: the unit needed a read)

    def get(self, key: int) -> CachedInstance | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def owner_of_task(self, task_key: int) -> int | None:
        return self._owners.get(task_key)

    def put(self, key: int, entry: CachedInstance) -> None:
        if self.size <= 0 or len(entry.document) > min(self.MAX_DOCUMENT, self.max_bytes):
            self.discard(key)
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = entry
            self.bytes += len(entry.document)
            for task in entry.open_tasks:
                self._owners[task.key] = key
            while len(self._entries) > self.size or self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def discard(self, key: int) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old.document)
            for task in old.open_tasks:
                self._owners.pop(task.key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._owners.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
