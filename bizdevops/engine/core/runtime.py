"""The engine's command API, shared by the in-memory engine and the Django one.

Every public method is one or more units of work. A unit runs in one `store.transaction()`: lock the
instance, load its state, let `Processing` compute the effects, apply them through the Store, commit.
Effects on other instances (message correlation, call activity parent/child, signals) are follow-up
commands written to the Store's outbox in the same transaction and processed after the commit, each as
its own unit (inline by default; set `run_follow_ups=False` to let a worker drain the outbox)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bizdevops.engine.core import migration, modification, timers
from bizdevops.engine.core.behaviors import message_start
from bizdevops.engine.core.behaviors.variables import merge, set_local
from bizdevops.engine.core.clock import Clock
from bizdevops.engine.core.commands import (
    ActivateInstruction,
    BroadcastSignal,
    CancelProcessInstance,
    ChildInstanceFinished,
    Command,
    CompleteJob,
    CompleteUserTask,
    CompleteUserTaskAt,
    CreateProcessInstance,
    FailJob,
    MigrateProcessInstance,
    ModifyProcessInstance,
    MoveInstruction,
    PublishMessage,
    ResolveIncident,
    SetVariables,
    TerminateInstruction,
    ThrowInParent,
    ThrowJobError,
    TriggerEvent,
    TriggerTimer,
)
from bizdevops.engine.core.errors import (
    Conflict,
    EngineError,
    InvalidArgument,
    NotFound,
    RetryUnit,
    RunawayInstance,
)
from bizdevops.engine.core.events import Effects
from bizdevops.engine.core.keys import KeyGenerator
from bizdevops.engine.core.lifecycle import ACTIVATED
from bizdevops.engine.core.model.elements import (
    BoundaryEvent,
    ElementType,
    Event,
    EventKind,
    ProcessModel,
    StartEvent,
    SubProcess,
)
from bizdevops.engine.core.parser.bpmn import BpmnParseError, parse_definitions
from bizdevops.engine.core.parser.validate import DeploymentRejected, Problem, validate
from bizdevops.engine.core.processing import Processing
from bizdevops.engine.core.records import (
    DecisionDefinition,
    Deployment,
    ErrorType,
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
    UserTaskState,
)
from bizdevops.engine.core.registry import PROCESSORS, ElementProcessor
from bizdevops.engine.core.state import ElementInstance, InstanceState, InstanceStatus
from bizdevops.engine.core.store import Store
from bizdevops.feel.clock import using_clock

R = TypeVar("R")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ActivatedJob:
    """A job handed to a worker, with every field of Camunda's REST v2 ActivatedJobResult."""

    job_key: int
    type: str
    process_instance_key: int
    process_definition_id: str
    process_definition_key: int
    process_definition_version: int
    element_id: str
    element_instance_key: int
    custom_headers: dict[str, str]
    retries: int
    deadline: int
    variables: dict[str, Any]
    worker: str
    kind: str = "BPMN_ELEMENT"
    listener_event_type: str = "UNSPECIFIED"
    user_task: None = None
    priority: int = 0
    tenant_id: str = "<default>"

    def to_rest(self) -> dict[str, Any]:
        """The JSON object Camunda's REST API returns (keys as strings, deadline in epoch ms)."""
        return {
            "jobKey": str(self.job_key),
            "type": self.type,
            "processInstanceKey": str(self.process_instance_key),
            "processDefinitionId": self.process_definition_id,
            "processDefinitionKey": str(self.process_definition_key),
            "processDefinitionVersion": self.process_definition_version,
            "elementId": self.element_id,
            "elementInstanceKey": str(self.element_instance_key),
            "customHeaders": self.custom_headers,
            "retries": self.retries,
            "deadline": self.deadline,
            "variables": self.variables,
            "worker": self.worker,
            "kind": self.kind,
            "listenerEventType": self.listener_event_type,
            "userTask": self.user_task,
            "priority": self.priority,
            "tenantId": self.tenant_id,
        }


