"""Process instance modification with Zeebe's rules (ProcessInstanceModificationModifyProcessor).

One command, one unit of work on the locked instance:
1. Move instructions become terminate + activate pairs; terminate-by-id becomes one instruction per active
   instance of the element.
2. Everything is validated before anything changes: unknown or unsupported elements (start events, boundary
   events, events after an event-based gateway), unknown element instance keys, variable scopes that are
   not the element or one of its flow scopes, ancestors that are not active or not a flow scope of the
   element, and activations inside a flow scope instance that is being terminated. Any problem is an
   InvalidArgument and nothing is written.
3. Activate instructions, in order: each flow scope of the element is reused when exactly one active
   instance exists (or the one the ancestor selects) or created (ACTIVATING, its variables, ACTIVATED, its
   event subscriptions; no input mappings, no start event, as in Zeebe). Creating a multi-instance body or
   an instance inside one is refused, as is a flow scope with several active instances and no ancestor.
   The element itself is activated after the terminations, like Zeebe's ACTIVATE_ELEMENT command.
4. Terminate instructions, in order: the element instance ends with its children, jobs, tasks and
   subscriptions; a flow scope left with no active element instance and no pending activation is
   terminated too, up to the process instance (which then ends as TERMINATED). A called instance may not
   be terminated that way: modify its parent instead."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import (
    boundary_catches,
    event_subprocess_catches,
    open_subscriptions,
)
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import set_local
from bizdevops.engine.core.commands import (
    ActivateInstruction,
    ModifyProcessInstance,
    MoveInstruction,
    TerminateInstruction,
    VariableInstruction,
)
from bizdevops.engine.core.errors import InvalidArgument, NotFound
from bizdevops.engine.core.lifecycle import ACTIVATED, ACTIVATING, COMPLETING
from bizdevops.engine.core.model.elements import (
    ElementType,
    FlowNode,
    ProcessModel,
    StartEvent,
    SubProcess,
)
from bizdevops.engine.core.state import ElementInstance, InstanceStatus

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing
    from bizdevops.engine.core.runtime import Engine

_UNSUPPORTED = (ElementType.START_EVENT, ElementType.BOUNDARY_EVENT)
_ALIVE = (ACTIVATING, ACTIVATED, COMPLETING)


def modify(engine: Engine, command: ModifyProcessInstance) -> None:
    """Run a modification as one unit on the locked instance (see the module docstring)."""
    from bizdevops.engine.core.runtime import _check_variables

    if not (command.activate or command.terminate or command.move):
        raise InvalidArgument("The modification has no instructions.")
    instructions: list[ActivateInstruction | MoveInstruction] = [*command.activate, *command.move]
    for instruction in instructions:
        for vi in instruction.variable_instructions:
            if problem := _check_variables(vi.variables):
                raise InvalidArgument(problem)

    def handle(ctx: Processing) -> None:
        Modification(ctx, command).run()

    engine._on_instance(command.process_instance_key, handle)


def flow_scope_ids(model: ProcessModel, element_id: str) -> list[str]:
    """The ids of an element's flow scopes, innermost first, ending with the process id."""
    ids: list[str] = []
    current = model.elements[element_id].scope
    while True:
        ids.append(current)
        if current == model.id or current not in model.elements:
            return ids
        current = model.elements[current].scope


