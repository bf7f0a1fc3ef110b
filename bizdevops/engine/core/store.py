"""The Store protocol: everything the runtime needs from persistence, in terms of core records.

Rules for implementations (the in-memory one in memory.py, the Django one in bizdevops/engine/state):
- Every method runs inside `transaction()`; the runtime opens exactly one per command.
- `load_instance(key, for_update=True)` locks the instance (SELECT ... FOR UPDATE): two commands on one
  instance never interleave. Commands lock the instance first, then its jobs/tasks, to avoid deadlocks.
- `activatable_jobs` locks the jobs it returns and skips jobs locked by others (FOR UPDATE SKIP LOCKED).
- `save_*` methods upsert by key; records are immutable values, so an update is a new record.
- Batch methods take lists so that one command costs one query per kind of record.
- Records must come back equal to what was saved (the engine caches nothing but parsed definitions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from bizdevops.engine.core.commands import Command
from bizdevops.engine.core.records import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    HistoryRecord,
    IncidentRecord,
    JobRecord,
    MessageRecord,
    MessageSubscriptionRecord,
    ProcessDefinition,
    SignalSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.state import InstanceState


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """One atomic unit: everything inside commits together or not at all."""
        ...

    # -- definitions (immutable once saved) ------------------------------------------------------------
    def save_deployment(self, deployment: Deployment) -> None:
        """Store the deployment and those of its definitions whose deployment_key is this deployment's."""
        ...

    def get_process_definition(self, key: int) -> ProcessDefinition | None: ...

    def latest_process_definition(
        self, bpmn_process_id: str, version: int | None = None
    ) -> ProcessDefinition | None:
        """The highest version (or the given version) of a process id."""
        ...

    def latest_process_definition_keys(self, tenant_id: str) -> list[int]:
        """The key of the highest version of every process id of a tenant (root-level conditional start
        events are evaluated on these)."""
        ...

    def latest_decision_definition(self, decision_id: str) -> DecisionDefinition | None: ...

    def get_decision_definition(self, key: int) -> DecisionDefinition | None: ...

    def latest_form(self, form_id: str) -> FormDefinition | None: ...

    def linked_form(
        self,
        form_id: str,
        *,
        tenant_id: str,
        deployment_key: int | None = None,
        version_tag: str | None = None,
    ) -> FormDefinition | None:
        """The highest version of a form id of the tenant, only of that deployment / with that versionTag
        (the form-js schema's) when given: a user task's zeebe:formDefinition per its bindingType."""
        ...

    # -- instances --------------------------------------------------------------------------------------
    def load_instance(
        self, key: int, *, for_update: bool, open_user_tasks: bool = False, may_retry: bool = False
    ) -> InstanceState | None:
        """The instance's state; with for_update the row stays locked until the transaction ends. With
        `open_user_tasks` too, a store may lock the instance's open user tasks in the same step, so that
        the `get_user_task(for_update=True)` that follows costs nothing. With `may_retry` (the caller runs
        the unit again on RetryUnit) a store may begin the unit from its own copy of the instance instead
        of locking it, and check at the write that the copy was current (else RetryUnit, nothing written)."""
        ...

    def load_instance_of(self, kind: str, key: int, *, may_retry: bool = False) -> InstanceState | None:
        """Lock and load the instance that owns the job (`kind` "job") or user task ("task") `key`; None
        when there is no such job/task. A store may lock the job/task row in the same step, so that the
        `get_job`/`get_user_task(for_update=True)` that follows costs nothing. `may_retry`: as above."""
        ...

    def save_instances(self, states: Sequence[InstanceState]) -> None:
        """Insert or update instance states (the state layer stores `to_dict()` as JSONB)."""
        ...

    # -- jobs -------------------------------------------------------------------------------------------
    def save_jobs(self, jobs: Sequence[JobRecord]) -> None: ...

    def get_job(self, key: int, *, for_update: bool = False) -> JobRecord | None: ...

    def activatable_jobs(
        self, job_type: str, now: int, limit: int, tenant_ids: Sequence[str] | None = None
    ) -> list[JobRecord]:
        """Jobs of a type a worker may take now: ACTIVATABLE with retry_at due, or ACTIVATED with an
        expired deadline; only of `tenant_ids` when given; highest priority first, then oldest key (Zeebe
        8.10); locked for this transaction (skip those locked by others)."""
        ...

    # -- user tasks -------------------------------------------------------------------------------------
    def save_user_tasks(self, tasks: Sequence[UserTaskRecord]) -> None: ...

    def get_user_task(self, key: int, *, for_update: bool = False) -> UserTaskRecord | None: ...

    # -- timers -----------------------------------------------------------------------------------------
    def save_timers(self, timers: Sequence[TimerRecord]) -> None: ...

    def delete_timers(self, keys: Sequence[int]) -> None: ...

    def get_timer(self, key: int) -> TimerRecord | None: ...

    def due_timers(self, now: int, limit: int) -> list[TimerRecord]:
        """Timers with due <= now, earliest first."""
        ...

    # -- messages ---------------------------------------------------------------------------------------
    def save_message_subscriptions(self, subscriptions: Sequence[MessageSubscriptionRecord]) -> None: ...

    def delete_message_subscriptions(self, keys: Sequence[int]) -> None: ...

    def find_message_subscriptions(self, name: str, correlation_key: str) -> list[MessageSubscriptionRecord]:
        """Instance subscriptions matching name and key, plus message start events with that name; by key."""
        ...

    def save_messages(self, messages: Sequence[MessageRecord]) -> None: ...

    def find_buffered_messages(self, name: str, correlation_key: str, now: int) -> list[MessageRecord]:
        """Unexpired buffered messages with that name and key, oldest first."""
        ...

    def find_message_by_id(self, message_id: str, now: int) -> MessageRecord | None:
        """An unexpired buffered message with that id (publishing the same id again is refused)."""
        ...

    def delete_expired_messages(self, now: int) -> int: ...

    def find_message_start_instance(self, bpmn_process_id: str, correlation_key: str) -> int | None:
        """The active instance (any version) of this process id that a message with this non-empty
        correlation key started, or None. Serializes on (process id, key) until the transaction ends, so
        that two starts with one key cannot both see None (call it after `find_buffered_messages` /
        `find_message_subscriptions`: message lock first, then this one)."""
        ...

    # -- signals ----------------------------------------------------------------------------------------
    def save_signal_subscriptions(self, subscriptions: Sequence[SignalSubscriptionRecord]) -> None: ...

    def delete_signal_subscriptions(self, keys: Sequence[int]) -> None: ...

    def find_signal_subscriptions(self, name: str) -> list[SignalSubscriptionRecord]:
        """Instance subscriptions and signal start events with that name, by key."""
        ...

    # -- start-event subscriptions of a process id (replaced when a new version is deployed) -------------
    def delete_start_subscriptions(self, bpmn_process_id: str) -> None:
        """Remove timers, message and signal subscriptions with no instance for this process id."""
        ...

    # -- incidents --------------------------------------------------------------------------------------
    def save_incidents(self, incidents: Sequence[IncidentRecord]) -> None: ...

    def get_incident(self, key: int) -> IncidentRecord | None: ...

    def list_incidents(
        self, process_instance_key: int | None = None, *, active_only: bool = True
    ) -> list[IncidentRecord]: ...

    # -- process instance migration ----------------------------------------------------------------------
    def migrate_instance_records(
        self,
        process_instance_key: int,
        target: ProcessDefinition,
        element_ids: Mapping[int, str],
        catch_ids: Mapping[str, str],
    ) -> None:
        """Point a migrated instance at `target`: its row, and (keys unchanged) its open jobs, user tasks and
        incidents (element instance key -> new element id) and its timers and message/signal subscriptions
        (old catch element id -> new one). The instance state itself is saved with save_instances."""
        ...

    # -- history and outbox -----------------------------------------------------------------------------
    def append_history(self, records: Sequence[HistoryRecord]) -> None: ...

    def push_commands(self, commands: Sequence[Command]) -> None:
        """Queue follow-up commands (outbox) in the current transaction."""
        ...

    def pop_commands(self, limit: int) -> list[Command]:
        """Take queued commands (FIFO) for processing; each runs as its own unit."""
        ...
