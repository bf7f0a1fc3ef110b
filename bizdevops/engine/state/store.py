"""`DjangoStore`: the core's Store protocol on the Django ORM — the appliers, the only writers of engine tables.

One command = one `transaction()` = one database transaction. `load_instance(for_update=True)` takes the
row lock that serializes commands on an instance; jobs and user tasks are then locked after their instance
(the order the core follows, so two commands never deadlock). A unit the engine may run again can instead
begin from the copy of the instance this process wrote last (`instance_cache`): its single write then
updates the instance row first, only at the copy's revision, or writes nothing (RetryUnit). Each batch
method is one bulk statement, so a command costs a handful of round trips whatever the number of element
instances it moved.

Wake-ups (Celery) are registered with `transaction.on_commit` by the writers that create work for someone
else: outbox commands, jobs of a type with a built-in handler. A lost wake-up is harmless: the sweeper finds
the rows anyway (PostgreSQL is the truth, Redis only a doorbell).

Works on SQLite (the quickstart): `skip_locked` degrades to a plain select there, which is correct because
SQLite serializes writers (IMMEDIATE transactions) anyway."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import DateTimeField, F, Q

from bizdevops.engine import hooks
from bizdevops.engine.core.commands import Command, command_from_dict, command_to_dict
from bizdevops.engine.core.errors import RetryUnit
from bizdevops.engine.core.records import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    HistoryRecord,
    IncidentRecord,
    JobRecord,
    JobState,
    MessageRecord,
    MessageSubscriptionRecord,
    ProcessDefinition,
    SignalSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.state import FORMAT_VERSION, InstanceState
from bizdevops.engine.core.timers import TimerFormatError, parse_date_ms
from bizdevops.engine.state import codec
from bizdevops.engine.state import models as m
from bizdevops.engine.state.instance_cache import CachedInstance, InstanceCache
from bizdevops.engine.state.writer import (
    PendingWrites,
    SessionStatement,
    new_row,
    run_prepared,
    run_session_statements,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def to_datetime(ms: int | None) -> dt.datetime | None:
    """Core time (epoch ms) → aware UTC datetime, exactly (no float rounding)."""
    if ms is None:
        return None
    return EPOCH + dt.timedelta(milliseconds=ms)


def to_ms(value: dt.datetime | None) -> int | None:
    if value is None:
        return None
    return (value - EPOCH) // _MS


def _iso_datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return to_datetime(parse_date_ms(text))
    except (TimerFormatError, ValueError, OverflowError):
        return None


_STATUS = {"ACTIVE": "ACTIVE", "COMPLETED": "COMPLETED", "TERMINATED": "CANCELED"}
_FINAL = {"COMPLETED", "CANCELED"}

# Definitions never change once written, so every process may cache them by key (the scale-out rule).
_definition_cache: dict[tuple[str, int], Any] = {}
_cache_lock = threading.Lock()


def _cached(kind: str, key: int, load: Callable[[], Any]) -> Any:
    found = _definition_cache.get((kind, key))
    if found is None:
        found = load()
        if found is not None:
            with _cache_lock:
                if len(_definition_cache) > 5000:
                    _definition_cache.clear()
                _definition_cache[(kind, key)] = found
    return found


# bpmn process id -> key of its latest version, as last seen by this process (guarded, see above).
_latest_cache: dict[str, int] = {}


class StaleDefinition(DatabaseError):
    """The cached latest version was outdated when the command wrote; nothing was written. Retry."""


def _is_stale_guard(exc: BaseException) -> bool:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return getattr(cause, "sqlstate", None) == "22012"  # division_by_zero: the guard's signal


# Hooks run after commit for new work: set by bizdevops.engine.tasks (the engine state must not import
# Celery-side modules at import time, and tests may swap them).
WakeHook = Callable[[str, Sequence[Any]], None]
_wake_hooks: list[WakeHook] = []


def add_wake_hook(hook: WakeHook) -> None:
    """Register `hook(kind, items)`, called on commit with kind "jobs" (JobRecords now activatable) or
    "commands" (outbox rows were written)."""
    if hook not in _wake_hooks:
        _wake_hooks.append(hook)


def remove_wake_hook(hook: WakeHook) -> None:
    if hook in _wake_hooks:
        _wake_hooks.remove(hook)


def _wake(writes: PendingWrites, kind: str, items: Sequence[Any]) -> None:
    """Call the hooks after the unit's commit (registered after its flush: a unit without BEGIN commits
    with the flush statement itself)."""
    if not _wake_hooks or not items:
        return
    hooks = list(_wake_hooks)
    payload = list(items)

    def run() -> None:
        for hook in hooks:
            hook(kind, payload)

    writes.after_flush.append(lambda: transaction.on_commit(run))


class DjangoStore:
    """The engine's persistence on Django models. Stateless apart from per-transaction bookkeeping (the
    variables as loaded, to write only changed ones to the search table); one instance per thread is not
    required, but each transaction runs on the calling thread's connection."""

    def __init__(self, *, cache_size: int | None = None) -> None:
        self._local = threading.local()
        if cache_size is None:
            from django.conf import settings

            cache_size = int(getattr(settings, "BIZDEVOPS_INSTANCE_CACHE_SIZE", 4096))
        # The instances this store wrote last (see instance_cache): a unit may begin from one unlocked.
        self.cache = InstanceCache(cache_size)

    # -- transaction ---------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        stack: list[PendingWrites] | None = getattr(self._local, "pending", None)
        if stack:
            # Nested inside a unit of ours (a follow-up run inside the outbox drain's transaction): its
            # writes are buffered apart and flushed when it ends, so a failing nested unit leaves nothing.
            stack.append(PendingWrites())
            try:
                with transaction.atomic(savepoint=False):
                    yield
                    stack[-1].flush()
            finally:
                stack.pop()
            return
        self._local.pending = [PendingWrites()]
        guard = self._local.pending[0].guard = getattr(self._local, "guard", None)
        self._local.guard = None
        self._local.loaded = {}
        self._local.tasks = {}
        self._local.locked = {}
        # For the instance cache: instance key -> revision as loaded; -> its open user tasks as loaded (when
        # read); -> (document written, whether the instance ended); the user tasks written; the instance
        # begun from a copy.
        self._local.revisions = {}
        self._local.open_tasks = {}
        self._local.written = {}
        self._local.saved_tasks = []
        self._local.copied = None
        # The unit's connection, looked up once: the `connection` proxy costs a context-local lookup per use.
        conn = self._local.conn = connections[DEFAULT_DB_ALIAS]
        # Inside a caller's transaction (a service adding a field, a test case) the unit is a savepoint, so
        # a refused command never poisons the caller's transaction. Outside one, BEGIN is sent lazily by
        # the first read or eager write (`_begin`): a unit that only writes — starting an instance that
        # runs to its first wait state — is then one autocommit statement: no BEGIN, no COMMIT round trip.
        eager = conn.in_atomic_block or conn.vendor != "postgresql"
        # Only a unit that owns its transaction may begin from a cached copy or leave one: inside a caller's
        # transaction the commit is not ours to see (it may still roll back).
        self._local.cacheable = not eager and self.cache.size > 0
        self._local.atomic = transaction.atomic() if eager else None
        if self._local.atomic is not None:
            self._local.atomic.__enter__()
        try:
            yield
            # Our own outermost transaction on PostgreSQL: the last write and COMMIT share a round trip.
            owned = self._local.atomic is not None and not eager and len(conn.atomic_blocks) == 1
            self._local.pending[-1].flush(commit=owned)
        except BaseException as exc:
            copied = self._local.copied
            for key in {*self._local.written, *self._local.revisions}:
                self.cache.discard(key)
            replacement: BaseException | None = None
            if copied is not None and _is_stale_guard(exc):
                # The copy was outdated (or the cached latest version, when both were checked): nothing
                # was written; the engine runs the unit again, locked.
                if guard is not None:
                    _latest_cache.pop(guard[0], None)
                self.cache.stale += 1
                replacement = RetryUnit(f"process instance {copied} changed since this process wrote it")
            elif copied is not None and isinstance(exc, Exception) and not isinstance(exc, RetryUnit):
                # A refusal (no such task here, a conflict...) drawn from a copy nobody checked may be the
                # copy's, not the instance's: only the locked unit may answer it.
                replacement = RetryUnit(f"the unit on process instance {copied} failed on its copy: {exc}")
            elif guard is not None and _is_stale_guard(exc):
                _latest_cache.pop(guard[0], None)
                replacement = StaleDefinition(f"A newer version of '{guard[0]}' was deployed meanwhile.")
            atomic, self._local.atomic = self._local.atomic, None
            if atomic is not None:
                atomic.__exit__(type(exc), exc, exc.__traceback__)
            if replacement is not None:
                raise replacement from None
            raise
        else:
            atomic, self._local.atomic = self._local.atomic, None
            if atomic is not None:
                atomic.__exit__(None, None, None)
            if self._local.cacheable:
                self._keep_written()  # committed, by this unit: what it wrote is what the rows hold
        finally:
            self._local.pending = None
            self._local.loaded = None
            self._local.tasks = None
            self._local.locked = None
            self._local.atomic = None
            self._local.conn = None
            self._local.recent = {}
            self._local.revisions = None
            self._local.open_tasks = None
            self._local.written = None
            self._local.saved_tasks = None
            self._local.copied = None
            self._local.cacheable = False

    def _keep_written(self) -> None:
        """After the unit's commit: keep a copy of each instance it wrote whose open user tasks are known
        (read in this unit, or none before: a new instance), with the revision the write gave the row."""
        revisions = self._local.revisions
        before = self._local.open_tasks
        saved: dict[int, list[UserTaskRecord]] = {}
        for task in self._local.saved_tasks:
            saved.setdefault(task.process_instance_key, []).append(task)
        for key, (document, final) in self._local.written.items():
            loaded_revision = revisions.get(key)
            base = before.get(key) if loaded_revision is not None else {}
            if final or base is None:
                self.cache.discard(key)
                continue
            tasks = dict(base)
            for task in saved.get(key, ()):
                if task.state == m.UserTaskState.CREATED:
                    tasks[task.key] = task
                else:
                    tasks.pop(task.key, None)
            revision = 1 if loaded_revision is None else loaded_revision + 1  # a new row starts at 1
            self.cache.put(key, CachedInstance(revision, document, tuple(tasks.values())))

    def _connection(self) -> Any:
        """The current unit's connection (outside a unit: the thread's)."""
        conn = getattr(self._local, "conn", None)
        return conn if conn is not None else connections[DEFAULT_DB_ALIAS]

    def _begin(self) -> None:
        """Open the unit's transaction now (before a read or an eager write that must be part of it). A
        unit begun from a cached copy has no lock to read under: it is abandoned (RetryUnit, nothing was
        written yet) and runs again locked."""
        copied = getattr(self._local, "copied", None)
        if copied is not None:
            self.cache.discard(copied)
            self.cache.stale += 1
            raise RetryUnit(f"the unit on process instance {copied} needs a read under its lock")
        if getattr(self._local, "pending", None) and getattr(self._local, "atomic", 1) is None:
            self._local.atomic = transaction.atomic()
            self._local.atomic.__enter__()

    @contextmanager
    def _writes(self) -> Iterator[PendingWrites]:
        """The current unit's buffer; outside a unit, a buffer flushed at once."""
        stack: list[PendingWrites] | None = getattr(self._local, "pending", None)
        if stack:
            yield stack[-1]
            return
        pending = PendingWrites()
        with transaction.atomic():
            yield pending
            pending.flush()

    def _loaded(self) -> dict[int, dict[int, dict[str, Any]]]:
        loaded = getattr(self._local, "loaded", None)
        if loaded is None:
            loaded = {}
        return loaded

    def _note_variables(self, state: InstanceState) -> None:
        """What the variables were as loaded, to write only what a command changed to the search table."""
        self._loaded()[state.key] = {scope: dict(values) for scope, values in state.variables.items()}

    # -- definitions ---------------------------------------------------------------------------------
    def save_deployment(self, deployment: Deployment) -> None:
        self._begin()
        # Forget cached "latest versions" of these processes now and again once the deployment commits.
        ids = [p.bpmn_process_id for p in deployment.processes]
        for ident in ids:
            _latest_cache.pop(ident, None)
        transaction.on_commit(lambda: [_latest_cache.pop(ident, None) for ident in ids])
        created = to_datetime(deployment.created_at)
        resources: list[dict[str, Any]] = []
        row = m.Deployment(
            key=deployment.key, tenant_id=deployment.tenant_id, created_at=created, resources=resources
        )
        processes = [p for p in deployment.processes if p.deployment_key == deployment.key]
        decisions = [d for d in deployment.decisions if d.deployment_key == deployment.key]
        forms = [f for f in deployment.forms if f.deployment_key == deployment.key]
        for p in deployment.processes:
            resources.append(
                _resource("PROCESS", p.resource_name, p.key, p.checksum, p.bpmn_process_id, p.version)
            )
        for d in deployment.decisions:
            resources.append(
                _resource("DECISION", d.resource_name, d.key, d.checksum, d.decision_id, d.version)
            )
        for f in deployment.forms:
            resources.append(_resource("FORM", f.resource_name, f.key, f.checksum, f.form_id, f.version))
        row.save(force_insert=True)
        m.ProcessDefinition.objects.bulk_create(
            [
                m.ProcessDefinition(
                    key=p.key,
                    bpmn_process_id=p.bpmn_process_id,
                    name=p.name or "",
                    version=p.version,
                    version_tag=p.version_tag or "",
                    resource_name=p.resource_name,
                    resource=p.resource,
                    checksum=p.checksum,
                    deployment_id=deployment.key,
                    tenant_id=p.tenant_id,
                    created_at=created,
                )
                for p in processes
            ]
        )
        if decisions:
            # One DecisionRequirements row per DMN file (decisions of one file share checksum and DRG id).
            drgs: dict[tuple[str, str], m.DecisionRequirements] = {}
            for d in decisions:
                drg_id = d.decision_requirements_id or d.decision_id
                ident = (drg_id, d.checksum)
                if ident not in drgs:
                    drgs[ident] = m.DecisionRequirements(
                        key=d.key,  # the first decision's key: keys are unique per table, and stable
                        decision_requirements_id=drg_id,
                        name=drg_id,
                        version=d.version,
                        resource_name=d.resource_name,
                        resource=d.resource,
                        checksum=d.checksum,
                        deployment_id=deployment.key,
                        tenant_id=d.tenant_id,
                        created_at=created,
                    )
            m.DecisionRequirements.objects.bulk_create(list(drgs.values()))
            m.DecisionDefinition.objects.bulk_create(
                [
                    m.DecisionDefinition(
                        key=d.key,
                        decision_id=d.decision_id,
                        name=d.name or "",
                        version=d.version,
                        requirements=drgs[(d.decision_requirements_id or d.decision_id, d.checksum)],
                        decision_requirements_id=d.decision_requirements_id or "",
                        resource_name=d.resource_name,
                        checksum=d.checksum,
                        deployment_id=deployment.key,
                        tenant_id=d.tenant_id,
                    )
                    for d in decisions
                ]
            )
        m.FormDefinition.objects.bulk_create(
            [
                m.FormDefinition(
                    key=f.key,
                    form_id=f.form_id,
                    version=f.version,
                    resource_name=f.resource_name,
                    resource=f.resource,
                    schema=_json_or_none(f.resource),
                    checksum=f.checksum,
                    deployment_id=deployment.key,
                    tenant_id=f.tenant_id,
                    created_at=created,
                )
                for f in forms
            ]
        )

    def get_process_definition(self, key: int) -> ProcessDefinition | None:
        def load() -> ProcessDefinition | None:
            row = m.ProcessDefinition.objects.filter(key=key).first()
            return _process_record(row) if row else None

        return _cached("process", key, load)  # type: ignore[no-any-return]

    def latest_process_definition(
        self, bpmn_process_id: str, version: int | None = None
    ) -> ProcessDefinition | None:
        in_unit = bool(getattr(self._local, "pending", None))
        # Starting "the latest version" of a process outside a unit: a per-process cache saves the round
        # trip, and the unit that follows carries a guard in its write statement that fails if a newer
        # version exists (deployed by another process meanwhile); the service then retries with a fresh
        # lookup. Inside a unit (deploy numbering versions) the database is always asked.
        cacheable = version is None and not in_unit and self._connection().vendor == "postgresql"
        if cacheable:
            cached = _latest_cache.get(bpmn_process_id)
            if cached is not None:
                definition = self.get_process_definition(cached)
                if definition is not None:
                    self._local.guard = (bpmn_process_id, definition.version)
                    return definition
        self._begin()
        rows = m.ProcessDefinition.objects.filter(bpmn_process_id=bpmn_process_id)
        if version is not None:
            rows = rows.filter(version=version)
        # Only the key travels; the (large) resource comes from the per-process cache of immutable versions.
        key = rows.order_by("-version").values_list("key", flat=True).first()
        if key is None:
            return None
        if cacheable:
            _latest_cache[bpmn_process_id] = key
        return self.get_process_definition(key)

    def latest_process_definition_keys(self, tenant_id: str) -> list[int]:
        self._begin()
        rows = (
            m.ProcessDefinition.objects.filter(tenant_id=tenant_id)
            .order_by("bpmn_process_id", "-version")
            .values_list("bpmn_process_id", "key")
        )
        latest: dict[str, int] = {}
        for process_id, key in rows:
            latest.setdefault(process_id, key)
        return list(latest.values())

    def latest_decision_definition(self, decision_id: str) -> DecisionDefinition | None:
        self._begin()
        key = (
            m.DecisionDefinition.objects.filter(decision_id=decision_id)
            .order_by("-version")
            .values_list("key", flat=True)
            .first()
        )
        return self.get_decision_definition(key) if key is not None else None

    def get_decision_definition(self, key: int) -> DecisionDefinition | None:
        def load() -> DecisionDefinition | None:
            row = m.DecisionDefinition.objects.select_related("requirements").filter(key=key).first()
            if row is None:
                return None
            return DecisionDefinition(
                key=row.key,
                decision_id=row.decision_id,
                version=row.version,
                name=row.name or None,
                resource_name=row.resource_name,
                checksum=row.checksum,
                resource=bytes(row.requirements.resource),
                deployment_key=row.deployment_id,
                decision_requirements_id=row.decision_requirements_id or None,
                tenant_id=row.tenant_id,
            )

        return _cached("decision", key, load)  # type: ignore[no-any-return]

    def latest_form(self, form_id: str) -> FormDefinition | None:
        self._begin()
        key = (
            m.FormDefinition.objects.filter(form_id=form_id)
            .order_by("-version")
            .values_list("key", flat=True)
            .first()
        )
        return None if key is None else self._form(key)

    def linked_form(
        self,
        form_id: str,
        *,
        tenant_id: str,
        deployment_key: int | None = None,
        version_tag: str | None = None,
    ) -> FormDefinition | None:
        self._begin()
        rows = m.FormDefinition.objects.filter(form_id=form_id, tenant_id=tenant_id)
        if deployment_key is not None:
            rows = rows.filter(deployment_id=deployment_key)
        if version_tag is not None:
            rows = rows.filter(schema__versionTag=version_tag)
        key = rows.order_by("-version").values_list("key", flat=True).first()
        return None if key is None else self._form(key)

    def _form(self, key: int) -> FormDefinition | None:
        """A deployed form by key (immutable: cached)."""

        def load() -> FormDefinition | None:
            row = m.FormDefinition.objects.filter(key=key).first()
            if row is None:
                return None
            return FormDefinition(
                key=row.key,
                form_id=row.form_id,
                version=row.version,
                resource_name=row.resource_name,
                checksum=row.checksum,
                resource=bytes(row.resource),
                deployment_key=row.deployment_id,
                tenant_id=row.tenant_id,
            )

        return _cached("form", key, load)  # type: ignore[no-any-return]

    # -- instances -----------------------------------------------------------------------------------
    def load_instance(
        self, key: int, *, for_update: bool, open_user_tasks: bool = False, may_retry: bool = False
    ) -> InstanceState | None:
        if may_retry and for_update and self._may_copy():
            entry = self.cache.get(key)
            if entry is not None:
                return self._from_copy(key, entry)
        self._begin()
        # read in this unit with its jobs (activatable_jobs): no lock asked, none taken
        read = (
            None if for_update else (getattr(self._local, "locked", None) or {}).pop(("instance", key), None)
        )
        if read is not None:
            found = codec.loads(read)
        elif self._connection().vendor == "postgresql":
            found = self._load_instance_row(key, for_update, open_user_tasks=open_user_tasks)
        else:
            rows = m.ProcessInstance.objects.filter(key=key)
            if for_update:
                rows = rows.select_for_update()
            found = rows.values_list("state", flat=True).first()
        if found is None:
            return None
        data = found if isinstance(found, dict) else codec.loads(found)
        state = InstanceState.from_dict(data)
        self._note_variables(state)
        return state

    def _may_copy(self) -> bool:
        """Whether this unit may begin from a cached copy: it owns its transaction, has not begun it, and
        is not nested in another unit."""
        local = self._local
        return (
            getattr(local, "cacheable", False)
            and local.atomic is None
            and local.copied is None
            and not local.revisions
            and len(local.pending) == 1
        )

    def _from_copy(self, key: int, entry: CachedInstance) -> InstanceState:
        """Begin the unit from the copy: its open user tasks as if read under lock, and the write of the
        instance conditional on its revision (flush: one autocommit statement, or RetryUnit)."""
        local = self._local
        local.copied = key
        local.revisions[key] = entry.revision
        local.open_tasks[key] = {task.key: task for task in entry.open_tasks}
        for task in entry.open_tasks:
            local.locked[("task", task.key)] = task
        local.pending[0].expect = (m.ProcessInstance, key, entry.revision)
        state = InstanceState.from_dict(codec.loads(entry.document))
        self._note_variables(state)
        self.cache.hits += 1
        return state

    def load_instance_of(self, kind: str, key: int, *, may_retry: bool = False) -> InstanceState | None:
        if may_retry and kind == "task" and self._may_copy():
            owner = self.cache.owner_of_task(key)
            entry = self.cache.get(owner) if owner is not None else None
            if entry is not None and any(task.key == key for task in entry.open_tasks):
                return self._from_copy(owner, entry)  # type: ignore[arg-type]
        conn = self._connection()
        if conn.vendor != "postgresql":
            record = self._read_row(kind, key, False)
            return (
                None if record is None else self.load_instance(record.process_instance_key, for_update=True)
            )
        self._begin()
        # BEGIN, the owning instance's lock and the job/task row's lock in ONE round trip, instance first
        # (the order every unit locks in). An instance's jobs and tasks never move to another instance.
        results = run_session_statements(conn, [(_LOCK_OWNER[kind], key), (_LOCK_ROW[kind], key)])
        if not results or not results[0].ntuples:
            return None
        locked = getattr(self._local, "locked", None)
        if locked is not None and results[1].ntuples:
            locked[(kind, key)] = _json_record(kind, codec.loads(results[1].get_value(0, 0)))
        state = InstanceState.from_dict(codec.loads(results[0].get_value(0, 0)))
        self._note_variables(state)
        self._local.revisions[state.key] = int(results[0].get_value(0, 1))
        return state

    def _load_instance_row(self, key: int, for_update: bool, *, open_user_tasks: bool = False) -> Any:
        """The instance document, and under lock the job/user-task rows this thread read just before the
        unit (the command's own job or task, which the core re-reads under lock next) and, with
        `open_user_tasks`, the instance's open user tasks (read under the instance's lock, see _OPEN_TASKS):
        ONE round trip for BEGIN, the instance lock and those reads, sent as one simple-protocol message in
        the instance-first lock order (the statements run one after another). Only integer keys are inlined."""
        recent: dict[tuple[str, int], int] = getattr(self._local, "recent", None) or {}
        prefetch = [(kind, k) for (kind, k), owner in recent.items() if owner == key] if for_update else []
        calls = [(_LOCK_INSTANCE if for_update else _READ_INSTANCE, key)]
        calls += [(_LOCK_ROW[kind], k) for kind, k in prefetch]
        tasks_too = for_update and open_user_tasks
        if tasks_too:
            calls.append((_OPEN_TASKS, key))
        results = run_session_statements(self._connection(), calls)
        found = results[0].get_value(0, 0) if results and results[0].ntuples else None
        locked = getattr(self._local, "locked", None)
        if found is not None and for_update and locked is not None:
            self._local.revisions[key] = int(results[0].get_value(0, 1))
        if found is not None and locked is not None:
            for (kind, k), result in zip(prefetch, results[1:], strict=False):
                if result.ntuples:
                    locked[(kind, k)] = _json_record(kind, codec.loads(result.get_value(0, 0)))
            if tasks_too and len(results) == len(calls):
                tasks = results[-1]
                open_tasks = self._local.open_tasks[key] = {}
                for n in range(tasks.ntuples):
                    record = _json_record("task", codec.loads(tasks.get_value(n, 0)))
                    locked[("task", record.key)] = record
                    open_tasks[record.key] = record
        return codec.loads(found) if found is not None else None

    def save_instances(self, states: Sequence[InstanceState]) -> None:
        if not states:
            return
        loaded = self._loaded()
        rows: list[m.ProcessInstance] = []
        variables: list[m.Variable] = []
        local = self._local
        # What the unit writes is kept for the next unit only if this is the unit that commits it.
        written = local.written if getattr(local, "cacheable", False) and len(local.pending) == 1 else None
        for state in states:
            status = _STATUS.get(state.status, state.status)
            if status == m.InstanceStatus.ACTIVE and _has_incident(state):
                status = m.InstanceStatus.INCIDENT
            document: Any = state.to_dict()
            if written is not None:
                text = codec.dumps(document)
                written[state.key] = (text, status in _FINAL)
                document = codec.Encoded(text)
            else:
                self.cache.discard(state.key)
            rows.append(
                new_row(
                    m.ProcessInstance,
                    key=state.key,
                    process_definition_id=state.process_definition_key,
                    bpmn_process_id=state.bpmn_process_id,
                    version=state.version,
                    status=status,
                    state=document,
                    format_version=FORMAT_VERSION,
                    parent_process_instance_key=state.parent_instance_key,
                    parent_element_instance_key=state.parent_element_instance_key,
                    tenant_id=state.tenant_id,
                    start_date=to_datetime(state.start_time),
                    end_date=to_datetime(state.end_time),
                    start_correlation_key=state.start_correlation_key,
                )
            )
            variables.extend(_changed_variables(state, loaded.get(state.key) or {}))
            loaded[state.key] = {scope: dict(values) for scope, values in state.variables.items()}
        with self._writes() as writes:
            # One upsert inserts new instances and updates loaded ones (the one begun from a copy: a
            # conditional UPDATE, `writes.expect`).
            writes.upsert(
                m.ProcessInstance,
                rows,
                key=_pk,
                update=("state", "status", "end_date", "format_version"),
                increments=("revision",),
            )
            if variables:
                writes.upsert(
                    m.Variable, variables, key=_scope_name, conflict=("scope_key", "name"), update=("value",)
                )

    # -- jobs ----------------------------------------------------------------------------------------
    def save_jobs(self, jobs: Sequence[JobRecord]) -> None:
        if not jobs:
            return
        with self._writes() as writes:
            writes.upsert(m.Job, [_job_row(j) for j in jobs], key=_pk, update=_JOB_UPDATE_FIELDS)
            _wake(writes, "jobs", [j for j in jobs if j.state == JobState.ACTIVATABLE])

    def get_job(self, key: int, *, for_update: bool = False) -> JobRecord | None:
        self._begin()
        if for_update:
            cached = (getattr(self._local, "locked", None) or {}).pop(("job", key), None)
            if cached is not None:
                return cached  # type: ignore[no-any-return]
        record = self._read_row("job", key, for_update)
        if record is not None:
            self._remember("job", key, record.process_instance_key)
        return record  # type: ignore[no-any-return]

    def _read_row(self, kind: str, key: int, for_update: bool) -> Any:
        """One job or user task by key: a prepared raw query on PostgreSQL (these reads start most
        commands), the ORM elsewhere."""
        model = m.UserTask if kind == "task" else m.Job
        if connection.vendor == "postgresql":
            lock = " FOR UPDATE" if for_update else ""
            found = run_prepared(
                connection, f"SELECT to_jsonb(r) FROM {model._meta.db_table} r WHERE r.key = $1{lock}", [key]
            )
            if not found or not found[0].ntuples:
                return None
            return _json_record(kind, codec.loads(found[0].get_value(0, 0)))
        rows = model.objects.filter(key=key)
        if for_update:
            rows = rows.select_for_update()
        row = rows.first()
        if row is None:
            return None
        return _user_task_record(row) if kind == "task" else _job_record(row)

    def _remember(self, kind: str, key: int, instance_key: int) -> None:
        """Outside a unit, note a job/task read: the next unit will likely lock it with its instance."""
        if getattr(self._local, "pending", None):
            return
        recent = getattr(self._local, "recent", None)
        if recent is None or len(recent) > 8:
            recent = self._local.recent = {}
        recent[(kind, key)] = instance_key

    def activatable_jobs(
        self, job_type: str, now: int, limit: int, tenant_ids: Sequence[str] | None = None
    ) -> list[JobRecord]:
        self._begin()
        if connection.vendor == "postgresql":
            return self._activatable_jobs_pg(job_type, now, limit, tenant_ids)
        moment = to_datetime(now)
        rows = m.Job.objects.filter(
            Q(state=m.JobState.ACTIVATABLE, retry_at__isnull=True)
            | Q(state=m.JobState.ACTIVATABLE, retry_at__lte=moment)
            | Q(state=m.JobState.ACTIVATED, deadline__lte=moment),
            type=job_type,
        ).order_by("-priority", "key")
        if tenant_ids:
            rows = rows.filter(tenant_id__in=list(tenant_ids))
        rows = rows.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        return [_job_record(r) for r in rows[:limit]]

    def _activatable_jobs_pg(
        self, job_type: str, now: int, limit: int, tenant_ids: Sequence[str] | None
    ) -> list[JobRecord]:
        """BEGIN and the locked jobs in ONE round trip (a job activation runs this on every long-poll check),
        each with its instance's document read (no lock) alongside: the activation's variables come from it,
        so `load_instance(..., for_update=False)` finds it in this unit instead of querying per job. A named
        prepared statement per number of tenants (run_prepared): the server plans it once per session."""
        params: list[Any] = [job_type, int(now), max(0, int(limit))]
        if tenant_ids:
            params += [str(t) for t in tenant_ids]
        rows = run_prepared(
            connection,
            _activation_sql(len(tenant_ids or ())),
            params,
        )
        jobs: list[JobRecord] = []
        locked = getattr(self._local, "locked", None)
        if not rows:
            return jobs
        result = rows[0]
        for n in range(result.ntuples):
            job = _json_record("job", codec.loads(result.get_value(n, 0)))
            jobs.append(job)
            state = result.get_value(n, 1)
            if locked is not None and state is not None:
                locked[("instance", job.process_instance_key)] = state
        return jobs

    # -- user tasks ----------------------------------------------------------------------------------
    def save_user_tasks(self, tasks: Sequence[UserTaskRecord]) -> None:
        if not tasks:
            return
        before: dict[int, UserTaskRecord] = getattr(self._local, "tasks", None) or {}
        saved = getattr(self._local, "saved_tasks", None)
        if saved is not None:
            saved.extend(tasks)
        with self._writes() as writes:
            rows = [_user_task_row(t) for t in tasks]
            for row in rows:
                # Tasklist shows and sorts by the process name; the definition comes from the per-process
                # cache of immutable versions (no query). Written on insert only (not an update field).
                definition = self.get_process_definition(row.process_definition_key)
                row.process_name = (definition.name or "") if definition is not None else ""
            writes.upsert(m.UserTask, rows, key=_pk, update=_USER_TASK_UPDATE_FIELDS)
            # Candidate rows for Tasklist's "what may I claim" query exist while a task is CREATED. A task
            # read in this unit tells what rows it has; one not read is new (or unknown: rewrite to be sure).
            stale: list[int] = []
            fresh: list[UserTaskRecord] = []
            for t in tasks:
                old = before.get(t.key)
                old_names = (old.candidate_users, old.candidate_groups) if old is not None else None
                new_names = (
                    (t.candidate_users, t.candidate_groups)
                    if t.state == m.UserTaskState.CREATED
                    else ((), ())
                )
                if old_names == new_names:
                    continue
                if old is None and t.state == m.UserTaskState.CREATED:
                    fresh.append(t)  # a new task: nothing to remove
                    continue
                if old_names != ((), ()):
                    stale.append(t.key)
                if new_names != ((), ()):
                    fresh.append(t)
            rewritten = {t.key for t in fresh}
            if any(key in rewritten for key in stale):
                self._begin()
                # Removed eagerly when some come back: in the combined statement a delete would not see
                # this unit's inserts, but a unique (task, kind, name) row re-inserted must not collide
                # with its old copy.
                m.UserTaskCandidate.objects.filter(user_task_id__in=stale).delete()
            elif stale:
                # Tasks that left CREATED lose theirs with the unit's write.
                writes.delete(m.UserTaskCandidate, "user_task_id", stale)
            candidates = [
                new_row(m.UserTaskCandidate, user_task_id=t.key, kind=kind, name=name)
                for t in fresh
                for kind, names in (
                    (m.UserTaskCandidate.KIND_USER, t.candidate_users),
                    (m.UserTaskCandidate.KIND_GROUP, t.candidate_groups),
                )
                for name in dict.fromkeys(names)
            ]
            if candidates:
                writes.insert(m.UserTaskCandidate, candidates)
        if hooks.has_user_task_listeners():
            events = [(_user_task_intent(before.get(t.key), t), _user_task_payload(t)) for t in tasks]
            with self._writes() as writes:
                writes.after_flush.append(
                    lambda: transaction.on_commit(lambda: [hooks.notify_user_task(i, d) for i, d in events])
                )

    def get_user_task(self, key: int, *, for_update: bool = False) -> UserTaskRecord | None:
        record = None
        if for_update:
            # read with the instance's lock (or, in a unit begun from a copy, kept with the copy)
            record = (getattr(self._local, "locked", None) or {}).pop(("task", key), None)
        if record is None:
            self._begin()
            record = self._read_row("task", key, for_update)
            if record is None:
                return None
            self._remember("task", key, record.process_instance_key)
        tasks = getattr(self._local, "tasks", None)
        if tasks is not None:
            tasks[key] = record
        return record

    # -- timers --------------------------------------------------------------------------------------
    def save_timers(self, timers: Sequence[TimerRecord]) -> None:
        if not timers:
            return
        rows = [
            new_row(
                m.Timer,
                key=t.key,
                due_at=to_datetime(t.due),
                repetitions=t.repetitions,
                interval_ms=t.interval,
                element_id=t.element_id,
                element_instance_key=t.element_instance_key,
                process_instance_key=t.process_instance_key,
                process_definition_key=t.process_definition_key,
                bpmn_process_id=t.bpmn_process_id,
                tenant_id=t.tenant_id,
            )
            for t in timers
        ]
        with self._writes() as writes:
            writes.upsert(m.Timer, rows, key=_pk, update=("due_at", "repetitions", "interval_ms"))

    def delete_timers(self, keys: Sequence[int]) -> None:
        if keys:
            with self._writes() as writes:
                writes.delete(m.Timer, "key", keys)

    def get_timer(self, key: int) -> TimerRecord | None:
        self._begin()
        rows = m.Timer.objects.filter(key=key)
        if connection.in_atomic_block:
            # Inside a command the timer is locked: two sweepers firing one start-event timer (which has no
            # instance row to serialize on) must not both start an instance.
            rows = rows.select_for_update()
        row = rows.first()
        return _timer_record(row) if row else None

    def due_timers(self, now: int, limit: int) -> list[TimerRecord]:
        self._begin()
        rows = m.Timer.objects.filter(due_at__lte=to_datetime(now)).order_by("due_at", "key")[:limit]
        return [_timer_record(r) for r in rows]

    # -- messages ------------------------------------------------------------------------------------
    def save_message_subscriptions(self, subscriptions: Sequence[MessageSubscriptionRecord]) -> None:
        if not subscriptions:
            return
        rows = [
            new_row(
                m.MessageSubscription,
                key=s.key,
                message_name=s.message_name,
                correlation_key=s.correlation_key,
                element_id=s.element_id,
                element_instance_key=s.element_instance_key,
                process_instance_key=s.process_instance_key,
                process_definition_key=s.process_definition_key,
                bpmn_process_id=s.bpmn_process_id,
                interrupting=s.interrupting,
                tenant_id=s.tenant_id,
            )
            for s in subscriptions
        ]
        with self._writes() as writes:
            writes.upsert(m.MessageSubscription, rows, key=_pk, update=("correlation_key", "interrupting"))

    def delete_message_subscriptions(self, keys: Sequence[int]) -> None:
        if keys:
            with self._writes() as writes:
                writes.delete(m.MessageSubscription, "key", keys)

    def find_message_subscriptions(self, name: str, correlation_key: str) -> list[MessageSubscriptionRecord]:
        self._begin()
        _lock_message_key(name, correlation_key)
        rows = m.MessageSubscription.objects.filter(
            Q(correlation_key=correlation_key) | Q(process_instance_key__isnull=True), message_name=name
        ).order_by("key")
        return [
            MessageSubscriptionRecord(
                key=r.key,
                message_name=r.message_name,
                correlation_key=r.correlation_key,
                element_id=r.element_id,
                process_definition_key=r.process_definition_key,
                bpmn_process_id=r.bpmn_process_id,
                process_instance_key=r.process_instance_key,
                element_instance_key=r.element_instance_key,
                interrupting=r.interrupting,
                tenant_id=r.tenant_id,
            )
            for r in rows
        ]

    def save_messages(self, messages: Sequence[MessageRecord]) -> None:
        self._begin()
        if not messages:
            return
        # A message id is unique only while buffered: an expired twin the sweeper has not removed yet must
        # not block the new one.
        ids = [msg.message_id for msg in messages if msg.message_id]
        if ids:
            newest_published = to_datetime(max(msg.published_at for msg in messages))
            m.BufferedMessage.objects.filter(message_id__in=ids, expires_at__lte=newest_published).exclude(
                key__in=[msg.key for msg in messages]
            ).delete()
        rows = [
            new_row(
                m.BufferedMessage,
                key=msg.key,
                name=msg.name,
                correlation_key=msg.correlation_key,
                message_id=msg.message_id,
                variables=msg.variables,
                published_at=to_datetime(msg.published_at),
                expires_at=to_datetime(msg.expires_at),
                correlated_process_ids=list(msg.correlated_process_ids),
                tenant_id=msg.tenant_id,
            )
            for msg in messages
        ]
        with self._writes() as writes:
            writes.upsert(m.BufferedMessage, rows, key=_pk, update=("correlated_process_ids", "expires_at"))

    def find_buffered_messages(self, name: str, correlation_key: str, now: int) -> list[MessageRecord]:
        self._begin()
        _lock_message_key(name, correlation_key)
        rows = m.BufferedMessage.objects.filter(
            name=name, correlation_key=correlation_key, expires_at__gt=to_datetime(now)
        ).order_by("key")
        return [_message_record(r) for r in rows]

    def find_message_by_id(self, message_id: str, now: int) -> MessageRecord | None:
        self._begin()
        row = m.BufferedMessage.objects.filter(message_id=message_id, expires_at__gt=to_datetime(now)).first()
        return _message_record(row) if row else None

    def delete_expired_messages(self, now: int) -> int:
        self._begin()
        deleted, _ = m.BufferedMessage.objects.filter(expires_at__lte=to_datetime(now)).delete()
        return deleted

    def find_message_start_instance(self, bpmn_process_id: str, correlation_key: str) -> int | None:
        self._begin()
        _advisory_lock(f"start:{bpmn_process_id}\n{correlation_key}")
        return (
            m.ProcessInstance.objects.filter(
                bpmn_process_id=bpmn_process_id,
                start_correlation_key=correlation_key,
                status__in=(m.InstanceStatus.ACTIVE, m.InstanceStatus.INCIDENT),
            )
            .values_list("key", flat=True)
            .first()
        )

    # -- signals -------------------------------------------------------------------------------------
    def save_signal_subscriptions(self, subscriptions: Sequence[SignalSubscriptionRecord]) -> None:
        if not subscriptions:
            return
        rows = [
            new_row(
                m.SignalSubscription,
                key=s.key,
                signal_name=s.signal_name,
                element_id=s.element_id,
                element_instance_key=s.element_instance_key,
                process_instance_key=s.process_instance_key,
                process_definition_key=s.process_definition_key,
                bpmn_process_id=s.bpmn_process_id,
                tenant_id=s.tenant_id,
            )
            for s in subscriptions
        ]
        with self._writes() as writes:
            writes.upsert(m.SignalSubscription, rows, key=_pk, update=("signal_name",))

    def delete_signal_subscriptions(self, keys: Sequence[int]) -> None:
        if keys:
            with self._writes() as writes:
                writes.delete(m.SignalSubscription, "key", keys)

    def find_signal_subscriptions(self, name: str) -> list[SignalSubscriptionRecord]:
        self._begin()
        rows = m.SignalSubscription.objects.filter(signal_name=name).order_by("key")
        return [
            SignalSubscriptionRecord(
                key=r.key,
                signal_name=r.signal_name,
                element_id=r.element_id,
                process_definition_key=r.process_definition_key,
                bpmn_process_id=r.bpmn_process_id,
                process_instance_key=r.process_instance_key,
                element_instance_key=r.element_instance_key,
                tenant_id=r.tenant_id,
            )
            for r in rows
        ]

    def delete_start_subscriptions(self, bpmn_process_id: str) -> None:
        self._begin()
        definition_keys = list(
            m.ProcessDefinition.objects.filter(bpmn_process_id=bpmn_process_id).values_list("key", flat=True)
        )
        m.Timer.objects.filter(
            process_instance_key__isnull=True, process_definition_key__in=definition_keys
        ).delete()
        m.MessageSubscription.objects.filter(
            process_instance_key__isnull=True, bpmn_process_id=bpmn_process_id
        ).delete()
        m.SignalSubscription.objects.filter(
            process_instance_key__isnull=True, bpmn_process_id=bpmn_process_id
        ).delete()

    # -- process instance migration -------------------------------------------------------------------
    def migrate_instance_records(
        self,
        process_instance_key: int,
        target: ProcessDefinition,
        element_ids: Any,
        catch_ids: Any,
    ) -> None:
        """Retarget a migrated instance's row and live records at `target` (see the Store protocol): a few
        UPDATEs, run at once inside the unit (the buffered instance upsert does not touch these columns)."""
        from django.db.models import Case, CharField, Value, When

        self._begin()
        key = process_instance_key
        m.ProcessInstance.objects.filter(key=key).update(
            process_definition_id=target.key, bpmn_process_id=target.bpmn_process_id, version=target.version
        )
        definition = {"process_definition_key": target.key, "bpmn_process_id": target.bpmn_process_id}

        def by_instance() -> Case:
            whens = [When(element_instance_key=k, then=Value(v)) for k, v in element_ids.items()]
            return Case(*whens, default=F("element_id"), output_field=CharField())

        keys = list(element_ids)
        m.Job.objects.filter(process_instance_key=key, element_instance_key__in=keys).update(
            element_id=by_instance(), process_definition_version=target.version, **definition
        )
        m.UserTask.objects.filter(process_instance_key=key, element_instance_key__in=keys).update(
            element_id=by_instance(),
            process_definition_version=target.version,
            process_name=target.name or "",
            **definition,
        )
        m.Incident.objects.filter(process_instance_key=key, element_instance_key__in=keys).update(
            element_id=by_instance(), **definition
        )
        for model in (m.Timer, m.MessageSubscription, m.SignalSubscription):
            whens = [When(element_id=old, then=Value(new)) for old, new in catch_ids.items()]
            element_id = (
                Case(*whens, default=F("element_id"), output_field=CharField()) if whens else F("element_id")
            )
            model.objects.filter(process_instance_key=key).update(element_id=element_id, **definition)

    # -- incidents -----------------------------------------------------------------------------------
    def save_incidents(self, incidents: Sequence[IncidentRecord]) -> None:
        if not incidents:
            return
        rows = [
            new_row(
                m.Incident,
                key=i.key,
                error_type=i.error_type,
                error_message=i.error_message,
                state=i.state,
                element_id=i.element_id,
                element_instance_key=i.element_instance_key,
                job_key=i.job_key,
                process_instance_key=i.process_instance_key,
                process_definition_key=i.process_definition_key,
                bpmn_process_id=i.bpmn_process_id,
                tenant_id=i.tenant_id,
                created_at=to_datetime(i.created_at),
                resolved_at=to_datetime(i.resolved_at),
            )
            for i in incidents
        ]
        with self._writes() as writes:
            writes.upsert(m.Incident, rows, key=_pk, update=("state", "resolved_at", "error_message"))

    def get_incident(self, key: int) -> IncidentRecord | None:
        self._begin()
        row = m.Incident.objects.filter(key=key).first()
        return _incident_record(row) if row else None

    def list_incidents(
        self, process_instance_key: int | None = None, *, active_only: bool = True
    ) -> list[IncidentRecord]:
        self._begin()
        rows = m.Incident.objects.all()
        if process_instance_key is not None:
            rows = rows.filter(process_instance_key=process_instance_key)
        if active_only:
            rows = rows.filter(state=m.IncidentState.ACTIVE)
        return [_incident_record(r) for r in rows.order_by("key")]

    # -- history and outbox --------------------------------------------------------------------------
    def append_history(self, records: Sequence[HistoryRecord]) -> None:
        if not records:
            return
        with self._writes() as writes:
            # One row per instance and unit; later calls in the same unit extend it before the flush.
            batches: dict[int | None, m.History] = writes.extra.setdefault("history", {})
            for r in records:
                row = batches.get(r.process_instance_key)
                if row is None:
                    row = batches[r.process_instance_key] = new_row(
                        m.History,
                        timestamp=to_datetime(r.timestamp),
                        process_instance_key=r.process_instance_key,
                        process_definition_key=r.process_definition_key or None,
                        bpmn_process_id=r.bpmn_process_id,
                        records=[],
                    )
                    writes.insert(m.History, [row])
                row.records.append(
                    [
                        r.element_id,
                        r.element_type,
                        r.element_instance_key,
                        r.intent,
                        r.timestamp,
                        r.flow_scope_key,
                        r.value_type,
                        r.data,
                    ]
                )

    def push_commands(self, commands: Sequence[Command]) -> None:
        if not commands:
            return
        now = dt.datetime.now(dt.UTC)
        # No Celery wake-up: the engine drains the outbox inline right after this commit, and the sweeper
        # runs rows left behind by a process that died in between (older than a grace period).
        with self._writes() as writes:
            writes.insert(
                m.OutboxCommand,
                [m.OutboxCommand(command=command_to_dict(c), created_at=now) for c in commands],
            )

    def claim_outbox_rows(self, limit: int, *, max_attempts: int) -> list[tuple[int, Command]]:
        """Lock (not delete) the oldest queued commands for this transaction, skipping rows another drainer
        holds and rows that failed too often; the caller deletes or marks each one before commit."""
        self._begin()
        rows = list(
            m.OutboxCommand.objects.filter(attempts__lt=max_attempts)
            .order_by("id")
            .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)[:limit]
        )
        return [(r.id, command_from_dict(r.command)) for r in rows]

    def delete_outbox_row(self, row_id: int) -> None:
        self._begin()
        m.OutboxCommand.objects.filter(id=row_id).delete()

    def mark_outbox_failure(self, row_id: int, error: str) -> None:
        self._begin()
        m.OutboxCommand.objects.filter(id=row_id).update(attempts=F("attempts") + 1, last_error=error[:4000])

    def pop_commands(self, limit: int) -> list[Command]:
        self._begin()
        rows = list(
            m.OutboxCommand.objects.order_by("id").select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )[:limit]
        )
        if not rows:
            return []
        m.OutboxCommand.objects.filter(id__in=[r.id for r in rows]).delete()
        return [command_from_dict(r.command) for r in rows]


