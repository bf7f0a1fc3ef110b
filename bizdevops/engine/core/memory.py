"""In-memory Store and a ready-made engine for tests, simulation and the benchmark.

`isolated=True` (the default) keeps instance state as JSON text, exactly as a database would: every load
builds fresh objects, so tests exercise the JSON round trip and a failed command cannot leak half-made
changes. `isolated=False` keeps the live objects (the benchmark's fast path)."""

from __future__ import annotations

import heapq
import json
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from bizdevops.engine.core.clock import ControlledClock
from bizdevops.engine.core.commands import Command
from bizdevops.engine.core.keys import CounterKeys
from bizdevops.engine.core.records import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    HistoryRecord,
    IncidentRecord,
    IncidentState,
    JobRecord,
    JobState,
    MessageRecord,
    MessageSubscriptionRecord,
    ProcessDefinition,
    SignalSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.runtime import Engine
from bizdevops.engine.core.state import InstanceState, InstanceStatus


class InMemoryStore:
    """A Store in dicts. Single-threaded; `transaction()` only tracks nesting."""

    def __init__(self, *, isolated: bool = True) -> None:
        self.isolated = isolated
        self.deployments: list[Deployment] = []
        self.processes: dict[int, ProcessDefinition] = {}
        self.processes_by_id: dict[str, list[ProcessDefinition]] = {}
        self.decisions: dict[int, DecisionDefinition] = {}
        self.decisions_by_id: dict[str, list[DecisionDefinition]] = {}
        self.forms_by_id: dict[str, list[FormDefinition]] = {}
        self.instances: dict[int, Any] = {}
        self.jobs: dict[int, JobRecord] = {}
        self.open_jobs: dict[str, dict[int, None]] = {}
        self.user_tasks: dict[int, UserTaskRecord] = {}
        self.timers: dict[int, TimerRecord] = {}
        self.message_subscriptions: dict[int, MessageSubscriptionRecord] = {}
        self.messages: dict[int, MessageRecord] = {}
        self.signal_subscriptions: dict[int, SignalSubscriptionRecord] = {}
        self.incidents: dict[int, IncidentRecord] = {}
        self.history: list[HistoryRecord] = []
        self.outbox: deque[Command] = deque()
        # (process id, start correlation key) -> the active instance a message with that key started
        self.message_starts: dict[tuple[str, str], int] = {}
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    # definitions
    def save_deployment(self, deployment: Deployment) -> None:
        self.deployments.append(deployment)
        for process in deployment.processes:
            if process.key not in self.processes:
                self.processes[process.key] = process
                self.processes_by_id.setdefault(process.bpmn_process_id, []).append(process)
        for decision in deployment.decisions:
            if decision.key not in self.decisions:
                self.decisions[decision.key] = decision
                self.decisions_by_id.setdefault(decision.decision_id, []).append(decision)
        for form in deployment.forms:
            versions = self.forms_by_id.setdefault(form.form_id, [])
            if all(f.key != form.key for f in versions):
                versions.append(form)

    def get_process_definition(self, key: int) -> ProcessDefinition | None:
        return self.processes.get(key)

    def latest_process_definition(
        self, bpmn_process_id: str, version: int | None = None
    ) -> ProcessDefinition | None:
        versions = self.processes_by_id.get(bpmn_process_id)
        if not versions:
            return None
        if version is None:
            return versions[-1]
        return next((p for p in versions if p.version == version), None)

    def latest_process_definition_keys(self, tenant_id: str) -> list[int]:
        return [v[-1].key for v in self.processes_by_id.values() if v and v[-1].tenant_id == tenant_id]

    def latest_decision_definition(self, decision_id: str) -> DecisionDefinition | None:
        versions = self.decisions_by_id.get(decision_id)
        return versions[-1] if versions else None

    def get_decision_definition(self, key: int) -> DecisionDefinition | None:
        return self.decisions.get(key)

    def latest_form(self, form_id: str) -> FormDefinition | None:
        versions = self.forms_by_id.get(form_id)
        return versions[-1] if versions else None

    def linked_form(
        self,
        form_id: str,
        *,
        tenant_id: str,
        deployment_key: int | None = None,
        version_tag: str | None = None,
    ) -> FormDefinition | None:
        for form in reversed(self.forms_by_id.get(form_id, ())):
            if form.tenant_id != tenant_id:
                continue
            if deployment_key is not None and form.deployment_key != deployment_key:
                continue
            if version_tag is not None and _form_version_tag(form) != version_tag:
                continue
            return form
        return None

    # instances
    def load_instance(
        self, key: int, *, for_update: bool, open_user_tasks: bool = False, may_retry: bool = False
    ) -> InstanceState | None:
        stored = self.instances.get(key)
        if stored is None or not self.isolated:
            return stored  # type: ignore[no-any-return]
        return InstanceState.from_dict(json.loads(stored))

    def load_instance_of(self, kind: str, key: int, *, may_retry: bool = False) -> InstanceState | None:
        record = self.jobs.get(key) if kind == "job" else self.user_tasks.get(key)
        if record is None:
            return None
        return self.load_instance(record.process_instance_key, for_update=True)

    def save_instances(self, states: Sequence[InstanceState]) -> None:
        for state in states:
            self.instances[state.key] = json.dumps(state.to_dict()) if self.isolated else state
            if state.start_correlation_key is not None:
                index = (state.bpmn_process_id, state.start_correlation_key)
                if state.status == InstanceStatus.ACTIVE:
                    self.message_starts[index] = state.key
                elif self.message_starts.get(index) == state.key:
                    del self.message_starts[index]

    # jobs
    def save_jobs(self, jobs: Sequence[JobRecord]) -> None:
        for job in jobs:
            self.jobs[job.key] = job
            index = self.open_jobs.setdefault(job.type, {})
            if job.state in JobState.OPEN:
                index[job.key] = None
            else:
                index.pop(job.key, None)

    def get_job(self, key: int, *, for_update: bool = False) -> JobRecord | None:
        return self.jobs.get(key)

    def activatable_jobs(
        self, job_type: str, now: int, limit: int, tenant_ids: Sequence[str] | None = None
    ) -> list[JobRecord]:
        jobs = self.jobs
        candidates = (
            job
            for job in (jobs[key] for key in self.open_jobs.get(job_type, {}))
            if job.is_activatable(now) and (not tenant_ids or job.tenant_id in tenant_ids)
        )
        # Highest priority first, then the oldest (smallest key): the order of the PostgreSQL query.
        return heapq.nsmallest(limit, candidates, key=lambda job: (-job.priority, job.key))

    # user tasks
    def save_user_tasks(self, tasks: Sequence[UserTaskRecord]) -> None:
        for task in tasks:
            self.user_tasks[task.key] = task

    def get_user_task(self, key: int, *, for_update: bool = False) -> UserTaskRecord | None:
        return self.user_tasks.get(key)

    # timers
    def save_timers(self, timers: Sequence[TimerRecord]) -> None:
        for timer in timers:
            self.timers[timer.key] = timer

    def delete_timers(self, keys: Sequence[int]) -> None:
        for key in keys:
            self.timers.pop(key, None)

    def get_timer(self, key: int) -> TimerRecord | None:
        return self.timers.get(key)

    def due_timers(self, now: int, limit: int) -> list[TimerRecord]:
        due = sorted((t for t in self.timers.values() if t.due <= now), key=lambda t: (t.due, t.key))
        return due[:limit]

    # messages
    def save_message_subscriptions(self, subscriptions: Sequence[MessageSubscriptionRecord]) -> None:
        for sub in subscriptions:
            self.message_subscriptions[sub.key] = sub

    def delete_message_subscriptions(self, keys: Sequence[int]) -> None:
        for key in keys:
            self.message_subscriptions.pop(key, None)

    def find_message_subscriptions(self, name: str, correlation_key: str) -> list[MessageSubscriptionRecord]:
        return sorted(
            (
                s
                for s in self.message_subscriptions.values()
                if s.message_name == name
                and (s.process_instance_key is None or s.correlation_key == correlation_key)
            ),
            key=lambda s: s.key,
        )

    def save_messages(self, messages: Sequence[MessageRecord]) -> None:
        for message in messages:
            self.messages[message.key] = message

    def find_buffered_messages(self, name: str, correlation_key: str, now: int) -> list[MessageRecord]:
        return sorted(
            (
                m
                for m in self.messages.values()
                if m.name == name and m.correlation_key == correlation_key and m.expires_at > now
            ),
            key=lambda m: m.key,
        )

    def find_message_by_id(self, message_id: str, now: int) -> MessageRecord | None:
        return next(
            (m for m in self.messages.values() if m.message_id == message_id and m.expires_at > now), None
        )

    def delete_expired_messages(self, now: int) -> int:
        expired = [k for k, m in self.messages.items() if m.expires_at <= now]
        for key in expired:
            del self.messages[key]
        return len(expired)

    def find_message_start_instance(self, bpmn_process_id: str, correlation_key: str) -> int | None:
        index = (bpmn_process_id, correlation_key)
        key = self.message_starts.get(index)
        if key is None:
            return None
        state = self.load_instance(key, for_update=False)
        if (
            state is None
            or state.status != InstanceStatus.ACTIVE
            or (state.bpmn_process_id, state.start_correlation_key) != index
        ):
            del self.message_starts[index]  # moved on meanwhile (e.g. migrated to another process)
            return None
        return key

    # signals
    def save_signal_subscriptions(self, subscriptions: Sequence[SignalSubscriptionRecord]) -> None:
        for sub in subscriptions:
            self.signal_subscriptions[sub.key] = sub

    def delete_signal_subscriptions(self, keys: Sequence[int]) -> None:
        for key in keys:
            self.signal_subscriptions.pop(key, None)

    def find_signal_subscriptions(self, name: str) -> list[SignalSubscriptionRecord]:
        return sorted(
            (s for s in self.signal_subscriptions.values() if s.signal_name == name), key=lambda s: s.key
        )

    def delete_start_subscriptions(self, bpmn_process_id: str) -> None:
        for table in (self.timers, self.message_subscriptions, self.signal_subscriptions):
            stale = [
                k
                for k, r in table.items()
                if r.process_instance_key is None and r.bpmn_process_id == bpmn_process_id  # type: ignore[attr-defined]
            ]
            for key in stale:
                del table[key]

    # process instance migration
    def migrate_instance_records(
        self,
        process_instance_key: int,
        target: ProcessDefinition,
        element_ids: Mapping[int, str],
        catch_ids: Mapping[str, str],
    ) -> None:
        definition = {"process_definition_key": target.key, "bpmn_process_id": target.bpmn_process_id}
        # the message-start index is keyed by process id: save_instances files the instance anew
        for index, owner in list(self.message_starts.items()):
            if owner == process_instance_key:
                del self.message_starts[index]
        for job in list(self.jobs.values()):
            if job.process_instance_key == process_instance_key and job.element_instance_key in element_ids:
                self.jobs[job.key] = replace(
                    job,
                    element_id=element_ids[job.element_instance_key],
                    process_definition_version=target.version,
                    **definition,  # type: ignore[arg-type]
                )
        for task in list(self.user_tasks.values()):
            if task.process_instance_key == process_instance_key and task.element_instance_key in element_ids:
                self.user_tasks[task.key] = replace(
                    task,
                    element_id=element_ids[task.element_instance_key],
                    process_definition_version=target.version,
                    **definition,  # type: ignore[arg-type]
                )
        for incident in list(self.incidents.values()):
            if (
                incident.process_instance_key == process_instance_key
                and incident.element_instance_key in element_ids
            ):
                self.incidents[incident.key] = replace(
                    incident,
                    element_id=element_ids[incident.element_instance_key],
                    **definition,  # type: ignore[arg-type]
                )

        def retarget(record: Any) -> Any:
            return replace(
                record, element_id=catch_ids.get(record.element_id, record.element_id), **definition
            )

        for timer in list(self.timers.values()):
            if timer.process_instance_key == process_instance_key:
                self.timers[timer.key] = retarget(timer)
        for sub in list(self.message_subscriptions.values()):
            if sub.process_instance_key == process_instance_key:
                self.message_subscriptions[sub.key] = retarget(sub)
        for signal in list(self.signal_subscriptions.values()):
            if signal.process_instance_key == process_instance_key:
                self.signal_subscriptions[signal.key] = retarget(signal)

    # incidents
    def save_incidents(self, incidents: Sequence[IncidentRecord]) -> None:
        for incident in incidents:
            self.incidents[incident.key] = incident

    def get_incident(self, key: int) -> IncidentRecord | None:
        return self.incidents.get(key)

    def list_incidents(
        self, process_instance_key: int | None = None, *, active_only: bool = True
    ) -> list[IncidentRecord]:
        return sorted(
            (
                i
                for i in self.incidents.values()
                if (process_instance_key is None or i.process_instance_key == process_instance_key)
                and (not active_only or i.state == IncidentState.ACTIVE)
            ),
            key=lambda i: i.key,
        )

    # history and outbox
    def append_history(self, records: Sequence[HistoryRecord]) -> None:
        self.history.extend(records)

    def push_commands(self, commands: Sequence[Command]) -> None:
        self.outbox.extend(commands)

    def pop_commands(self, limit: int) -> list[Command]:
        batch: list[Command] = []
        while self.outbox and len(batch) < limit:
            batch.append(self.outbox.popleft())
        return batch


class InMemoryEngine(Engine):
    """An Engine on an InMemoryStore with a ControlledClock and counter keys."""

    store: InMemoryStore
    clock: ControlledClock

    def __init__(
        self, *, isolated: bool = True, start_ms: int | None = None, record_variables: bool = True
    ) -> None:
        super().__init__(
            InMemoryStore(isolated=isolated),
            ControlledClock(start_ms),
            CounterKeys(),
            record_variables=record_variables,
        )

    def advance(
        self, *, ms: int = 0, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        """Move the clock and fire the timers now due; returns how many fired."""
        self.clock.advance(ms=ms, seconds=seconds, minutes=minutes, hours=hours, days=days)
        return self.fire_due_timers()


def _form_version_tag(form: FormDefinition) -> str | None:
    try:
        schema = json.loads(form.resource)
    except ValueError:
        return None
    tag = schema.get("versionTag") if isinstance(schema, dict) else None
    return tag if isinstance(tag, str) else None
