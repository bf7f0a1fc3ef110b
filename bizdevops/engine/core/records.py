"""Records the engine hands to the Store: definitions, jobs, user tasks, timers, subscriptions, messages,
incidents and history. Frozen: a change is a new record (`dataclasses.replace`) saved through the Store.
Times are epoch milliseconds; keys are integers from the KeyGenerator."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple


class JobState:
    ACTIVATABLE = "ACTIVATABLE"  # waiting for a worker (possibly after retry_at)
    ACTIVATED = "ACTIVATED"  # locked by a worker until `deadline`
    FAILED = "FAILED"  # retries exhausted: an incident is open
    ERROR_THROWN = "ERROR_THROWN"  # a BPMN error nobody caught: an incident is open
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    OPEN = frozenset({ACTIVATABLE, ACTIVATED})


class UserTaskState:
    CREATED = "CREATED"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class IncidentState:
    ACTIVE = "ACTIVE"
    RESOLVED = "RESOLVED"


class ErrorType:
    """Zeebe's incident error types."""

    JOB_NO_RETRIES = "JOB_NO_RETRIES"
    AD_HOC_SUB_PROCESS_NO_RETRIES = "AD_HOC_SUB_PROCESS_NO_RETRIES"  # the job of an ad-hoc subprocess
    EXTRACT_VALUE_ERROR = "EXTRACT_VALUE_ERROR"  # a FEEL expression failed
    CONDITION_ERROR = "CONDITION_ERROR"  # no flow of an exclusive/inclusive gateway matched
    IO_MAPPING_ERROR = "IO_MAPPING_ERROR"
    CALLED_ELEMENT_ERROR = "CALLED_ELEMENT_ERROR"
    CALLED_DECISION_ERROR = "CALLED_DECISION_ERROR"
    DECISION_EVALUATION_ERROR = "DECISION_EVALUATION_ERROR"
    UNHANDLED_ERROR_EVENT = "UNHANDLED_ERROR_EVENT"
    MESSAGE_SIZE_EXCEEDED = "MESSAGE_SIZE_EXCEEDED"
    FORM_NOT_FOUND = "FORM_NOT_FOUND"  # a job-based user task's zeebe:formDefinition formId
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class ProcessDefinition:
    """One version of one process. `resource` is the whole BPMN file it came from."""

    key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    checksum: str  # sha256 of the resource bytes: same bytes → same version
    resource: bytes
    deployment_key: int
    name: str | None = None
    tenant_id: str = "<default>"
    version_tag: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionDefinition:
    """One version of one DMN decision (the whole DRG resource is kept for evaluation)."""

    key: int
    decision_id: str
    version: int
    name: str | None
    resource_name: str
    checksum: str
    resource: bytes
    deployment_key: int
    decision_requirements_id: str | None = None
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class FormDefinition:
    key: int
    form_id: str
    version: int
    resource_name: str
    checksum: str
    resource: bytes
    deployment_key: int
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class Deployment:
    """What one deploy call produced (new or reused definitions, in resource order)."""

    key: int
    created_at: int
    processes: tuple[ProcessDefinition, ...] = ()
    decisions: tuple[DecisionDefinition, ...] = ()
    forms: tuple[FormDefinition, ...] = ()
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class JobRecord:
    key: int
    type: str
    state: str
    retries: int
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    process_definition_version: int
    element_id: str
    element_instance_key: int
    created_at: int
    custom_headers: dict[str, str] = field(default_factory=dict)
    worker: str = ""
    deadline: int | None = None  # lock expiry while ACTIVATED
    retry_at: int | None = None  # back-off: not activatable before this
    error_message: str | None = None
    error_code: str | None = None
    priority: int = 0
    kind: str = "BPMN_ELEMENT"
    listener_event_type: str = "UNSPECIFIED"
    tenant_id: str = "<default>"

    def is_activatable(self, now: int) -> bool:
        if self.state == JobState.ACTIVATABLE:
            return self.retry_at is None or self.retry_at <= now
        return self.state == JobState.ACTIVATED and self.deadline is not None and self.deadline <= now


@dataclass(frozen=True, slots=True)
class UserTaskRecord:
    key: int
    state: str
    element_id: str
    element_instance_key: int
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    process_definition_version: int
    created_at: int
    name: str | None = None
    assignee: str | None = None
    candidate_users: tuple[str, ...] = ()
    candidate_groups: tuple[str, ...] = ()
    due_date: str | None = None  # ISO 8601 as evaluated
    follow_up_date: str | None = None
    priority: int = 50
    form_key: str | None = None
    form_id: str | None = None
    form_definition_key: int | None = None  # the deployed form a formId resolved to
    external_form_reference: str | None = None
    embedded_form: str | None = None
    custom_headers: dict[str, str] = field(default_factory=dict)
    completed_at: int | None = None
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """A due time. process_instance_key None = a timer start event of `process_definition_key`."""

    key: int
    due: int
    element_id: str  # the catch element (catch event, boundary, event-subprocess start, start event)
    process_definition_key: int
    bpmn_process_id: str = ""
    process_instance_key: int | None = None
    element_instance_key: int | None = None  # the instance that owns the subscription
    repetitions: int = 1  # remaining firings; -1 = forever
    interval: int | None = None
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class MessageSubscriptionRecord:
    """An open wait for a message. process_instance_key None = a message start event."""

    key: int
    message_name: str
    correlation_key: str | None
    element_id: str
    process_definition_key: int
    bpmn_process_id: str
    process_instance_key: int | None = None
    element_instance_key: int | None = None
    interrupting: bool = True
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A published message kept (buffered) until `expires_at` for subscriptions that open later."""

    key: int
    name: str
    correlation_key: str
    variables: dict[str, Any]
    published_at: int
    expires_at: int
    message_id: str | None = None
    correlated_process_ids: tuple[str, ...] = ()  # a message correlates at most once per process id
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class SignalSubscriptionRecord:
    key: int
    signal_name: str
    element_id: str
    process_definition_key: int
    bpmn_process_id: str
    process_instance_key: int | None = None
    element_instance_key: int | None = None
    tenant_id: str = "<default>"


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    key: int
    state: str
    error_type: str
    error_message: str
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    element_id: str
    element_instance_key: int
    created_at: int
    job_key: int | None = None
    resolved_at: int | None = None
    tenant_id: str = "<default>"


class HistoryRecord(NamedTuple):
    """One appended history row. A NamedTuple, not a dataclass: ~25 are made per simple instance, so
    construction cost matters; it is just as immutable.

    value_type PROCESS_INSTANCE: an element lifecycle transition (intent = ELEMENT_* / SEQUENCE_FLOW_TAKEN).
    value_type JOB / USER_TASK / INCIDENT / VARIABLE / MESSAGE / SIGNAL: `intent` says what happened, `data`
    carries the details (job key, error message, variable name and value...)."""

    process_instance_key: int
    element_id: str
    element_type: str
    element_instance_key: int
    intent: str
    timestamp: int
    flow_scope_key: int | None = None
    process_definition_key: int = 0
    bpmn_process_id: str = ""
    value_type: str = "PROCESS_INSTANCE"
    data: dict[str, Any] | None = None


def record_to_dict(record: Any) -> dict[str, Any]:
    """JSON-friendly dict of any record (bytes are left to the caller)."""
    if isinstance(record, HistoryRecord):
        return record._asdict()
    return asdict(record)
