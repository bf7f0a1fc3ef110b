"""Commands: what can happen to the engine. Each one is processed as one unit (one transaction on one
instance). Internal commands carry cross-instance effects (message correlation, call activity parent
notification, signal delivery) and go through the Store's outbox, so they survive a crash between units."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CreateProcessInstance:
    bpmn_process_id: str | None = None  # latest version unless `version` is given
    process_definition_key: int | None = None
    version: int | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    start_element_ids: tuple[str, ...] = ()  # start instructions; default = the none start event
    # internal use (call activity, message/timer/signal start events)
    instance_key: int | None = None
    parent_instance_key: int | None = None
    parent_element_instance_key: int | None = None
    trigger_element_id: str | None = None  # the start event a message/timer/signal triggered
    trigger_variables: dict[str, Any] | None = None
    tenant_id: str = "<default>"
    # a message start event triggered by a message with a non-empty correlation key: at most one active
    # instance per process id and key (`message_key`: the buffered message, marked correlated on start)
    start_correlation_key: str | None = None
    message_key: int | None = None


@dataclass(frozen=True, slots=True)
class CompleteJob:
    job_key: int
    variables: dict[str, Any] = field(default_factory=dict)
    # the job result (Camunda's JobResult); only `type: "adHocSubProcess"` is acted on (ad_hoc_subprocess.py)
    result: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FailJob:
    job_key: int
    retries: int
    error_message: str = ""
    retry_back_off_ms: int = 0
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ThrowJobError:
    job_key: int
    error_code: str
    error_message: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompleteUserTask:
    user_task_key: int
    variables: dict[str, Any] = field(default_factory=dict)
    action: str = "complete"


@dataclass(frozen=True, slots=True)
class CompleteUserTaskAt:
    """Complete the one open user task at `element_id` of an instance: the task is found in the instance's
    state under the instance lock (no lookup of its key before the unit)."""

    process_instance_key: int
    element_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    action: str = "complete"


@dataclass(frozen=True, slots=True)
class CancelProcessInstance:
    process_instance_key: int
    internal: bool = False  # a parent canceling its child (allowed even though it has a parent)


@dataclass(frozen=True, slots=True)
class ResolveIncident:
    incident_key: int


@dataclass(frozen=True, slots=True)
class SetVariables:
    element_instance_key: int  # the scope; the process instance key for the root scope
    variables: dict[str, Any]
    local: bool = False
    process_instance_key: int | None = None  # None = element_instance_key is the root scope


@dataclass(frozen=True, slots=True)
class TriggerTimer:
    timer_key: int


@dataclass(frozen=True, slots=True)
class PublishMessage:
    name: str
    correlation_key: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    time_to_live_ms: int = 0
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class BroadcastSignal:
    name: str
    variables: dict[str, Any] = field(default_factory=dict)


# -- operations: process instance modification and migration (never queued as follow-ups) ----------------


@dataclass(frozen=True, slots=True)
class VariableInstruction:
    """Variables to set locally on the scope `scope_id` (an element id; "" = the process instance)."""

    variables: dict[str, Any]
    scope_id: str = ""


@dataclass(frozen=True, slots=True)
class ActivateInstruction:
    """Activate an element; missing flow scopes are created. `ancestor_key` picks the ancestor scope
    instance to create it in (None: the single active instance of each flow scope)."""

    element_id: str
    ancestor_key: int | None = None
    variable_instructions: tuple[VariableInstruction, ...] = ()


@dataclass(frozen=True, slots=True)
class TerminateInstruction:
    """Terminate one element instance (by key) or every active instance of an element (by id)."""

    element_instance_key: int | None = None
    element_id: str | None = None


@dataclass(frozen=True, slots=True)
class MoveInstruction:
    """Terminate the source instance(s) and activate `target_element_id` once per terminated one.
    ancestor: "direct" (ancestor_key, or none), "sourceParent" or "inferred" (from the source's ancestry)."""

    target_element_id: str
    source_element_id: str | None = None
    source_element_instance_key: int | None = None
    ancestor: str = "direct"
    ancestor_key: int | None = None
    variable_instructions: tuple[VariableInstruction, ...] = ()


@dataclass(frozen=True, slots=True)
class ModifyProcessInstance:
    process_instance_key: int
    activate: tuple[ActivateInstruction, ...] = ()
    terminate: tuple[TerminateInstruction, ...] = ()
    move: tuple[MoveInstruction, ...] = ()


@dataclass(frozen=True, slots=True)
class MigrateProcessInstance:
    process_instance_key: int
    target_process_definition_key: int
    mapping: tuple[tuple[str, str], ...] = ()  # (source element id, target element id)


# -- internal follow-up commands ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """Deliver a message or signal to a subscription of an instance (timers use TriggerTimer)."""

    process_instance_key: int
    element_instance_key: int
    element_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    subscription_key: int | None = None
    message_key: int | None = None


@dataclass(frozen=True, slots=True)
class ChildInstanceFinished:
    """A called process instance completed (variables = its root scope) or was terminated."""

    parent_instance_key: int
    parent_element_instance_key: int
    child_instance_key: int
    completed: bool
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ThrowInParent:
    """An error or escalation a called instance did not catch, rethrown at the parent's call activity."""

    parent_instance_key: int
    parent_element_instance_key: int
    kind: str  # "ERROR" | "ESCALATION"
    code: str
    message: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


Command = (
    CreateProcessInstance
    | CompleteJob
    | FailJob
    | ThrowJobError
    | CompleteUserTask
    | CompleteUserTaskAt
    | CancelProcessInstance
    | ResolveIncident
    | SetVariables
    | TriggerTimer
    | PublishMessage
    | BroadcastSignal
    | TriggerEvent
    | ChildInstanceFinished
    | ThrowInParent
    | ModifyProcessInstance
    | MigrateProcessInstance
)

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        CreateProcessInstance,
        CompleteJob,
        FailJob,
        ThrowJobError,
        CompleteUserTask,
        CompleteUserTaskAt,
        CancelProcessInstance,
        ResolveIncident,
        SetVariables,
        TriggerTimer,
        PublishMessage,
        BroadcastSignal,
        TriggerEvent,
        ChildInstanceFinished,
        ThrowInParent,
    )
}


def command_to_dict(command: Command) -> dict[str, Any]:
    """JSON form of a command (for the outbox table)."""
    data = asdict(command)
    data["type"] = type(command).__name__
    return data


def command_from_dict(data: dict[str, Any]) -> Command:
    fields = dict(data)
    cls = _TYPES[fields.pop("type")]
    if "start_element_ids" in fields:
        fields["start_element_ids"] = tuple(fields["start_element_ids"])
    return cls(**fields)  # type: ignore[no-any-return]
