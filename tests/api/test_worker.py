"""The worker runner: concurrency, outcomes (complete / BPMN error / failure with back-off), graceful stop."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bizdevops.api.worker import BpmnError, Job, WorkerRunner, backoff_ms, load_handler


class FakeTransport:
    """An in-memory job queue standing in for the engine."""

    def __init__(self, jobs: list[Job]) -> None:
        self.queue = list(jobs)
        self.lock = threading.Lock()
        self.completed: dict[int, dict[str, Any]] = {}
        self.failed: dict[int, tuple[int, str, int]] = {}
        self.errors: dict[int, str] = {}

    def activate(self, job_type: str, worker: str, max_jobs: int, timeout_ms: int) -> list[Job]:
        with self.lock:
            taken = [j for j in self.queue if j.type == job_type][:max_jobs]
            for job in taken:
                self.queue.remove(job)
            return taken

    def complete(self, job: Job, variables: dict[str, Any]) -> None:
        self.completed[job.key] = variables

    def fail(self, job: Job, retries: int, message: str, backoff: int) -> None:
        self.failed[job.key] = (retries, message, backoff)

    def throw_error(self, job: Job, code: str, message: str, variables: dict[str, Any]) -> None:
        self.errors[job.key] = code


def job(key: int, job_type: str = "work", **variables: Any) -> Job:
    return Job(key, job_type, variables, {}, 3, "Task", 1, "p")


def _run_until(runner: WorkerRunner, done: Any, timeout: float = 10) -> None:
    thread = threading.Thread(target=runner.run)
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_outcomes_map_to_complete_error_and_failure() -> None:
    # given three jobs whose handler completes, throws a BPMN error, and crashes
    transport = FakeTransport([job(1, n=1), job(2, n=2), job(3, n=3)])

    def handle(j: Job) -> dict[str, Any]:
        if j.variables["n"] == 2:
            raise BpmnError("NOPE", "not allowed")
        if j.variables["n"] == 3:
            raise ValueError("boom")
        return {"doubled": j.variables["n"] * 2}

    runner = WorkerRunner({"work": handle}, transport, concurrency=2)
    # when the runner works them
    _run_until(runner, lambda: len(transport.completed) + len(transport.errors) + len(transport.failed) == 3)
    # then
    assert transport.completed == {1: {"doubled": 2}}
    assert transport.errors == {2: "NOPE"}
    retries, message, backoff = transport.failed[3]
    assert retries == 2
    assert "boom" in message
    assert backoff == 1000  # first failure of a job with 3 retries


def test_backoff_grows_exponentially_and_is_capped() -> None:
    assert [backoff_ms(n) for n in (1, 2, 3, 4)] == [1000, 2000, 4000, 8000]
    assert backoff_ms(50) == 5 * 60_000


def test_jobs_run_concurrently_up_to_the_limit() -> None:
    transport = FakeTransport([job(k) for k in range(8)])
    running, peak = [0], [0]
    lock = threading.Lock()

    def handle(j: Job) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    runner = WorkerRunner({"work": handle}, transport, concurrency=4)
    _run_until(runner, lambda: len(transport.completed) == 8)
    assert len(transport.completed) == 8
    assert peak[0] == 4


def test_stop_lets_a_running_job_finish() -> None:
    # given a job that is running when the stop comes
    transport = FakeTransport([job(1)])
    started = threading.Event()

    def slow(j: Job) -> dict[str, Any]:
        started.set()
        time.sleep(0.3)
        return {"done": True}

    runner = WorkerRunner({"work": slow}, transport, concurrency=1)
    thread = threading.Thread(target=runner.run)
    thread.start()
    assert started.wait(5)
    # when stopped mid-job
    runner.stop()
    thread.join(timeout=10)
    # then the job was still completed, and nothing new was taken
    assert transport.completed == {1: {"done": True}}


def test_load_handler_resolves_module_function() -> None:
    assert load_handler("bizdevops.api.worker:backoff_ms") is backoff_ms
    for bad in ("nocolon", "bizdevops.api.worker:nope"):
        try:
            load_handler(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


@pytest.mark.django_db(transaction=True)
def test_engine_transport_works_real_jobs() -> None:
    # given two instances waiting at a service task in the database
    from pathlib import Path

    from django.db import connection

    from bizdevops.api.worker import EngineTransport
    from bizdevops.engine import services
    from bizdevops.engine.state import models as m

    if connection.vendor == "sqlite":
        pytest.skip("threads writing concurrently need a server database (SQLite's test db is shared-cache)")
    fixture = Path(__file__).parent / "fixtures" / "api_service.bpmn"
    services.deploy_resources(resources=[(fixture.name, fixture.read_bytes())])
    keys = [
        services.create_process_instance(
            bpmn_process_id="api_service", variables={"n": n}
        ).process_instance_key
        for n in (2, 3)
    ]
    # when the runner works them in process
    runner = WorkerRunner(
        {"api-work": lambda j: {"squared": j.variables["n"] ** 2}}, EngineTransport(), concurrency=2
    )

    def finished() -> bool:
        return m.ProcessInstance.objects.filter(key__in=keys, status="COMPLETED").count() == 2

    _run_until(runner, finished)
    # then both completed with the handler's variables
    assert finished()
    assert sorted(m.Variable.objects.filter(name="squared").values_list("value", flat=True)) == [4, 9]
