"""Parse BPMN XML into immutable ProcessModels.

The parser is lenient: it records what it cannot execute (unsupported elements, missing references) in
`ProcessModel`-independent problem lists that `validate` reports, so a file is either accepted whole or
refused with every reason at once. Collaboration, lanes, DI, data objects and annotations are ignored."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from bizdevops.engine.core.expressions import FromAiError, from_ai_parameters
from bizdevops.engine.core.model.elements import (
    INNER_INSTANCE_SUFFIX,
    Activity,
    AdHocSubProcess,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CalledDecision,
    CalledElement,
    ElementType,
    Event,
    EventDefinition,
    EventKind,
    FlowNode,
    FormDefinition,
    Gateway,
    IoMapping,
    JobTask,
    LoopCharacteristics,
    Mapping,
    ProcessModel,
    ScriptTask,
    SequenceFlow,
    StartEvent,
    SubProcess,
    TaskDefinition,
    UserTask,
    UserTaskProperties,
)
from bizdevops.xmlsafe import XmlProblem, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
_B = "{" + BPMN_NS + "}"
_Z = "{" + ZEEBE_NS + "}"

_TASK_TYPES = {
    "serviceTask": ElementType.SERVICE_TASK,
    "sendTask": ElementType.SEND_TASK,
    "userTask": ElementType.USER_TASK,
    "scriptTask": ElementType.SCRIPT_TASK,
    "businessRuleTask": ElementType.BUSINESS_RULE_TASK,
    "receiveTask": ElementType.RECEIVE_TASK,
    "manualTask": ElementType.MANUAL_TASK,
    "task": ElementType.TASK,
    "callActivity": ElementType.CALL_ACTIVITY,
    "subProcess": ElementType.SUB_PROCESS,
    "adHocSubProcess": ElementType.AD_HOC_SUB_PROCESS,
}
_GATEWAY_TYPES = {
    "exclusiveGateway": ElementType.EXCLUSIVE_GATEWAY,
    "parallelGateway": ElementType.PARALLEL_GATEWAY,
    "inclusiveGateway": ElementType.INCLUSIVE_GATEWAY,
    "eventBasedGateway": ElementType.EVENT_BASED_GATEWAY,
}
_EVENT_TYPES = {
    "startEvent": ElementType.START_EVENT,
    "endEvent": ElementType.END_EVENT,
    "intermediateCatchEvent": ElementType.INTERMEDIATE_CATCH_EVENT,
    "intermediateThrowEvent": ElementType.INTERMEDIATE_THROW_EVENT,
    "boundaryEvent": ElementType.BOUNDARY_EVENT,
}
# Executable BPMN we do not run: refused by name at deploy time.
_UNSUPPORTED = {
    "complexGateway",
    "transaction",
    "callChoreography",
    "choreographyTask",
    "subChoreography",
}
_UNSUPPORTED_DEFINITIONS = {
    "cancelEventDefinition": "cancel event",
}
# Non-executable content inside a process that is skipped silently.
_IGNORED = {
    "laneSet",
    "textAnnotation",
    "association",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "group",
    "documentation",
    "extensionElements",
    "ioSpecification",
    "property",
    "dataInputAssociation",
    "dataOutputAssociation",
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "completionCondition",  # of an ad-hoc subprocess (parse_ad_hoc reads it)
    "standardLoopCharacteristics",
    "auditing",
    "monitoring",
    "correlationSubscription",
    "resourceRole",
    "performer",
    "humanPerformer",
    "potentialOwner",
}


class BpmnParseError(Exception):
    """The file is not BPMN at all (not XML, or no definitions element)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    """Everything parse_definitions found, including the problems validate reports."""

    processes: list[ProcessModel] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _local(tag: Any) -> str | None:
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _is_bpmn(el: etree._Element) -> bool:
    return isinstance(el.tag, str) and el.tag.startswith(_B)


def _is_none_event(node: FlowNode) -> bool:
    return isinstance(node, Event) and node.event.kind == EventKind.NONE


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    text = el.text.strip()
    return text or None


def parse_bpmn(xml: str | bytes) -> list[ProcessModel]:
    """Parse a BPMN file into its processes (executable or not); raise BpmnParseError if it is not BPMN."""
    return parse_definitions(xml).processes