@lru_cache(maxsize=16)
def _activation_sql(tenants: int) -> str:
    """The activation query: $1 job type, $2 now (epoch ms), $3 limit, then `tenants` tenant ids.
    Two branches, each on its own partial index, merged: open jobs in activation order (an index scan on
    engine_job_activatable (type, priority DESC, key) that stops after `limit`) and the few activated jobs
    whose lock expired (engine_job_locked). One OR over both states would bitmap-scan and sort the whole
    backlog of the type on every poll."""
    where = "j.type = $1::text"
    if tenants:
        where += f" AND j.tenant_id IN ({', '.join(f'${n}' for n in range(4, 4 + tenants))})"
    moment = "to_timestamp($2::bigint / 1000.0)"
    order = "ORDER BY j.priority DESC, j.key LIMIT $3::bigint"
    return (
        f"WITH ready AS (SELECT j.* FROM engine_job j WHERE {where} AND j.state = 'ACTIVATABLE' AND "
        f"(j.retry_at IS NULL OR j.retry_at <= {moment}) {order} FOR UPDATE OF j SKIP LOCKED), "
        f"expired AS (SELECT j.* FROM engine_job j WHERE {where} AND j.state = 'ACTIVATED' AND "
        f"j.deadline <= {moment} {order} FOR UPDATE OF j SKIP LOCKED) "
        "SELECT to_jsonb(j), (SELECT p.state FROM engine_processinstance p WHERE p.key = "
        "j.process_instance_key) FROM (SELECT * FROM ready UNION ALL SELECT * FROM expired) j "
        f"{order}"
    )