@dataclass(frozen=True, slots=True)
class CreatedInstance:
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    version: int
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class DecisionEvaluation:
    decision_key: int
    decision_id: str
    version: int
    value: Any
    evaluated_decisions: list[Any] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Engine:
    """The command API. `store` persists, `clock` gives time (ms), `keys` gives new keys."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        keys: KeyGenerator,
        *,
        record_variables: bool = True,
        run_follow_ups: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.keys = keys
        self.registry: dict[str, ElementProcessor] = PROCESSORS
        self.record_variables = record_variables
        self.run_follow_ups = run_follow_ups
        # Parsed definitions never change for a key, so every worker may cache them forever.
        self._models: dict[int, ProcessModel] = {}
        self._definitions: dict[int, ProcessDefinition] = {}
        self._dmn: dict[int, Any] = {}
        self._draining = False

    # -- definitions -----------------------------------------------------------------------------------

    def deploy(self, resources: Sequence[tuple[str, bytes]], *, tenant_id: str = "<default>") -> Deployment:
        """Deploy BPMN, DMN and form resources at once; all or nothing. Same bytes → same version."""
        if not resources:
            raise InvalidArgument("A deployment needs at least one resource.")
        problems: list[Problem] = []
        bpmn: list[tuple[str, bytes, list[ProcessModel]]] = []
        dmn: list[tuple[str, bytes, list[tuple[str, str | None, str | None]]]] = []
        forms: list[tuple[str, bytes, str]] = []
        prefix = len(resources) > 1
        for name, data in resources:
            label = f"{name}: " if prefix else ""
            lower = name.lower()
            if lower.endswith((".bpmn", ".bpmn20.xml", ".xml")):
                try:
                    parsed = parse_definitions(data)
                except BpmnParseError as exc:
                    problems.append(Problem("", f"{label}{exc.message}"))
                    continue
                refusals = validate(parsed.processes, parsed.problems)
                problems.extend(Problem(p.element_id, label + p.message) for p in refusals)
                bpmn.append((name, data, [m for m in parsed.processes if m.executable]))
            elif lower.endswith(".dmn"):
                try:
                    dmn.append((name, data, self._parse_dmn(data)))
                except Exception as exc:  # noqa: BLE001 - any DMN parse failure refuses the deployment
                    problems.append(Problem("", f"{label}The DMN resource is invalid: {exc}"))
            elif lower.endswith(".form"):
                try:
                    form_id = json.loads(data).get("id")
                except (ValueError, AttributeError):
                    form_id = None
                if not isinstance(form_id, str) or not form_id:
                    problems.append(Problem("", f"{label}The form has no 'id' (or is not JSON)."))
                else:
                    forms.append((name, data, form_id))
            else:
                problems.append(
                    Problem("", f"{label}Unsupported resource type (expected .bpmn, .dmn or .form).")
                )
        seen: set[str] = set()
        for _, _, models in bpmn:
            for model in models:
                if model.id in seen:
                    problems.append(Problem(model.id, "The process id is deployed twice in this deployment."))
                seen.add(model.id)
        now = self.clock.now_ms()
        start_plans: dict[str, list[tuple[str, str, Any]]] = {}
        if not problems:
            for _, _, models in bpmn:
                for model in models:
                    start_plans[model.id], start_problems = self._plan_start_events(model, now)
                    problems.extend(start_problems)
        if problems:
            raise DeploymentRejected(problems)
        store = self.store
        with store.transaction():
            deployment_key = self.keys.next_key()
            processes: list[ProcessDefinition] = []
            start_effects = Effects()
            for name, data, models in bpmn:
                checksum = _sha256(data)
                for model in models:
                    latest = store.latest_process_definition(model.id)
                    if latest is not None and latest.checksum == checksum:
                        processes.append(latest)
                        continue
                    definition = ProcessDefinition(
                        key=self.keys.next_key(),
                        bpmn_process_id=model.id,
                        version=(latest.version + 1) if latest else 1,
                        resource_name=name,
                        checksum=checksum,
                        resource=bytes(data),
                        deployment_key=deployment_key,
                        name=model.name,
                        tenant_id=tenant_id,
                        version_tag=model.version_tag,
                    )
                    processes.append(definition)
                    self._models[definition.key] = model
                    self._definitions[definition.key] = definition
                    store.delete_start_subscriptions(model.id)
                    self._open_start_subscriptions(definition, start_plans[model.id], start_effects)
            decisions: list[DecisionDefinition] = []
            for name, data, found in dmn:
                checksum = _sha256(data)
                for decision_id, decision_name, drg_id in found:
                    latest_decision = store.latest_decision_definition(decision_id)
                    if latest_decision is not None and latest_decision.checksum == checksum:
                        decisions.append(latest_decision)
                        continue
                    decisions.append(
                        DecisionDefinition(
                            key=self.keys.next_key(),
                            decision_id=decision_id,
                            version=(latest_decision.version + 1) if latest_decision else 1,
                            name=decision_name,
                            resource_name=name,
                            checksum=checksum,
                            resource=bytes(data),
                            deployment_key=deployment_key,
                            decision_requirements_id=drg_id,
                            tenant_id=tenant_id,
                        )
                    )
            form_definitions: list[FormDefinition] = []
            for name, data, form_id in forms:
                checksum = _sha256(data)
                latest_form = store.latest_form(form_id)
                if latest_form is not None and latest_form.checksum == checksum:
                    form_definitions.append(latest_form)
                    continue
                form_definitions.append(
                    FormDefinition(
                        key=self.keys.next_key(),
                        form_id=form_id,
                        version=(latest_form.version + 1) if latest_form else 1,
                        resource_name=name,
                        checksum=checksum,
                        resource=bytes(data),
                        deployment_key=deployment_key,
                        tenant_id=tenant_id,
                    )
                )
            deployment = Deployment(
                key=deployment_key,
                created_at=now,
                processes=tuple(processes),
                decisions=tuple(decisions),
                forms=tuple(form_definitions),
                tenant_id=tenant_id,
            )
            store.save_deployment(deployment)
            self._apply(start_effects)
        return deployment

    def _parse_dmn(self, data: bytes) -> list[tuple[str, str | None, str | None]]:
        """(decision id, name, decision requirements id) of every decision; the DMN engine must load it."""
        from bizdevops.dmn import load  # type: ignore[attr-defined]
        from bizdevops.xmlsafe import parse_xml

        load(data)
        root = parse_xml(data)
        drg_id = root.get("id")
        found = []
        for el in root:
            if isinstance(el.tag, str) and el.tag.endswith("}decision"):
                found.append((el.get("id", ""), el.get("name"), drg_id))
        if not found:
            raise ValueError("it contains no decision")
        return found

    @staticmethod
    def _plan_start_events(model: ProcessModel, now: int) -> tuple[list[tuple[str, str, Any]], list[Problem]]:
        """Evaluate the timer/message/signal start events (no variables exist yet): ("T"|"M"|"S", start
        event id, Schedule or name) per start event, and a Problem for each one that cannot be evaluated."""
        from bizdevops.engine.core.expressions import ExpressionError, FeelContext, evaluate_value

        plans: list[tuple[str, str, Any]] = []
        problems: list[Problem] = []
        empty = FeelContext([])
        for start_id in model.start_events:
            start = model.elements[start_id]
            assert isinstance(start, StartEvent)
            event = start.event
            try:
                if event.kind == EventKind.TIMER:
                    value = evaluate_value(event.timer_expression or "", empty)
                    plans.append(
                        ("T", start_id, timers.schedule(event.timer_type or "date", str(value), now))
                    )
                elif event.kind == EventKind.MESSAGE:
                    plans.append(("M", start_id, str(evaluate_value(event.message_name or "", empty))))
                elif event.kind == EventKind.SIGNAL:
                    plans.append(("S", start_id, str(evaluate_value(event.signal_name or "", empty))))
            except (ExpressionError, timers.TimerFormatError) as exc:
                problems.append(Problem(start_id, f"The start event cannot be scheduled: {exc}"))
        return plans, problems

    def _open_start_subscriptions(
        self, definition: ProcessDefinition, plans: list[tuple[str, str, Any]], effects: Effects
    ) -> None:
        """Timer, message and signal start events of the newest version (older versions' are removed)."""
        for kind, start_id, value in plans:
            if kind == "T":
                effects.timers.append(
                    TimerRecord(
                        key=self.keys.next_key(),
                        due=value.due_ms,
                        element_id=start_id,
                        process_definition_key=definition.key,
                        bpmn_process_id=definition.bpmn_process_id,
                        repetitions=value.repetitions,
                        interval=value.interval_ms,
                        tenant_id=definition.tenant_id,
                    )
                )
            elif kind == "M":
                effects.message_subscriptions.append(
                    MessageSubscriptionRecord(
                        key=self.keys.next_key(),
                        message_name=value,
                        correlation_key=None,
                        element_id=start_id,
                        process_definition_key=definition.key,
                        bpmn_process_id=definition.bpmn_process_id,
                        tenant_id=definition.tenant_id,
                    )
                )
            else:
                effects.signal_subscriptions.append(
                    SignalSubscriptionRecord(
                        key=self.keys.next_key(),
                        signal_name=value,
                        element_id=start_id,
                        process_definition_key=definition.key,
                        bpmn_process_id=definition.bpmn_process_id,
                        tenant_id=definition.tenant_id,
                    )
                )

    def definition(self, key: int) -> tuple[ProcessDefinition, ProcessModel]:
        """A deployed definition and its parsed model (cached forever: a key's content never changes)."""
        model = self._models.get(key)
        if model is not None:
            return self._definitions[key], model
        definition = self.store.get_process_definition(key)
        if definition is None:
            raise NotFound(f"No process definition with key {key}.")
        model = next(
            m for m in parse_definitions(definition.resource).processes if m.id == definition.bpmn_process_id
        )
        self._definitions[key] = definition
        self._models[key] = model
        return definition, model

    # -- the unit of work --------------------------------------------------------------------------------

    def _apply(self, effects: Effects) -> None:
        store = self.store
        if effects.instances:
            store.save_instances(effects.instances)
        if effects.history:
            store.append_history(effects.history)
        if effects.jobs:
            store.save_jobs(effects.jobs)
        if effects.user_tasks:
            store.save_user_tasks(effects.user_tasks)
        if effects.timers_deleted:
            store.delete_timers(effects.timers_deleted)
        if effects.timers:
            store.save_timers(effects.timers)
        if effects.message_subscriptions_deleted:
            store.delete_message_subscriptions(effects.message_subscriptions_deleted)
        if effects.message_subscriptions:
            store.save_message_subscriptions(effects.message_subscriptions)
        if effects.signal_subscriptions_deleted:
            store.delete_signal_subscriptions(effects.signal_subscriptions_deleted)
        if effects.signal_subscriptions:
            store.save_signal_subscriptions(effects.signal_subscriptions)
        if effects.messages:
            store.save_messages(effects.messages)
        if effects.incidents:
            store.save_incidents(effects.incidents)
        if effects.commands:
            store.push_commands(effects.commands)

    def _on_instance(
        self,
        instance_key: int | None,
        handler: Callable[[Processing], R],
        *,
        missing_ok: bool = False,
        owner_of: tuple[str, int] | None = None,
        open_user_tasks: bool = False,
        from_copy: bool = False,
    ) -> R | None:
        """One unit on one instance: lock, load, handle, drain steps, apply, commit, then follow-ups.
        With `owner_of` ("job"/"task", key) the instance is the one owning that job or user task, found
        and locked in one step (no read of the job/task before the unit). With `open_user_tasks` the
        store may lock the instance's open user tasks along with it (a command about one of them). With
        `from_copy` (commands that need nothing but the instance and its open user tasks) the store may
        begin the unit from its copy of the instance (Store.load_instance's `may_retry`)."""
        for attempt in (1, 2):
            effects = Effects()
            may_retry = from_copy and attempt == 1  # the second attempt locks
            try:
                with self.store.transaction():
                    if owner_of is not None:
                        state = self.store.load_instance_of(*owner_of, may_retry=may_retry)
                        if state is None:
                            kind, key = owner_of
                            raise NotFound(f"No {'job' if kind == 'job' else 'user task'} with key {key}.")
                    else:
                        assert instance_key is not None
                        state = self.store.load_instance(
                            instance_key,
                            for_update=True,
                            open_user_tasks=open_user_tasks,
                            may_retry=may_retry,
                        )
                    if state is None:
                        if missing_ok:
                            return None
                        raise NotFound(f"No process instance with key {instance_key}.")
                    definition, model = self.definition(state.process_definition_key)
                    ctx = Processing(self, state, model, definition, self.clock.now_ms(), effects)
                    result = handler(ctx)
                    ctx.run()
                    effects.instances.append(state)
                    self._apply(effects)
            except RetryUnit:
                # Nothing was written; the store has dropped the copy it began from and locks this time.
                if attempt == 2:
                    raise
                continue
            break
        self._follow_up(effects)
        return result

    def _follow_up(self, effects: Effects) -> None:
        if effects.commands and self.run_follow_ups:
            self.run_pending()

    def run_pending(self, limit: int = 10_000) -> int:
        """Process queued follow-up commands, each as its own unit; returns how many ran."""
        if self._draining:
            return 0  # an outer call is already draining: it will pick these up
        self._draining = True
        count = 0
        try:
            while count < limit:
                with self.store.transaction():
                    batch = self.store.pop_commands(100)
                if not batch:
                    break
                for command in batch:
                    count += 1
                    try:
                        self.execute(command)
                    except RunawayInstance:
                        # a broken model, not a moot target: report it like any other failure
                        _log.exception("follow-up command %s failed", type(command).__name__)
                    except EngineError:
                        pass  # the target moved on meanwhile (e.g. canceled): the follow-up is moot
                    except Exception:
                        # one broken follow-up must not fail the command that queued it (already
                        # committed) nor block the others
                        _log.exception("follow-up command %s failed", type(command).__name__)
        finally:
            self._draining = False
        return count

    def execute(self, command: Command) -> Any:
        """Process any command (public or internal follow-up)."""
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise InvalidArgument(f"Unknown command {type(command).__name__}.")
        # FEEL's now()/today() read the engine's clock, so they agree with timers (and pinned test clocks).
        with using_clock(self._feel_now):
            return handler(self, command)

    def _feel_now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=datetime.UTC)

    # -- process instances -------------------------------------------------------------------------------

    def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        process_definition_key: int | None = None,
        version: int | None = None,
        variables: dict[str, Any] | None = None,
        start_element_ids: Iterable[str] = (),
        tenant_id: str = "<default>",
    ) -> CreatedInstance:
        """Start an instance of the latest (or given) version of a process."""
        return self.execute(  # type: ignore[no-any-return]
            CreateProcessInstance(
                bpmn_process_id=bpmn_process_id,
                process_definition_key=process_definition_key,
                version=version,
                variables=_as_variables(variables),
                start_element_ids=tuple(start_element_ids),
                tenant_id=tenant_id,
            )
        )

    def _create(self, command: CreateProcessInstance) -> CreatedInstance:
        if variables_problem := _check_variables(command.variables):
            raise InvalidArgument(variables_problem)
        if command.process_definition_key is not None:
            definition, model = self.definition(command.process_definition_key)
        elif command.bpmn_process_id:
            found = self.store.latest_process_definition(command.bpmn_process_id, command.version)
            if found is None:
                raise NotFound(f"No process definition with id '{command.bpmn_process_id}'.")
            definition, model = self.definition(found.key)
        else:
            raise InvalidArgument("Give a process definition key or a BPMN process id.")
        for element_id in command.start_element_ids:
            if element_id not in model.elements:
                raise InvalidArgument(f"The start element '{element_id}' does not exist in the process.")
        if not command.start_element_ids and command.trigger_element_id is None and model.start_event is None:
            raise InvalidArgument(
                "The process has no none start event; it starts by message, timer, signal or condition."
            )
        now = self.clock.now_ms()
        key = command.instance_key if command.instance_key is not None else self.keys.next_key()
        state = InstanceState(
            key=key,
            process_definition_key=definition.key,
            bpmn_process_id=definition.bpmn_process_id,
            version=definition.version,
            parent_instance_key=command.parent_instance_key,
            parent_element_instance_key=command.parent_element_instance_key,
            start_time=now,
            tenant_id=definition.tenant_id,
        )
        effects = Effects()
        with self.store.transaction():
            ctx = Processing(self, state, model, definition, now, effects)
            message_start.claim(ctx, command)
            for name, value in command.variables.items():
                set_local(ctx, key, name, value)
            payload: dict[str, Any] = {}
            if command.trigger_element_id is not None:
                payload = {
                    "trigger": command.trigger_element_id,
                    "variables": command.trigger_variables or {},
                }
            elif command.start_element_ids:
                payload = {"startAt": list(command.start_element_ids)}
            ctx.create_root(payload or None)
            ctx.run()
            effects.instances.append(state)
            self._apply(effects)
        self._follow_up(effects)
        return CreatedInstance(
            key, definition.key, definition.bpmn_process_id, definition.version, definition.tenant_id
        )

    def cancel_process_instance(self, process_instance_key: int) -> None:
        """Terminate every element instance; jobs, tasks, timers and subscriptions end with them."""
        self.execute(CancelProcessInstance(process_instance_key))

    def _cancel(self, command: CancelProcessInstance) -> None:
        def handle(ctx: Processing) -> None:
            state = ctx.state
            if state.status != InstanceStatus.ACTIVE:
                raise NotFound(f"The process instance {state.key} is not active.")
            if state.parent_instance_key is not None and not command.internal:
                raise Conflict(
                    f"The process instance {state.key} was created by a call activity; cancel its root instance "
                    f"{state.parent_instance_key} instead."
                )
            ctx.terminate(state.elements[state.key])

        self._on_instance(command.process_instance_key, handle, missing_ok=command.internal)

    def get_process_instance(self, process_instance_key: int) -> InstanceState | None:
        """The instance's current state (read only; do not change it)."""
        return self.store.load_instance(process_instance_key, for_update=False)

    def set_variables(
        self,
        element_instance_key: int,
        variables: dict[str, Any],
        *,
        local: bool = False,
        process_instance_key: int | None = None,
    ) -> None:
        """Set variables in a scope (local) or merge them from it upwards (Zeebe's propagation).
        `process_instance_key` may be omitted when the scope is the process instance itself."""
        self.execute(SetVariables(element_instance_key, dict(variables), local, process_instance_key))

    def _set_variables(self, command: SetVariables) -> None:
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)
        instance_key = command.process_instance_key or command.element_instance_key

        def handle(ctx: Processing) -> None:
            if (
                ctx.state.status != InstanceStatus.ACTIVE
                or command.element_instance_key not in ctx.state.elements
            ):
                raise NotFound(f"No active element instance with key {command.element_instance_key}.")
            if command.local:
                for name, value in command.variables.items():
                    set_local(ctx, command.element_instance_key, name, value)
            else:
                merge(ctx, command.element_instance_key, command.variables)

        self._on_instance(instance_key, handle, from_copy=True)

    # -- modification and migration (modification.py, migration.py) -------------------------------------

    def modify_process_instance(
        self,
        process_instance_key: int,
        *,
        activate: Iterable[ActivateInstruction] = (),
        terminate: Iterable[TerminateInstruction] = (),
        move: Iterable[MoveInstruction] = (),
    ) -> None:
        """Activate elements and terminate element instances in one unit (Zeebe's modification rules)."""
        self.execute(
            ModifyProcessInstance(process_instance_key, tuple(activate), tuple(terminate), tuple(move))
        )

    def activate_ad_hoc_elements(
        self,
        ad_hoc_instance_key: int,
        elements: Sequence[tuple[str, dict[str, Any]]],
        *,
        process_instance_key: int | None,
    ) -> None:
        """Activate elements of an active ad-hoc subprocess, each in its own inner instance with its
        variables (Zeebe's AdHocSubProcessInstructionActivateProcessor; `ad_hoc_subprocess.activate_by_command`)."""
        from bizdevops.engine.core.elements.containers import ad_hoc_subprocess

        if not elements:
            raise InvalidArgument("No elements provided.")
        for _, variables in elements:
            if problem := _check_variables(variables):
                raise InvalidArgument(problem)
        missing = NotFound(ad_hoc_subprocess.not_an_ad_hoc_message(ad_hoc_instance_key))
        if process_instance_key is None:
            raise missing

        def handle(ctx: Processing) -> bool:
            if ctx.state.status != InstanceStatus.ACTIVE:
                raise missing
            ad_hoc_subprocess.activate_by_command(
                ctx, ad_hoc_instance_key, [(e, dict(v)) for e, v in elements]
            )
            return True

        if self._on_instance(process_instance_key, handle, missing_ok=True) is None:
            raise missing

    def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mapping: Iterable[tuple[str, str]],
    ) -> None:
        """Move a running instance to another definition; every active element must be mapped."""
        self.execute(
            MigrateProcessInstance(process_instance_key, target_process_definition_key, tuple(mapping))
        )

    # -- jobs ------------------------------------------------------------------------------------------

    def activate_jobs(
        self,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch_variables: Sequence[str] | None = None,
        tenant_ids: Sequence[str] | None = None,
    ) -> list[ActivatedJob]:
        """Lock up to max_jobs jobs of a type (of `tenant_ids`, when given) for `worker` until now +
        timeout_ms (expired locks included)."""
        if timeout_ms <= 0 or max_jobs <= 0:
            raise InvalidArgument("timeout and maxJobsToActivate must be positive.")
        _check_duration("timeout", timeout_ms)
        now = self.clock.now_ms()
        result: list[ActivatedJob] = []
        with self.store.transaction():
            jobs = self.store.activatable_jobs(job_type, now, max_jobs, tenant_ids)
            if not jobs:
                return result
            updated: list[JobRecord] = []
            history: list[HistoryRecord] = []
            states: dict[int, InstanceState | None] = {}
            for job in jobs:
                locked = replace(job, state=JobState.ACTIVATED, worker=worker, deadline=now + timeout_ms)
                updated.append(locked)
                variables: dict[str, Any] = {}
                if fetch_variables is None or fetch_variables:  # an empty list asks for no variables
                    if job.process_instance_key not in states:
                        states[job.process_instance_key] = self.store.load_instance(
                            job.process_instance_key, for_update=False
                        )
                    state = states[job.process_instance_key]
                    if state is not None:
                        variables = state.visible_variables(job.element_instance_key)
                if fetch_variables is not None:
                    variables = {name: variables[name] for name in fetch_variables if name in variables}
                result.append(
                    ActivatedJob(
                        job_key=job.key,
                        type=job.type,
                        process_instance_key=job.process_instance_key,
                        process_definition_id=job.bpmn_process_id,
                        process_definition_key=job.process_definition_key,
                        process_definition_version=job.process_definition_version,
                        element_id=job.element_id,
                        element_instance_key=job.element_instance_key,
                        custom_headers=dict(job.custom_headers),
                        retries=job.retries,
                        deadline=now + timeout_ms,
                        variables=variables,
                        worker=worker,
                        kind=job.kind,
                        listener_event_type=job.listener_event_type,
                        priority=job.priority,
                        tenant_id=job.tenant_id,
                    )
                )
                history.append(
                    _job_history(locked, "ACTIVATED", now, {"worker": worker, "deadline": now + timeout_ms})
                )
            self.store.save_jobs(updated)
            self.store.append_history(history)
        return result

    def _find_job(self, job_key: int) -> JobRecord:
        job = self.store.get_job(job_key)
        if job is None:
            raise NotFound(f"No job with key {job_key}.")
        return job

    def _job_in_unit(self, ctx: Processing, job_key: int, action: str) -> tuple[JobRecord, ElementInstance]:
        """Re-read the job under the instance lock and check it can still be acted on."""
        job = self.store.get_job(job_key, for_update=True)
        if job is None:
            raise NotFound(f"No job with key {job_key}.")
        if job.state not in JobState.OPEN:
            raise Conflict(
                f"Expected to {action} job with key '{job_key}', but it is in state '{job.state}'."
            )
        ei = ctx.state.elements.get(job.element_instance_key)
        if ei is None or ei.state != ACTIVATED or ei.job_key != job_key:
            raise Conflict(
                f"Expected to {action} job with key '{job_key}', but its element is no longer waiting."
            )
        return job, ei

    def complete_job(
        self, job_key: int, variables: dict[str, Any] | None = None, result: dict[str, Any] | None = None
    ) -> None:
        """Complete a job: its element continues with `variables` merged (or output-mapped). The job of an
        ad-hoc subprocess (job worker implementation) takes a `result` of type "adHocSubProcess"
        (activateElements, isCompletionConditionFulfilled, isCancelRemainingInstances) instead."""
        self.execute(CompleteJob(job_key, _as_variables(variables), result))

    def _complete_job(self, command: CompleteJob) -> None:
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)

        def handle(ctx: Processing) -> None:
            current, ei = self._job_in_unit(ctx, command.job_key, "complete")
            if ei.element_type == ElementType.AD_HOC_SUB_PROCESS:
                from bizdevops.engine.core.elements.containers import ad_hoc_subprocess

                ad_hoc_subprocess.complete_job(ctx, ei, current, command.variables, command.result)
                return
            ctx.effects.jobs.append(replace(current, state=JobState.COMPLETED))
            ctx.record("JOB", "COMPLETED", ei, {"jobKey": current.key})
            ei.job_key = None
            ei.payload = dict(command.variables) if command.variables else None
            ctx.complete_later(ei)

        self._on_instance(None, handle, owner_of=("job", command.job_key))

    def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_back_off_ms: int = 0,
        variables: dict[str, Any] | None = None,
    ) -> None:
        """Report a failed attempt; retries <= 0 raises an incident (JOB_NO_RETRIES)."""
        _check_duration("retryBackOff", retry_back_off_ms)
        self.execute(FailJob(job_key, retries, error_message, retry_back_off_ms, _as_variables(variables)))

    def _fail_job(self, command: FailJob) -> None:
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)
        job = self._find_job(command.job_key)

        def handle(ctx: Processing) -> None:
            current, ei = self._job_in_unit(ctx, command.job_key, "fail")
            for name, value in command.variables.items():
                set_local(ctx, ei.key, name, value)
            if command.retries > 0:
                retry_at = ctx.now + command.retry_back_off_ms if command.retry_back_off_ms > 0 else None
                failed = replace(
                    current,
                    state=JobState.ACTIVATABLE,
                    retries=command.retries,
                    worker="",
                    deadline=None,
                    retry_at=retry_at,
                    error_message=command.error_message,
                )
                ctx.effects.jobs.append(failed)
                ctx.record(
                    "JOB",
                    "FAILED",
                    ei,
                    {
                        "jobKey": current.key,
                        "retries": command.retries,
                        "errorMessage": command.error_message,
                    },
                )
                return
            failed = replace(
                current, state=JobState.FAILED, retries=0, deadline=None, error_message=command.error_message
            )
            ctx.effects.jobs.append(failed)
            ctx.record(
                "JOB",
                "FAILED",
                ei,
                {"jobKey": current.key, "retries": 0, "errorMessage": command.error_message},
            )
            ctx.raise_incident(
                ei,
                ErrorType.AD_HOC_SUB_PROCESS_NO_RETRIES
                if ei.element_type == ElementType.AD_HOC_SUB_PROCESS
                else ErrorType.JOB_NO_RETRIES,
                command.error_message or "No more retries left.",
                job_key=current.key,
            )

        self._on_instance(job.process_instance_key, handle)

    def throw_error(
        self, job_key: int, error_code: str, error_message: str = "", variables: dict[str, Any] | None = None
    ) -> None:
        """Throw a BPMN error from a job: caught by a boundary event or event subprocess, else an incident."""
        self.execute(ThrowJobError(job_key, error_code, error_message, _as_variables(variables)))

    def _throw_job_error(self, command: ThrowJobError) -> None:
        if not command.error_code:
            raise InvalidArgument("An error code is required.")
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)
        job = self._find_job(command.job_key)

        def handle(ctx: Processing) -> None:
            current, ei = self._job_in_unit(ctx, command.job_key, "throw an error for")
            thrown = replace(
                current,
                state=JobState.ERROR_THROWN,
                error_code=command.error_code,
                error_message=command.error_message,
            )
            ctx.effects.jobs.append(thrown)
            ctx.record("JOB", "ERROR_THROWN", ei, {"jobKey": current.key, "errorCode": command.error_code})
            ei.job_key = None
            if not ctx.throw(
                ei, EventKind.ERROR, command.error_code, command.error_message, dict(command.variables)
            ):
                ei.job_key = current.key
                message = (
                    f"Expected to throw an error event with the code '{command.error_code}'"
                    + (f" with message '{command.error_message}'" if command.error_message else "")
                    + ", but it was not caught."
                )
                ctx.raise_incident(ei, ErrorType.UNHANDLED_ERROR_EVENT, message, job_key=current.key)

        self._on_instance(job.process_instance_key, handle)

    def update_job_retries(self, job_key: int, retries: int) -> None:
        """Set a job's retries (e.g. before resolving its incident)."""
        if retries < 1:
            raise InvalidArgument("retries must be at least 1.")
        self._update_open_job(job_key, "retries", retries, "RETRIES_UPDATED")

    def _update_open_job(self, job_key: int, field: str, value: int, intent: str) -> None:
        """Change one field of a job that is not completed or canceled, recording `intent`."""

        def handle(ctx: Processing) -> None:
            current = self.store.get_job(job_key, for_update=True)
            if current is None or current.state in (JobState.COMPLETED, JobState.CANCELED):
                raise Conflict(
                    f"Expected to update the {field} of job '{job_key}', but it is no longer open."
                )
            changes: dict[str, Any] = {field: value}
            ctx.effects.jobs.append(replace(current, **changes))
            ctx.record(
                "JOB",
                intent,
                ctx.state.elements.get(current.element_instance_key),
                {"jobKey": job_key, field: value},
            )

        self._on_instance(None, handle, owner_of=("job", job_key))

    def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        """Extend (or shorten) the lock of an activated job: deadline = now + timeout."""
        _check_duration("timeout", timeout_ms)
        job = self._find_job(job_key)

        def handle(ctx: Processing) -> None:
            current = self.store.get_job(job_key, for_update=True)
            if current is None or current.state != JobState.ACTIVATED:
                raise Conflict(f"Expected to update the timeout of job '{job_key}', but it is not activated.")
            ctx.effects.jobs.append(replace(current, deadline=ctx.now + timeout_ms))
            ctx.record(
                "JOB",
                "TIMEOUT_UPDATED",
                ctx.state.elements.get(current.element_instance_key),
                {"jobKey": job_key},
            )

        self._on_instance(job.process_instance_key, handle)

    def update_job_priority(self, job_key: int, priority: int) -> None:
        """Set an open job's priority: activation takes the highest priority first, then the oldest."""
        if not -(2**31) <= priority < 2**31:
            raise InvalidArgument("priority must be a 32-bit integer.")
        self._update_open_job(job_key, "priority", priority, "PRIORITY_UPDATED")

    # -- user tasks --------------------------------------------------------------------------------------

    def complete_user_task(
        self, user_task_key: int, variables: dict[str, Any] | None = None, action: str = "complete"
    ) -> None:
        """Complete a user task; a second completion is a Conflict and changes nothing."""
        self.execute(CompleteUserTask(user_task_key, _as_variables(variables), action))

    def _task(self, key: int) -> UserTaskRecord:
        task = self.store.get_user_task(key)
        if task is None:
            raise NotFound(f"No user task with key {key}.")
        return task

    def _open_task_in_unit(
        self, ctx: Processing, key: int, action: str
    ) -> tuple[UserTaskRecord, ElementInstance | None]:
        task = self.store.get_user_task(key, for_update=True)
        if task is None:
            raise NotFound(f"No user task with key {key}.")
        if task.state != UserTaskState.CREATED:
            raise Conflict(
                f"Expected to {action} user task with key '{key}', but it is in state '{task.state}'."
            )
        return task, ctx.state.elements.get(task.element_instance_key)

    def complete_user_task_at(
        self,
        process_instance_key: int,
        element_id: str,
        variables: dict[str, Any] | None = None,
        action: str = "complete",
    ) -> int:
        """Complete the one open user task at `element_id` of an instance, found in its state under the
        instance lock; returns the task's key. NotFound when the instance has none there, Conflict when
        it has several (a multi-instance task: complete each by its key)."""
        return self.execute(  # type: ignore[no-any-return]
            CompleteUserTaskAt(process_instance_key, element_id, _as_variables(variables), action)
        )

    def _complete_user_task(self, command: CompleteUserTask) -> None:
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)

        def handle(ctx: Processing) -> None:
            self._finish_user_task(ctx, command.user_task_key, command.variables, command.action)

        self._on_instance(None, handle, owner_of=("task", command.user_task_key), from_copy=True)

    def _complete_user_task_at(self, command: CompleteUserTaskAt) -> int:
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)

        def handle(ctx: Processing) -> int:
            keys = sorted(
                ei.user_task_key
                for ei in ctx.state.elements.values()
                if ei.element_id == command.element_id and ei.user_task_key
            )
            if not keys:
                raise NotFound(
                    f"No open user task at element '{command.element_id}' of process instance "
                    f"{command.process_instance_key}."
                )
            if len(keys) > 1:
                raise Conflict(
                    f"Process instance {command.process_instance_key} has {len(keys)} open user tasks at "
                    f"element '{command.element_id}'; complete each by its key."
                )
            self._finish_user_task(ctx, keys[0], command.variables, command.action)
            return keys[0]

        found = self._on_instance(command.process_instance_key, handle, open_user_tasks=True, from_copy=True)
        assert found is not None
        return found

    def _finish_user_task(self, ctx: Processing, key: int, variables: dict[str, Any], action: str) -> None:
        """Complete the open user task `key` in this unit: its element completes with `variables`."""
        current, ei = self._open_task_in_unit(ctx, key, "complete")
        if ei is None or ei.state != ACTIVATED:
            raise Conflict(f"Expected to complete user task '{key}', but its element is not waiting.")
        ctx.effects.user_tasks.append(replace(current, state=UserTaskState.COMPLETED, completed_at=ctx.now))
        ctx.record("USER_TASK", "COMPLETED", ei, {"userTaskKey": current.key, "action": action})
        ei.user_task_key = None
        ei.payload = dict(variables) if variables else None
        ctx.complete_later(ei)

    def assign_user_task(
        self, user_task_key: int, assignee: str | None, *, allow_override: bool = True
    ) -> None:
        """Assign (or, with None, unassign) a user task."""
        task = self._task(user_task_key)

        def handle(ctx: Processing) -> None:
            current, ei = self._open_task_in_unit(ctx, user_task_key, "assign")
            if not allow_override and current.assignee and assignee and current.assignee != assignee:
                raise Conflict(f"The user task {user_task_key} is already assigned to '{current.assignee}'.")
            ctx.effects.user_tasks.append(replace(current, assignee=assignee or None))
            ctx.record(
                "USER_TASK",
                "ASSIGNED" if assignee else "UNASSIGNED",
                ei,
                {"userTaskKey": user_task_key, "assignee": assignee},
            )

        self._on_instance(task.process_instance_key, handle, open_user_tasks=True, from_copy=True)

    def update_user_task(self, user_task_key: int, **changes: Any) -> None:
        """Change due_date, follow_up_date, candidate_users, candidate_groups or priority."""
        allowed = {"due_date", "follow_up_date", "candidate_users", "candidate_groups", "priority"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidArgument(f"Cannot change {', '.join(sorted(unknown))} of a user task.")
        if "priority" in changes and not (
            isinstance(changes["priority"], int) and 0 <= changes["priority"] <= 100
        ):
            raise InvalidArgument("priority must be an integer in 0..100.")
        for name in ("candidate_users", "candidate_groups"):
            if name in changes:
                changes[name] = tuple(changes[name] or ())
        task = self._task(user_task_key)

        def handle(ctx: Processing) -> None:
            current, ei = self._open_task_in_unit(ctx, user_task_key, "update")
            ctx.effects.user_tasks.append(replace(current, **changes))
            ctx.record("USER_TASK", "UPDATED", ei, {"userTaskKey": user_task_key, "changes": sorted(changes)})

        self._on_instance(task.process_instance_key, handle, open_user_tasks=True, from_copy=True)

    # -- incidents ---------------------------------------------------------------------------------------

    def resolve_incident(self, incident_key: int) -> None:
        """Resolve an incident: the failed step runs again (a job becomes activatable again)."""
        self.execute(ResolveIncident(incident_key))

    def _resolve_incident(self, command: ResolveIncident) -> None:
        incident = self.store.get_incident(command.incident_key)
        if incident is None:
            raise NotFound(f"No incident with key {command.incident_key}.")

        def handle(ctx: Processing) -> None:
            current = self.store.get_incident(command.incident_key)
            if current is None or current.state != IncidentState.ACTIVE:
                raise Conflict(f"The incident {command.incident_key} is already resolved.")
            ctx.effects.incidents.append(replace(current, state=IncidentState.RESOLVED, resolved_at=ctx.now))
            ei = ctx.state.elements.get(current.element_instance_key)
            ctx.record("INCIDENT", "RESOLVED", ei, {"incidentKey": current.key})
            if ei is None:
                return
            ei.incident_key = None
            if current.job_key is not None:
                job = self.store.get_job(current.job_key, for_update=True)
                if job is None:
                    return
                if job.state == JobState.FAILED and job.retries <= 0:
                    # as Zeebe: resolving without new retries fails again at once
                    ctx.raise_incident(ei, current.error_type, current.error_message, job_key=job.key)
                    return
                ctx.effects.jobs.append(
                    replace(job, state=JobState.ACTIVATABLE, worker="", deadline=None, retry_at=None)
                )
                ei.job_key = job.key
                return
            ctx.retry_after_incident(ei)

        self._on_instance(incident.process_instance_key, handle)

    def list_incidents(self, process_instance_key: int | None = None) -> list[IncidentRecord]:
        return self.store.list_incidents(process_instance_key)

    # -- timers ------------------------------------------------------------------------------------------

    def fire_due_timers(self, now: int | None = None, limit: int = 1000) -> int:
        """The sweeper: trigger every timer due at `now` (default: the clock); returns how many fired."""
        moment = self.clock.now_ms() if now is None else now
        fired = 0
        while fired < limit:
            due = self.store.due_timers(moment, min(100, limit - fired))
            if not due:
                break
            for timer in due:
                fired += 1
                try:
                    self.execute(TriggerTimer(timer.key))
                except NotFound:
                    pass
        return fired

    def expire_messages(self, now: int | None = None) -> int:
        """The sweeper's other half: drop buffered messages whose time to live is over."""
        moment = self.clock.now_ms() if now is None else now
        with self.store.transaction():
            return self.store.delete_expired_messages(moment)

    def _trigger_timer(self, command: TriggerTimer) -> None:
        timer = self.store.get_timer(command.timer_key)
        if timer is None:
            raise NotFound(f"No timer with key {command.timer_key}.")
        if timer.process_instance_key is None:
            with self.store.transaction():
                current = self.store.get_timer(command.timer_key)
                if current is None:
                    return
                self._reschedule(current)
                self.store.push_commands(
                    [
                        CreateProcessInstance(
                            process_definition_key=current.process_definition_key,
                            trigger_element_id=current.element_id,
                            trigger_variables={},
                            tenant_id=current.tenant_id,
                        )
                    ]
                )
            if self.run_follow_ups:
                self.run_pending()
            return

        def handle(ctx: Processing) -> None:
            current = self.store.get_timer(command.timer_key)
            if current is None or current.element_instance_key is None:
                return
            ei = ctx.state.elements.get(current.element_instance_key)
            catch = ctx.elements.get(current.element_id)
            repeating = current.repetitions != 1 and (
                (isinstance(catch, BoundaryEvent) and not catch.cancel_activity)
                or (isinstance(catch, StartEvent) and not catch.interrupting)
            )
            following = (
                self._following(current, ctx.model, ctx.now, ei.key if ei else None, ctx)
                if repeating
                else None
            )
            if following is not None:
                ctx.effects.timers.append(following)
            else:
                ctx.effects.timers_deleted.append(current.key)
                if ei is not None and ei.subscriptions:
                    ei.subscriptions = [s for s in ei.subscriptions if s[1] != current.key] or None
            if ei is not None:
                ctx.record(
                    "TIMER", "TRIGGERED", ei, {"timerKey": current.key, "elementId": current.element_id}
                )
                ctx.trigger(ei.key, current.element_id, {})

        self._on_instance(timer.process_instance_key, handle, missing_ok=True)

    def _reschedule(self, timer: TimerRecord) -> None:
        _, model = self.definition(timer.process_definition_key)
        following = self._following(timer, model, self.clock.now_ms(), None, None)
        if following is None:
            self.store.delete_timers([timer.key])
        else:
            self.store.save_timers([following])

    @staticmethod
    def _following(
        timer: TimerRecord, model: ProcessModel, now: int, scope_key: int | None, ctx: Processing | None
    ) -> TimerRecord | None:
        """The next occurrence of a repeating timer, or None after its last repetition."""
        if timer.repetitions == 1:
            return None
        repetitions = timer.repetitions - 1 if timer.repetitions > 0 else -1
        if timer.interval is not None:
            return replace(timer, due=timer.due + timer.interval, repetitions=repetitions)
        # a cron cycle: the next firing after now (a worker that was down does not replay missed ones)
        from bizdevops.engine.core.behaviors.variables import context
        from bizdevops.engine.core.expressions import ExpressionError, FeelContext, evaluate_value

        catch = model.elements.get(timer.element_id)
        if not isinstance(catch, Event) or not catch.event.timer_expression:
            return None
        try:
            scope = context(ctx, scope_key) if ctx is not None and scope_key is not None else FeelContext([])
            value = str(evaluate_value(catch.event.timer_expression, scope))
            due = timers.next_due(value, max(timer.due, now), None)
        except (ExpressionError, timers.TimerFormatError):
            return None
        return replace(timer, due=due, repetitions=repetitions)

    # -- messages and signals ----------------------------------------------------------------------------

    def publish_message(
        self,
        name: str,
        correlation_key: str = "",
        variables: dict[str, Any] | None = None,
        time_to_live_ms: int = 0,
        message_id: str | None = None,
    ) -> int:
        """Publish a message: it correlates to waiting subscriptions (once per process id) and is buffered
        for its time to live. A message id already buffered is a Conflict. Returns the message key."""
        return self.execute(  # type: ignore[no-any-return]
            PublishMessage(name, correlation_key, _as_variables(variables), time_to_live_ms, message_id)
        )

    def _publish(self, command: PublishMessage, *, require_match: bool = False) -> tuple[int, int | None]:
        if not command.name:
            raise InvalidArgument("A message needs a name.")
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)
        if not 0 <= command.time_to_live_ms <= MAX_MESSAGE_TTL_MS:
            # the expiry must stay a storable date (and a buffer for centuries is a mistake, not a plan)
            raise InvalidArgument(f"timeToLive must be between 0 and {MAX_MESSAGE_TTL_MS} ms (10 years).")
        now = self.clock.now_ms()
        correlated_instance: int | None = None
        with self.store.transaction():
            if command.message_id and self.store.find_message_by_id(command.message_id, now) is not None:
                raise Conflict(f"A message with id '{command.message_id}' is already published and buffered.")
            key = self.keys.next_key()
            follow_ups: list[Command] = []
            correlated: list[str] = []
            started: list[str] = []  # by a keyed message start event: the creation marks the message
            for sub in self.store.find_message_subscriptions(command.name, command.correlation_key):
                if sub.bpmn_process_id in correlated or sub.bpmn_process_id in started:
                    continue  # a message correlates at most once per process
                if sub.process_instance_key is None:
                    if message_start.blocked(self.store, sub.bpmn_process_id, command.correlation_key):
                        continue  # one active instance per correlation key: stays buffered (if TTL > 0)
                    keyed = bool(command.correlation_key)
                    (started if keyed else correlated).append(sub.bpmn_process_id)
                    instance_key = self.keys.next_key()
                    follow_ups.append(
                        CreateProcessInstance(
                            process_definition_key=sub.process_definition_key,
                            trigger_element_id=sub.element_id,
                            trigger_variables=dict(command.variables),
                            instance_key=instance_key,
                            tenant_id=sub.tenant_id,
                            start_correlation_key=command.correlation_key if keyed else None,
                            message_key=key if keyed and command.time_to_live_ms > 0 else None,
                        )
                    )
                else:
                    correlated.append(sub.bpmn_process_id)
                    instance_key = sub.process_instance_key
                    follow_ups.append(
                        TriggerEvent(
                            process_instance_key=sub.process_instance_key,
                            element_instance_key=sub.element_instance_key or 0,
                            element_id=sub.element_id,
                            variables=dict(command.variables),
                            subscription_key=sub.key,
                            message_key=key,
                        )
                    )
                if correlated_instance is None:
                    correlated_instance = instance_key
            if require_match and not follow_ups:
                raise NotFound(
                    f"No process instance waits for message '{command.name}' with correlation key "
                    f"'{command.correlation_key}'."
                )
            if command.time_to_live_ms > 0:
                self.store.save_messages(
                    [
                        MessageRecord(
                            key=key,
                            name=command.name,
                            correlation_key=command.correlation_key,
                            variables=dict(command.variables),
                            published_at=now,
                            expires_at=now + command.time_to_live_ms,
                            message_id=command.message_id,
                            correlated_process_ids=tuple(correlated),
                        )
                    ]
                )
            self.store.append_history(
                [
                    HistoryRecord(
                        correlated_instance or 0,
                        command.name,
                        "MESSAGE",
                        key,
                        "PUBLISHED",
                        now,
                        value_type="MESSAGE",
                        data={"correlationKey": command.correlation_key, "messageId": command.message_id},
                    )
                ]
            )
            if follow_ups:
                self.store.push_commands(follow_ups)
        if follow_ups and self.run_follow_ups:
            self.run_pending()
        return key, correlated_instance

    def correlate_message(
        self, name: str, correlation_key: str = "", variables: dict[str, Any] | None = None
    ) -> tuple[int, int]:
        """Correlate a message now (no buffering); NotFound if nobody waits. Returns (message key, instance key)."""
        key, instance = self._publish(
            PublishMessage(name, correlation_key, _as_variables(variables)), require_match=True
        )
        assert instance is not None
        return key, instance

    def _trigger_event(self, command: TriggerEvent) -> None:
        def handle(ctx: Processing) -> None:
            if ctx.state.status != InstanceStatus.ACTIVE:
                return
            ctx.trigger(command.element_instance_key, command.element_id, command.variables)

        self._on_instance(command.process_instance_key, handle, missing_ok=True)

    def broadcast_signal(self, name: str, variables: dict[str, Any] | None = None) -> int:
        """Deliver a signal to every waiting catch event and start every signal start event. Returns its key."""
        return self.execute(BroadcastSignal(name, _as_variables(variables)))  # type: ignore[no-any-return]

    def _broadcast(self, command: BroadcastSignal) -> int:
        if not command.name:
            raise InvalidArgument("A signal needs a name.")
        if problem := _check_variables(command.variables):
            raise InvalidArgument(problem)
        now = self.clock.now_ms()
        with self.store.transaction():
            key = self.keys.next_key()
            follow_ups: list[Command] = []
            for sub in self.store.find_signal_subscriptions(command.name):
                if sub.process_instance_key is None:
                    follow_ups.append(
                        CreateProcessInstance(
                            process_definition_key=sub.process_definition_key,
                            trigger_element_id=sub.element_id,
                            trigger_variables=dict(command.variables),
                            tenant_id=sub.tenant_id,
                        )
                    )
                else:
                    follow_ups.append(
                        TriggerEvent(
                            process_instance_key=sub.process_instance_key,
                            element_instance_key=sub.element_instance_key or 0,
                            element_id=sub.element_id,
                            variables=dict(command.variables),
                            subscription_key=sub.key,
                        )
                    )
            self.store.append_history(
                [
                    HistoryRecord(
                        0,
                        command.name,
                        "SIGNAL",
                        key,
                        "BROADCAST",
                        now,
                        value_type="SIGNAL",
                        data={"name": command.name},
                    )
                ]
            )
            if follow_ups:
                self.store.push_commands(follow_ups)
        if follow_ups and self.run_follow_ups:
            self.run_pending()
        return key

    # -- root-level conditional start events ---------------------------------------------------------

    def evaluate_conditionals(
        self,
        variables: dict[str, Any],
        *,
        process_definition_key: int | None = None,
        tenant_id: str = "<default>",
        authorize: Callable[[ProcessDefinition], None] | None = None,
    ) -> list[CreatedInstance]:
        """Zeebe's EvaluateConditional: evaluate the root-level conditional start events of one definition
        (any version) or of the latest version of every process of the tenant with `variables` alone, and
        start an instance (with those variables) for each start event whose condition is true. A start event
        whose condition reads none of the given variables is not evaluated; a failing condition is false.
        `authorize` runs for every match before anything starts (it raises to refuse)."""
        from bizdevops.engine.core.behaviors.conditionals import start_condition_holds

        variables = _as_variables(variables)
        if problem := _check_variables(variables):
            raise InvalidArgument(problem)
        if process_definition_key is not None:
            definition, _ = self.definition(process_definition_key)
            if definition.tenant_id != tenant_id:
                raise NotFound(f"No process definition with key {process_definition_key}.")
            keys = [process_definition_key]
        else:
            keys = sorted(self.store.latest_process_definition_keys(tenant_id))
        matches: list[tuple[ProcessDefinition, str]] = []
        for key in keys:
            definition, model = self.definition(key)
            for start_id in model.start_events:
                start = model.elements[start_id]
                if isinstance(start, StartEvent) and start_condition_holds(start.event, variables):
                    matches.append((definition, start_id))
        if authorize is not None:
            for definition, _ in matches:
                authorize(definition)
        return [
            self.execute(  # one instance per start event, as Zeebe's processor
                CreateProcessInstance(
                    process_definition_key=definition.key,
                    trigger_element_id=start_id,
                    trigger_variables=dict(variables),
                    tenant_id=definition.tenant_id,
                )
            )
            for definition, start_id in matches
        ]

    # -- call activities -------------------------------------------------------------------------------

    def _child_finished(self, command: ChildInstanceFinished) -> None:
        def handle(ctx: Processing) -> None:
            ei = ctx.state.elements.get(command.parent_element_instance_key)
            if ei is None or ei.state != ACTIVATED or ei.child_instance_key != command.child_instance_key:
                return
            ei.child_instance_key = None
            if command.completed:
                ei.payload = dict(command.variables)
                ctx.complete_later(ei)

        self._on_instance(command.parent_instance_key, handle, missing_ok=True)

    def _throw_in_parent(self, command: ThrowInParent) -> None:
        def handle(ctx: Processing) -> None:
            ei = ctx.state.elements.get(command.parent_element_instance_key)
            if ei is None or ei.state != ACTIVATED:
                return
            if not ctx.throw(ei, command.kind, command.code, command.message, dict(command.variables)):
                if command.kind == EventKind.ERROR:
                    ctx.raise_incident(
                        ei,
                        ErrorType.UNHANDLED_ERROR_EVENT,
                        f"Expected to throw an error event with the code '{command.code}', but it was not caught.",
                    )

        self._on_instance(command.parent_instance_key, handle, missing_ok=True)

    def parent_can_catch(self, child: InstanceState, kind: str, code: str) -> bool:
        """Would the parent chain of a called instance catch this error/escalation? (read only)"""
        parent_key = child.parent_instance_key
        element_key = child.parent_element_instance_key
        depth = 0
        while parent_key is not None and element_key is not None and depth < 100:
            depth += 1
            parent = self.store.load_instance(parent_key, for_update=False)
            if parent is None:
                return False
            _, model = self.definition(parent.process_definition_key)
            key: int | None = element_key
            while key is not None:
                ei = parent.elements.get(key)
                if ei is None:
                    break
                if _static_catch(model, ei, kind, code):
                    return True
                key = ei.flow_scope_key
            parent_key, element_key = parent.parent_instance_key, parent.parent_element_instance_key
        return False

    # -- decisions ---------------------------------------------------------------------------------------

    def evaluate_decision(
        self,
        *,
        decision_id: str | None = None,
        decision_key: int | None = None,
        variables: dict[str, Any] | None = None,
    ) -> DecisionEvaluation:
        """Evaluate the latest (or given) version of a deployed decision."""
        if decision_key is not None:
            definition = self.store.get_decision_definition(decision_key)
        elif decision_id:
            definition = self.store.latest_decision_definition(decision_id)
        else:
            raise InvalidArgument("Give a decision id or a decision key.")
        if definition is None:
            raise NotFound(f"No decision '{decision_id or decision_key}'.")
        result = self._evaluate_dmn(definition, variables or {})
        return DecisionEvaluation(
            decision_key=definition.key,
            decision_id=definition.decision_id,
            version=definition.version,
            value=_json_value(getattr(result, "value", None)),
            evaluated_decisions=list(getattr(result, "decisions", None) or []),
        )

    def evaluate_decision_definition(self, definition: DecisionDefinition, variables: dict[str, Any]) -> Any:
        """The JSON value of a decision (used by business rule tasks); raises on evaluation failure."""
        return _json_value(getattr(self._evaluate_dmn(definition, variables), "value", None))

    def _evaluate_dmn(self, definition: DecisionDefinition, variables: dict[str, Any]) -> Any:
        model = self._dmn.get(definition.key)
        if model is None:
            from bizdevops.dmn import load  # type: ignore[attr-defined]

            model = self._dmn[definition.key] = load(definition.resource)
        return model.evaluate(definition.decision_id, variables)


