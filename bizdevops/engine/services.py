"""Writes to the engine: thin keyword-only functions around one process-wide `Engine(DjangoStore(), clock,
DbKeyGenerator())`. Each call is one command = one database transaction (the engine opens it: lock the
instance row, load, compute, apply, commit). Follow-up commands for other instances (message correlation,
call activities, signals) are written to the outbox in that transaction and run after commit, each in its
own transaction, inline and — if this process dies first — by a Celery worker woken on commit or by the
sweeper. Errors are the core's: NotFound (404), Conflict (409), InvalidArgument (400), DeploymentRejected.

The REST API, Tasklist, Modeler and connectors call these; views never touch the engine tables."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from bizdevops.engine import tasks as _tasks  # noqa: F401  (installs the on-commit Celery wake-ups)
from bizdevops.engine.core.clock import SystemClock
from bizdevops.engine.core.commands import ActivateInstruction, MoveInstruction, TerminateInstruction
from bizdevops.engine.core.errors import Conflict, EngineError, InvalidArgument, NotFound
from bizdevops.engine.core.records import Deployment
from bizdevops.engine.core.runtime import ActivatedJob, CreatedInstance, DecisionEvaluation, Engine
from bizdevops.engine.state import models as m
from bizdevops.engine.state.keys import default_keys
from bizdevops.engine.state.store import DjangoStore, StaleDefinition

logger = logging.getLogger(__name__)
R = TypeVar("R")

# PostgreSQL's "try again" answers, each after rolling the unit back whole: a deadlock victim, a
# serialization failure, a prepared statement the session lost (writer.run_prepared).
_RETRY_SQLSTATES = {"40P01", "40001", "26000"}
_ATTEMPTS = 3


class EngineClock(SystemClock):
    """Wall clock, unless pinned through set_clock (only honoured where settings.BIZDEVOPS_CLOCK_API is on,
    e.g. tests and demos; the pin lives in the database so every worker sees the same time)."""

    def now_ms(self) -> int:
        if getattr(settings, "BIZDEVOPS_CLOCK_API", False):
            pinned = m.ClockSetting.objects.filter(id=1).values_list("pinned_ms", flat=True).first()
            if pinned is not None:
                return int(pinned)
        return super().now_ms()


class DurableEngine(Engine):
    """The Engine with a crash-safe outbox drain: a follow-up command is removed from the outbox in the
    same transaction that applies it, so a process killed mid-way leaves it queued for the next drainer
    (another request, a Celery worker, the sweeper). A command that became moot (NotFound/Conflict) is
    dropped; one that fails otherwise stays queued with its attempt count, up to MAX_ATTEMPTS."""

    MAX_ATTEMPTS = 5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._local = threading.local()
        super().__init__(*args, **kwargs)

    # The base class keeps one flag per engine; with one engine per process it must be per thread.
    @property  # type: ignore[override]
    def _draining(self) -> bool:
        return bool(getattr(self._local, "draining", False))

    @_draining.setter
    def _draining(self, value: bool) -> None:
        self._local.draining = value

    def run_pending(self, limit: int = 10_000) -> int:
        if self._draining:
            return 0
        self._draining = True
        count = 0
        try:
            while count < limit:
                try:
                    ran = self._run_one_pending()
                except DatabaseError:
                    logger.warning("outbox command failed; it stays queued", exc_info=True)
                    break
                if not ran:
                    break
                count += 1
        finally:
            self._draining = False
        return count

    def _run_one_pending(self) -> bool:
        store = self.store
        assert isinstance(store, DjangoStore)
        with store.transaction():
            claimed = store.claim_outbox_rows(1, max_attempts=self.MAX_ATTEMPTS)
            if not claimed:
                return False
            row_id, command = claimed[0]
            try:
                with transaction.atomic():  # a savepoint: a moot or failing command rolls back alone
                    self.execute(command)
            except (NotFound, Conflict):
                pass  # the target moved on meanwhile (e.g. canceled): the follow-up is moot
            except Exception as exc:
                logger.exception("follow-up command %s failed (it stays queued)", type(command).__name__)
                store.mark_outbox_failure(row_id, str(exc))
                return True
            store.delete_outbox_row(row_id)
        return True


_engine: DurableEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> DurableEngine:
    """The process-wide engine (definition caches are keyed by immutable definition keys, so sharing it
    across threads and having one per worker process is safe)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = DurableEngine(DjangoStore(), EngineClock(), default_keys())
        return _engine