# The statements that start most commands (lock an instance, with the job or user task the command is
# about), prepared once per session (see run_session_statements). Instance first: the order every unit
# locks in. An instance's jobs and tasks never move to another instance.
# The locks return the row's revision too: what a copy kept after the unit is checked against (instance_cache).
_LOCK_INSTANCE = SessionStatement(
    "bizdevops_lock_instance_rev",
    "SELECT state, revision FROM engine_processinstance WHERE key = $1 FOR UPDATE",
)
_READ_INSTANCE = SessionStatement(
    "bizdevops_read_instance", "SELECT state FROM engine_processinstance WHERE key = $1"
)
_LOCK_OWNER = {
    kind: SessionStatement(
        f"bizdevops_lock_{kind}_owner_rev",
        f"SELECT state, revision FROM engine_processinstance WHERE key = "
        f"(SELECT process_instance_key FROM {table} WHERE key = $1) FOR UPDATE",
    )
    for kind, table in (("task", "engine_usertask"), ("job", "engine_job"))
}
# The open user tasks of one instance, read right after its lock in the same message. No row lock: every
# writer of a user task row holds its instance's lock (a command on the instance, migration), so while this
# unit holds it the rows cannot change; a row lock would only cost a WAL record per task. OFFSET 0 fences the
# subquery: the instance's few rows come from its own index and are filtered after, instead of a scan of the
# partial index of open tasks, which holds the entries of every task completed since the last vacuum.
_OPEN_TASKS = SessionStatement(
    "bizdevops_read_open_tasks",
    "SELECT to_jsonb(t) FROM (SELECT * FROM engine_usertask WHERE process_instance_key = $1 OFFSET 0) t "
    "WHERE t.state = 'CREATED'",
)
_LOCK_ROW = {
    kind: SessionStatement(
        f"bizdevops_lock_{kind}", f"SELECT to_jsonb(r) FROM {table} r WHERE key = $1 FOR UPDATE"
    )
    for kind, table in (("task", "engine_usertask"), ("job", "engine_job"))
}


