"""Run the API's sync views on a fixed pool of threads under ASGI, so their database connections persist.

Django's ASGI handler gives each request's sync code a fresh thread, hence a fresh PostgreSQL connection
(3-5 ms to open) that then lingers until the thread object is collected (under load: "too many clients").
The API's views are wrapped as async views that hand the DRF view to this pool instead: a pool thread keeps
its connection across requests (CONN_MAX_AGE), checked with `close_old_connections` before each use.
Outside ASGI (the test client, WSGI) the view runs as before, on the caller's thread and connection.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections

# Long polls hold a thread while they wait: size the pool for workers + concurrent requests.
POOL_SIZE = int(os.environ.get("BIZDEVOPS_API_THREADS", "48"))
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()


def in_pool_thread() -> bool:
    return bool(getattr(_local, "pooled", False))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="api-db")
        return _pool


def _run_pooled(view: Callable[..., Any], request: Any, *args: Any, **kwargs: Any) -> Any:
    _local.pooled = True
    close_old_connections()  # drop a connection that is broken or past CONN_MAX_AGE
    try:
        return view(request, *args, **kwargs)
    finally:
        close_old_connections()


def pooled(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync view (DRF `as_view()`) as an async view running on the pool under ASGI."""

    @functools.wraps(view)
    async def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(request, ASGIRequest):
            run = sync_to_async(_run_pooled, thread_sensitive=False, executor=_executor())
            return await run(view, request, *args, **kwargs)
        return await sync_to_async(view, thread_sensitive=True)(request, *args, **kwargs)

    return wrapper
