"""Drive processes from a test: deploy, start, work jobs and user tasks, send messages and signals, move the
clock; then inspect the instance. One API over two backends:

- `MemoryProcessTest`: the pure engine core in memory with a controlled clock (no database; milliseconds).
- `DatabaseProcessTest`: the real engine services on the Django database (needs a transactional test db).

Both return `Instance` handles whose `status`, `passed`, `active`, `variables` and `incidents` read the engine's
own records, so `assert_process(instance)` checks exactly what Operate would show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMPLETED_INTENT = "ELEMENT_COMPLETED"
ACTIVE_INTENTS = ("ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED")
END_INTENTS = ("ELEMENT_COMPLETED", "ELEMENT_TERMINATED")
TEST_WORKER = "bizdevops-test"


@dataclass(frozen=True)
class Snapshot:
    """What an instance looks like now (read from the engine's records)."""

    key: int
    bpmn_process_id: str
    status: str  # ACTIVE, COMPLETED, TERMINATED
    passed: tuple[str, ...]  # element ids completed, in order (repeats kept)
    active: tuple[str, ...]  # element ids with a live element instance
    variables: dict[str, Any]  # root scope
    incidents: tuple[dict[str, Any], ...]  # open incidents: {key, errorType, errorMessage, elementId}


class Instance:
    """A process instance started by a test; every property reads fresh state."""

    def __init__(self, kit: ProcessTest, key: int) -> None:
        self.kit = kit
        self.key = key

    def snapshot(self) -> Snapshot:
        return self.kit.snapshot(self.key)

    @property
    def status(self) -> str:
        return self.snapshot().status

    @property
    def variables(self) -> dict[str, Any]:
        return self.snapshot().variables

    @property
    def passed(self) -> tuple[str, ...]:
        return self.snapshot().passed

    @property
    def active(self) -> tuple[str, ...]:
        return self.snapshot().active

    def __repr__(self) -> str:
        return f"<Instance {self.key}>"


class ProcessTest:
    """The common API of both backends."""

    def deploy(self, *paths: str | Path) -> Any:
        """Deploy BPMN, DMN and form files together."""
        resources = [(Path(p).name, Path(p).read_bytes()) for p in paths]
        return self._deploy(resources)

    def start(self, bpmn_process_id: str, /, **variables: Any) -> Instance:
        """Start the latest version of a process with variables."""
        return Instance(self, self._start(bpmn_process_id, variables))

    def complete_job(self, job_type: str, /, instance: Instance | None = None, **variables: Any) -> int:
        """Complete the oldest open job of a type (of `instance`, if given) with variables; returns its key."""
        job_key = self._open_job(job_type, instance)
        self._complete_job(job_key, variables)
        return job_key

    def work(self, job_type: str, handler: Callable[[dict[str, Any]], dict[str, Any] | None], /) -> int:
        """Run `handler(variables) -> variables` for every open job of a type; returns how many ran."""
        done = 0
        for job_key, variables in self._activate_all(job_type):
            self._complete_job(job_key, handler(variables) or {})
            done += 1
        return done

    def fail_job(
        self,
        job_type: str,
        /,
        instance: Instance | None = None,
        *,
        retries: int = 0,
        message: str = "failed in test",
        backoff_ms: int = 0,
    ) -> int:
        job_key = self._open_job(job_type, instance)
        self._fail_job(job_key, retries, message, backoff_ms)
        return job_key

    def throw_error(
        self,
        job_type: str,
        code: str,
        /,
        instance: Instance | None = None,
        message: str = "",
        **variables: Any,
    ) -> int:
        job_key = self._open_job(job_type, instance)
        self._throw_error(job_key, code, message, variables)
        return job_key

    def complete_user_task(
        self, element_id: str, /, instance: Instance | None = None, **variables: Any
    ) -> int:
        """Complete the open user task of an element (of `instance`, if given); returns its key."""
        task_key = self._open_user_task(element_id, instance)
        self._complete_user_task(task_key, variables)
        return task_key

    def publish_message(
        self, name: str, correlation_key: str = "", /, ttl_ms: int = 0, **variables: Any
    ) -> int:
        return self._publish(name, correlation_key, variables, ttl_ms)

    def broadcast_signal(self, name: str, /, **variables: Any) -> int:
        return self._signal(name, variables)

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> int:
        """Move the engine clock forward and fire the timers now due; returns how many fired."""
        ms = int((seconds + minutes * 60 + hours * 3600 + days * 86400) * 1000)
        return self._advance(ms)

    def evaluate_decision(self, decision_id: str, /, **variables: Any) -> Any:
        return self._evaluate(decision_id, variables)

    # backend hooks
    def _deploy(self, resources: list[tuple[str, bytes]]) -> Any:
        raise NotImplementedError

    def _start(self, bpmn_process_id: str, variables: dict[str, Any]) -> int:
        raise NotImplementedError

    def _open_job(self, job_type: str, instance: Instance | None) -> int:
        raise NotImplementedError

    def _activate_all(self, job_type: str) -> list[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def _complete_job(self, job_key: int, variables: dict[str, Any]) -> None:
        raise NotImplementedError

    def _fail_job(self, job_key: int, retries: int, message: str, backoff_ms: int) -> None:
        raise NotImplementedError

    def _throw_error(self, job_key: int, code: str, message: str, variables: dict[str, Any]) -> None:
        raise NotImplementedError

    def _open_user_task(self, element_id: str, instance: Instance | None) -> int:
        raise NotImplementedError

    def _complete_user_task(self, task_key: int, variables: dict[str, Any]) -> None:
        raise NotImplementedError

    def _publish(self, name: str, correlation_key: str, variables: dict[str, Any], ttl_ms: int) -> int:
        raise NotImplementedError

    def _signal(self, name: str, variables: dict[str, Any]) -> int:
        raise NotImplementedError

    def _advance(self, ms: int) -> int:
        raise NotImplementedError

    def _evaluate(self, decision_id: str, variables: dict[str, Any]) -> Any:
        raise NotImplementedError

    def snapshot(self, key: int) -> Snapshot:
        raise NotImplementedError


def _fold(rows: Iterable[tuple[int, str, str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(element instance key, element id, element type, intent) rows in order → (passed ids, active ids);
    the process itself is neither (its status says that)."""
    passed: list[str] = []
    live: dict[int, str] = {}
    for key, element_id, element_type, intent in rows:
        if element_type == "PROCESS":
            continue
        if intent in ACTIVE_INTENTS:
            live[key] = element_id
        elif intent in END_INTENTS:
            live.pop(key, None)
            if intent == COMPLETED_INTENT:
                passed.append(element_id)
    return tuple(passed), tuple(live.values())


class MemoryProcessTest(ProcessTest):
    """The pure engine in memory with a controlled clock."""

    def __init__(self, *, start: dt.datetime | None = None) -> None:
        from bizdevops.engine.core.memory import InMemoryEngine

        start_ms = int(start.timestamp() * 1000) if start is not None else None
        self.engine = InMemoryEngine(start_ms=start_ms)

    def _deploy(self, resources: list[tuple[str, bytes]]) -> Any:
        return self.engine.deploy(resources)

    def _start(self, bpmn_process_id: str, variables: dict[str, Any]) -> int:
        return int(
            self.engine.create_process_instance(
                bpmn_process_id=bpmn_process_id, variables=variables
            ).process_instance_key
        )

    def _open_jobs(self, job_type: str) -> list[Any]:
        from bizdevops.engine.core.records import JobState

        now = self.engine.clock.now_ms()
        jobs = [j for j in self.engine.store.jobs.values() if j.type == job_type and j.state in JobState.OPEN]
        return sorted((j for j in jobs if j.retry_at is None or j.retry_at <= now), key=lambda j: j.key)

    def _open_job(self, job_type: str, instance: Instance | None) -> int:
        jobs = [
            j for j in self._open_jobs(job_type) if instance is None or j.process_instance_key == instance.key
        ]
        if not jobs:
            raise AssertionError(
                f"no open job of type {job_type!r}" + (f" for {instance}" if instance else "")
            )
        return int(jobs[0].key)

    def _activate_all(self, job_type: str) -> list[tuple[int, dict[str, Any]]]:
        jobs = self.engine.activate_jobs(job_type, TEST_WORKER, 60_000, 10_000)
        return [(j.job_key, dict(j.variables)) for j in jobs]

    def _complete_job(self, job_key: int, variables: dict[str, Any]) -> None:
        self.engine.complete_job(job_key, variables)

    def _fail_job(self, job_key: int, retries: int, message: str, backoff_ms: int) -> None:
        self.engine.fail_job(job_key, retries, message, backoff_ms)

    def _throw_error(self, job_key: int, code: str, message: str, variables: dict[str, Any]) -> None:
        self.engine.throw_error(job_key, code, message, variables)

    def _open_user_task(self, element_id: str, instance: Instance | None) -> int:
        tasks = sorted(
            (
                t
                for t in self.engine.store.user_tasks.values()
                if t.element_id == element_id
                and t.state == "CREATED"
                and (instance is None or t.process_instance_key == instance.key)
            ),
            key=lambda t: t.key,
        )
        if not tasks:
            raise AssertionError(
                f"no open user task at {element_id!r}" + (f" for {instance}" if instance else "")
            )
        return int(tasks[0].key)

    def _complete_user_task(self, task_key: int, variables: dict[str, Any]) -> None:
        self.engine.complete_user_task(task_key, variables)

    def _publish(self, name: str, correlation_key: str, variables: dict[str, Any], ttl_ms: int) -> int:
        return int(self.engine.publish_message(name, correlation_key, variables, ttl_ms))

    def _signal(self, name: str, variables: dict[str, Any]) -> int:
        return int(self.engine.broadcast_signal(name, variables))

    def _advance(self, ms: int) -> int:
        return int(self.engine.advance(ms=ms))

    def _evaluate(self, decision_id: str, variables: dict[str, Any]) -> Any:
        return self.engine.evaluate_decision(decision_id=decision_id, variables=variables).value

    def snapshot(self, key: int) -> Snapshot:
        state = self.engine.store.load_instance(key, for_update=False)
        if state is None:
            raise AssertionError(f"no process instance {key}")
        rows = (
            (h.element_instance_key, h.element_id, h.element_type, h.intent)
            for h in self.engine.store.history
            if h.process_instance_key == key and h.value_type == "PROCESS_INSTANCE"
        )
        passed, active = _fold(rows)
        incidents = tuple(
            {
                "key": i.key,
                "errorType": i.error_type,
                "errorMessage": i.error_message,
                "elementId": i.element_id,
            }
            for i in self.engine.store.incidents.values()
            if i.process_instance_key == key and i.state == "ACTIVE"
        )
        return Snapshot(
            key,
            state.bpmn_process_id,
            state.status,
            passed,
            active,
            dict(state.variables.get(key, {})),
            incidents,
        )


class DatabaseProcessTest(ProcessTest):
    """The engine services on the Django database (use with a transactional test database)."""

    def __init__(self) -> None:
        from bizdevops.engine import services

        self.services = services

    def _deploy(self, resources: list[tuple[str, bytes]]) -> Any:
        return self.services.deploy_resources(resources=resources)

    def _start(self, bpmn_process_id: str, variables: dict[str, Any]) -> int:
        created = self.services.create_process_instance(bpmn_process_id=bpmn_process_id, variables=variables)
        return int(created.process_instance_key)

    def _open_job(self, job_type: str, instance: Instance | None) -> int:
        from django.db.models import Q
        from django.utils import timezone

        from bizdevops.engine.state import models as m

        jobs = m.Job.objects.filter(type=job_type, state__in=["ACTIVATABLE", "ACTIVATED"]).filter(
            Q(retry_at__isnull=True) | Q(retry_at__lte=timezone.now())
        )
        if instance is not None:
            jobs = jobs.filter(process_instance_key=instance.key)
        key = jobs.order_by("key").values_list("key", flat=True).first()
        if key is None:
            raise AssertionError(
                f"no open job of type {job_type!r}" + (f" for {instance}" if instance else "")
            )
        return int(key)

    def _activate_all(self, job_type: str) -> list[tuple[int, dict[str, Any]]]:
        jobs = self.services.activate_jobs(
            job_type=job_type, worker=TEST_WORKER, timeout_ms=60_000, max_jobs=10_000
        )
        return [(j.job_key, dict(j.variables)) for j in jobs]

    def _complete_job(self, job_key: int, variables: dict[str, Any]) -> None:
        self.services.complete_job(job_key=job_key, variables=variables)

    def _fail_job(self, job_key: int, retries: int, message: str, backoff_ms: int) -> None:
        self.services.fail_job(
            job_key=job_key, retries=retries, error_message=message, retry_backoff_ms=backoff_ms
        )

    def _throw_error(self, job_key: int, code: str, message: str, variables: dict[str, Any]) -> None:
        self.services.throw_error(
            job_key=job_key, error_code=code, error_message=message, variables=variables
        )

    def _open_user_task(self, element_id: str, instance: Instance | None) -> int:
        from bizdevops.engine.state import models as m

        tasks = m.UserTask.objects.filter(element_id=element_id, state="CREATED")
        if instance is not None:
            tasks = tasks.filter(process_instance_key=instance.key)
        key = tasks.order_by("key").values_list("key", flat=True).first()
        if key is None:
            raise AssertionError(
                f"no open user task at {element_id!r}" + (f" for {instance}" if instance else "")
            )
        return int(key)

    def _complete_user_task(self, task_key: int, variables: dict[str, Any]) -> None:
        self.services.complete_user_task(user_task_key=task_key, variables=variables)

    def _publish(self, name: str, correlation_key: str, variables: dict[str, Any], ttl_ms: int) -> int:
        key = self.services.publish_message(
            name=name, correlation_key=correlation_key, variables=variables, time_to_live_ms=ttl_ms
        )
        self.services.process_outbox()
        return int(key)

    def _signal(self, name: str, variables: dict[str, Any]) -> int:
        key = self.services.broadcast_signal(name=name, variables=variables)
        self.services.process_outbox()
        return int(key)

    def _advance(self, ms: int) -> int:
        now = self.services.get_clock_ms()
        self.services.set_clock(epoch_ms=now + ms)
        fired = int(self.services.fire_due_timers())
        self.services.process_outbox()
        return fired

    def _evaluate(self, decision_id: str, variables: dict[str, Any]) -> Any:
        return self.services.evaluate_decision(decision_id=decision_id, variables=variables).value

    def snapshot(self, key: int) -> Snapshot:
        from bizdevops.engine.state import models as m

        row = m.ProcessInstance.objects.filter(key=key).values("bpmn_process_id", "status").first()
        if row is None:
            raise AssertionError(f"no process instance {key}")
        from bizdevops.engine import selectors

        records = selectors.list_history_records(process_instance_key=key)
        passed, active = _fold(
            (r.element_instance_key, r.element_id, r.element_type, r.intent)
            for r in records
            if r.value_type == "PROCESS_INSTANCE"
        )
        variables = dict(m.Variable.objects.filter(scope_key=key).values_list("name", "value"))
        incidents = tuple(
            {
                "key": i["key"],
                "errorType": i["error_type"],
                "errorMessage": i["error_message"],
                "elementId": i["element_id"],
            }
            for i in m.Incident.objects.filter(process_instance_key=key, state="ACTIVE").values(
                "key", "error_type", "error_message", "element_id"
            )
        )
        status = {"INCIDENT": "ACTIVE", "CANCELED": "TERMINATED"}.get(row["status"], row["status"])
        return Snapshot(key, row["bpmn_process_id"], status, passed, active, variables, incidents)
