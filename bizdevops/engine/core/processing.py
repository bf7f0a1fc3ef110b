"""One unit of work on one process instance.

`Processing` holds the loaded instance state, a FIFO queue of internal steps (activate / complete /
terminate an element instance, trigger an event) and the `Effects` being produced. Steps run in FIFO order,
like the commands on Zeebe's log, so the history of a parallel fork interleaves as it does in Zeebe. The
element-specific work lives in the processors of the registry; this class holds the mechanics every element
shares: lifecycle transitions, sequence flows and joins, scope completion and termination, incidents,
event subscriptions and the propagation of errors and escalations."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core import lifecycle
from bizdevops.engine.core.behaviors import compensation, message_start
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import set_local
from bizdevops.engine.core.commands import ChildInstanceFinished, ThrowInParent
from bizdevops.engine.core.errors import RunawayInstance
from bizdevops.engine.core.events import Effects
from bizdevops.engine.core.lifecycle import (
    ACTIVATED,
    ACTIVATING,
    COMPLETED,
    COMPLETING,
    SEQUENCE_FLOW_TAKEN,
    TERMINATED,
    TERMINATING,
)
from bizdevops.engine.core.model.elements import (
    BoundaryEvent,
    ElementType,
    EventKind,
    FlowNode,
    ProcessModel,
    SequenceFlow,
    StartEvent,
    SubProcess,
)
from bizdevops.engine.core.records import (
    HistoryRecord,
    IncidentRecord,
    IncidentState,
    ProcessDefinition,
)
from bizdevops.engine.core.state import ElementInstance, InstanceState, InstanceStatus

if TYPE_CHECKING:
    from bizdevops.engine.core.registry import ElementProcessor
    from bizdevops.engine.core.runtime import Engine

_ACTIVATE = 0
_COMPLETE = 1
_TERMINATE = 2
_TRIGGER = 3
_CALL = 4

MAX_STEPS = 500_000  # per unit of work; about a second of processing
_CHECK = lifecycle.TRANSITIONS
_new_record = tuple.__new__
_JOIN_TYPES = (ElementType.PARALLEL_GATEWAY, ElementType.INCLUSIVE_GATEWAY)
_ALIVE = (ACTIVATING, ACTIVATED, COMPLETING)


class Processing:
    """Processes steps for one instance; fills `effects`. Never touches the Store except to read."""

    def __init__(
        self,
        engine: Engine,
        state: InstanceState,
        model: ProcessModel,
        definition: ProcessDefinition,
        now: int,
        effects: Effects,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.next_key = engine.keys.next_key
        self.registry = engine.registry
        self.state = state
        self.model = model
        self.elements = model.elements
        self.definition = definition
        self.now = now
        self.effects = effects
        self.history = effects.history.append
        self.queue: deque[tuple[Any, ...]] = deque()
        self.record_variables = engine.record_variables
        self.messages_touched: dict[int, Any] = {}  # buffered messages correlated in this unit
        # conditional events (behaviors/conditionals.py): only for processes that have some inside
        self.conditional = model.conditional
        self.conditional_changes: list[tuple[int, str, bool]] | None = None
        self.conditional_opened: dict[int, int] | None = None
        self._instance_key = state.key
        self._definition_key = definition.key
        self._process_id = definition.bpmn_process_id

    # -- the step loop -----------------------------------------------------------------------------------

    def run(self) -> None:
        elements = self.state.elements
        steps = 0
        while self.queue:
            steps += 1
            if steps > MAX_STEPS:
                # a loop without a wait state would hold the instance lock forever: fail the command
                raise RunawayInstance(
                    f"Process instance {self.state.key} ran more than {MAX_STEPS} steps without reaching a "
                    "wait state (a loop without a task or event?)."
                )
            step = self.queue.popleft()
            op = step[0]
            if op == _ACTIVATE:
                self._activate(step[1], step[2], step[3], step[4], step[5])
            elif op == _COMPLETE:
                ei = elements.get(step[1])
                # a container that got a new token since the step was queued is not done after all
                if (
                    ei is not None
                    and ei.state == ACTIVATED
                    and not ei.active_children
                    and not ei.active_flows
                ):
                    self._complete(ei)
            elif op == _TERMINATE:
                ei = elements.get(step[1])
                if ei is not None and ei.state in _ALIVE:
                    self.terminate(ei)
            elif op == _TRIGGER:
                self.trigger(step[1], step[2], step[3])
            else:
                step[1]()

    def later(self, fn: Callable[[], None]) -> None:
        """Run a callable as its own step, after what is already queued."""
        self.queue.append((_CALL, fn))

    def next(self, fn: Callable[[], None]) -> None:
        """Run a callable as its own step, before what is already queued (right after the current step)."""
        self.queue.appendleft((_CALL, fn))

    # -- history -----------------------------------------------------------------------------------------

    def transition(self, ei: ElementInstance, new_state: str) -> None:
        if new_state not in _CHECK[ei.state]:
            lifecycle.check_transition(ei.element_id, ei.state, new_state)
        ei.state = new_state
        # tuple.__new__ skips NamedTuple's keyword wrapper: this runs ~25 times per simple instance
        self.history(
            _new_record(
                HistoryRecord,
                (
                    self._instance_key,
                    ei.element_id,
                    ei.element_type,
                    ei.key,
                    new_state,
                    self.now,
                    ei.flow_scope_key,
                    self._definition_key,
                    self._process_id,
                    "PROCESS_INSTANCE",
                    None,
                ),
            )
        )

    def record(self, value_type: str, intent: str, ei: ElementInstance | None, data: dict[str, Any]) -> None:
        """A non-lifecycle history record (job, user task, incident, variable, message...)."""
        self.history(
            HistoryRecord(
                self.state.key,
                ei.element_id if ei is not None else "",
                ei.element_type if ei is not None else "",
                ei.key if ei is not None else 0,
                intent,
                self.now,
                ei.flow_scope_key if ei is not None else None,
                self.definition.key,
                self.definition.bpmn_process_id,
                value_type,
                data,
            )
        )

    def variable_event(self, scope_key: int, name: str, value: Any, *, created: bool) -> None:
        if self.record_variables:
            self.history(
                HistoryRecord(
                    self.state.key,
                    name,
                    "VARIABLE",
                    scope_key,
                    "CREATED" if created else "UPDATED",
                    self.now,
                    None,
                    self.definition.key,
                    self.definition.bpmn_process_id,
                    "VARIABLE",
                    {"name": name, "value": value, "scopeKey": scope_key},
                )
            )

    # -- activation ----------------------------------------------------------------------------------------

    def activate_later(
        self,
        element: FlowNode,
        scope_key: int,
        consumed: int = 0,
        payload: dict[str, Any] | None = None,
        inner: tuple[int, Any] | None = None,
    ) -> None:
        """Queue the activation of an element in a scope. `consumed` = tokens already counted in the scope's
        active_flows (taken sequence flows); with 0, the pending activation itself is counted as a token so
        that the scope cannot complete before it happens."""
        if not consumed:
            scope = self.state.elements.get(scope_key)
            if scope is not None:
                scope.active_flows += 1
                consumed = 1
        self.queue.append((_ACTIVATE, element, scope_key, consumed, payload, inner))

    def create_root(self, payload: dict[str, Any] | None = None) -> ElementInstance:
        ei = ElementInstance(self.state.key, self.model.id, ElementType.PROCESS, None, None)  # type: ignore[arg-type]
        self.state.elements[ei.key] = ei
        ei.payload = payload
        self.transition(ei, ACTIVATING)
        self._run_activate(self.registry[ElementType.PROCESS], None, ei)
        return ei

    def _activate(
        self,
        element: FlowNode,
        scope_key: int,
        consumed: int,
        payload: dict[str, Any] | None,
        inner: tuple[int, Any] | None,
    ) -> None:
        scope = self.state.elements.get(scope_key)
        if scope is None or scope.state != ACTIVATED or scope.ending:
            return  # the scope was terminated or is being ended meanwhile: the token is gone
        if consumed:
            scope.active_flows -= consumed
        el_type = element.type
        if element.loop is not None and inner is None:
            el_type = ElementType.MULTI_INSTANCE_BODY
        ei = ElementInstance(self.next_key(), element.id, el_type, None, scope_key)  # type: ignore[arg-type]
        scope.active_children += 1
        self.state.elements[ei.key] = ei
        if payload is not None:
            ei.payload = payload
        if element.for_compensation and inner is None:
            compensation.handler_activating(self, element, ei)
        if inner is not None:
            index, item = inner
            ei.loop_counter = index + 1
            loop = element.loop
            assert loop is not None
            # the inner instance's local variables (set_local records them and tells conditional events)
            if loop.input_element:
                set_local(self, ei.key, loop.input_element, item)
            set_local(self, ei.key, "loopCounter", index + 1)
        self.transition(ei, ACTIVATING)
        self._run_activate(self.registry[el_type], element, ei)

    def _run_activate(
        self, processor: ElementProcessor, element: FlowNode | None, ei: ElementInstance
    ) -> None:
        try:
            processor.activate(self, element if element is not None else self.model, ei)  # type: ignore[arg-type]
        except IncidentRaised as exc:
            self.close_subscriptions(ei)
            self.raise_incident(ei, exc.error_type, exc.message)

    def activated(self, ei: ElementInstance) -> None:
        """Transition to ACTIVATED (processors call this once their activation work is done)."""
        self.transition(ei, ACTIVATED)

    # -- completion ----------------------------------------------------------------------------------------

    def complete_later(self, ei: ElementInstance) -> None:
        self.queue.append((_COMPLETE, ei.key))

    def _complete(self, ei: ElementInstance) -> None:
        self.transition(ei, COMPLETING)
        self._run_complete(ei)

    def _run_complete(self, ei: ElementInstance) -> None:
        element = self.model if ei.element_type == ElementType.PROCESS else self.elements[ei.element_id]
        try:
            self.registry[ei.element_type].complete(self, element, ei)  # type: ignore[arg-type]
        except IncidentRaised as exc:
            self.raise_incident(ei, exc.error_type, exc.message)

    def completed(
        self, ei: ElementInstance, flows: tuple[SequenceFlow, ...] | list[SequenceFlow] | None = None
    ) -> None:
        """Finish a completing element: COMPLETED, leave the scope, take `flows` (default: all outgoing)."""
        state = self.state
        scope_key = ei.flow_scope_key
        if scope_key is None:
            self.close_subscriptions(ei)
            self.transition(ei, COMPLETED)
            del state.elements[ei.key]
            self._root_finished(ei, completed=True)
            return
        scope = state.elements[scope_key]
        element = self.elements[ei.element_id]
        inner = element.loop is not None and ei.element_type != ElementType.MULTI_INSTANCE_BODY
        if inner:
            # the body collects the output element and checks the completion condition (may raise)
            self.registry[ElementType.MULTI_INSTANCE_BODY].inner_completed(self, element, scope, ei)  # type: ignore[attr-defined]
            flows = ()
        elif flows is None:
            flows = element.outgoing
        self.close_subscriptions(ei)
        handler = element.compensation_handler is not None and not inner
        if handler or state.compensations:
            compensation.subscribe(self, element, ei, handler)
        self.transition(ei, COMPLETED)
        del state.elements[ei.key]
        state.variables.pop(ei.key, None)
        if state.compensations:
            compensation.handler_completed(self, ei)
        for flow in flows:
            self.take(flow, scope)
        scope.active_children -= 1
        self.child_left(scope)

    def take(self, flow: SequenceFlow, scope: ElementInstance) -> None:
        """Take a sequence flow inside `scope`; the target is activated as a later step (or joins)."""
        self.history(
            _new_record(
                HistoryRecord,
                (
                    self._instance_key,
                    flow.id,
                    ElementType.SEQUENCE_FLOW,
                    self.next_key(),
                    SEQUENCE_FLOW_TAKEN,
                    self.now,
                    scope.key,
                    self._definition_key,
                    self._process_id,
                    "PROCESS_INSTANCE",
                    None,
                ),
            )
        )
        scope.active_flows += 1
        target = self.elements[flow.target]
        if target.type in _JOIN_TYPES and len(target.incoming) > 1:
            joins = scope.joins
            if joins is None:
                joins = scope.joins = {}
            waiting = joins.get(target.id)
            if waiting is None:
                waiting = joins[target.id] = {}
            waiting[flow.id] = waiting.get(flow.id, 0) + 1
            if len(waiting) == len(target.incoming):
                self._fire_join(scope, target, waiting)
            elif target.type == ElementType.INCLUSIVE_GATEWAY:
                self.later(lambda: self.check_inclusive_joins(scope))
            return
        self.queue.append((_ACTIVATE, target, scope.key, 1, None, None))

    def _fire_join(self, scope: ElementInstance, gateway: FlowNode, waiting: dict[str, int]) -> None:
        consumed = 0
        for flow_id in list(waiting):
            consumed += 1
            if waiting[flow_id] == 1:
                del waiting[flow_id]
            else:
                waiting[flow_id] -= 1
        if not waiting and scope.joins is not None:
            del scope.joins[gateway.id]
            if not scope.joins:
                scope.joins = None
        self.queue.append((_ACTIVATE, gateway, scope.key, consumed, None, None))

    def check_inclusive_joins(self, scope: ElementInstance) -> None:
        """Fire an inclusive join once no other token of the scope can still reach it."""
        if scope.joins is None or scope.state != ACTIVATED or scope.key not in self.state.elements:
            return
        for gateway_id, waiting in list(scope.joins.items()):
            gateway = self.elements[gateway_id]
            if gateway.type != ElementType.INCLUSIVE_GATEWAY or not waiting:
                continue
            if not self._can_reach(scope, gateway, waiting):
                self._fire_join(scope, gateway, waiting)

    def _can_reach(self, scope: ElementInstance, gateway: FlowNode, waiting: dict[str, int]) -> bool:
        """Is any live token of the scope upstream of an incoming flow of `gateway` not yet taken?"""
        sources: list[str] = [
            ei.element_id for ei in self.state.elements.values() if ei.flow_scope_key == scope.key
        ]
        # tokens queued for activation in this scope also count
        for step in self.queue:
            if step[0] == _ACTIVATE and step[2] == scope.key:
                sources.append(step[1].id)
        if scope.joins:
            for other_id, other_waiting in scope.joins.items():
                if other_id != gateway.id and other_waiting:
                    sources.append(other_id)
        seen: set[str] = set()
        stack = sources
        while stack:
            node_id = stack.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            node = self.elements[node_id]
            for flow in node.outgoing:
                if flow.target == gateway.id:
                    if flow.id not in waiting:
                        return True
                    continue
                stack.append(flow.target)
            for boundary_id in node.boundary_events:
                stack.append(boundary_id)
        return False

    def child_left(self, scope: ElementInstance) -> None:
        """A child of `scope` completed or terminated: maybe the scope is done."""
        if scope.joins is not None and scope.state == ACTIVATED:
            self.check_inclusive_joins(scope)
        if scope.active_children or scope.active_flows:
            return
        if scope.state == TERMINATING:
            self.terminated(scope)
            return
        if scope.state != ACTIVATED:
            return
        pending = scope.interrupted_by
        if pending is not None and "eventSubprocess" in pending:
            scope.interrupted_by = None
            self.activate_later(self.elements[pending["eventSubprocess"]], scope.key, 0, pending)
            return
        self.registry[scope.element_type].children_done(self, scope)

    def _root_finished(self, ei: ElementInstance, *, completed: bool) -> None:
        state = self.state
        state.status = InstanceStatus.COMPLETED if completed else InstanceStatus.TERMINATED
        state.end_time = self.now
        state.compensations = None
        if state.start_correlation_key:
            message_start.release(self)
        if state.parent_instance_key is not None and completed:
            self.effects.commands.append(
                ChildInstanceFinished(
                    parent_instance_key=state.parent_instance_key,
                    parent_element_instance_key=state.parent_element_instance_key or 0,
                    child_instance_key=state.key,
                    completed=True,
                    variables=dict(state.variables.get(state.key, {})),
                )
            )

    # -- termination ---------------------------------------------------------------------------------------

    def terminate(self, ei: ElementInstance) -> None:
        """Terminate an element instance (and, through its processor, its children and its work)."""
        if ei.state not in _ALIVE:
            return
        self.transition(ei, TERMINATING)
        self.close_subscriptions(ei)
        self.resolve_incident_of(ei)
        element = self.model if ei.element_type == ElementType.PROCESS else self.elements[ei.element_id]
        self.registry[ei.element_type].terminate(self, element, ei)  # type: ignore[arg-type]

    def terminate_children(self, ei: ElementInstance) -> bool:
        """Terminate every child of a scope. True if it had none: the caller finishes the scope itself;
        otherwise the last child to go finishes it (through child_left)."""
        ei.active_flows = 0
        ei.joins = None
        self.purge_steps(ei.key)
        children = [c for c in self.state.elements.values() if c.flow_scope_key == ei.key]
        for child in children:
            self.terminate(child)
        return not children

    def purge_steps(self, scope_key: int) -> None:
        """Drop queued activations into a scope that is being terminated or interrupted."""
        if any(step[0] == _ACTIVATE and step[2] == scope_key for step in self.queue):
            self.queue = deque(s for s in self.queue if not (s[0] == _ACTIVATE and s[2] == scope_key))

    def terminated(self, ei: ElementInstance) -> None:
        self.transition(ei, TERMINATED)
        state = self.state
        del state.elements[ei.key]
        state.variables.pop(ei.key, None)
        scope_key = ei.flow_scope_key
        if scope_key is None:
            self._root_finished(ei, completed=False)
            return
        scope = state.elements[scope_key]
        scope.active_children -= 1
        if scope.element_type == ElementType.MULTI_INSTANCE_BODY:
            scope.mi_terminated += 1
        pending = ei.interrupted_by
        if pending is not None and "boundary" in pending:
            boundary = self.elements[pending["boundary"]]
            self.activate_later(boundary, scope_key, 0, pending.get("variables") or {})
        self.child_left(scope)

    # -- incidents -----------------------------------------------------------------------------------------

    def raise_incident(
        self, ei: ElementInstance, error_type: str, message: str, job_key: int | None = None
    ) -> None:
        incident = IncidentRecord(
            key=self.next_key(),
            state=IncidentState.ACTIVE,
            error_type=error_type,
            error_message=message,
            process_instance_key=self.state.key,
            process_definition_key=self.definition.key,
            bpmn_process_id=self.definition.bpmn_process_id,
            element_id=ei.element_id,
            element_instance_key=ei.key,
            created_at=self.now,
            job_key=job_key,
            tenant_id=self.state.tenant_id,
        )
        ei.incident_key = incident.key
        self.effects.incidents.append(incident)
        self.record(
            "INCIDENT",
            "CREATED",
            ei,
            {"incidentKey": incident.key, "errorType": error_type, "errorMessage": message},
        )

    def resolve_incident_of(self, ei: ElementInstance) -> None:
        """An element with an open incident is terminated: its incident is resolved with it."""
        if ei.incident_key is None:
            return
        incident = self.store.get_incident(ei.incident_key)
        ei.incident_key = None
        if incident is not None and incident.state == IncidentState.ACTIVE:
            self.effects.incidents.append(_resolved(incident, self.now))
            self.record("INCIDENT", "RESOLVED", ei, {"incidentKey": incident.key})

    def retry_after_incident(self, ei: ElementInstance) -> None:
        """Resolve: run again the phase that failed (activation or completion)."""
        if ei.state == ACTIVATING:
            element = None if ei.element_type == ElementType.PROCESS else self.elements[ei.element_id]
            self._run_activate(self.registry[ei.element_type], element, ei)
        elif ei.state == COMPLETING:
            self._run_complete(ei)

    # -- event subscriptions ---------------------------------------------------------------------------------

    def add_subscription(self, ei: ElementInstance, kind: str, key: int, catch_id: str) -> None:
        if ei.subscriptions is None:
            ei.subscriptions = []
        ei.subscriptions.append([kind, key, catch_id])

    def close_subscriptions(self, ei: ElementInstance, keep: Callable[[str], bool] | None = None) -> None:
        """Close the instance's timers and message/signal subscriptions (except those `keep` says)."""
        subs = ei.subscriptions
        if not subs:
            return
        kept: list[list[Any]] = []
        effects = self.effects
        for sub in subs:
            kind, key, catch_id = sub
            if keep is not None and keep(catch_id):
                kept.append(sub)
            elif kind == "T":
                _drop_saved(effects.timers, key)
                effects.timers_deleted.append(key)
            elif kind == "M":
                _drop_saved(effects.message_subscriptions, key)
                effects.message_subscriptions_deleted.append(key)
            elif kind == "S":
                _drop_saved(effects.signal_subscriptions, key)
                effects.signal_subscriptions_deleted.append(key)
            # "C" (conditional): nothing outside the instance state
        ei.subscriptions = kept or None

    def trigger_later(self, element_instance_key: int, catch_id: str, variables: dict[str, Any]) -> None:
        self.queue.append((_TRIGGER, element_instance_key, catch_id, variables))

    def trigger(self, element_instance_key: int, catch_id: str, variables: Mapping[str, Any]) -> bool:
        """A timer, message or signal subscription of `element_instance_key` fired for catch element `catch_id`."""
        ei = self.state.elements.get(element_instance_key)
        if ei is None or ei.state != ACTIVATED:
            return False
        catch = self.elements[catch_id]
        payload = dict(variables)
        if catch.id == ei.element_id and ei.element_type != ElementType.MULTI_INSTANCE_BODY:
            # an intermediate catch event or a receive task: it completes with the event's variables
            self.close_subscriptions(ei)
            ei.payload = payload
            self.complete_later(ei)
            return True
        if ei.element_type == ElementType.EVENT_BASED_GATEWAY:
            self.close_subscriptions(ei)
            gateway = self.elements[ei.element_id]
            flow = next(f for f in gateway.outgoing if f.target == catch_id)
            scope = self.state.elements[ei.flow_scope_key]  # type: ignore[index]
            self.transition(ei, COMPLETING)
            scope.active_flows += 1  # hold the scope open until the chosen flow is taken
            self.completed(ei, ())
            scope.active_flows -= 1
            self._take_with_payload(flow, scope, payload)
            return True
        if isinstance(catch, BoundaryEvent):
            if catch.cancel_activity:
                self.interrupt(ei, catch, payload)
            else:
                self.activate_later(catch, ei.flow_scope_key, 0, payload)  # type: ignore[arg-type]
            return True
        if isinstance(catch, StartEvent):
            self.start_event_subprocess(ei, catch, payload)
            return True
        return False

    def _take_with_payload(self, flow: SequenceFlow, scope: ElementInstance, payload: dict[str, Any]) -> None:
        self.history(
            HistoryRecord(
                self.state.key,
                flow.id,
                ElementType.SEQUENCE_FLOW,
                self.next_key(),
                SEQUENCE_FLOW_TAKEN,
                self.now,
                scope.key,
                self.definition.key,
                self.definition.bpmn_process_id,
            )
        )
        scope.active_flows += 1
        self.activate_later(self.elements[flow.target], scope.key, 1, payload)

    def interrupt(self, ei: ElementInstance, boundary: BoundaryEvent, payload: dict[str, Any]) -> None:
        """An interrupting boundary event: terminate the activity, then activate the boundary event."""
        if ei.interrupted_by is not None:
            return
        self.close_subscriptions(ei)
        ei.interrupted_by = {"boundary": boundary.id, "variables": payload}
        self.terminate(ei)

    def start_event_subprocess(
        self, scope: ElementInstance, start: StartEvent, payload: dict[str, Any]
    ) -> None:
        event_sub = self.elements[start.scope]
        data = {"eventSubprocess": event_sub.id, "start": start.id, "variables": payload}
        if not start.interrupting:
            self.activate_later(event_sub, scope.key, 0, data)
            return
        if scope.interrupted:
            return
        scope.interrupted = True
        # other event-subprocess starts of this scope close; the scope's own boundary events stay
        self.close_subscriptions(
            scope, keep=lambda catch_id: isinstance(self.elements[catch_id], BoundaryEvent)
        )
        # set first: the last child to terminate activates the event subprocess (see child_left)
        scope.interrupted_by = data
        if self.terminate_children(scope):
            scope.interrupted_by = None
            self.activate_later(event_sub, scope.key, 0, data)

    # -- errors and escalations ------------------------------------------------------------------------------

    def throw(
        self, source: ElementInstance, kind: str, code: str, message: str, variables: dict[str, Any]
    ) -> bool:
        """Propagate an error or escalation from `source`; True if something caught it."""
        found = self.find_catch(source, kind, code)
        if found is None:
            return False
        self.apply_catch(found, kind, code, message, variables)
        return True

    def find_catch(self, source: ElementInstance, kind: str, code: str) -> tuple[str, Any, Any] | None:
        """Who catches an error/escalation thrown at `source`, without acting on it:
        ("boundary", activity instance, boundary event), ("eventSubprocess", scope instance, start event)
        or ("parent", None, None) when the parent of a called instance catches it.

        Order as in Zeebe: the source's own boundary events (when a job or a call activity threw), then for
        each enclosing scope its event subprocesses, then its boundary events, up to the root; then the
        parent instance. An exact code wins over a catch-all at the same level."""
        candidate: ElementInstance | None = source
        first = True
        while candidate is not None:
            if not first or candidate.element_type not in (
                ElementType.END_EVENT,
                ElementType.INTERMEDIATE_THROW_EVENT,
            ):
                if not first and candidate.state == ACTIVATED:
                    start = self._event_subprocess_catch(candidate, kind, code)
                    if start is not None and not (start.interrupting and candidate.interrupted):
                        return "eventSubprocess", candidate, start
                if candidate.element_type != ElementType.PROCESS and candidate.state in (
                    ACTIVATING,
                    ACTIVATED,
                ):
                    boundary = self._boundary_catch(candidate, kind, code)
                    if boundary is not None and not (boundary.cancel_activity and candidate.interrupted_by):
                        return "boundary", candidate, boundary
            first = False
            candidate = (
                self.state.elements.get(candidate.flow_scope_key)
                if candidate.flow_scope_key is not None
                else None
            )
        state = self.state
        if state.parent_instance_key is not None and self.engine.parent_can_catch(state, kind, code):
            return "parent", None, None
        return None

    def apply_catch(
        self, found: tuple[str, Any, Any], kind: str, code: str, message: str, variables: dict[str, Any]
    ) -> None:
        where, ei, catch = found
        if where == "eventSubprocess":
            self.start_event_subprocess(ei, catch, dict(variables))
        elif where == "boundary":
            if catch.cancel_activity:
                self.close_subscriptions(ei)
                ei.interrupted_by = {"boundary": catch.id, "variables": dict(variables)}
                self.terminate(ei)
            else:
                self.activate_later(catch, ei.flow_scope_key, 0, dict(variables))
        else:
            state = self.state
            self.effects.commands.append(
                ThrowInParent(
                    parent_instance_key=state.parent_instance_key or 0,
                    parent_element_instance_key=state.parent_element_instance_key or 0,
                    kind=kind,
                    code=code,
                    message=message,
                    variables=variables,
                )
            )

    @staticmethod
    def _code_of(event: StartEvent | BoundaryEvent, kind: str) -> str | None:
        definition = event.event
        return definition.error_code if kind == EventKind.ERROR else definition.escalation_code

    def _best(self, events: list[Any], kind: str, code: str) -> Any:
        """The catch event for `code` among candidates: an exact code first, else a catch-all."""
        catch_all = None
        for event in events:
            if event.event.kind != kind:
                continue
            expected = self._code_of(event, kind)
            if expected == code:
                return event
            if expected is None and catch_all is None:
                catch_all = event
        return catch_all

    def _event_subprocess_catch(self, scope: ElementInstance, kind: str, code: str) -> StartEvent | None:
        if scope.element_type == ElementType.PROCESS:
            subs: tuple[str, ...] = self.model.event_subprocesses
        elif scope.element_type in (
            ElementType.SUB_PROCESS,
            ElementType.EVENT_SUB_PROCESS,
            ElementType.AD_HOC_SUB_PROCESS,
        ):
            element = self.elements[scope.element_id]
            subs = element.event_subprocesses if isinstance(element, SubProcess) else ()
        else:
            return None
        starts: list[FlowNode] = []
        for sub_id in subs:
            sub = self.elements[sub_id]
            assert isinstance(sub, SubProcess)
            starts.extend(self.elements[c] for c in sub.children if isinstance(self.elements[c], StartEvent))
        found: StartEvent | None = self._best(starts, kind, code)
        return found

    def _boundary_catch(self, ei: ElementInstance, kind: str, code: str) -> BoundaryEvent | None:
        element = self.elements[ei.element_id]
        if element.loop is not None and ei.element_type != ElementType.MULTI_INSTANCE_BODY:
            return None  # boundary events belong to the multi-instance body (the next candidate)
        found: BoundaryEvent | None = self._best(
            [self.elements[b] for b in element.boundary_events], kind, code
        )
        return found


def _resolved(incident: IncidentRecord, now: int) -> IncidentRecord:
    from dataclasses import replace

    return replace(incident, state=IncidentState.RESOLVED, resolved_at=now)


def _drop_saved(saved: list[Any], key: int) -> None:
    """A subscription closed in the unit that opened (or changed) it, e.g. by an event-based gateway whose
    conditional branch is true on entry: the store deletes before it saves, so it must not be saved."""
    if saved:
        saved[:] = [record for record in saved if record.key != key]
