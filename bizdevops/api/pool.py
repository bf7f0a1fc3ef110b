"""The API's fixed pool of threads: each keeps one persistent database connection.

Django's ASGI handler gives each request's sync code a fresh thread, hence a fresh PostgreSQL connection
(3-5 ms to open), and with CONN_MAX_AGE=0 (the site's ASGI setting) every request pays for one. The API's
requests run on this pool instead (bizdevops.api.asgi): a pool thread keeps its connection for
BIZDEVOPS_API_CONN_MAX_AGE seconds (default 300), checked by Django's `close_old_connections` at the start
and end of every request, so at most BIZDEVOPS_API_THREADS connections stay open per web process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

# Long polls hold a thread while they wait: size the pool for workers + concurrent requests. Each thread may
# hold a database connection: keep (threads x web processes) below PostgreSQL's max_connections.
POOL_SIZE = int(os.environ.get("BIZDEVOPS_API_THREADS", "48"))
CONN_MAX_AGE = int(os.environ.get("BIZDEVOPS_API_CONN_MAX_AGE", "300"))
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()

T = TypeVar("T")

# Requests doing work (not waiting in a long poll) at once. More threads than this only contend for the GIL
# while holding database transactions (and row locks) open: PostgreSQL then sits "idle in transaction"
# waiting for a Python thread that waits for the interpreter.
ACTIVE = int(os.environ.get("BIZDEVOPS_API_ACTIVE", "8"))
_active = threading.BoundedSemaphore(ACTIVE)


def in_pool_thread() -> bool:
    return bool(getattr(_local, "pooled", False))


def _init_thread() -> None:
    from django.db import connections

    _local.pooled = True
    # This thread's connection wrappers get their own settings: persistent here, whatever the site's
    # CONN_MAX_AGE (which stays 0 for the fresh-thread-per-request code of other apps).
    for alias in connections:
        wrapper = connections[alias]
        if wrapper.vendor != "sqlite":
            wrapper.settings_dict = {**wrapper.settings_dict, "CONN_MAX_AGE": CONN_MAX_AGE}


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


class _Slot:
    """Hold one of the ACTIVE work slots (re-entrant per thread: a nested use is a no-op)."""

    def __enter__(self) -> None:
        self.held = not getattr(_local, "active", False)
        if self.held:
            _active.acquire()
            _local.active = True

    def __exit__(self, *exc: object) -> None:
        if self.held:
            _local.active = False
            _active.release()


class _Idle:
    """Give the work slot back while blocking (a long poll waiting for jobs)."""

    def __enter__(self) -> None:
        self.held = bool(getattr(_local, "active", False))
        if self.held:
            _local.active = False
            _active.release()

    def __exit__(self, *exc: object) -> None:
        if self.held:
            _active.acquire()
            _local.active = True


def working() -> _Slot:
    return _Slot()


def idle() -> _Idle:
    return _Idle()
