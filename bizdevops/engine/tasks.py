"""Celery tasks of the engine. They only wake the engine: each task calls one service, which runs the commands
in database transactions. Nothing here holds state; a task that is lost (worker killed, Redis flushed) is
re-created by the beat sweeper from what the database says is due.

- `sweep_task` (beat, every second): due timers, outbox rows whose wake-up got lost, built-in jobs whose
  lock expired or whose retry back-off ended, expired buffered messages.
- `fire_due_timers_task`, `process_outbox_task`: drain their queue in the database.
- `run_jobs_task(job_type)`: the built-in worker: activates jobs of a type that has a handler registered
  with `register_job_handler` (connectors do this, like any external worker would poll) and completes or
  fails each one in its own transaction.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from celery import shared_task

from bizdevops.celery import app

logger = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 1.0
# A built-in job is locked this long; a worker killed mid-job gives it back after this (Celery's
# visibility timeout is much longer, so the sweeper, not Redis, is what re-runs it).
DEFAULT_JOB_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class JobHandler:
    """A built-in worker for one job type."""

    job_type: str
    handle: Callable[[Any], dict[str, Any] | None]
    timeout_ms: int = DEFAULT_JOB_TIMEOUT_MS
    max_jobs: int = 10


class BpmnError(Exception):
    """Raised by a handler to throw a BPMN error (caught by an error boundary event or event subprocess)."""

    def __init__(self, code: str, message: str = "", variables: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.variables = variables or {}


_handlers: dict[str, JobHandler] = {}


def register_job_handler(
    job_type: str, handle: Callable[[Any], dict[str, Any] | None], *, timeout_ms: int = DEFAULT_JOB_TIMEOUT_MS
) -> None:
    """Make `handle(job)` the built-in worker of `job_type`. It gets the activated job (with `variables`)
    and returns variables to complete with; an exception fails the job (retries - 1, incident at 0);
    `BpmnError` throws an error. Handlers must be idempotent: a job runs at least once."""
    _handlers[job_type] = JobHandler(job_type=job_type, handle=handle, timeout_ms=timeout_ms)


def unregister_job_handler(job_type: str) -> None:
    _handlers.pop(job_type, None)


def handled_job_types() -> list[str]:
    return sorted(_handlers)


def _worker_name() -> str:
    return f"celery@{socket.gethostname()}:{os.getpid()}"


# -- wake-ups on commit ---------------------------------------------------------------------------------


def _wake(kind: str, items: Sequence[Any]) -> None:
    """Called by the DjangoStore after a commit that created work. Broker errors are logged, not raised:
    the commit already happened and the sweeper will find the work anyway."""
    try:
        if kind == "commands":
            process_outbox_task.delay()
        elif kind == "jobs":
            for job_type in sorted({job.type for job in items if job.type in _handlers}):
                run_jobs_task.delay(job_type)
    except Exception:  # the broker may be down; the database still has the work
        logger.warning("engine wake-up %s could not be enqueued; the sweeper will retry", kind, exc_info=True)


def _install_wake_hook() -> None:
    from bizdevops.engine.state.store import add_wake_hook

    add_wake_hook(_wake)


_install_wake_hook()


# -- tasks ----------------------------------------------------------------------------------------------


@shared_task(name="engine.fire_due_timers_task", ignore_result=True)
def fire_due_timers_task() -> int:
    """Fire every timer that is due (each in its own transaction)."""
    from bizdevops.engine import services

    return services.fire_due_timers()


@shared_task(name="engine.process_outbox_task", ignore_result=True)
def process_outbox_task() -> int:
    """Run queued follow-up commands (message correlation, call activity parents, signals)."""
    from bizdevops.engine import services

    return services.process_outbox()


@shared_task(name="engine.run_jobs_task", ignore_result=True)
def run_jobs_task(job_type: str) -> int:
    """Activate and run the jobs of one built-in type until none is left; return how many ran."""
    from bizdevops.engine import services

    handler = _handlers.get(job_type)
    if handler is None:
        logger.warning("no built-in handler for job type %s in this worker", job_type)
        return 0
    done = 0
    while True:
        jobs = services.activate_jobs(
            job_type=job_type,
            worker=_worker_name(),
            timeout_ms=handler.timeout_ms,
            max_jobs_to_activate=handler.max_jobs,
        )
        if not jobs:
            return done
        for job in jobs:
            _run_one(handler, job)
            done += 1


def _run_one(handler: JobHandler, job: Any) -> None:
    from bizdevops.engine import services
    from bizdevops.engine.core.errors import EngineError

    try:
        result = handler.handle(job)
    except BpmnError as error:
        try:
            services.throw_error(
                job_key=job.job_key,
                error_code=error.code,
                error_message=error.message,
                variables=error.variables,
            )
        except EngineError as exc:  # lock expired and someone else finished it: nothing to do
            logger.info("job %s: %s", job.job_key, exc.message)
        return
    except Exception as exc:
        logger.warning("job %s of type %s failed: %s", job.job_key, job.type, exc)
        try:
            services.fail_job(
                job_key=job.job_key, retries=max(job.retries - 1, 0), error_message=str(exc)[:4000]
            )
        except EngineError as error:
            logger.info("job %s: %s", job.job_key, error.message)
        return
    try:
        services.complete_job(job_key=job.job_key, variables=result or {})
    except EngineError as exc:
        logger.info("job %s: %s", job.job_key, exc.message)


@shared_task(name="engine.sweep_task", ignore_result=True)
def sweep_task() -> dict[str, int]:
    """The beat sweeper: re-create every wake-up the database says is due. Cheap when there is nothing."""
    from bizdevops.engine import selectors, services

    found = selectors.get_due_work(job_types=handled_job_types())
    if found.timers:
        fire_due_timers_task.delay()
    if found.outbox:
        process_outbox_task.delay()
    for job_type in found.job_types:
        run_jobs_task.delay(job_type)
    expired = services.delete_expired_messages()
    return {
        "timers": found.timers,
        "outbox": found.outbox,
        "job_types": len(found.job_types),
        "messages": expired,
    }


app.conf.beat_schedule.update(
    {
        "engine-sweep": {
            "task": "engine.sweep_task",
            "schedule": SWEEP_INTERVAL_SECONDS,
            # A sweep that waited longer than its interval is useless: the next one is already queued.
            "options": {"expires": SWEEP_INTERVAL_SECONDS * 5},
        }
    }
)