def _lock_message_key(name: str, correlation_key: str | None) -> None:
    """Serialize "publish a message" with "open a subscription" for one (name, correlation key): both look
    for the other side and then write their own, so without a common lock each could miss the other and
    the message would neither correlate nor be found later. A transaction-scoped advisory lock, released
    at commit, is the smallest such lock (PostgreSQL only; SQLite serializes writers anyway)."""
    _advisory_lock(f"msg:{name}\n{correlation_key or ''}")


def _advisory_lock(text: str) -> None:
    """A transaction-scoped advisory lock on a text (PostgreSQL only; SQLite serializes writers anyway).
    Order: an instance row, then a message (name, key), then a message start (process id, key)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [text])


# -- row <-> record conversions ----------------------------------------------------------------------------


def _resource(kind: str, name: str, key: int, checksum: str, ident: str, version: int) -> dict[str, Any]:
    return {"kind": kind, "name": name, "key": key, "checksum": checksum, "id": ident, "version": version}


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def _process_record(row: m.ProcessDefinition) -> ProcessDefinition:
    return ProcessDefinition(
        key=row.key,
        bpmn_process_id=row.bpmn_process_id,
        version=row.version,
        resource_name=row.resource_name,
        checksum=row.checksum,
        resource=bytes(row.resource),
        deployment_key=row.deployment_id,
        name=row.name or None,
        tenant_id=row.tenant_id,
        version_tag=row.version_tag or None,
    )


def history_records(row: m.History) -> list[HistoryRecord]:
    """The transitions of one history row, as the core's records."""
    return [
        HistoryRecord(
            row.process_instance_key if row.process_instance_key is not None else 0,
            element_id,
            element_type,
            key,
            intent,
            timestamp,
            flow_scope_key,
            row.process_definition_key or 0,
            row.bpmn_process_id,
            value_type,
            data,
        )
        for element_id, element_type, key, intent, timestamp, flow_scope_key, value_type, data in row.records
    ]


