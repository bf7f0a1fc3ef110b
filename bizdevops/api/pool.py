"""The API's thread pool, and its work slots that own the database connections.

Django's ASGI handler gives each request's sync code a fresh thread, hence a fresh PostgreSQL connection
(3-5 ms to open), and with CONN_MAX_AGE=0 (the site's ASGI setting) every request pays for one. The API's
requests run on this pool instead (bizdevops.api.asgi).

At most BIZDEVOPS_API_ACTIVE (8) requests work at once; more threads than that only contend for the GIL
while holding transactions (and row locks) open. The pool has more threads than that (BIZDEVOPS_API_THREADS,
128) because a long poll (job activation, awaitCompletion) holds its thread while it waits, and gives its
slot back meanwhile. The database connections belong to the slots, not to the threads: a thread takes a slot
and with it the slot's connection (Django's connection object, installed as the thread's connection), and
hands both back together. So a web process keeps at most ACTIVE connections open however many long polls
wait, which lets several web processes (bizdevops.api.serve) and many workers share PostgreSQL's
max_connections. A slot's connection persists for BIZDEVOPS_API_CONN_MAX_AGE seconds (default 300) and is
checked (age, errors) each time it is handed back, as Django's `close_old_connections` does per request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

# Threads: long polls waiting + requests working or queued for a slot. A waiting thread costs no connection.
POOL_SIZE = int(os.environ.get("BIZDEVOPS_API_THREADS", "128"))
CONN_MAX_AGE = int(os.environ.get("BIZDEVOPS_API_CONN_MAX_AGE", "300"))
# Requests doing work (not waiting in a long poll) at once, each on its slot's database connection.
ACTIVE = int(os.environ.get("BIZDEVOPS_API_ACTIVE", "8"))

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()
_active = threading.BoundedSemaphore(ACTIVE)
# The slots' connections not in use: one {alias: DatabaseWrapper} per free slot (created on first use).
_free: list[dict[str, Any]] = []
_free_lock = threading.Lock()

T = TypeVar("T")


def in_pool_thread() -> bool:
    return bool(getattr(_local, "pooled", False))


def _init_thread() -> None:
    _local.pooled = True


def executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=POOL_SIZE, thread_name_prefix="api-db", initializer=_init_thread
            )
        return _pool


async def run(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` on a pool thread and await its result."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(executor(), function, *args)


def _new_connections() -> dict[str, Any]:
    from django.db import connections

    wrappers: dict[str, Any] = {}
    for alias in connections:
        wrapper = connections.create_connection(alias)
        if wrapper.vendor == "sqlite":
            continue  # SQLite (development): the thread's own connection, as Django does it
        # persistent, whatever the site's CONN_MAX_AGE (which stays 0 for the fresh thread per request of
        # other apps); used by one thread at a time, but not always the same one
        wrapper.settings_dict = {**wrapper.settings_dict, "CONN_MAX_AGE": CONN_MAX_AGE}
        wrapper.inc_thread_sharing()
        wrappers[alias] = wrapper
    return wrappers


def _take_connections() -> None:
    from django.db import connections

    with _free_lock:
        wrappers = _free.pop() if _free else None
    if wrappers is None:
        wrappers = _new_connections()
    for alias, wrapper in wrappers.items():
        connections[alias] = wrapper
    _local.wrappers = wrappers


def _give_back_connections() -> None:
    from django.db import connections

    wrappers: dict[str, Any] = _local.wrappers
    _local.wrappers = None
    for alias, wrapper in wrappers.items():
        if wrapper.in_atomic_block:  # never expected here (callers check); never hand over a transaction
            wrapper.close()
        else:
            wrapper.close_if_unusable_or_obsolete()
        try:
            del connections[alias]  # the thread is back to its own (unused, unconnected) connection object
        except AttributeError:
            pass
    with _free_lock:
        _free.append(wrappers)


def _in_transaction() -> bool:
    from django.db import connections

    return any(connections[alias].in_atomic_block for alias in (getattr(_local, "wrappers", None) or {}))


def _acquire() -> None:
    _active.acquire()
    _local.active = True
    try:
        _take_connections()
    except BaseException:
        _local.active = False
        _active.release()
        raise


def _release() -> None:
    try:
        _give_back_connections()
    finally:
        _local.active = False
        _active.release()


class _Slot:
    """Hold one of the ACTIVE work slots and its connection (re-entrant per thread: a nested use is a no-op)."""

    def __enter__(self) -> None:
        self.held = not getattr(_local, "active", False)
        if self.held:
            _acquire()

    def __exit__(self, *exc: object) -> None:
        if self.held:
            _release()


class _Idle:
    """Give the work slot and its connection back while blocking (a long poll waiting for jobs). Inside a
    transaction it keeps both: the transaction lives on that connection."""

    def __enter__(self) -> None:
        self.held = bool(getattr(_local, "active", False)) and not _in_transaction()
        if self.held:
            _release()

    def __exit__(self, *exc: object) -> None:
        if self.held:
            _acquire()


def working() -> _Slot:
    return _Slot()


def idle() -> _Idle:
    return _Idle()


def close_connections() -> None:
    """Close the free slots' connections (tests, shutdown); a slot in use keeps its own."""
    with _free_lock:
        free = list(_free)
    for wrappers in free:
        for wrapper in wrappers.values():
            wrapper.close()
