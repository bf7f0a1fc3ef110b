"""Element dataclasses with the zeebe extensions. Frozen: a deployed version never changes, so the parsed
model is shared by every instance and every thread (cached by definition key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ElementType:
    """Zeebe's BpmnElementType names, used in history records and by the registry."""

    PROCESS = "PROCESS"
    SUB_PROCESS = "SUB_PROCESS"
    AD_HOC_SUB_PROCESS = "AD_HOC_SUB_PROCESS"
    AD_HOC_SUB_PROCESS_INNER_INSTANCE = "AD_HOC_SUB_PROCESS_INNER_INSTANCE"
    EVENT_SUB_PROCESS = "EVENT_SUB_PROCESS"
    MULTI_INSTANCE_BODY = "MULTI_INSTANCE_BODY"
    CALL_ACTIVITY = "CALL_ACTIVITY"
    START_EVENT = "START_EVENT"
    END_EVENT = "END_EVENT"
    INTERMEDIATE_CATCH_EVENT = "INTERMEDIATE_CATCH_EVENT"
    INTERMEDIATE_THROW_EVENT = "INTERMEDIATE_THROW_EVENT"
    BOUNDARY_EVENT = "BOUNDARY_EVENT"
    SERVICE_TASK = "SERVICE_TASK"
    SEND_TASK = "SEND_TASK"
    USER_TASK = "USER_TASK"
    SCRIPT_TASK = "SCRIPT_TASK"
    BUSINESS_RULE_TASK = "BUSINESS_RULE_TASK"
    RECEIVE_TASK = "RECEIVE_TASK"
    MANUAL_TASK = "MANUAL_TASK"
    TASK = "TASK"
    EXCLUSIVE_GATEWAY = "EXCLUSIVE_GATEWAY"
    PARALLEL_GATEWAY = "PARALLEL_GATEWAY"
    INCLUSIVE_GATEWAY = "INCLUSIVE_GATEWAY"
    EVENT_BASED_GATEWAY = "EVENT_BASED_GATEWAY"
    SEQUENCE_FLOW = "SEQUENCE_FLOW"


class EventKind:
    """The kind of an event's definition (NONE when it has none)."""

    NONE = "NONE"
    MESSAGE = "MESSAGE"
    TIMER = "TIMER"
    SIGNAL = "SIGNAL"
    ERROR = "ERROR"
    ESCALATION = "ESCALATION"
    TERMINATE = "TERMINATE"
    LINK = "LINK"
    COMPENSATION = "COMPENSATION"
    CONDITIONAL = "CONDITIONAL"


