"""Wake long-polling job activations when jobs of their type become activatable.

The engine's state layer calls a wake hook after commit with the new activatable jobs. In the process that
committed, waiting requests are woken directly; with Redis configured the job types are also published on a
channel, so a job created by a Celery worker or another web process wakes pollers here within a millisecond.
A lost wake-up only costs latency: one waiting poller per type re-checks the database every POLL_FLOOR
seconds anyway (jobs also become activatable by time alone: retry back-off and expired locks).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

CHANNEL = "bizdevops:jobs"
POLL_FLOOR = 0.5

_lock = threading.Lock()
# Per job type, the waiting requests' events in arrival order (a dict keeps it): the longest-waiting first.
_waiters: dict[str, dict[threading.Event, None]] = {}
# Per job type, when a waiting request last went back to look at the database (monotonic seconds).
_looked: dict[str, float] = {}
_subscriber: threading.Thread | None = None
_publisher: Any = None
_ORIGIN = uuid.uuid4().hex  # this process: it has woken its own waiters before publishing


def notify_local(counts: Mapping[str, int] | Iterable[str]) -> None:
    """Wake, per job type, as many waiting requests as jobs became activatable (the longest-waiting first),
    not all of them: each woken request runs an activation query, and a herd of them would find one job
    and spend a query each on nothing. A woken request that finds no job (another poller was faster) waits
    again. A plain list of types (an older publisher) wakes one waiter per type."""
    if not isinstance(counts, Mapping):
        counts = dict.fromkeys(counts, 1)
    with _lock:
        for job_type, count in counts.items():
            woken = 0
            for event in _waiters.get(job_type, ()):
                if woken >= count:
                    break
                if not event.is_set():  # one set for another type (a multi-topic fetch) is awake already
                    event.set()
                    woken += 1


def _redis() -> Any:
    global _publisher
    if _publisher is None and settings.REDIS_URL:
        import redis

        _publisher = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _publisher


def notify(types: Iterable[str]) -> None:
    """New activatable jobs of `types` exist, one entry per job (called after commit)."""
    counts = dict(sorted(Counter(types).items()))
    counts.pop("", None)
    if not counts:
        return
    notify_local(counts)
    client = _redis()
    if client is not None:
        try:
            client.publish(CHANNEL, json.dumps({"origin": _ORIGIN, "jobs": counts}))
        except Exception:  # a doorbell: the pollers' floor interval covers a failed ring
            log.warning("could not publish job wake-up", exc_info=True)


def _on_engine_wake(kind: str, items: Sequence[Any]) -> None:
    if kind == "jobs":
        notify(getattr(job, "type", "") for job in items)


def _listen() -> None:
    import redis

    while True:
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            for message in pubsub.listen():
                try:
                    data = json.loads(message["data"])
                    if isinstance(data, dict) and "jobs" in data:
                        if data.get("origin") != _ORIGIN:
                            notify_local({str(k): int(v) for k, v in data["jobs"].items()})
                    elif isinstance(data, dict):
                        notify_local({str(k): int(v) for k, v in data.items()})
                    elif isinstance(data, list):
                        notify_local([str(t) for t in data])
                except (ValueError, TypeError):
                    continue
        except Exception:
            log.warning("job wake-up subscriber lost Redis; retrying", exc_info=True)
            time.sleep(1)


def _ensure_subscriber() -> None:
    global _subscriber
    if _subscriber is not None or not settings.REDIS_URL:
        return
    with _lock:
        if _subscriber is None:
            _subscriber = threading.Thread(target=_listen, name="job-wake-subscriber", daemon=True)
            _subscriber.start()


def wait(types: Sequence[str], timeout: float) -> bool:
    """Block up to `timeout` seconds for a wake-up of one of `types`: True when woken, False when the caller
    should look at the database again. That is at the timeout, and every POLL_FLOOR seconds for one waiting
    request per type (jobs also become activatable by time alone, and a wake-up may be lost): with many
    workers waiting, the database sees one such look per type and interval, not one per waiting request."""
    _ensure_subscriber()
    deadline = time.monotonic() + timeout
    event = threading.Event()
    with _lock:
        for job_type in types:
            _waiters.setdefault(job_type, {})[event] = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if event.wait(min(remaining, POLL_FLOOR)):
                return True
            with _lock:
                now = time.monotonic()
                if any(now - _looked.get(job_type, 0.0) >= POLL_FLOOR * 0.9 for job_type in types):
                    for job_type in types:
                        _looked[job_type] = now
                    return False
    finally:
        with _lock:
            for job_type in types:
                waiting = _waiters.get(job_type)
                if waiting is not None:
                    waiting.pop(event, None)
                    if not waiting:
                        del _waiters[job_type]


def install() -> None:
    """Register the engine wake hook (every Django process: web, Celery, worker runner)."""
    try:
        from bizdevops.engine.state.store import add_wake_hook
    except ImportError:
        return
    add_wake_hook(_on_engine_wake)