def _retrying(call: Callable[[], R]) -> R:
    """Run one command; again if it was rolled back for a reason that a second try resolves."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return call()
        except DatabaseError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            # A deadlock victim, or a start on a cached "latest version" that turned out stale: nothing
            # of the command was committed, so running it again is safe.
            retryable = sqlstate in _RETRY_SQLSTATES or isinstance(exc, StaleDefinition)
            if not retryable or attempt == _ATTEMPTS or transaction.get_connection().in_atomic_block:
                raise
            if sqlstate in _RETRY_SQLSTATES:
                time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


# -- deployments ----------------------------------------------------------------------------------------


def deploy_resources(
    *, resources: Sequence[tuple[str, bytes]], tenant_id: str = "<default>", user: Any = None
) -> Deployment:
    """Deploy BPMN, DMN and form files together: all or nothing; unchanged bytes keep their version."""
    resources = [(name, data.encode() if isinstance(data, str) else bytes(data)) for name, data in resources]
    engine = get_engine()
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            deployment = _retrying(lambda: engine.deploy(resources, tenant_id=tenant_id))
            break
        except IntegrityError:
            # Two deployments of the same process raced for its next version number: the loser retries
            # and then sees the winner's version (same bytes → reused, changed bytes → the next number).
            if attempt == _ATTEMPTS:
                raise
    created_by = getattr(user, "username", "") or ""
    if created_by:
        m.Deployment.objects.filter(key=deployment.key).update(created_by=created_by)
    return deployment


# -- process instances ----------------------------------------------------------------------------------


def create_process_instance(
    *,
    bpmn_process_id: str | None = None,
    process_definition_key: int | None = None,
    definition_key: int | None = None,
    definition: m.ProcessDefinition | None = None,
    version: int | None = None,
    variables: dict[str, Any] | None = None,
    start_element_ids: Iterable[str] = (),
    business_id: str = "",
    tenant_id: str = "<default>",
    user: Any = None,
) -> CreatedInstance:
    """Start an instance of the latest (or given) version of a process."""
    if definition is not None:
        process_definition_key = definition.key
    key = process_definition_key if process_definition_key is not None else definition_key
    engine = get_engine()

    def start() -> CreatedInstance:
        if not business_id:
            return engine.create_process_instance(
                bpmn_process_id=bpmn_process_id,
                process_definition_key=key,
                version=version,
                variables=variables,
                start_element_ids=start_element_ids,
                tenant_id=tenant_id,
            )
        with transaction.atomic():  # the business id is written in the instance's own transaction
            created = engine.create_process_instance(
                bpmn_process_id=bpmn_process_id,
                process_definition_key=key,
                version=version,
                variables=variables,
                start_element_ids=start_element_ids,
                tenant_id=tenant_id,
            )
            m.ProcessInstance.objects.filter(key=created.process_instance_key).update(business_id=business_id)
            return created

    return _retrying(start)


start_process_instance = create_process_instance


def cancel_process_instance(*, process_instance_key: int) -> None:
    """Cancel an instance: every element instance ends with its jobs, tasks, timers and subscriptions."""
    _retrying(lambda: get_engine().cancel_process_instance(process_instance_key))


def set_variables(
    *,
    element_instance_key: int,
    variables: dict[str, Any],
    local: bool = False,
    process_instance_key: int | None = None,
) -> None:
    """Set variables on a scope (local) or merge them upwards from it."""
    _retrying(
        lambda: get_engine().set_variables(
            element_instance_key, variables, local=local, process_instance_key=process_instance_key
        )
    )


def activate_ad_hoc_elements(
    *,
    ad_hoc_instance_key: int,
    elements: Sequence[tuple[str, dict[str, Any]]],
    process_instance_key: int | None,
) -> None:
    """Activate elements of an active ad-hoc subprocess (each in its own inner instance)."""
    _retrying(
        lambda: get_engine().activate_ad_hoc_elements(
            ad_hoc_instance_key, elements, process_instance_key=process_instance_key
        )
    )


def modify_process_instance(
    *,
    process_instance_key: int,
    activate: Sequence[ActivateInstruction] = (),
    terminate: Sequence[TerminateInstruction] = (),
    move: Sequence[MoveInstruction] = (),
) -> None:
    """Activate elements and terminate element instances of a running instance in one transaction (Zeebe's
    modification rules; a refused modification is an InvalidArgument and changes nothing)."""
    _retrying(
        lambda: get_engine().modify_process_instance(
            process_instance_key, activate=activate, terminate=terminate, move=move
        )
    )


def migrate_process_instance(
    *, process_instance_key: int, target_process_definition_key: int, mapping: Sequence[tuple[str, str]]
) -> None:
    """Move a running instance to another definition in one transaction: every active element mapped to
    an element of the same type; jobs, user tasks and subscriptions keep their keys."""
    _retrying(
        lambda: get_engine().migrate_process_instance(
            process_instance_key, target_process_definition_key, mapping
        )
    )


# -- jobs -----------------------------------------------------------------------------------------------


def activate_jobs(
    *,
    job_type: str,
    worker: str,
    timeout_ms: int,
    max_jobs_to_activate: int | None = None,
    max_jobs: int | None = None,
    fetch_variables: Sequence[str] | None = None,
    tenant_ids: Sequence[str] | None = None,
) -> list[ActivatedJob]:
    """Lock up to N jobs of a type for a worker (SKIP LOCKED: concurrent workers never get the same job)."""
    count = max_jobs_to_activate if max_jobs_to_activate is not None else (max_jobs or 1)
    return _retrying(  # type: ignore[no-any-return]
        lambda: get_engine().activate_jobs(
            job_type, worker, timeout_ms, count, fetch_variables, tenant_ids=tenant_ids or None
        )
    )


def complete_job(
    *, job_key: int, variables: dict[str, Any] | None = None, result: dict[str, Any] | None = None
) -> None:
    """Complete a job; a second completion is a Conflict (or NotFound) and changes nothing. `result`: the
    job result (an ad-hoc subprocess's job takes one of type "adHocSubProcess")."""
    _retrying(lambda: get_engine().complete_job(job_key, variables, result))


def fail_job(
    *,
    job_key: int,
    retries: int,
    error_message: str = "",
    retry_backoff_ms: int = 0,
    variables: dict[str, Any] | None = None,
) -> None:
    """Report a failed attempt; retries 0 raises an incident."""
    _retrying(lambda: get_engine().fail_job(job_key, retries, error_message, retry_backoff_ms, variables))


def throw_error(
    *, job_key: int, error_code: str, error_message: str = "", variables: dict[str, Any] | None = None
) -> None:
    """Throw a BPMN error from a job (caught by a boundary/event subprocess, else an incident)."""
    _retrying(lambda: get_engine().throw_error(job_key, error_code, error_message, variables))


def update_job(
    *,
    job_key: int,
    retries: int | None = None,
    timeout_ms: int | None = None,
    priority: int | None = None,
) -> None:
    """Change a job's retries, priority and/or extend its lock (deadline = now + timeout), all or nothing."""
    if retries is None and timeout_ms is None and priority is None:
        raise InvalidArgument("Give retries, a timeout or a priority to change.")
    engine = get_engine()
    with transaction.atomic():
        if retries is not None:
            engine.update_job_retries(job_key, retries)
        if timeout_ms is not None:
            engine.update_job_timeout(job_key, timeout_ms)
        if priority is not None:
            engine.update_job_priority(job_key, priority)


# -- user tasks -----------------------------------------------------------------------------------------


def complete_user_task(
    *, user_task_key: int, variables: dict[str, Any] | None = None, action: str = "complete"
) -> None:
    """Complete a user task; a second completion is a Conflict and changes nothing."""
    _retrying(lambda: get_engine().complete_user_task(user_task_key, variables, action))


def complete_user_task_at(
    *,
    process_instance_key: int,
    element_id: str,
    variables: dict[str, Any] | None = None,
    action: str = "complete",
) -> int:
    """Complete the one open user task at `element_id` of an instance, found under the instance lock
    (no lookup of its key first); returns the task's key. NotFound when there is none, Conflict when
    there are several (a multi-instance task)."""
    return _retrying(
        lambda: get_engine().complete_user_task_at(process_instance_key, element_id, variables, action)
    )


def assign_user_task(*, user_task_key: int, assignee: str, allow_override: bool = True) -> None:
    """Assign a user task (Conflict if already assigned to someone else and override is not allowed)."""
    _retrying(lambda: get_engine().assign_user_task(user_task_key, assignee, allow_override=allow_override))


def unassign_user_task(*, user_task_key: int) -> None:
    _retrying(lambda: get_engine().assign_user_task(user_task_key, None))


_CHANGESET_FIELDS = {
    "dueDate": "due_date",
    "followUpDate": "follow_up_date",
    "candidateUsers": "candidate_users",
    "candidateGroups": "candidate_groups",
    "priority": "priority",
}


def update_user_task(*, user_task_key: int, changeset: dict[str, Any]) -> None:
    """Change due/follow-up date (ISO text or None), candidates or priority; keys as in the REST API
    (dueDate, followUpDate, candidateUsers, candidateGroups, priority) or snake_case."""
    changes: dict[str, Any] = {}
    for name, value in changeset.items():
        field_name = _CHANGESET_FIELDS.get(name, name)
        changes[field_name] = value
    _retrying(lambda: get_engine().update_user_task(user_task_key, **changes))


# -- messages, signals, incidents, decisions ------------------------------------------------------------


def publish_message(
    *,
    name: str,
    correlation_key: str = "",
    variables: dict[str, Any] | None = None,
    time_to_live_ms: int = 0,
    message_id: str | None = None,
    tenant_id: str = "<default>",
) -> int:
    """Publish (and buffer for its TTL) a message; a buffered message id again is a Conflict."""
    try:
        return _retrying(
            lambda: get_engine().publish_message(
                name, correlation_key, variables, time_to_live_ms, message_id
            )
        )
    except IntegrityError:
        # Two publishers raced with one message id: the unique index let exactly one through.
        raise Conflict(f"A message with id '{message_id}' is already published and buffered.") from None


def correlate_message(
    *,
    name: str,
    correlation_key: str = "",
    variables: dict[str, Any] | None = None,
    tenant_id: str = "<default>",
) -> tuple[int, int]:
    """Correlate a message now (no buffering): (message key, process instance key); NotFound if nobody waits."""
    return _retrying(lambda: get_engine().correlate_message(name, correlation_key, variables))


def broadcast_signal(
    *, name: str, variables: dict[str, Any] | None = None, tenant_id: str = "<default>"
) -> int:
    """Broadcast a signal to every waiting catch event and signal start event; returns its key."""
    return _retrying(lambda: get_engine().broadcast_signal(name, variables))


def evaluate_conditionals(
    *,
    variables: dict[str, Any],
    process_definition_key: int | None = None,
    tenant_id: str = "<default>",
    authorize: Callable[[Any], None] | None = None,
) -> list[CreatedInstance]:
    """Start an instance at every root-level conditional start event whose condition holds with these
    variables (all in one transaction; `authorize` refuses a matched definition by raising)."""
    engine = get_engine()

    def run() -> list[CreatedInstance]:
        with transaction.atomic():
            return engine.evaluate_conditionals(
                variables,
                process_definition_key=process_definition_key,
                tenant_id=tenant_id,
                authorize=authorize,
            )

    return _retrying(run)


def resolve_incident(*, incident_key: int) -> None:
    """Resolve an incident so the instance continues (update retries/variables first where needed)."""
    _retrying(lambda: get_engine().resolve_incident(incident_key))


def evaluate_decision(
    *,
    decision_key: int | None = None,
    decision_id: str | None = None,
    variables: dict[str, Any] | None = None,
) -> DecisionEvaluation:
    """Evaluate the latest (or given) deployed decision; reads only."""
    return get_engine().evaluate_decision(
        decision_id=decision_id, decision_key=decision_key, variables=variables
    )


# -- background work (called by Celery tasks) -----------------------------------------------------------


def fire_due_timers(*, limit: int = 1000) -> int:
    """Trigger every due timer, each in its own transaction; returns how many fired."""
    return get_engine().fire_due_timers(limit=limit)


def process_outbox(*, limit: int = 10_000) -> int:
    """Run queued follow-up commands; returns how many ran."""
    return get_engine().run_pending(limit)


def delete_expired_messages() -> int:
    """Drop buffered messages past their time to live."""
    engine = get_engine()
    with transaction.atomic():
        return engine.store.delete_expired_messages(engine.clock.now_ms())


# -- clock (tests and demos; gated by settings.BIZDEVOPS_CLOCK_API) ---------------------------------------


def set_clock(*, epoch_ms: int) -> None:
    """Pin the engine clock for every worker (PUT /v2/clock)."""
    if not getattr(settings, "BIZDEVOPS_CLOCK_API", False):
        raise Conflict("The clock API is disabled on this installation.")
    m.ClockSetting.objects.update_or_create(id=1, defaults={"pinned_ms": int(epoch_ms)})


def reset_clock() -> None:
    """Back to the wall clock."""
    m.ClockSetting.objects.filter(id=1).update(pinned_ms=None)


def get_clock_ms() -> int:
    return get_engine().clock.now_ms()


__all__ = [
    "EngineError",
    "activate_jobs",
    "assign_user_task",
    "broadcast_signal",
    "cancel_process_instance",
    "complete_job",
    "complete_user_task",
    "correlate_message",
    "create_process_instance",
    "delete_expired_messages",
    "deploy_resources",
    "evaluate_decision",
    "fail_job",
    "fire_due_timers",
    "get_clock_ms",
    "get_engine",
    "process_outbox",
    "publish_message",
    "reset_clock",
    "resolve_incident",
    "set_clock",
    "set_variables",
    "start_process_instance",
    "throw_error",
    "unassign_user_task",
    "update_job",
    "update_user_task",
]