@dataclass(frozen=True, slots=True)
class Mapping:
    """One zeebe:input / zeebe:output: `source` is an expression (`=...`) or a static value."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class IoMapping:
    inputs: tuple[Mapping, ...] = ()
    outputs: tuple[Mapping, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """zeebe:taskDefinition; both fields may be expressions. `priority` is the job priority (8.10's
    zeebe:jobPriorityDefinition of the task, else of the process; None = 0), a literal or an expression."""

    type: str
    retries: str = "3"
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class FormDefinition:
    """zeebe:formDefinition: a linked form (formId, resolved per bindingType), an embedded one (formKey)
    or an external reference."""

    form_id: str | None = None
    form_key: str | None = None
    external_reference: str | None = None
    embedded_form: str | None = None  # JSON text of a zeebe:userTaskForm referenced by formKey
    binding_type: str = "latest"  # "latest" | "deployment" | "versionTag" (for formId)
    version_tag: str | None = None  # with binding_type "versionTag"


@dataclass(frozen=True, slots=True)
class UserTaskProperties:
    """zeebe:assignmentDefinition, zeebe:taskSchedule, zeebe:priorityDefinition, zeebe:formDefinition."""

    assignee: str | None = None
    candidate_users: str | None = None
    candidate_groups: str | None = None
    due_date: str | None = None
    follow_up_date: str | None = None
    priority: str | None = None
    form: FormDefinition | None = None


@dataclass(frozen=True, slots=True)
class CalledDecision:
    decision_id: str
    result_variable: str


@dataclass(frozen=True, slots=True)
class CalledElement:
    process_id: str
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True


@dataclass(frozen=True, slots=True)
class LoopCharacteristics:
    """multiInstanceLoopCharacteristics with zeebe:loopCharacteristics."""

    sequential: bool
    input_collection: str
    input_element: str | None = None
    output_collection: str | None = None
    output_element: str | None = None
    completion_condition: str | None = None


@dataclass(frozen=True, slots=True)
class EventDefinition:
    """The (single) event definition of an event; fields unused by a kind stay None."""

    kind: str
    message_name: str | None = None
    correlation_key: str | None = None
    timer_type: str | None = None  # "duration" | "date" | "cycle"
    timer_expression: str | None = None
    signal_name: str | None = None
    error_code: str | None = None  # None on a catch event = catch every error
    escalation_code: str | None = None  # None on a catch event = catch every escalation
    link_name: str | None = None
    activity_ref: str | None = None  # compensation throw event: the one activity to compensate
    reference: str | None = None  # the raw messageRef/errorRef/... id, for validation
    # conditional events: the FEEL condition, the variables it reads (a change of another variable does not
    # re-evaluate it; empty = any variable) and zeebe:conditionalFilter variableEvents ("create"/"update";
    # empty = both)
    condition: str | None = None
    variable_names: tuple[str, ...] = ()
    variable_events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    condition: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowNode:
    """Common part of every flow node. `scope` is the id of the enclosing process or subprocess."""

    id: str
    type: str
    scope: str
    name: str | None = None
    incoming: tuple[str, ...] = ()
    outgoing: tuple[SequenceFlow, ...] = ()
    io: IoMapping | None = None
    loop: LoopCharacteristics | None = None
    boundary_events: tuple[str, ...] = ()
    # compensation: the handler of this activity's compensation boundary event (on that boundary event too),
    # and whether this activity
    # is itself a compensation handler (isForCompensation: no sequence flows, started only by compensation)
    compensation_handler: str | None = None
    for_compensation: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity(FlowNode):
    """Manual task, undefined task, receive task (with `event`), and the base of the richer tasks."""

    event: EventDefinition | None = None  # receive task: its message


@dataclass(frozen=True, slots=True, kw_only=True)
class JobTask(Activity):
    """Service task and send task (and a script task without zeebe:script): the work is a job."""

    task_definition: TaskDefinition | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTask(Activity):
    """`native` (zeebe:userTask): a Camunda user task record; otherwise a job-based user task, i.e. a job of
    type io.camunda.zeebe:userTask whose custom headers carry the assignment, schedule and form key."""

    properties: UserTaskProperties = field(default_factory=UserTaskProperties)
    headers: tuple[tuple[str, str], ...] = ()
    native: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptTask(JobTask):
    expression: str | None = None
    result_variable: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessRuleTask(JobTask):
    called_decision: CalledDecision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallActivity(Activity):
    called_element: CalledElement | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubProcess(Activity):
    """Embedded subprocess and event subprocess (`triggered_by_event`)."""

    triggered_by_event: bool = False
    children: tuple[str, ...] = ()
    start_event: str | None = None  # the none start event of an embedded subprocess
    event_subprocesses: tuple[str, ...] = ()


# Zeebe's ZeebeConstants.AD_HOC_SUB_PROCESS_INNER_INSTANCE_ID_POSTFIX
INNER_INSTANCE_SUFFIX = "#innerInstance"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdHocSubProcess(SubProcess):
    """bpmn:adHocSubProcess (Camunda 8.7+). `children` are its direct flow nodes (the inner elements and its
    event subprocesses); `activities` the inner elements it can activate (activities, gateways and
    intermediate events without incoming sequence flow), in document order. Each activation runs in its own
    inner instance, the element `inner_instance` (`<id>#innerInstance`, type AD_HOC_SUB_PROCESS_INNER_INSTANCE,
    whose children are the inner elements). With `task_definition` (the job worker implementation) a job
    decides what to activate; otherwise `active_elements_collection` does, once, on activation."""

    active_elements_collection: str | None = None
    completion_condition: str | None = None
    cancel_remaining_instances: bool = True
    output_collection: str | None = None
    output_element: str | None = None
    activities: tuple[str, ...] = ()
    inner_instance: str = ""
    # the `adHocSubProcessElements` variable: one dict per activity (elementId, elementName, documentation,
    # properties, parameters), as Zeebe's AdHocActivityMetadata
    elements_metadata: tuple[dict[str, Any], ...] = ()
    task_definition: TaskDefinition | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway(FlowNode):
    default_flow: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(FlowNode):
    event: EventDefinition = field(default_factory=lambda: EventDefinition(EventKind.NONE))
    # message throw/end events are jobs in Zeebe, like send tasks
    task_definition: TaskDefinition | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StartEvent(Event):
    interrupting: bool = True  # only meaningful in an event subprocess
    form: FormDefinition | None = None  # zeebe:formDefinition of a none start event (the start form)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundaryEvent(Event):
    attached_to: str = ""
    cancel_activity: bool = True


def is_interrupting(catch: FlowNode) -> bool:
    """Whether a catch event ends what it is attached to or starts in: a boundary event's cancelActivity, an
    event subprocess start's isInterrupting; an intermediate catch event always is."""
    if isinstance(catch, BoundaryEvent):
        return catch.cancel_activity
    if isinstance(catch, StartEvent):
        return catch.interrupting
    return True


@dataclass(frozen=True, slots=True)
class ProcessModel:
    """One executable process of a BPMN file, with lookup tables computed once at parse time."""

    id: str
    name: str | None
    executable: bool
    elements: dict[str, FlowNode]
    flows: dict[str, SequenceFlow]
    children: tuple[str, ...]  # top-level flow nodes
    start_event: str | None  # the none start event
    start_events: tuple[str, ...]  # every top-level start event (none, message, timer, signal)
    event_subprocesses: tuple[str, ...]
    links: dict[tuple[str, str], str]  # (scope id, link name) -> catch event id
    user_task_forms: dict[str, str] = field(default_factory=dict)
    version_tag: str | None = None  # zeebe:versionTag
    # some event inside the process (not a root start event) is conditional: only then do variable changes
    # look for conditional subscriptions
    conditional: bool = False

    def get(self, element_id: str) -> FlowNode:
        return self.elements[element_id]
