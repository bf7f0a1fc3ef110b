"""The API's work slots own the database connections (bizdevops.api.pool), and job wake-ups wake one waiting
long poll per new job (bizdevops.api.jobwake), not all of them."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from bizdevops.api import jobwake, pool

# -- job wake-ups ------------------------------------------------------------------------------------------


def _waiting(types: list[str], count: int, timeout: float = 0.45) -> tuple[list[bool], Callable[[], None]]:
    """Start `count` threads each long-polling `types`; returns their results and a join function."""
    results: list[bool] = []
    lock = threading.Lock()

    def wait() -> None:
        woken = jobwake.wait(types, timeout)
        with lock:
            results.append(woken)

    with jobwake._lock:
        already = len(jobwake._waiters.get(types[-1], {}))
    threads = [threading.Thread(target=wait) for _ in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # all registered before anything is rung
        with jobwake._lock:
            registered = len(jobwake._waiters.get(types[-1], {}))
        if registered >= already + count:
            break
        time.sleep(0.005)

    def join() -> None:
        for thread in threads:
            thread.join()

    return results, join


def test_one_new_job_wakes_one_waiting_poll() -> None:
    job_type = f"wake-{uuid.uuid4().hex[:8]}"
    results, join = _waiting([job_type], 3)
    jobwake.notify([job_type])
    join()
    assert sorted(results) == [False, False, True]


def test_as_many_polls_wake_as_jobs_were_created() -> None:
    job_type = f"wake-{uuid.uuid4().hex[:8]}"
    results, join = _waiting([job_type], 4)
    jobwake.notify([job_type, job_type, f"{job_type}-other"])
    join()
    assert sorted(results) == [False, False, True, True]


def test_a_poll_on_several_types_is_woken_once_and_the_next_waiter_gets_the_other_job() -> None:
    a, b = f"wake-a-{uuid.uuid4().hex[:8]}", f"wake-b-{uuid.uuid4().hex[:8]}"
    both, join_both = _waiting([a, b], 1)
    only_b, join_b = _waiting([b], 1)
    jobwake.notify([a, b])
    join_both()
    join_b()
    assert both == [True]
    assert only_b == [True]


def test_a_wake_up_from_an_older_publisher_names_types_only() -> None:
    job_type = f"wake-{uuid.uuid4().hex[:8]}"
    results, join = _waiting([job_type], 2)
    jobwake.notify_local([job_type])
    join()
    assert sorted(results) == [False, True]


def test_one_waiting_poll_of_a_type_looks_at_the_database_each_interval() -> None:
    """Without wake-ups, waiting polls come back to re-check the database one per POLL_FLOOR, not all of
    them every interval."""
    job_type = f"wake-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    results, join = _waiting([job_type], 3, timeout=5.0)
    time.sleep(jobwake.POLL_FLOOR * 1.5)
    assert len(results) == 1  # one came back to look; the two others still wait
    join()
    elapsed = time.monotonic() - started
    assert results == [False, False, False]
    assert elapsed < jobwake.POLL_FLOOR * 3 + 1.0  # one after the other, each after one more interval


# -- work slots and their connections --------------------------------------------------------------------


@pytest.fixture
def slots() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(max_workers=pool.ACTIVE * 3, initializer=pool._init_thread)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True)
        pool.close_connections()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_waiting_requests_hold_no_connection_and_working_ones_share_the_slots(
    slots: ThreadPoolExecutor,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("slots own PostgreSQL connections; SQLite keeps Django's per-thread connection")
    requests = pool.ACTIVE * 3
    all_waiting = threading.Barrier(requests, timeout=10)

    def request() -> dict[str, Any]:
        with pool.working():
            before = _backend_pid()
            with pool.idle():  # a long poll waiting: slot and connection handed back
                unconnected = connection.connection is None
                all_waiting.wait()  # every request waits at once: more than there are slots
            after = _backend_pid()
        return {"before": before, "after": after, "unconnected while waiting": unconnected}

    results = list(slots.map(lambda _: request(), range(requests)))

    assert all(r["unconnected while waiting"] for r in results)
    pids = {r["before"] for r in results} | {r["after"] for r in results}
    assert len(pids) <= pool.ACTIVE  # never more connections than slots, however many requests wait


@pytest.mark.django_db(transaction=True)
def test_a_transaction_keeps_its_connection_while_idle(slots: ThreadPoolExecutor) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("slots own PostgreSQL connections")
    from django.db import transaction

    def request() -> tuple[int, int]:
        with pool.working(), transaction.atomic():
            before = _backend_pid()
            with pool.idle():
                during = _backend_pid()
            return before, during

    before, during = slots.submit(request).result()
    assert before == during
