"""Runtime state of one process instance: plain, JSON-serializable dataclasses (stored as JSONB).

Only live element instances are kept (finished ones leave the dict; history has them), so the state of a
waiting instance stays small. Bump FORMAT_VERSION with a migration in `from_dict` when the shape changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


class InstanceStatus:
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


@dataclass(slots=True)
class ElementInstance:
    """A token's place: one element instance with its bookkeeping."""

    key: int
    element_id: str
    element_type: str
    state: str
    flow_scope_key: int | None
    active_children: int = 0
    # sequence flows taken inside this scope whose target has not been activated yet (incl. tokens
    # waiting at a join): the scope may only complete when both counters are 0
    active_flows: int = 0
    joins: dict[str, dict[str, int]] | None = None  # gateway id -> incoming flow id -> waiting tokens
    job_key: int | None = None
    user_task_key: int | None = None
    incident_key: int | None = None
    # open event subscriptions owned by this instance: [kind "T"|"M"|"S"|"C", key, catch element id]
    # ("C": a conditional event, kept only here)
    subscriptions: list[list[Any]] | None = None
    payload: dict[str, Any] | None = None  # variables delivered by a job/task/message, merged on completion
    interrupted_by: dict[str, Any] | None = None  # {"element_id", "variables"} to activate once terminated
    interrupted: bool = False  # an interrupting event subprocess runs in this scope
    child_instance_key: int | None = None  # call activity → the called process instance
    # multi-instance body bookkeeping
    loop_counter: int = 0
    mi_items: list[Any] | None = None
    mi_next: int = 0
    mi_completed: int = 0
    mi_terminated: int = 0
    mi_output: list[Any] | None = None
    mi_done: bool = False  # completion condition met: remaining inner instances are being terminated
    ending: bool = False  # a terminate end event is ending this scope

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "elementId": self.element_id,
            "elementType": self.element_type,
            "state": self.state,
            "flowScopeKey": self.flow_scope_key,
        }
        # Defaults are omitted: most element instances use few of these fields.
        for name, attr in _OPTIONAL:
            value = getattr(self, attr)
            if value not in (None, 0, False):
                data[name] = value
        if self.joins:
            data["joins"] = self.joins
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ElementInstance:
        ei = ElementInstance(
            key=data["key"],
            element_id=data["elementId"],
            element_type=data["elementType"],
            state=data["state"],
            flow_scope_key=data.get("flowScopeKey"),
        )
        for name, attr in _OPTIONAL:
            if name in data:
                setattr(ei, attr, data[name])
        if "joins" in data:
            ei.joins = {g: dict(flows) for g, flows in data["joins"].items()}
        return ei


_OPTIONAL = (
    ("activeChildren", "active_children"),
    ("activeFlows", "active_flows"),
    ("jobKey", "job_key"),
    ("userTaskKey", "user_task_key"),
    ("incidentKey", "incident_key"),
    ("subscriptions", "subscriptions"),
    ("payload", "payload"),
    ("interruptedBy", "interrupted_by"),
    ("interrupted", "interrupted"),
    ("childInstanceKey", "child_instance_key"),
    ("loopCounter", "loop_counter"),
    ("miItems", "mi_items"),
    ("miNext", "mi_next"),
    ("miCompleted", "mi_completed"),
    ("miTerminated", "mi_terminated"),
    ("miOutput", "mi_output"),
    ("miDone", "mi_done"),
    ("ending", "ending"),
)


@dataclass(slots=True)
class InstanceState:
    """Everything about one process instance. Its root element instance has key == `key` (as in Zeebe)."""

    key: int
    process_definition_key: int
    bpmn_process_id: str
    version: int
    status: str = InstanceStatus.ACTIVE
    elements: dict[int, ElementInstance] = field(default_factory=dict)
    variables: dict[int, dict[str, Any]] = field(default_factory=dict)  # scope key -> name -> JSON value
    parent_instance_key: int | None = None
    parent_element_instance_key: int | None = None
    start_time: int = 0
    end_time: int | None = None
    tenant_id: str = "<default>"
    # the correlation key of the message that started this instance (message start event, non-empty key):
    # while the instance is active, no other instance of its process id starts by a message with this key
    start_correlation_key: str | None = None
    # compensation subscriptions (behaviors/compensation.py): one per completed compensable activity (or
    # completed subprocess holding some), kept until the instance ends
    compensations: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "formatVersion": FORMAT_VERSION,
            "key": self.key,
            "processDefinitionKey": self.process_definition_key,
            "bpmnProcessId": self.bpmn_process_id,
            "version": self.version,
            "status": self.status,
            "elements": [ei.to_dict() for ei in self.elements.values()],
            # JSON object keys are strings; from_dict turns them back into int keys
            "variables": {str(k): v for k, v in self.variables.items()},
            "parentInstanceKey": self.parent_instance_key,
            "parentElementInstanceKey": self.parent_element_instance_key,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "tenantId": self.tenant_id,
        }
        if self.start_correlation_key is not None:
            data["startCorrelationKey"] = self.start_correlation_key
        if self.compensations:
            data["compensations"] = self.compensations
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> InstanceState:
        version = data.get("formatVersion")
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported instance state format {version!r} (expected {FORMAT_VERSION})")
        elements = [ElementInstance.from_dict(e) for e in data["elements"]]
        return InstanceState(
            key=data["key"],
            process_definition_key=data["processDefinitionKey"],
            bpmn_process_id=data["bpmnProcessId"],
            version=data["version"],
            status=data["status"],
            elements={ei.key: ei for ei in elements},
            variables={int(k): dict(v) for k, v in data["variables"].items()},
            parent_instance_key=data.get("parentInstanceKey"),
            parent_element_instance_key=data.get("parentElementInstanceKey"),
            start_time=data.get("startTime", 0),
            end_time=data.get("endTime"),
            tenant_id=data.get("tenantId", "<default>"),
            start_correlation_key=data.get("startCorrelationKey"),
            compensations=[dict(c) for c in data["compensations"]] if "compensations" in data else None,
        )

    def visible_variables(self, scope_key: int) -> dict[str, Any]:
        """Every variable visible from a scope, nearest scope winning (what a job worker receives)."""
        chain: list[dict[str, Any]] = []
        key: int | None = scope_key
        while key is not None:
            scope_vars = self.variables.get(key)
            if scope_vars:
                chain.append(scope_vars)
            ei = self.elements.get(key)
            key = ei.flow_scope_key if ei is not None else None
        result: dict[str, Any] = {}
        for scope_vars in reversed(chain):
            result.update(scope_vars)
        return result