def _json_value(value: Any) -> Any:
    from bizdevops.feel import to_json  # type: ignore[attr-defined]

    return to_json(value)


def _static_catch(model: ProcessModel, ei: ElementInstance, kind: str, code: str) -> bool:
    def matches(definition_kind: str, expected: str | None) -> bool:
        return definition_kind == kind and expected in (None, code)

    if ei.element_type == ElementType.PROCESS:
        subs: tuple[str, ...] = model.event_subprocesses
    else:
        element = model.elements[ei.element_id]
        subs = element.event_subprocesses if isinstance(element, SubProcess) else ()
        if ei.element_type == ElementType.MULTI_INSTANCE_BODY or element.loop is None:
            for boundary_id in element.boundary_events:
                boundary = model.elements[boundary_id]
                if isinstance(boundary, BoundaryEvent):
                    d = boundary.event
                    if matches(d.kind, d.error_code if kind == EventKind.ERROR else d.escalation_code):
                        return True
    for sub_id in subs:
        sub = model.elements[sub_id]
        if isinstance(sub, SubProcess):
            for child_id in sub.children:
                start = model.elements[child_id]
                if isinstance(start, StartEvent):
                    d = start.event
                    if matches(d.kind, d.error_code if kind == EventKind.ERROR else d.escalation_code):
                        return True
    return False