class Modification:
    def __init__(self, ctx: Processing, command: ModifyProcessInstance) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.model = ctx.model
        self.command = command
        self.process_id = ctx.model.id

    # -- the whole command -----------------------------------------------------------------------------

    def run(self) -> None:
        state = self.state
        if state.status != InstanceStatus.ACTIVE:
            raise NotFound(f"The process instance {state.key} is not active.")
        activate, terminate = self._expand()
        self._validate(activate, terminate)
        activated: list[dict[str, Any]] = []
        for instruction in activate:
            scope_keys = self._activate(instruction)
            activated.append({"elementId": instruction.element_id, "ancestorScopeKeys": scope_keys})
        terminated: list[int] = []
        for key in terminate:
            ei = state.elements.get(key)
            if ei is None or ei.state not in _ALIVE:
                continue  # ended already with an instance terminated before it
            terminated.append(key)
            if ei.flow_scope_key is None and state.parent_instance_key is not None:
                raise InvalidArgument(self._called_instance_message())
            scope_key = ei.flow_scope_key
            self.ctx.terminate(ei)
            self._terminate_empty_scopes(scope_key)
        self.ctx.record(
            "PROCESS_INSTANCE_MODIFICATION",
            "MODIFIED",
            state.elements.get(state.key),
            {
                "activateInstructions": activated,
                "terminateInstructions": [{"elementInstanceKey": k} for k in terminated],
            },
        )

    # -- instructions --------------------------------------------------------------------------------

    def _expand(self) -> tuple[list[ActivateInstruction], list[int]]:
        """Move instructions and terminate-by-id as plain activate instructions and instance keys."""
        state = self.state
        activate = list(self.command.activate)
        terminate: list[int] = []
        unknown: list[str] = []
        for t in self.command.terminate:
            terminate.extend(self._terminate_keys(t, unknown))
        for move in self.command.move:
            sources = self._terminate_keys(
                TerminateInstruction(move.source_element_instance_key, move.source_element_id), unknown
            )
            for source_key in sources:
                source = state.elements.get(source_key)
                if source is None:
                    continue
                ancestor: int | None = move.ancestor_key
                if move.ancestor == "sourceParent":
                    ancestor = source.flow_scope_key
                elif move.ancestor == "inferred":
                    ancestor = self._inferred_ancestor(source, move.target_element_id)
                elif move.ancestor != "direct":
                    raise InvalidArgument(
                        f"Unknown ancestor scope type '{move.ancestor}' (expected direct, inferred or "
                        "sourceParent)."
                    )
                terminate.append(source_key)
                activate.append(
                    ActivateInstruction(move.target_element_id, ancestor, move.variable_instructions)
                )
        if unknown:
            raise InvalidArgument(
                f"Expected to modify instance of process '{self.process_id}' but it contains one or more "
                f"terminate instructions with an element instance that could not be found: "
                f"'{', '.join(unknown)}'"
            )
        return activate, list(dict.fromkeys(terminate))

    def _terminate_keys(self, instruction: TerminateInstruction, unknown: list[str]) -> list[int]:
        state = self.state
        if instruction.element_instance_key is not None:
            key = instruction.element_instance_key
            ei = state.elements.get(key)
            if ei is None or ei.state not in _ALIVE:
                unknown.append(str(key))
                return []
            return [key]
        if instruction.element_id:
            # every active instance of the element; for a multi-instance activity its body (the inner
            # instances end with it)
            return [
                ei.key
                for ei in sorted(state.elements.values(), key=lambda e: e.key)
                if ei.element_id == instruction.element_id
                and ei.state in _ALIVE
                and ei.flow_scope_key is not None
                and not self._is_inner(ei)
            ]
        raise InvalidArgument("A terminate instruction needs an elementInstanceKey or an elementId.")

    def _is_inner(self, ei: ElementInstance) -> bool:
        scope = self.state.elements.get(ei.flow_scope_key) if ei.flow_scope_key is not None else None
        return (
            scope is not None
            and scope.element_type == ElementType.MULTI_INSTANCE_BODY
            and scope.element_id == ei.element_id
        )

    def _inferred_ancestor(self, source: ElementInstance, target_id: str) -> int | None:
        """The nearest instance in the source's ancestry that is a flow scope of the target element."""
        if target_id not in self.model.elements:
            return None  # reported by validation
        scopes = set(flow_scope_ids(self.model, target_id))
        key = source.flow_scope_key
        while key is not None:
            ei = self.state.elements.get(key)
            if ei is None:
                return None
            if ei.element_id in scopes:
                return ei.key
            key = ei.flow_scope_key
        return None

    # -- validation ----------------------------------------------------------------------------------

    def _validate(self, activate: list[ActivateInstruction], terminate: list[int]) -> None:
        model = self.model
        prefix = f"Expected to modify instance of process '{self.process_id}' but it contains one or more"
        missing = [i.element_id for i in activate if i.element_id not in model.elements]
        if missing:
            raise InvalidArgument(
                f"{prefix} activate instructions with an element that could not be found: "
                f"'{', '.join(dict.fromkeys(missing))}'"
            )
        after_gateway = [
            i.element_id for i in activate if self._after_event_based_gateway(model.elements[i.element_id])
        ]
        if after_gateway:
            raise InvalidArgument(
                f"{prefix} activate instructions for elements that are unsupported: "
                f"'{', '.join(dict.fromkeys(after_gateway))}'. The activation of events belonging to an "
                "event-based gateway is not supported."
            )
        unsupported = [i.element_id for i in activate if model.elements[i.element_id].type in _UNSUPPORTED]
        if unsupported:
            types = sorted({model.elements[e].type for e in unsupported})
            raise InvalidArgument(
                f"{prefix} activate instructions for elements that are unsupported: "
                f"'{', '.join(dict.fromkeys(unsupported))}'. The activation of elements with type "
                f"'{', '.join(types)}' is not supported (start events, boundary events and sequence flows "
                "cannot be activated)."
            )
        unknown_scopes = [
            vi.scope_id
            for i in activate
            for vi in i.variable_instructions
            if vi.scope_id and vi.scope_id != model.id and vi.scope_id not in model.elements
        ]
        if unknown_scopes:
            raise InvalidArgument(
                f"{prefix} variable instructions with a scope element id that could not be found: "
                f"'{', '.join(dict.fromkeys(unknown_scopes))}'"
            )
        for i in activate:
            scopes = flow_scope_ids(model, i.element_id)
            for vi in i.variable_instructions:
                if vi.scope_id and vi.scope_id != i.element_id and vi.scope_id not in scopes:
                    raise InvalidArgument(
                        f"{prefix} variable instructions with a scope element ('{vi.scope_id}') that doesn't "
                        f"belong to the activating element's ('{i.element_id}') flow scope. These variables "
                        "should be set before or after the modification."
                    )
        inside_ad_hoc = [
            i.element_id
            for i in activate
            if model.elements[i.element_id].type == ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE
            or any(
                model.elements[s].type == ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE
                for s in flow_scope_ids(model, i.element_id)
                if s in model.elements
            )
        ]
        if inside_ad_hoc:
            # not supported here: each activation needs its own inner instance of the ad-hoc subprocess
            raise InvalidArgument(
                f"{prefix} activate instructions for elements that are unsupported: "
                f"'{', '.join(dict.fromkeys(inside_ad_hoc))}'. Elements inside an ad-hoc sub-process are "
                "activated through the ad-hoc sub-process (POST /v2/element-instances/ad-hoc-activities/"
                "{adHocSubProcessInstanceKey}/activation)."
            )
        self._validate_ancestors(activate, prefix)
        conflicts: list[str] = []
        for key in terminate:
            ended = self.state.elements[key]
            for i in activate:
                if i.ancestor_key is not None:
                    clash = i.ancestor_key == key
                else:
                    clash = ended.element_id in flow_scope_ids(model, i.element_id)
                if clash:
                    conflicts.append(
                        f"element '{i.element_id}' requires flow scope instance '{key}' which is being "
                        "terminated"
                    )
        if conflicts:
            raise InvalidArgument(
                f"{prefix} activate instructions for elements whose required flow scope instance is also "
                f"being terminated: {', '.join(conflicts)}. Please provide a valid ancestor scope key for "
                "the activation or avoid terminating the required flow scope."
            )

    def _validate_ancestors(self, activate: list[ActivateInstruction], prefix: str) -> None:
        elements = self.state.elements
        bad = [
            str(i.ancestor_key)
            for i in activate
            if i.ancestor_key is not None
            and (i.ancestor_key not in elements or elements[i.ancestor_key].state != ACTIVATED)
        ]
        if bad:
            raise InvalidArgument(
                f"{prefix} activate instructions with an ancestor scope key that does not exist, or is not "
                f"in an active state: '{', '.join(dict.fromkeys(bad))}'"
            )
        wrong = [
            f"instance '{i.ancestor_key}' of element '{elements[i.ancestor_key].element_id}' is not an "
            f"ancestor of element '{i.element_id}'"
            for i in activate
            if i.ancestor_key is not None
            and elements[i.ancestor_key].element_id not in flow_scope_ids(self.model, i.element_id)
        ]
        if wrong:
            raise InvalidArgument(
                f"{prefix} activate instructions with an ancestor scope key that is not an ancestor of the "
                f"element to activate: {'; '.join(wrong)}"
            )

    def _after_event_based_gateway(self, element: FlowNode) -> bool:
        for flow_id in element.incoming:
            flow = self.model.flows.get(flow_id)
            if flow is not None:
                source = self.model.elements.get(flow.source)
                if source is not None and source.type == ElementType.EVENT_BASED_GATEWAY:
                    return True
        return False

    # -- activation ------------------------------------------------------------------------------------

    def _activate(self, instruction: ActivateInstruction) -> list[int]:
        """Find or create the flow scopes, set variables, queue the element's activation; returns the keys
        of the flow scope instances used."""
        ctx = self.ctx
        model = self.model
        element = model.elements[instruction.element_id]
        # outermost first: the process, then each subprocess (a multi-instance one as body + inner instance)
        specs: list[tuple[str, bool]] = []
        for scope_id in reversed(flow_scope_ids(model, element.id)):
            if scope_id == model.id:
                continue
            scope_element = model.elements[scope_id]
            if scope_element.loop is not None:
                specs.append((scope_id, True))
            specs.append((scope_id, False))
        root = self.state.elements[self.state.key]
        self._set_variables(instruction.variable_instructions, model.id, root.key)
        used = [root.key]
        scope = root
        ancestor = instruction.ancestor_key
        for index, (scope_id, body) in enumerate(specs):
            found = self._reusable(scope, scope_id, body, ancestor)
            if found is None:
                inside_body = index > 0 and specs[index - 1][1]
                if body or inside_body:
                    raise InvalidArgument(
                        f"Expected to modify instance of process '{self.process_id}' but it contains one or "
                        f"more activate instructions that would result in the activation of multi-instance "
                        f"element '{scope_id}', which is currently unsupported."
                    )
                found = self._create_scope(model.elements[scope_id], scope)
                self._set_variables(instruction.variable_instructions, scope_id, found.key)
            else:
                self._set_variables(instruction.variable_instructions, scope_id, found.key)
            used.append(found.key)
            scope = found
        key = ctx.next_key()
        self._set_variables(instruction.variable_instructions, element.id, key)
        scope.active_flows += 1  # a pending token: the scope must not complete (or be ended) before it
        scope_key = scope.key
        ctx.later(lambda: self._activate_element(element, scope_key, key))
        return used

    def _reusable(
        self, parent: ElementInstance, scope_id: str, body: bool, ancestor: int | None
    ) -> ElementInstance | None:
        """Zeebe's findReusableSubprocessInstanceKey: the instance of a flow scope to activate in, or None
        to create one (raises when it cannot choose)."""
        elements = self.state.elements
        candidates = [
            ei
            for ei in elements.values()
            if ei.flow_scope_key == parent.key
            and ei.element_id == scope_id
            and (ei.element_type == ElementType.MULTI_INSTANCE_BODY) == body
            and ei.state == ACTIVATED
        ]
        if not candidates:
            return None
        if len(candidates) == 1:
            only = candidates[0]
            if ancestor is not None and self._is_ancestor(ancestor, only):
                return None  # the selected ancestor asks for a new instance below it
            return only
        if ancestor is not None:
            for ei in candidates:
                if ei.key == ancestor:
                    return ei
            if any(self._is_ancestor(ancestor, ei) for ei in candidates):
                return None
            selected = elements.get(ancestor)
            if selected is not None:
                for ei in candidates:
                    if self._is_ancestor(ei.key, selected):
                        return ei
        raise InvalidArgument(
            f"Expected to modify instance of process '{self.process_id}' but it contains one or more "
            f"activate instructions for an element that has a flow scope with more than one active instance: "
            f"'{scope_id}'. Can't decide in which instance of the flow scope the element should be "
            "activated. Please specify an ancestor element instance key for this activate instruction."
        )

    def _is_ancestor(self, ancestor_key: int, ei: ElementInstance) -> bool:
        key = ei.flow_scope_key
        while key is not None:
            if key == ancestor_key:
                return True
            scope = self.state.elements.get(key)
            key = scope.flow_scope_key if scope is not None else None
        return False

    def _create_scope(self, element: FlowNode, parent: ElementInstance) -> ElementInstance:
        """A flow scope instance as Zeebe's modification creates it: ACTIVATING, ACTIVATED, then its event
        subscriptions (boundary events, event subprocess starts); no input mappings, no start event."""
        ctx = self.ctx
        ei = ElementInstance(ctx.next_key(), element.id, element.type, None, parent.key)  # type: ignore[arg-type]
        parent.active_children += 1
        self.state.elements[ei.key] = ei
        ctx.transition(ei, ACTIVATING)
        ctx.transition(ei, ACTIVATED)
        catches = boundary_catches(ctx, element)
        if isinstance(element, SubProcess) and element.event_subprocesses:
            catches.extend(event_subprocess_catches(ctx, element.event_subprocesses))
        try:
            open_subscriptions(ctx, ei, catches)
        except IncidentRaised as exc:
            raise InvalidArgument(
                f"Expected to subscribe to catch event(s) of '{element.id}' but {exc.message}"
            ) from None
        return ei

    def _set_variables(
        self, instructions: Iterable[VariableInstruction], scope_id: str, scope_key: int
    ) -> None:
        for vi in instructions:
            if vi.scope_id == scope_id or (not vi.scope_id and scope_id == self.model.id):
                for name, value in vi.variables.items():
                    set_local(self.ctx, scope_key, name, value)

    def _activate_element(self, element: FlowNode, scope_key: int, key: int) -> None:
        """The queued activation of the instruction's element (Zeebe's ACTIVATE_ELEMENT command)."""
        ctx = self.ctx
        state = self.state
        scope = state.elements.get(scope_key)
        if scope is None or scope.state != ACTIVATED:
            state.variables.pop(key, None)
            return
        scope.active_flows -= 1
        el_type = ElementType.MULTI_INSTANCE_BODY if element.loop is not None else element.type
        ei = ElementInstance(key, element.id, el_type, None, scope_key)  # type: ignore[arg-type]
        scope.active_children += 1
        state.elements[key] = ei
        if el_type == ElementType.EVENT_SUB_PROCESS and isinstance(element, SubProcess):
            # activated directly: it starts at its start event, without interrupting its scope
            start = next(c for c in element.children if isinstance(self.model.elements[c], StartEvent))
            ei.payload = {"eventSubprocess": element.id, "start": start, "variables": {}}
        ctx.transition(ei, ACTIVATING)
        ctx._run_activate(ctx.registry[el_type], element, ei)

    # -- termination -----------------------------------------------------------------------------------

    def _terminate_empty_scopes(self, scope_key: int | None) -> None:
        """Zeebe's terminateFlowScopes: a scope left without active element instances or pending tokens
        is terminated, up to the process instance."""
        state = self.state
        while scope_key is not None:
            scope = state.elements.get(scope_key)
            if scope is None or scope.state != ACTIVATED or scope.active_children or scope.joins:
                return
            # a pending token holds the scope, except in a multi-instance body: there it is only the body's
            # own next inner instance, which Zeebe's modification does not start (the body ends instead)
            if scope.active_flows and scope.element_type != ElementType.MULTI_INSTANCE_BODY:
                return
            if scope.flow_scope_key is None and state.parent_instance_key is not None:
                raise InvalidArgument(self._called_instance_message())
            scope_key = scope.flow_scope_key
            self.ctx.terminate(scope)

    def _called_instance_message(self) -> str:
        return (
            f"Expected to modify instance of process '{self.process_id}' but the given instructions would "
            "terminate the instance. The instance was created by a call activity in the parent process. "
            "To terminate this instance please modify the parent process instead."
        )
