"""A job worker runner: poll jobs of some types, run Python handlers on a thread pool, report the outcome.

    def charge(job: Job) -> dict | None:            # returned dict = variables to complete the job with
        if job.variables["amount"] > 1000:
            raise BpmnError("LIMIT", "amount too high")  # caught by an error boundary event
        return {"charged": True}                     # any other exception fails the job (retries - 1)

    run_workers({"charge": charge}, concurrency=4)   # until SIGTERM / SIGINT

Two transports: `EngineTransport` calls the engine services in this process (`manage.py worker`), and
`RestTransport` speaks the public v2 API to a remote site (Basic or bearer auth), so the same handlers run
anywhere. A failure is retried with exponential back-off (`retryBackOff`), capped at MAX_BACKOFF_MS; when
no job is waiting the runner backs off its polling the same way. SIGTERM/SIGINT stop polling at once and
let running handlers finish (up to `grace_seconds`) so no job is lost or completed twice.
"""

from __future__ import annotations

import importlib
import logging
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("bizdevops.worker")

MAX_BACKOFF_MS = 5 * 60_000
IDLE_POLL_MAX_SECONDS = 1.0


class BpmnError(Exception):
    """Raise from a handler to throw a BPMN error with `code` (caught by an error boundary/event subprocess)."""

    def __init__(self, code: str, message: str = "", variables: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.variables = variables or {}


@dataclass(frozen=True)
class Job:
    """What a handler receives."""

    key: int
    type: str
    variables: dict[str, Any]
    custom_headers: dict[str, str]
    retries: int
    element_id: str
    process_instance_key: int
    bpmn_process_id: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


Handler = Callable[[Job], "dict[str, Any] | None"]


class Transport(Protocol):
    def activate(self, job_type: str, worker: str, max_jobs: int, timeout_ms: int) -> list[Job]: ...
    def complete(self, job: Job, variables: dict[str, Any]) -> None: ...
    def fail(self, job: Job, retries: int, message: str, backoff_ms: int) -> None: ...
    def throw_error(self, job: Job, code: str, message: str, variables: dict[str, Any]) -> None: ...


def backoff_ms(attempt: int, base_ms: int = 1000) -> int:
    """1 s, 2 s, 4 s, ... for the n-th failure, capped."""
    return int(min(MAX_BACKOFF_MS, base_ms * 2 ** max(0, attempt - 1)))


class EngineTransport:
    """In-process: the engine services of this Django site (the database is the queue)."""

    def wait(self, job_type: str, seconds: float) -> None:
        """Sleep until jobs of the type are created (wake-up) or `seconds` pass."""
        from bizdevops.api import jobwake

        jobwake.wait([job_type], seconds)

    def activate(self, job_type: str, worker: str, max_jobs: int, timeout_ms: int) -> list[Job]:
        from bizdevops.api import engine_gateway as gateway

        jobs = gateway.activate_jobs(
            job_type=job_type,
            worker=worker,
            timeout_ms=timeout_ms,
            max_jobs=max_jobs,
            fetch_variables=None,
            tenant_ids=None,
        )
        return [job_from_api(j) for j in jobs]

    def complete(self, job: Job, variables: dict[str, Any]) -> None:
        from bizdevops.api import engine_gateway as gateway

        gateway.call("complete_job", job_key=job.key, variables=variables)

    def fail(self, job: Job, retries: int, message: str, backoff_ms: int) -> None:
        from bizdevops.api import engine_gateway as gateway

        gateway.call(
            "fail_job",
            job_key=job.key,
            retries=retries,
            error_message=message,
            retry_backoff_ms=backoff_ms,
            variables={},
        )

    def throw_error(self, job: Job, code: str, message: str, variables: dict[str, Any]) -> None:
        from bizdevops.api import engine_gateway as gateway

        gateway.call(
            "throw_error", job_key=job.key, error_code=code, error_message=message, variables=variables
        )


class RestTransport:
    """Remote: the public v2 REST API (long polling), with Basic or bearer credentials."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str = "",
        password: str = "",
        token: str = "",
        request_timeout_ms: int = 10_000,
    ) -> None:
        import httpx

        auth = (username, password) if username else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.request_timeout_ms = request_timeout_ms
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/v2",
            auth=auth,
            headers=headers,
            timeout=request_timeout_ms / 1000 + 10,
        )

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(path, json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def activate(self, job_type: str, worker: str, max_jobs: int, timeout_ms: int) -> list[Job]:
        data = self._post(
            "/jobs/activation",
            {
                "type": job_type,
                "worker": worker,
                "maxJobsToActivate": max_jobs,
                "timeout": timeout_ms,
                "requestTimeout": self.request_timeout_ms,
            },
        )
        return [job_from_api(j) for j in data["jobs"]]

    def complete(self, job: Job, variables: dict[str, Any]) -> None:
        self._post(f"/jobs/{job.key}/completion", {"variables": variables})

    def fail(self, job: Job, retries: int, message: str, backoff_ms: int) -> None:
        self._post(
            f"/jobs/{job.key}/failure",
            {"retries": retries, "errorMessage": message, "retryBackOff": backoff_ms},
        )

    def throw_error(self, job: Job, code: str, message: str, variables: dict[str, Any]) -> None:
        self._post(
            f"/jobs/{job.key}/error", {"errorCode": code, "errorMessage": message, "variables": variables}
        )


def job_from_api(data: Mapping[str, Any]) -> Job:
    return Job(
        key=int(data["jobKey"]),
        type=data["type"],
        variables=dict(data.get("variables") or {}),
        custom_headers=dict(data.get("customHeaders") or {}),
        retries=int(data.get("retries", 0)),
        element_id=data.get("elementId", ""),
        process_instance_key=int(data["processInstanceKey"]),
        bpmn_process_id=data.get("processDefinitionId", ""),
        raw=data,
    )


def load_handler(spec: str) -> Handler:
    """`package.module:function` → the function."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"handler {spec!r} must look like package.module:function")
    handler = getattr(importlib.import_module(module_name), attr, None)
    if not callable(handler):
        raise ValueError(f"{spec!r} is not a callable")
    return handler  # type: ignore[no-any-return]


class WorkerRunner:
    """Runs handlers for job types until `stop()` (or a signal, with `install_signal_handlers`)."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        transport: Transport,
        *,
        concurrency: int = 4,
        timeout_ms: int = 60_000,
        worker_name: str | None = None,
        grace_seconds: float = 30.0,
    ) -> None:
        self.handlers = dict(handlers)
        self.transport = transport
        self.concurrency = max(1, concurrency)
        self.timeout_ms = timeout_ms
        self.worker_name = worker_name or f"{socket.gethostname()}-{threading.get_native_id()}"
        self.grace_seconds = grace_seconds
        self._stop = threading.Event()
        self._slots = threading.Semaphore(self.concurrency)
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="job")
        self.completed = 0
        self.failed = 0
        self._count_lock = threading.Lock()

    def stop(self, *_: Any) -> None:
        if not self._stop.is_set():
            log.info("worker %s stopping: finishing running jobs", self.worker_name)
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> None:
        """Poll every type in its own thread; return once stopped and running jobs are done."""
        pollers = [
            threading.Thread(target=self._poll, args=(t,), name=f"poll-{t}", daemon=True)
            for t in self.handlers
        ]
        for poller in pollers:
            poller.start()
        self._stop.wait()
        for poller in pollers:
            poller.join(timeout=self.grace_seconds)
        self._pool.shutdown(wait=True, cancel_futures=False)
        log.info("worker %s stopped: %d completed, %d failed", self.worker_name, self.completed, self.failed)

    def _free_slots(self) -> int:
        """Wait (briefly) for one free slot, then take every other free one."""
        if not self._slots.acquire(timeout=0.5):
            return 0
        taken = 1
        while taken < self.concurrency and self._slots.acquire(blocking=False):
            taken += 1
        return taken

    def _poll(self, job_type: str) -> None:
        idle = 0.05
        while not self._stop.is_set():
            slots = self._free_slots()
            if not slots:
                continue
            try:
                jobs = (
                    []
                    if self._stop.is_set()
                    else self.transport.activate(job_type, self.worker_name, slots, self.timeout_ms)
                )
            except Exception as exc:
                log.warning("activating %s jobs failed: %s", job_type, exc)
                jobs = []
                idle = IDLE_POLL_MAX_SECONDS
            for _ in range(slots - len(jobs)):
                self._slots.release()
            for job in jobs:
                future: Future[None] = self._pool.submit(self._run_one, job)
                future.add_done_callback(lambda _f: self._slots.release())
            if jobs:
                idle = 0.05
            elif hasattr(self.transport, "wait"):
                self.transport.wait(job_type, idle)
                idle = min(idle * 2, IDLE_POLL_MAX_SECONDS)
            else:
                self._stop.wait(idle)
                idle = min(idle * 2, IDLE_POLL_MAX_SECONDS)

    def _run_one(self, job: Job) -> None:
        handler = self.handlers[job.type]
        try:
            result = handler(job)
        except Exception as exc:
            code = getattr(exc, "code", None)
            try:
                if isinstance(exc, BpmnError) or (isinstance(code, str) and hasattr(exc, "variables")):
                    self.transport.throw_error(
                        job,
                        str(code),
                        getattr(exc, "message", "") or "",
                        dict(getattr(exc, "variables", {}) or {}),
                    )
                else:
                    retries = max(job.retries - 1, 0)
                    attempt = max(1, 3 - retries)
                    log.warning("job %s (%s) failed: %s", job.key, job.type, exc)
                    self.transport.fail(
                        job, retries, f"{type(exc).__name__}: {exc}"[:4000], backoff_ms(attempt)
                    )
            except Exception as report_error:  # the lock expires and the job comes back: nothing is lost
                log.warning("could not report job %s: %s", job.key, report_error)
            with self._count_lock:
                self.failed += 1
            return
        try:
            self.transport.complete(job, dict(result or {}))
            with self._count_lock:
                self.completed += 1
        except Exception as exc:
            log.warning("could not complete job %s: %s", job.key, exc)


def run_workers(
    handlers: Mapping[str, Handler],
    *,
    transport: Transport | None = None,
    concurrency: int = 4,
    timeout_ms: int = 60_000,
) -> WorkerRunner:
    """Run until SIGTERM/SIGINT (blocking) and return the stopped runner."""
    runner = WorkerRunner(
        handlers, transport or EngineTransport(), concurrency=concurrency, timeout_ms=timeout_ms
    )
    runner.install_signal_handlers()
    runner.run()
    return runner