def _job_history(job: JobRecord, intent: str, now: int, data: dict[str, Any]) -> HistoryRecord:
    return HistoryRecord(
        job.process_instance_key,
        job.element_id,
        "JOB",
        job.element_instance_key,
        intent,
        now,
        None,
        job.process_definition_key,
        job.bpmn_process_id,
        "JOB",
        {"jobKey": job.key, **data},
    )


def _as_variables(variables: Any) -> dict[str, Any]:
    """A caller's variables as a fresh dict; anything but a JSON object is an InvalidArgument."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidArgument("variables must be a JSON object.")
    return dict(variables)


MAX_MESSAGE_TTL_MS = 10 * 366 * 24 * 3600 * 1000
# A job's lock timeout or retry back-off: beyond this the deadline would not be a date any store can hold.
MAX_JOB_DURATION_MS = MAX_MESSAGE_TTL_MS


def _check_duration(name: str, ms: int) -> None:
    if ms > MAX_JOB_DURATION_MS:
        raise InvalidArgument(f"{name} must be at most {MAX_JOB_DURATION_MS} ms (10 years).")


def _check_variables(variables: Any) -> str | None:
    """Why these variables cannot be stored, or None. Checks the whole value tree: PostgreSQL's JSONB (and
    UTF-8) cannot hold NUL characters or lone surrogates, and JSON has no NaN or infinity."""
    if not isinstance(variables, dict):
        return "variables must be a JSON object."
    for name in variables:
        if not isinstance(name, str) or not name:
            return "variable names must be non-empty strings."
    stack: list[Any] = [variables]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or (problem := _text_problem(key)):
                    return (
                        f"variable names and object keys must be text without NUL characters ({key!r:.40})."
                    )
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if problem := _text_problem(value):
                return f"variable values {problem}"
        elif isinstance(value, float) and not math.isfinite(value):
            return "variable values must be finite numbers (JSON has no NaN or infinity)."
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)."
    return None


_HANDLERS: dict[type, Callable[[Engine, Any], Any]] = {
    CreateProcessInstance: Engine._create,
    CompleteJob: Engine._complete_job,
    FailJob: Engine._fail_job,
    ThrowJobError: Engine._throw_job_error,
    CompleteUserTask: Engine._complete_user_task,
    CompleteUserTaskAt: Engine._complete_user_task_at,
    CancelProcessInstance: Engine._cancel,
    ResolveIncident: Engine._resolve_incident,
    SetVariables: Engine._set_variables,
    TriggerTimer: Engine._trigger_timer,
    PublishMessage: lambda engine, command: engine._publish(command)[0],
    BroadcastSignal: Engine._broadcast,
    TriggerEvent: Engine._trigger_event,
    ChildInstanceFinished: Engine._child_finished,
    ThrowInParent: Engine._throw_in_parent,
    ModifyProcessInstance: lambda engine, command: modification.modify(engine, command),
    MigrateProcessInstance: lambda engine, command: migration.migrate(engine, command),
}