# kind -> [(column, attname, is_datetime)] of the job / user task model's concrete fields
_RECORD_COLUMNS: dict[str, list[tuple[str, str, bool]]] = {}


def _record_columns(kind: str) -> list[tuple[str, str, bool]]:
    found = _RECORD_COLUMNS.get(kind)
    if found is None:
        model = m.UserTask if kind == "task" else m.Job
        found = _RECORD_COLUMNS[kind] = [
            (f.column, f.attname, isinstance(f, DateTimeField)) for f in model._meta.concrete_fields
        ]
    return found


def _json_record(kind: str, values: dict[str, Any]) -> Any:
    """A job or user task record from its row as `to_jsonb(row)` (timestamps arrive as ISO text)."""
    row = SimpleNamespace()
    attributes = row.__dict__
    for column, attname, is_datetime in _record_columns(kind):
        value = values[column]
        if is_datetime and value is not None:
            value = dt.datetime.fromisoformat(value)
        attributes[attname] = value
    return _user_task_record(row) if kind == "task" else _job_record(row)  # type: ignore[arg-type]


def _pk(obj: Any) -> Any:
    return obj.pk


def _scope_name(obj: Any) -> tuple[int, str]:
    return (obj.scope_key, obj.name)


def _has_incident(state: InstanceState) -> bool:
    return any(ei.incident_key for ei in state.elements.values())


