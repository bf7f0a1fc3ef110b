"""Deploy-time validation: a deployment is accepted whole or refused with every problem at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bizdevops.engine.core import timers
from bizdevops.engine.core.model.elements import (
    Activity,
    AdHocSubProcess,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    ElementType,
    Event,
    EventKind,
    FlowNode,
    Gateway,
    JobTask,
    ProcessModel,
    ScriptTask,
    StartEvent,
    SubProcess,
    UserTask,
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a deployment is refused: the element (id, may be empty) and a sentence for the modeler."""

    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}" if self.element_id else self.message


_RESTRICTED_HEADERS = frozenset(
    {"io.camunda.zeebe:assignee", "io.camunda.zeebe:candidateGroups", "io.camunda.zeebe:formKey"}
)


class DeploymentRejected(Exception):
    """The deployment was refused; nothing of it was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


_CATCH_KINDS = {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.LINK, EventKind.CONDITIONAL}
_BOUNDARY_KINDS = {
    EventKind.CONDITIONAL,
    EventKind.MESSAGE,
    EventKind.TIMER,
    EventKind.SIGNAL,
    EventKind.ERROR,
    EventKind.ESCALATION,
    EventKind.COMPENSATION,
}
_END_KINDS = {
    EventKind.NONE,
    EventKind.TERMINATE,
    EventKind.ERROR,
    EventKind.ESCALATION,
    EventKind.MESSAGE,
    EventKind.SIGNAL,
    EventKind.COMPENSATION,
}
_THROW_KINDS = {
    EventKind.NONE,
    EventKind.SIGNAL,
    EventKind.ESCALATION,
    EventKind.LINK,
    EventKind.MESSAGE,
    EventKind.COMPENSATION,
}
_START_KINDS = {EventKind.NONE, EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.CONDITIONAL}
_EVENT_SUB_START_KINDS = {
    EventKind.CONDITIONAL,
    EventKind.MESSAGE,
    EventKind.TIMER,
    EventKind.SIGNAL,
    EventKind.ERROR,
    EventKind.ESCALATION,
}


def validate(models: Iterable[ProcessModel], structural: Iterable[tuple[str, str]] = ()) -> list[Problem]:
    """All reasons to refuse these processes (empty list = deployable)."""
    problems = [Problem(eid, msg) for eid, msg in structural]
    models = list(models)
    if not any(m.executable for m in models):
        problems.append(Problem("", 'The file contains no executable process (isExecutable="true").'))
    for model in models:
        if model.executable:
            _Validator(model, problems).run()
    return problems


class _Validator:
    def __init__(self, model: ProcessModel, problems: list[Problem]) -> None:
        self.model = model
        self.problems = problems

    def add(self, element_id: str, message: str) -> None:
        self.problems.append(Problem(element_id, message))

    def expression(self, element_id: str, what: str, text: str | None, *, always_feel: bool = False) -> None:
        if not text:
            return
        if not always_feel and not text.startswith("="):
            return
        # Imported here so that parsing (and the MIWG census) works even without the FEEL package.
        from bizdevops.engine.core.expressions import check_expression

        problem = check_expression(text)
        if problem is not None:
            message, position = problem
            where = f" at position {position}" if position is not None else ""
            self.add(element_id, f"The {what} '{text}' is not valid FEEL{where}: {message}")

    def job_priority(self, element_id: str, text: str | None) -> None:
        """zeebe:jobPriorityDefinition: an expression, or a literal 32-bit integer."""
        if not text:
            return
        if text.startswith("="):
            self.expression(element_id, "job priority", text)
            return
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not -(2**31) <= value < 2**31:
            self.add(element_id, f"The job priority '{text}' must be an expression or a 32-bit integer.")

    def run(self) -> None:
        model = self.model
        if not model.start_events:
            self.add(model.id, "The process has no start event.")
        for node in model.elements.values():
            self.node(node)
        for flow in model.flows.values():
            self.expression(flow.id, "condition", flow.condition, always_feel=True)
        seen: dict[str, str] = {}
        for start_id in model.start_events:
            start = model.elements[start_id]
            condition = start.event.condition if isinstance(start, Event) else None
            if condition is None:
                continue
            normalized = condition.removeprefix("=").strip()
            if normalized in seen:
                self.add(
                    start_id,
                    f"The conditional start event has the same condition '{condition}' as '{seen[normalized]}'"
                    "; the conditions of a process's conditional start events must be unique.",
                )
            else:
                seen[normalized] = start_id

    def node(self, node: FlowNode) -> None:
        nid = node.id
        model = self.model
        if node.for_compensation and (node.incoming or node.outgoing):
            self.add(nid, "A compensation handler has no incoming or outgoing sequence flows.")
        if node.io:
            for m in node.io.inputs + node.io.outputs:
                if not m.target:
                    self.add(nid, "An input/output mapping has no target.")
                self.expression(nid, "mapping source", m.source)
        if node.loop:
            loop = node.loop
            if not loop.input_collection:
                self.add(nid, "The multi-instance activity has no inputCollection.")
            self.expression(nid, "input collection", loop.input_collection, always_feel=True)
            self.expression(nid, "output element", loop.output_element, always_feel=True)
            self.expression(nid, "completion condition", loop.completion_condition, always_feel=True)
        if isinstance(node, Gateway):
            if not node.outgoing:
                self.add(nid, f"The {node.type.lower().replace('_', ' ')} has no outgoing sequence flow.")
            if node.default_flow and node.default_flow not in {f.id for f in node.outgoing}:
                self.add(
                    nid, f"The default flow '{node.default_flow}' is not an outgoing flow of the gateway."
                )
            if node.type == ElementType.EVENT_BASED_GATEWAY:
                for flow in node.outgoing:
                    target = model.elements.get(flow.target)
                    ok = (
                        isinstance(target, Event)
                        and target.type == ElementType.INTERMEDIATE_CATCH_EVENT
                        and target.event.kind
                        in (EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.CONDITIONAL)
                    ) or (isinstance(target, Activity) and target.type == ElementType.RECEIVE_TASK)
                    if not ok:
                        self.add(
                            nid, f"The event-based gateway's flow '{flow.id}' must lead to a catch event."
                        )
        if isinstance(node, JobTask | Event) and self.needs_job(node):
            td = node.task_definition
            if td is None or not td.type:
                self.add(nid, "Missing task type: add zeebe:taskDefinition with a type.")
            else:
                self.expression(nid, "task type", td.type)
                self.expression(nid, "retries", td.retries)
                self.job_priority(nid, td.priority)
        for header, _ in getattr(node, "headers", ()):
            if header in _RESTRICTED_HEADERS:  # Zeebe's: the engine writes these for job-based user tasks
                self.add(nid, f"Attribute 'key' may not use restricted header '{header}'.")
        if isinstance(node, UserTask):
            p = node.properties
            for what, text in (
                ("assignee", p.assignee),
                ("candidate users", p.candidate_users),
                ("candidate groups", p.candidate_groups),
                ("due date", p.due_date),
                ("follow-up date", p.follow_up_date),
                ("priority", p.priority),
            ):
                self.expression(nid, what, text)
        if isinstance(node, ScriptTask) and node.expression is not None:
            if not node.result_variable:
                self.add(nid, "The script task has no resultVariable.")
            self.expression(nid, "script", node.expression, always_feel=True)
        if isinstance(node, BusinessRuleTask) and node.called_decision is not None:
            if not node.called_decision.decision_id:
                self.add(nid, "The business rule task has no decisionId.")
            if not node.called_decision.result_variable:
                self.add(nid, "The business rule task has no resultVariable.")
            self.expression(nid, "decision id", node.called_decision.decision_id)
        if isinstance(node, CallActivity):
            if node.called_element is None or not node.called_element.process_id:
                self.add(nid, "The call activity has no zeebe:calledElement processId.")
            else:
                self.expression(nid, "called process id", node.called_element.process_id)
        if isinstance(node, SubProcess):
            self.subprocess(node)
        if (
            node.type == ElementType.RECEIVE_TASK
            and isinstance(node, Activity)
            and node.event is not None
            and node.event.reference is not None  # a dangling messageRef is reported by the parser
        ):
            self.message(nid, node.event.message_name, node.event.correlation_key, start=False)
        if isinstance(node, Event):
            self.event(node)

    def needs_job(self, node: JobTask | Event) -> bool:
        if isinstance(node, Event):
            return node.event.kind == EventKind.MESSAGE and node.type in (
                ElementType.INTERMEDIATE_THROW_EVENT,
                ElementType.END_EVENT,
            )
        if isinstance(node, ScriptTask):
            if node.expression is None and node.task_definition is None:
                self.add(node.id, "The script task needs zeebe:script (FEEL) or zeebe:taskDefinition.")
            return node.expression is None and node.task_definition is not None
        if isinstance(node, BusinessRuleTask):
            if node.called_decision is None and node.task_definition is None:
                self.add(
                    node.id, "The business rule task needs zeebe:calledDecision or zeebe:taskDefinition."
                )
            return node.called_decision is None and node.task_definition is not None
        return True

    def subprocess(self, node: SubProcess) -> None:
        if node.type == ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE:
            return  # synthetic (the parser's), checked with its ad-hoc subprocess
        if isinstance(node, AdHocSubProcess):
            self.ad_hoc(node)
            return
        starts = [c for c in node.children if self.model.elements[c].type == ElementType.START_EVENT]
        if node.triggered_by_event:
            if len(starts) != 1:
                self.add(node.id, "An event subprocess needs exactly one start event.")
            elif (start := self.model.elements[starts[0]]) and isinstance(start, StartEvent):
                if start.event.kind not in _EVENT_SUB_START_KINDS:
                    self.add(
                        start.id,
                        "An event subprocess start event needs a message, timer, signal, error or escalation definition.",
                    )
            if node.incoming or node.outgoing:
                self.add(node.id, "An event subprocess has no incoming or outgoing sequence flows.")
        elif node.start_event is None:
            self.add(node.id, "An embedded subprocess needs a none start event.")
        elif len(starts) > 1:
            self.add(node.id, "An embedded subprocess has exactly one (none) start event.")

    def ad_hoc(self, node: AdHocSubProcess) -> None:
        """Zeebe's AdHocSubProcessValidator (and the expressions its transformer parses)."""
        nid = node.id
        elements = self.model.elements
        if not node.children:
            self.add(nid, "Must have at least one activity.")
        inner = elements[node.inner_instance].children  # type: ignore[attr-defined]
        if any(elements[c].type == ElementType.START_EVENT for c in inner):
            self.add(nid, "Must not contain a start event.")
        if any(elements[c].type == ElementType.END_EVENT for c in inner):
            self.add(nid, "Must not contain an end event.")
        if node.task_definition is not None:
            if not node.cancel_remaining_instances:
                self.add(
                    nid,
                    "Must not set cancelRemainingInstances to false in combination with zeebe:taskDefinition",
                )
            if node.completion_condition is not None:
                self.add(nid, "Must not set completionCondition in combination with zeebe:taskDefinition")
            if node.active_elements_collection is not None:
                self.add(
                    nid, "Must not set activeElementsCollection in combination with zeebe:taskDefinition"
                )
            if not node.task_definition.type:
                self.add(nid, "Missing task type: add zeebe:taskDefinition with a type.")
            else:
                self.expression(nid, "task type", node.task_definition.type)
                self.expression(nid, "retries", node.task_definition.retries)
                self.job_priority(nid, node.task_definition.priority)
        self.expression(nid, "active elements collection", node.active_elements_collection, always_feel=True)
        self.expression(nid, "completion condition", node.completion_condition, always_feel=True)
        self.expression(nid, "output element", node.output_element, always_feel=True)
        if node.output_collection is not None and node.output_element is None:
            self.add(nid, "An ad-hoc subprocess with an outputCollection needs an outputElement.")

    def compensation_boundary(self, node: BoundaryEvent) -> None:
        """As Zeebe: a compensation boundary event has no outgoing flow and is associated with exactly one
        compensation handler, an activity marked isForCompensation in the same scope."""
        nid = node.id
        if node.outgoing:
            self.add(nid, "A compensation boundary event has no outgoing sequence flow.")
        handler = self.model.elements.get(node.compensation_handler or "")
        if node.compensation_handler is None:
            self.add(nid, "A compensation boundary event needs an association to its compensation handler.")
        elif handler is None or not isinstance(handler, Activity):
            self.add(nid, f"The compensation handler '{node.compensation_handler}' is not an activity.")
        elif not handler.for_compensation:
            self.add(nid, f"The compensation handler '{handler.id}' must be marked isForCompensation.")
        elif handler.scope != node.scope:
            self.add(nid, f"The compensation handler '{handler.id}' must be in the boundary event's scope.")
        host = self.model.elements.get(node.attached_to)
        if host is not None:
            count = sum(
                1
                for b in host.boundary_events
                if isinstance(e := self.model.elements.get(b), BoundaryEvent)
                and e.event.kind == EventKind.COMPENSATION
            )
            if count > 1:
                self.add(nid, "An activity has at most one compensation boundary event.")

    def compensation_ref(self, node: Event, event_subprocess: FlowNode | None) -> None:
        """activityRef names an activity with a compensation boundary event in the throw event's scope (or,
        from an event subprocess, in the scope around it)."""
        ref = node.event.activity_ref or ""
        target = self.model.elements.get(ref)
        scopes = {node.scope} if event_subprocess is None else {node.scope, event_subprocess.scope}
        if target is None or not isinstance(target, Activity):
            self.add(node.id, f"The compensation activityRef '{ref}' is not an activity.")
        elif target.scope not in scopes:
            self.add(node.id, f"The compensation activityRef '{ref}' is not in the throw event's scope.")
        elif target.compensation_handler is None:
            self.add(node.id, f"The activity '{ref}' has no compensation boundary event.")

    def message(self, nid: str, name: str | None, key: str | None, *, start: bool) -> None:
        if not name:
            self.add(nid, "The message has no name.")
        else:
            self.expression(nid, "message name", name)
        if not start:
            if not key:
                self.add(nid, "The message has no zeebe:subscription correlationKey.")
            else:
                self.expression(nid, "correlation key", key, always_feel=key.startswith("="))

    def event(self, node: Event) -> None:
        kind = node.event.kind
        nid = node.id
        scope = self.model.elements.get(node.scope)
        in_event_sub = isinstance(scope, SubProcess) and scope.triggered_by_event
        allowed: set[str]
        if node.type == ElementType.START_EVENT:
            if in_event_sub:
                allowed = _EVENT_SUB_START_KINDS
            elif scope is not None:
                allowed = {EventKind.NONE}
            else:
                allowed = _START_KINDS
        elif node.type == ElementType.END_EVENT:
            allowed = _END_KINDS
        elif node.type == ElementType.INTERMEDIATE_CATCH_EVENT:
            allowed = _CATCH_KINDS
        elif node.type == ElementType.INTERMEDIATE_THROW_EVENT:
            allowed = _THROW_KINDS
        else:
            allowed = _BOUNDARY_KINDS
        if kind not in allowed:
            label = node.type.lower().replace("_", " ")
            self.add(nid, f"Unsupported element: a {kind.lower()} {label} here.")
            return
        if isinstance(node, BoundaryEvent):
            host = self.model.elements.get(node.attached_to)
            if host is None or host.scope != node.scope:
                self.add(
                    nid,
                    f"The boundary event is attached to '{node.attached_to}', which is not an activity of its scope.",
                )
            elif not isinstance(host, Activity):
                self.add(nid, "A boundary event must be attached to an activity.")
            if node.incoming:
                self.add(nid, "A boundary event has no incoming sequence flow.")
            if kind == EventKind.ERROR and not node.cancel_activity:
                self.add(nid, "An error boundary event is always interrupting.")
            if kind == EventKind.COMPENSATION:
                self.compensation_boundary(node)
        if (
            kind == EventKind.MESSAGE
            and node.event.reference is not None  # a dangling messageRef is reported by the parser
            and node.type != ElementType.END_EVENT
            and node.type != ElementType.INTERMEDIATE_THROW_EVENT
        ):
            top_start = node.type == ElementType.START_EVENT and not in_event_sub
            self.message(nid, node.event.message_name, node.event.correlation_key, start=top_start)
        if kind == EventKind.TIMER:
            text = node.event.timer_expression
            if text and node.event.timer_type:
                if text.startswith("="):
                    self.expression(nid, "timer", text)
                else:
                    problem = timers.check(node.event.timer_type, text)
                    if problem:
                        self.add(nid, f"Invalid timer: {problem}.")
        if kind == EventKind.SIGNAL and node.event.reference is not None:
            if not node.event.signal_name:
                self.add(nid, "The signal has no name.")
            else:
                self.expression(nid, "signal name", node.event.signal_name)
        if kind == EventKind.ERROR and node.type == ElementType.END_EVENT and not node.event.error_code:
            self.add(nid, "The error end event needs an error with an errorCode.")
        if kind == EventKind.ESCALATION and node.type in (
            ElementType.END_EVENT,
            ElementType.INTERMEDIATE_THROW_EVENT,
        ):
            if not node.event.escalation_code:
                self.add(nid, "The escalation throw event needs an escalation with an escalationCode.")
        if kind == EventKind.COMPENSATION and node.event.activity_ref is not None:
            self.compensation_ref(node, scope if in_event_sub else None)
        if kind == EventKind.CONDITIONAL and node.event.condition:
            self.expression(nid, "condition", node.event.condition, always_feel=True)
        if kind == EventKind.LINK:
            if not node.event.link_name:
                self.add(nid, "The link event has no name.")
            elif (
                node.type == ElementType.INTERMEDIATE_THROW_EVENT
                and (node.scope, node.event.link_name) not in self.model.links
            ):
                self.add(nid, f"No link catch event named '{node.event.link_name}' in the same scope.")
        if node.type == ElementType.START_EVENT and node.incoming:
            self.add(nid, "A start event has no incoming sequence flow.")