def parse_definitions(xml: str | bytes) -> ParsedFile:
    """Parse a BPMN file and collect structural problems (unsupported elements, bad references)."""
    try:
        root = parse_xml(xml)
    except XmlProblem as exc:
        raise BpmnParseError(str(exc)) from None
    if root.tag != _B + "definitions":
        raise BpmnParseError("The file is not BPMN 2.0: its root element is not bpmn:definitions.")
    return _DefinitionsParser(root).parse()


class _DefinitionsParser:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.result = ParsedFile()
        self.messages: dict[str, tuple[str | None, str | None]] = {}
        self.errors: dict[str, str | None] = {}
        self.escalations: dict[str, str | None] = {}
        self.signals: dict[str, str | None] = {}
        self.associations: list[tuple[str, str]] = []
        self.default_job_priority: str | None = None  # of the process being parsed

    def problem(self, element_id: str, message: str) -> None:
        self.result.problems.append((element_id, message))

    def parse(self) -> ParsedFile:
        for el in self.root:
            name = _local(el.tag)
            if not _is_bpmn(el):
                continue
            el_id = el.get("id", "")
            if name == "message":
                key = None
                sub = el.find(f"{_B}extensionElements/{_Z}subscription")
                if sub is not None:
                    key = sub.get("correlationKey")
                self.messages[el_id] = (el.get("name"), key)
            elif name == "error":
                self.errors[el_id] = el.get("errorCode")
            elif name == "escalation":
                self.escalations[el_id] = el.get("escalationCode")
            elif name == "signal":
                self.signals[el_id] = el.get("name")
        for el in self.root:
            if el.tag == _B + "process":
                self.result.processes.append(self.parse_process(el))
        return self.result

    # -- processes and scopes -------------------------------------------------------------------------------

    def parse_process(self, el: etree._Element) -> ProcessModel:
        process_id = el.get("id", "")
        forms: dict[str, str] = {}
        version_tag = None
        ext = el.find(_B + "extensionElements")
        if ext is not None:
            for form in ext.iter(_Z + "userTaskForm"):
                forms[form.get("id", "")] = (form.text or "").strip()
            tag = ext.find(_Z + "versionTag")
            if tag is not None:
                version_tag = tag.get("value") or None
        self.default_job_priority = self.job_priority(ext)
        self.check_listeners(el)
        self.forms = forms
        # associations anywhere in the process (a compensation boundary event is linked to its handler
        # by one; modelers put it in the boundary event's scope or in the process)
        self.associations = [
            (a.get("sourceRef", ""), a.get("targetRef", "")) for a in el.iter(_B + "association")
        ]
        elements: dict[str, FlowNode] = {}
        flows: dict[str, SequenceFlow] = {}
        links: dict[tuple[str, str], str] = {}
        children = self.parse_scope(el, process_id, elements, flows, links)
        top_starts = tuple(c for c in children if elements[c].type == ElementType.START_EVENT)
        none_start = next((c for c in top_starts if _is_none_event(elements[c])), None)
        subs = tuple(
            c
            for c in children
            if isinstance(elements[c], SubProcess) and elements[c].triggered_by_event  # type: ignore[attr-defined]
        )
        conditional = any(
            isinstance(e, Event)
            and e.event.kind == EventKind.CONDITIONAL
            and not (e.scope == process_id and e.type == ElementType.START_EVENT)
            for e in elements.values()
        )
        return ProcessModel(
            id=process_id,
            name=el.get("name"),
            executable=el.get("isExecutable", "true").lower() != "false",
            elements=elements,
            flows=flows,
            children=children,
            start_event=none_start,
            start_events=top_starts,
            event_subprocesses=subs,
            links=links,
            user_task_forms=forms,
            version_tag=version_tag,
            conditional=conditional,
        )

    def parse_scope(
        self,
        scope_el: etree._Element,
        scope_id: str,
        elements: dict[str, FlowNode],
        flows: dict[str, SequenceFlow],
        links: dict[tuple[str, str], str],
    ) -> tuple[str, ...]:
        """Parse the flow elements of a process or subprocess; return the ids of its direct flow nodes."""
        raw_flows: list[SequenceFlow] = []
        nodes: list[etree._Element] = []
        associations = self.associations
        for child in scope_el:
            name = _local(child.tag)
            if name is None or not _is_bpmn(child):
                continue
            if name == "sequenceFlow":
                cond = child.find(_B + "conditionExpression")
                raw_flows.append(
                    SequenceFlow(
                        id=child.get("id", ""),
                        source=child.get("sourceRef", ""),
                        target=child.get("targetRef", ""),
                        condition=_text(cond),
                        name=child.get("name"),
                    )
                )
            elif name in _TASK_TYPES or name in _GATEWAY_TYPES or name in _EVENT_TYPES:
                nodes.append(child)

            elif name in _UNSUPPORTED:
                self.problem(child.get("id", ""), f"Unsupported element: {name}.")
            elif name not in _IGNORED:
                self.problem(child.get("id", ""), f"Unsupported element: {name}.")
        outgoing: dict[str, list[SequenceFlow]] = {}
        incoming: dict[str, list[str]] = {}
        for flow in raw_flows:
            flows[flow.id] = flow
            outgoing.setdefault(flow.source, []).append(flow)
            incoming.setdefault(flow.target, []).append(flow.id)
        node_ids = {n.get("id", "") for n in nodes}
        for flow in raw_flows:
            for end, ref in (("source", flow.source), ("target", flow.target)):
                if ref not in node_ids:
                    self.problem(
                        flow.id, f"The sequence flow's {end} '{ref}' is not a flow node of this scope."
                    )
        boundaries: dict[str, list[str]] = {}
        # compensation: boundary event id -> its handler (the other end of an association), and the
        # attached activity -> that handler
        handlers: dict[str, str] = {}
        compensated: dict[str, str] = {}
        for n in nodes:
            if _local(n.tag) == "boundaryEvent":
                boundaries.setdefault(n.get("attachedToRef", ""), []).append(n.get("id", ""))
                if n.find(_B + "compensateEventDefinition") is not None:
                    bid = n.get("id", "")
                    for source, target in associations:
                        if source == bid or target == bid:
                            handlers[bid] = target if source == bid else source
                            break
                    if bid in handlers:
                        compensated.setdefault(n.get("attachedToRef", ""), handlers[bid])
        ids: list[str] = []
        for n in nodes:
            node_id = n.get("id", "")
            if not node_id:
                self.problem("", f"A {_local(n.tag)} has no id.")
                continue
            common: dict[str, Any] = {
                "id": node_id,
                "scope": scope_id,
                "name": n.get("name"),
                "incoming": tuple(incoming.get(node_id, ())),
                "outgoing": tuple(outgoing.get(node_id, ())),
                "boundary_events": tuple(boundaries.get(node_id, ())),
            }
            if node_id in compensated:
                common["compensation_handler"] = compensated[node_id]
            elif node_id in handlers:
                common["compensation_handler"] = handlers[node_id]
            if n.get("isForCompensation", "false") == "true":
                common["for_compensation"] = True
            node = self.parse_node(n, common, elements, flows, links)
            if node is None:
                continue
            if node_id in elements:
                self.problem(node_id, "Duplicate element id.")
            elements[node_id] = node
            ids.append(node_id)
            if (
                isinstance(node, Event)
                and node.event.kind == EventKind.LINK
                and node.type == ElementType.INTERMEDIATE_CATCH_EVENT
            ):
                links[(scope_id, node.event.link_name or "")] = node_id
        return tuple(ids)

    def parse_node(
        self,
        n: etree._Element,
        common: dict[str, Any],
        elements: dict[str, FlowNode],
        flows: dict[str, SequenceFlow],
        links: dict[tuple[str, str], str],
    ) -> FlowNode | None:
        name = _local(n.tag) or ""
        node_id = common["id"]
        ext = n.find(_B + "extensionElements")
        if name in _GATEWAY_TYPES:
            return Gateway(type=_GATEWAY_TYPES[name], default_flow=n.get("default"), **common)
        if name in _EVENT_TYPES:
            event = self.parse_event_definition(n, ext)
            el_type = _EVENT_TYPES[name]
            io = self.parse_io(ext)
            if event.kind == EventKind.MESSAGE and name in ("intermediateThrowEvent", "endEvent"):
                common["task_definition"] = self.parse_task_definition(ext)
                common["headers"] = self.parse_headers(ext)
            if name == "startEvent":
                return StartEvent(
                    type=el_type,
                    event=event,
                    io=io,
                    interrupting=n.get("isInterrupting", "true") != "false",
                    form=self.parse_form(ext, node_id) if event.kind == EventKind.NONE else None,
                    **common,
                )
            if name == "boundaryEvent":
                return BoundaryEvent(
                    type=el_type,
                    event=event,
                    io=io,
                    attached_to=n.get("attachedToRef", ""),
                    cancel_activity=n.get("cancelActivity", "true") != "false",
                    **common,
                )
            return Event(type=el_type, event=event, io=io, **common)
        el_type = _TASK_TYPES[name]
        activity: dict[str, Any] = {
            "type": el_type,
            "io": self.parse_io(ext),
            "loop": self.parse_loop(n),
            **common,
        }
        headers = self.parse_headers(ext)
        task_def = self.parse_task_definition(ext)
        if task_def is not None:
            # Zeebe's JobPriorityDefinitionTransformer: the task's own priority, else the process's.
            task_def = replace(task_def, priority=self.job_priority(ext) or self.default_job_priority)
        if name in ("serviceTask", "sendTask"):
            return JobTask(task_definition=task_def, headers=headers, **activity)
        if name == "scriptTask":
            script = ext.find(_Z + "script") if ext is not None else None
            return ScriptTask(
                task_definition=task_def,
                headers=headers,
                expression=script.get("expression") if script is not None else None,
                result_variable=script.get("resultVariable") if script is not None else None,
                **activity,
            )
        if name == "businessRuleTask":
            called = ext.find(_Z + "calledDecision") if ext is not None else None
            decision = (
                CalledDecision(called.get("decisionId", ""), called.get("resultVariable", ""))
                if called is not None
                else None
            )
            return BusinessRuleTask(
                task_definition=task_def, headers=headers, called_decision=decision, **activity
            )
        if name == "userTask":
            return UserTask(
                properties=self.parse_user_task(ext, node_id),
                headers=headers,
                native=ext is not None and ext.find(_Z + "userTask") is not None,
                **activity,
            )
        if name == "callActivity":
            called_el = ext.find(_Z + "calledElement") if ext is not None else None
            called_element = None
            if called_el is not None:
                called_element = CalledElement(
                    process_id=called_el.get("processId", ""),
                    propagate_all_child_variables=called_el.get("propagateAllChildVariables", "true")
                    != "false",
                    propagate_all_parent_variables=called_el.get("propagateAllParentVariables", "true")
                    != "false",
                )
            return CallActivity(called_element=called_element, **activity)
        if name == "receiveTask":
            ref = n.get("messageRef")
            return Activity(event=self.message_definition(node_id, ref), **activity)
        if name == "adHocSubProcess":
            return self.parse_ad_hoc(n, ext, activity, headers, task_def, elements, flows, links)
        if name == "subProcess":
            by_event = n.get("triggeredByEvent", "false") == "true"
            if by_event:
                activity["type"] = ElementType.EVENT_SUB_PROCESS
            children = self.parse_scope(n, node_id, elements, flows, links)
            start = next(
                (
                    c
                    for c in children
                    if isinstance(elements[c], StartEvent) and elements[c].event.kind == EventKind.NONE  # type: ignore[attr-defined]
                ),
                None,
            )
            subs = tuple(
                c
                for c in children
                if isinstance(elements[c], SubProcess) and elements[c].triggered_by_event  # type: ignore[attr-defined]
            )
            return SubProcess(
                triggered_by_event=by_event,
                children=children,
                start_event=start,
                event_subprocesses=subs,
                **activity,
            )
        return Activity(**activity)  # manual task, undefined task

    def parse_ad_hoc(
        self,
        n: etree._Element,
        ext: etree._Element | None,
        activity: dict[str, Any],
        headers: tuple[tuple[str, str], ...],
        task_def: TaskDefinition | None,
        elements: dict[str, FlowNode],
        flows: dict[str, SequenceFlow],
        links: dict[tuple[str, str], str],
    ) -> AdHocSubProcess:
        """As Zeebe's AdHocSubProcessTransformer: the inner elements belong to the inner instance element
        `<id>#innerInstance` (a synthetic scope, one instance per activation); event subprocesses stay in
        the ad-hoc subprocess itself. The activities are the inner elements without incoming flow."""
        node_id = activity["id"]
        inner_id = node_id + INNER_INSTANCE_SUFFIX
        children = self.parse_scope(n, inner_id, elements, flows, links)
        subs = tuple(
            c
            for c in children
            if isinstance(elements[c], SubProcess) and elements[c].triggered_by_event  # type: ignore[attr-defined]
        )
        for c in subs:
            elements[c] = replace(elements[c], scope=node_id)
        inner = tuple(c for c in children if c not in subs)
        activities = tuple(
            c
            for c in inner
            if not elements[c].incoming
            and elements[c].type
            not in (ElementType.START_EVENT, ElementType.END_EVENT, ElementType.BOUNDARY_EVENT)
        )
        elements[inner_id] = SubProcess(
            id=inner_id,
            type=ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE,
            scope=node_id,
            children=inner,
        )
        by_id = {c.get("id", ""): c for c in n if _is_bpmn(c)}
        metadata = tuple(self.ad_hoc_metadata(by_id[c], c) for c in activities if c in by_id)
        ad_hoc = ext.find(_Z + "adHoc") if ext is not None else None

        def attr(name: str) -> str | None:
            value = ad_hoc.get(name) if ad_hoc is not None else None
            return value.strip() or None if value is not None else None

        return AdHocSubProcess(
            children=children,
            event_subprocesses=subs,
            active_elements_collection=attr("activeElementsCollection"),
            completion_condition=(_text(n.find(_B + "completionCondition")) or "").strip() or None,
            cancel_remaining_instances=n.get("cancelRemainingInstances", "true").strip() != "false",
            output_collection=attr("outputCollection"),
            output_element=attr("outputElement"),
            activities=activities,
            inner_instance=inner_id,
            elements_metadata=metadata,
            task_definition=task_def,
            headers=headers,
            **activity,
        )

    def ad_hoc_metadata(self, el: etree._Element, element_id: str) -> dict[str, Any]:
        """One entry of `adHocSubProcessElements` (Zeebe's AdHocActivityMetadata); `parameters` are the
        fromAi() calls of the element's input mappings (null when there are none: Zeebe leaves empty
        entries out)."""
        ext = el.find(_B + "extensionElements")
        properties: dict[str, Any] | None = None
        sources: list[str] = []
        if ext is not None:
            for prop in ext.iter(_Z + "property"):
                if properties is None:
                    properties = {}
                properties[prop.get("name", "")] = prop.get("value") or None
            io = ext.find(_Z + "ioMapping")
            if io is not None:
                sources = [m.get("source", "") for m in io.iter(_Z + "input")]
        parameters: list[dict[str, Any]] = []
        try:
            parameters = from_ai_parameters(sources)
        except FromAiError as exc:
            self.problem(
                element_id, f"Failed to extract ad-hoc activity parameters for element '{element_id}'. {exc}"
            )
        documentation = _text(el.find(_B + "documentation"))
        return {
            "elementId": element_id,
            "elementName": el.get("name"),
            "documentation": documentation or None,
            "properties": properties,
            "parameters": parameters or None,
        }

    # -- extensions ------------------------------------------------------------------------------------------

    def check_listeners(self, process: etree._Element) -> None:
        """Execution and task listeners change what a model does: refuse them rather than skip them."""
        for tag, label in (
            ("executionListeners", "execution listeners"),
            ("taskListeners", "task listeners"),
        ):
            for found in process.iter(_Z + tag):
                owner = found.getparent()
                owner = owner.getparent() if owner is not None else None
                element_id = owner.get("id", "") if owner is not None else ""
                if len(found):
                    self.problem(element_id, f"Unsupported element: {label} (zeebe:{tag}).")

    def parse_io(self, ext: etree._Element | None) -> IoMapping | None:
        if ext is None:
            return None
        io = ext.find(_Z + "ioMapping")
        if io is None:
            return None
        inputs = tuple(Mapping(m.get("source", ""), m.get("target", "")) for m in io.iter(_Z + "input"))
        outputs = tuple(Mapping(m.get("source", ""), m.get("target", "")) for m in io.iter(_Z + "output"))
        return IoMapping(inputs, outputs) if inputs or outputs else None

    def parse_headers(self, ext: etree._Element | None) -> tuple[tuple[str, str], ...]:
        if ext is None:
            return ()
        return tuple((h.get("key", ""), h.get("value", "")) for h in ext.iter(_Z + "header"))

    def parse_task_definition(self, ext: etree._Element | None) -> TaskDefinition | None:
        td = ext.find(_Z + "taskDefinition") if ext is not None else None
        if td is None:
            return None
        return TaskDefinition(type=td.get("type", ""), retries=td.get("retries") or "3")

    @staticmethod
    def job_priority(ext: etree._Element | None) -> str | None:
        """zeebe:jobPriorityDefinition's priority (a literal int32 or an expression), None when absent."""
        el = ext.find(_Z + "jobPriorityDefinition") if ext is not None else None
        if el is None:
            return None
        return (el.get("priority") or "").strip() or None

    def parse_form(self, ext: etree._Element | None, node_id: str) -> FormDefinition | None:
        """zeebe:formDefinition (user tasks and none start events), as Camunda Modeler writes it."""
        form_el = ext.find(_Z + "formDefinition") if ext is not None else None
        if form_el is None:
            return None
        form_key = form_el.get("formKey")
        embedded = None
        if form_key and form_key.startswith("camunda-forms:bpmn:"):
            embedded = self.forms.get(form_key.removeprefix("camunda-forms:bpmn:"))
            if embedded is None:
                self.problem(node_id, f"The embedded form '{form_key}' is not defined in the process.")
        return FormDefinition(
            form_id=form_el.get("formId"),
            form_key=form_key,
            external_reference=form_el.get("externalReference"),
            embedded_form=embedded,
            binding_type=form_el.get("bindingType") or "latest",
            version_tag=form_el.get("versionTag"),
        )

    def parse_user_task(self, ext: etree._Element | None, node_id: str) -> UserTaskProperties:
        if ext is None:
            return UserTaskProperties()
        assignment = ext.find(_Z + "assignmentDefinition")
        schedule = ext.find(_Z + "taskSchedule")
        priority = ext.find(_Z + "priorityDefinition")
        form = self.parse_form(ext, node_id)

        def attr(el: etree._Element | None, name: str) -> str | None:
            return el.get(name) if el is not None and el.get(name) else None

        return UserTaskProperties(
            assignee=attr(assignment, "assignee"),
            candidate_users=attr(assignment, "candidateUsers"),
            candidate_groups=attr(assignment, "candidateGroups"),
            due_date=attr(schedule, "dueDate"),
            follow_up_date=attr(schedule, "followUpDate"),
            priority=attr(priority, "priority"),
            form=form,
        )

    def parse_loop(self, n: etree._Element) -> LoopCharacteristics | None:
        lc = n.find(_B + "multiInstanceLoopCharacteristics")
        if lc is None:
            if n.find(_B + "standardLoopCharacteristics") is not None:
                self.problem(
                    n.get("id", ""), "Unsupported element: standardLoopCharacteristics (use multi-instance)."
                )
            return None
        zl = lc.find(f"{_B}extensionElements/{_Z}loopCharacteristics")
        cond = _text(lc.find(_B + "completionCondition"))
        if zl is None:
            self.problem(
                n.get("id", ""), "A multi-instance activity needs zeebe:loopCharacteristics inputCollection."
            )
            return LoopCharacteristics(sequential=lc.get("isSequential") == "true", input_collection="")
        return LoopCharacteristics(
            sequential=lc.get("isSequential", "false") == "true",
            input_collection=zl.get("inputCollection", ""),
            input_element=zl.get("inputElement") or None,
            output_collection=zl.get("outputCollection") or None,
            output_element=zl.get("outputElement") or None,
            completion_condition=cond,
        )

    def message_definition(self, node_id: str, ref: str | None) -> EventDefinition:
        if not ref or ref not in self.messages:
            self.problem(node_id, f"The message reference '{ref or ''}' does not point to a bpmn:message.")
            return EventDefinition(EventKind.MESSAGE)  # no reference: validate does not report it twice
        msg_name, key = self.messages[ref]
        return EventDefinition(EventKind.MESSAGE, message_name=msg_name, correlation_key=key, reference=ref)

    def conditional_definition(self, node_id: str, d: etree._Element) -> EventDefinition:
        """bpmn:condition (FEEL) and zeebe:conditionalFilter variableEvents (and the older variableNames);
        without variableNames the variables the condition reads decide which changes re-evaluate it."""
        condition = _text(d.find(_B + "condition"))
        if not condition:
            self.problem(node_id, "The conditional event has no condition (bpmn:condition).")
            return EventDefinition(EventKind.CONDITIONAL)
        names: tuple[str, ...] = ()
        events: tuple[str, ...] = ()
        flt = d.find(f"{_B}extensionElements/{_Z}conditionalFilter")
        if flt is not None:
            events = tuple(e.strip() for e in (flt.get("variableEvents") or "").split(",") if e.strip())
            for event in events:
                if event not in ("create", "update"):
                    self.problem(
                        node_id,
                        f"The conditional filter's variableEvents '{flt.get('variableEvents')}' may only "
                        "contain 'create' and 'update'.",
                    )
                    break
            names = tuple(n.strip() for n in (flt.get("variableNames") or "").split(",") if n.strip())
        if not names:
            # imported here so that parsing works without the FEEL package (as validate.py's checks)
            from bizdevops.engine.core.expressions import condition_variables

            names = condition_variables(condition)
        return EventDefinition(
            EventKind.CONDITIONAL, condition=condition, variable_names=names, variable_events=events
        )

    def parse_event_definition(self, n: etree._Element, ext: etree._Element | None) -> EventDefinition:
        node_id = n.get("id", "")
        defs = [c for c in n if _is_bpmn(c) and (_local(c.tag) or "").endswith("EventDefinition")]
        if not defs:
            return EventDefinition(EventKind.NONE)
        if len(defs) > 1:
            self.problem(node_id, "Unsupported: an event with several event definitions (multiple event).")
        d = defs[0]
        kind = _local(d.tag) or ""
        if kind in _UNSUPPORTED_DEFINITIONS:
            self.problem(node_id, f"Unsupported element: {_UNSUPPORTED_DEFINITIONS[kind]} ({kind}).")
            return EventDefinition(EventKind.NONE)
        if kind == "messageEventDefinition":
            return self.message_definition(node_id, d.get("messageRef"))
        if kind == "timerEventDefinition":
            for tag, timer_type in (
                ("timeDuration", "duration"),
                ("timeDate", "date"),
                ("timeCycle", "cycle"),
            ):
                value = _text(d.find(_B + tag))
                if value:
                    return EventDefinition(EventKind.TIMER, timer_type=timer_type, timer_expression=value)
            self.problem(node_id, "The timer event has no timeDuration, timeDate or timeCycle.")
            return EventDefinition(EventKind.TIMER)
        if kind == "signalEventDefinition":
            ref = d.get("signalRef")
            if not ref or ref not in self.signals:
                self.problem(node_id, f"The signal reference '{ref or ''}' does not point to a bpmn:signal.")
                return EventDefinition(EventKind.SIGNAL)
            return EventDefinition(EventKind.SIGNAL, signal_name=self.signals[ref], reference=ref)
        if kind == "errorEventDefinition":
            ref = d.get("errorRef")
            if ref and ref not in self.errors:
                self.problem(node_id, f"The error reference '{ref}' does not point to a bpmn:error.")
            return EventDefinition(
                EventKind.ERROR, error_code=self.errors.get(ref) if ref else None, reference=ref
            )
        if kind == "escalationEventDefinition":
            ref = d.get("escalationRef")
            if ref and ref not in self.escalations:
                self.problem(
                    node_id, f"The escalation reference '{ref}' does not point to a bpmn:escalation."
                )
            code = self.escalations.get(ref) if ref else None
            return EventDefinition(EventKind.ESCALATION, escalation_code=code, reference=ref)
        if kind == "terminateEventDefinition":
            return EventDefinition(EventKind.TERMINATE)
        if kind == "compensateEventDefinition":
            return EventDefinition(EventKind.COMPENSATION, activity_ref=d.get("activityRef") or None)
        if kind == "linkEventDefinition":
            return EventDefinition(EventKind.LINK, link_name=d.get("name"))
        if kind == "conditionalEventDefinition":
            return self.conditional_definition(node_id, d)
        self.problem(node_id, f"Unsupported element: {kind}.")
        return EventDefinition(EventKind.NONE)