def _changed_variables(state: InstanceState, before: dict[int, dict[str, Any]]) -> list[m.Variable]:
    rows: list[m.Variable] = []
    for scope, values in state.variables.items():
        old = before.get(scope)
        for name, value in values.items():
            if old is not None and name in old and old[name] == value:
                continue
            rows.append(
                new_row(
                    m.Variable,
                    key=_variable_key(scope, name),
                    scope_key=scope,
                    name=name,
                    value=value,
                    process_instance_key=state.key,
                    tenant_id=state.tenant_id,
                )
            )
    return rows


def _variable_key(scope: int, name: str) -> int:
    """A stable key for (scope, name) without a sequence round trip: the row is upserted on that pair, so
    the key only needs to be unique, not dense. 63-bit hash of both, deterministic across processes."""
    import hashlib

    digest = hashlib.blake2b(f"{scope}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


_JOB_UPDATE_FIELDS = (
    "state",
    "retries",
    "priority",
    "worker",
    "deadline",
    "retry_at",
    "error_message",
    "error_code",
    "custom_headers",
    "updated_at",
)


def _job_row(j: JobRecord) -> m.Job:
    return new_row(
        m.Job,
        key=j.key,
        type=j.type,
        kind=j.kind,
        state=j.state,
        retries=j.retries,
        priority=j.priority,
        worker=j.worker,
        deadline=to_datetime(j.deadline),
        retry_at=to_datetime(j.retry_at),
        error_message=j.error_message if j.error_message is not None else "",
        error_code=j.error_code if j.error_code is not None else "",
        custom_headers=j.custom_headers,
        listener_event_type=j.listener_event_type,
        element_id=j.element_id,
        element_instance_key=j.element_instance_key,
        process_instance_key=j.process_instance_key,
        process_definition_key=j.process_definition_key,
        process_definition_version=j.process_definition_version,
        bpmn_process_id=j.bpmn_process_id,
        tenant_id=j.tenant_id,
        created_at=to_datetime(j.created_at),
        updated_at=dt.datetime.now(dt.UTC),
    )


def _job_record(row: m.Job) -> JobRecord:
    return JobRecord(
        key=row.key,
        type=row.type,
        state=row.state,
        retries=row.retries,
        process_instance_key=row.process_instance_key,
        process_definition_key=row.process_definition_key,
        bpmn_process_id=row.bpmn_process_id,
        process_definition_version=row.process_definition_version,
        element_id=row.element_id,
        element_instance_key=row.element_instance_key,
        created_at=to_ms(row.created_at) or 0,
        custom_headers=dict(row.custom_headers or {}),
        worker=row.worker,
        deadline=to_ms(row.deadline),
        retry_at=to_ms(row.retry_at),
        error_message=row.error_message or None,
        error_code=row.error_code or None,
        priority=row.priority,
        kind=row.kind,
        listener_event_type=row.listener_event_type,
        tenant_id=row.tenant_id,
    )


_USER_TASK_UPDATE_FIELDS = (
    "state",
    "assignee",
    "candidate_users",
    "candidate_groups",
    "due_date",
    "follow_up_date",
    "due_date_text",
    "follow_up_date_text",
    "priority",
    "completion_date",
)


def _user_task_row(t: UserTaskRecord) -> m.UserTask:
    return new_row(
        m.UserTask,
        key=t.key,
        element_id=t.element_id,
        name=t.name or "",
        state=t.state,
        assignee=t.assignee or "",
        candidate_users=list(t.candidate_users),
        candidate_groups=list(t.candidate_groups),
        due_date=_iso_datetime(t.due_date),
        follow_up_date=_iso_datetime(t.follow_up_date),
        due_date_text=t.due_date or "",
        follow_up_date_text=t.follow_up_date or "",
        priority=t.priority,
        form_key=t.form_key or "",
        form_id=t.form_id or "",
        form_definition_key=t.form_definition_key,
        external_form_reference=t.external_form_reference or "",
        embedded_form=t.embedded_form or "",
        custom_headers=t.custom_headers,
        element_instance_key=t.element_instance_key,
        process_instance_key=t.process_instance_key,
        process_definition_key=t.process_definition_key,
        process_definition_version=t.process_definition_version,
        bpmn_process_id=t.bpmn_process_id,
        tenant_id=t.tenant_id,
        creation_date=to_datetime(t.created_at),
        completion_date=to_datetime(t.completed_at),
    )


def _user_task_record(row: m.UserTask) -> UserTaskRecord:
    return UserTaskRecord(
        key=row.key,
        state=row.state,
        element_id=row.element_id,
        element_instance_key=row.element_instance_key,
        process_instance_key=row.process_instance_key,
        process_definition_key=row.process_definition_key,
        bpmn_process_id=row.bpmn_process_id,
        process_definition_version=row.process_definition_version,
        created_at=to_ms(row.creation_date) or 0,
        name=row.name or None,
        assignee=row.assignee or None,
        candidate_users=tuple(row.candidate_users or ()),
        candidate_groups=tuple(row.candidate_groups or ()),
        due_date=row.due_date_text or None,
        follow_up_date=row.follow_up_date_text or None,
        priority=row.priority,
        form_key=row.form_key or None,
        form_id=row.form_id or None,
        form_definition_key=row.form_definition_key,
        external_form_reference=row.external_form_reference or None,
        embedded_form=row.embedded_form or None,
        custom_headers=dict(row.custom_headers or {}),
        completed_at=to_ms(row.completion_date),
        tenant_id=row.tenant_id,
    )


def _user_task_intent(before: UserTaskRecord | None, after: UserTaskRecord) -> str:
    if after.state != m.UserTaskState.CREATED:
        return after.state
    if before is None:
        return "CREATED"
    if before.assignee != after.assignee:
        return "ASSIGNED"
    return "UPDATED"


def _user_task_payload(t: UserTaskRecord) -> dict[str, Any]:
    return {
        "key": t.key,
        "assignee": t.assignee,
        "candidateUsers": list(t.candidate_users),
        "candidateGroups": list(t.candidate_groups),
        "bpmnProcessId": t.bpmn_process_id,
        "processInstanceKey": t.process_instance_key,
        "elementId": t.element_id,
        "name": t.name,
        "state": t.state,
    }


def _timer_record(row: m.Timer) -> TimerRecord:
    return TimerRecord(
        key=row.key,
        due=to_ms(row.due_at) or 0,
        element_id=row.element_id,
        process_definition_key=row.process_definition_key,
        bpmn_process_id=row.bpmn_process_id,
        process_instance_key=row.process_instance_key,
        element_instance_key=row.element_instance_key,
        repetitions=row.repetitions,
        interval=row.interval_ms,
        tenant_id=row.tenant_id,
    )


def _message_record(row: m.BufferedMessage) -> MessageRecord:
    return MessageRecord(
        key=row.key,
        name=row.name,
        correlation_key=row.correlation_key,
        variables=dict(row.variables or {}),
        published_at=to_ms(row.published_at) or 0,
        expires_at=to_ms(row.expires_at) or 0,
        message_id=row.message_id,
        correlated_process_ids=tuple(row.correlated_process_ids or ()),
        tenant_id=row.tenant_id,
    )


def _incident_record(row: m.Incident) -> IncidentRecord:
    return IncidentRecord(
        key=row.key,
        state=row.state,
        error_type=row.error_type,
        error_message=row.error_message,
        process_instance_key=row.process_instance_key,
        process_definition_key=row.process_definition_key,
        bpmn_process_id=row.bpmn_process_id,
        element_id=row.element_id,
        element_instance_key=row.element_instance_key,
        created_at=to_ms(row.created_at) or 0,
        job_key=row.job_key,
        resolved_at=to_ms(row.resolved_at),
        tenant_id=row.tenant_id,
    )
