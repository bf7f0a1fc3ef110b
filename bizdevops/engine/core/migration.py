"""Process instance migration with Zeebe's rules (ProcessInstanceMigrationMigrateProcessor and its
preconditions), as far as this engine supports them.

One command, one unit of work on the locked instance. Every active element instance must be mapped (the
process itself is mapped implicitly) to an element of the target definition with the same type (and event
kind, and the same sequential/parallel loop), in the same flow scope as its source's flow scope maps to.
Nothing runs: element instances keep their keys and state and only change their element id; jobs, user
tasks, incidents, timers and message/signal subscriptions keep their keys and point at the new definition
and element. The history gets an ELEMENT_MIGRATED record per element instance.

Event subscriptions follow Zeebe's rules: a boundary event, event-subprocess start event or event after an
active event-based gateway that is mapped keeps its subscription (same key, due date) and must map to a catch event of the same kind and interrupting
flag owned by the mapped element; an unmapped one is closed; a target catch event nothing maps to is
subscribed to (a timer counts from now).

Refused, nothing changed: unknown or duplicate mapping ids and a target of another tenant are an
InvalidArgument (400); what the instance's state does not allow is a Conflict (Zeebe's INVALID_STATE, 409
in Camunda's REST API), listing every element id: unmapped active elements, changed types, user task
implementations, event kinds or loop characteristics, changed flow scopes, element types Zeebe cannot
migrate (manual tasks, joining gateways), and catch events mapped to something other than a catch event of
the same kind on the mapped element.

Tokens waiting at a joining parallel or inclusive gateway (a scope's `joins`) migrate as in Zeebe 8.6+
(ProcessInstanceMigrationSequenceFlowBehavior): the gateway is mapped like an active element, the taken
flows follow the mapping (or keep their id), and the target gateway needs at least as many incoming flows.
Jobs keep their type and headers, as Zeebe's JobIntent.MIGRATED does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import definition_of, open_subscriptions
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.commands import MigrateProcessInstance
from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound
from bizdevops.engine.core.events import Effects
from bizdevops.engine.core.lifecycle import ACTIVATED, SEQUENCE_FLOW_TAKEN
from bizdevops.engine.core.model.elements import (
    BoundaryEvent,
    ElementType,
    EventKind,
    FlowNode,
    ProcessModel,
    StartEvent,
    SubProcess,
    UserTask,
    is_interrupting,
)
from bizdevops.engine.core.processing import Processing
from bizdevops.engine.core.records import HistoryRecord, ProcessDefinition
from bizdevops.engine.core.state import ElementInstance, InstanceState, InstanceStatus

if TYPE_CHECKING:
    from bizdevops.engine.core.runtime import Engine

SUPPORTED = frozenset(
    {
        ElementType.SERVICE_TASK,
        ElementType.USER_TASK,
        ElementType.SUB_PROCESS,
        ElementType.CALL_ACTIVITY,
        ElementType.INTERMEDIATE_CATCH_EVENT,
        ElementType.RECEIVE_TASK,
        ElementType.EVENT_SUB_PROCESS,
        ElementType.EXCLUSIVE_GATEWAY,
        ElementType.EVENT_BASED_GATEWAY,
        ElementType.BUSINESS_RULE_TASK,
        ElementType.SCRIPT_TASK,
        ElementType.SEND_TASK,
        ElementType.MULTI_INSTANCE_BODY,
    }
)
_SUBSCRIBED = (EventKind.TIMER, EventKind.MESSAGE, EventKind.SIGNAL)
MIGRATED = "ELEMENT_MIGRATED"
SEQUENCE_FLOW_DELETED = "SEQUENCE_FLOW_DELETED"


def migrate(engine: Engine, command: MigrateProcessInstance) -> None:
    """Migrate a running instance to `command.target_process_definition_key` (see the module docstring)."""
    mapping: dict[str, str] = {}
    duplicates: list[str] = []
    for source_id, target_id in command.mapping:
        if source_id in mapping:
            duplicates.append(source_id)
        mapping[source_id] = target_id
    key = command.process_instance_key
    if duplicates:
        raise InvalidArgument(
            f"Expected to migrate process instance '{key}' but the mapping instructions contain duplicate "
            f"source element ids '{', '.join(dict.fromkeys(duplicates))}'."
        )
    store = engine.store
    with store.transaction():
        state = store.load_instance(key, for_update=True)
        if state is None or state.status != InstanceStatus.ACTIVE:
            raise NotFound(f"No active process instance with key {key}.")
        _, source = engine.definition(state.process_definition_key)
        try:
            target_definition, target = engine.definition(command.target_process_definition_key)
        except NotFound:
            raise NotFound(
                "Expected to migrate process instance to process definition but no process definition found "
                f"with key '{command.target_process_definition_key}'."
            ) from None
        if target_definition.tenant_id != state.tenant_id:
            raise InvalidArgument(
                f"Expected to migrate process instance '{key}' but the target process definition belongs to "
                f"another tenant ('{target_definition.tenant_id}', the instance's is '{state.tenant_id}')."
            )
        plan = _check(state, source, target, mapping)
        now = engine.clock.now_ms()
        effects = Effects()
        effects.history.extend(
            _apply(state, target_definition, target, mapping, plan, now, engine.keys.next_key)
        )
        ctx = Processing(engine, state, target, target_definition, now, effects)
        _reconcile_subscriptions(ctx, plan)
        ctx.run()  # a buffered message may correlate at once with a newly opened subscription
        element_ids = {ei.key: ei.element_id for ei in state.elements.values()}
        store.migrate_instance_records(state.key, target_definition, element_ids, plan.catch_ids)
        effects.instances.append(state)
        engine._apply(effects)
    engine._follow_up(effects)


def _reconcile_subscriptions(ctx: Processing, plan: Plan) -> None:
    """Close the subscriptions of unmapped catch events, open those of target catch events nothing maps
    to (evaluated in the migrated instance: timers start counting now, as in Zeebe)."""
    effects = ctx.effects
    for key, closing in plan.close.items():
        ei = ctx.state.elements[key]
        kept: list[list[Any]] = []
        for sub in ei.subscriptions or ():
            kind, sub_key, _ = sub
            if sub_key not in closing:
                kept.append(sub)
            elif kind == "T":
                effects.timers_deleted.append(sub_key)
            elif kind == "M":
                effects.message_subscriptions_deleted.append(sub_key)
            elif kind == "S":
                effects.signal_subscriptions_deleted.append(sub_key)
        ei.subscriptions = kept or None
    for key, catch_ids in plan.open.items():
        ei = ctx.state.elements[key]
        try:
            open_subscriptions(ctx, ei, [ctx.elements[c] for c in catch_ids])
        except IncidentRaised as exc:
            raise Conflict(
                f"Expected to migrate process instance '{ctx.state.key}' but the catch event(s) "
                f"'{', '.join(catch_ids)}' of '{ei.element_id}' cannot be subscribed to: {exc.message}"
            ) from None


@dataclass(slots=True)
class Plan:
    """What a migration does beyond renaming: the catch element ids of kept subscriptions (old -> new), the
    subscriptions to close and the target catch events to subscribe to, per element instance key."""

    catch_ids: dict[str, str] = field(default_factory=dict)
    close: dict[int, set[int]] = field(default_factory=dict)
    open: dict[int, list[str]] = field(default_factory=dict)
    # tokens waiting at joining gateways, per scope instance key: the scope's new `joins` and the
    # (source flow, target flow) pairs that are re-taken
    joins: dict[int, dict[str, dict[str, int]]] = field(default_factory=dict)
    flows: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def _check_joins(
    ei: ElementInstance,
    source: ProcessModel,
    target: ProcessModel,
    scope_id: str,
    mapping: dict[str, str],
    plan: Plan,
    problems: list[str],
) -> None:
    """Zeebe 8.6+'s rules for tokens waiting at a joining parallel or inclusive gateway of the scope `ei`:
    the gateway must be mapped to a gateway of the same type in the mapped scope with at least as many
    incoming flows, and every taken incoming flow must map to a distinct incoming flow of that gateway (a
    mapping instruction for the flow, or the flow of the same id)."""
    joins: dict[str, dict[str, int]] = {}
    moved: list[tuple[str, str]] = []
    for gateway_id, waiting in sorted((ei.joins or {}).items()):
        if not waiting:
            continue
        gateway = source.elements[gateway_id]
        target_id = mapping.get(gateway_id)
        if target_id is None or target_id not in target.elements:
            problems.append(
                f"no mapping instruction defined for the joining gateway with id '{gateway_id}', which has "
                f"taken incoming sequence flows ('{', '.join(sorted(waiting))}'). Joining gateways with "
                "taken sequence flows must be mapped"
            )
            continue
        mapped = target.elements[target_id]
        if mapped.type != gateway.type:
            problems.append(
                f"joining gateway with id '{gateway_id}' and type '{gateway.type}' is mapped to an element "
                f"with id '{target_id}' and different type '{mapped.type}'. Elements must be mapped to "
                "elements of the same type"
            )
            continue
        if mapped.scope != scope_id:
            problems.append(
                f"the flow scope of joining gateway with id '{gateway_id}' is changed. The flow scope is "
                f"expected to be '{scope_id}' but was '{mapped.scope}'. The flow scope of an element cannot "
                "be changed during migration yet"
            )
            continue
        if len(mapped.incoming) < len(gateway.incoming):
            problems.append(
                f"the target gateway with id '{target_id}' has fewer incoming sequence flows "
                f"({len(mapped.incoming)}) than the joining gateway with id '{gateway_id}' "
                f"({len(gateway.incoming)}). The target gateway must have at least the same number of "
                "incoming sequence flows"
            )
            continue
        incoming = set(mapped.incoming)
        new_waiting: dict[str, int] = {}
        for flow_id, tokens in sorted(waiting.items()):
            target_flow = mapping.get(flow_id, flow_id)
            if target_flow not in incoming:
                problems.append(
                    f"the taken sequence flow with id '{flow_id}' of the joining gateway with id "
                    f"'{gateway_id}' is not mapped to an incoming sequence flow of the target gateway "
                    f"'{target_id}'. Taken sequence flows must be mapped to the target gateway's"
                )
                continue
            if target_flow in new_waiting:
                problems.append(
                    f"two taken sequence flows of the joining gateway with id '{gateway_id}' are mapped to "
                    f"the same sequence flow '{target_flow}'. Each must be mapped to a different one"
                )
                continue
            new_waiting[target_flow] = tokens
            moved.append((flow_id, target_flow))
        joins[target_id] = new_waiting
    plan.joins[ei.key] = joins
    plan.flows[ei.key] = moved


def _check(state: InstanceState, source: ProcessModel, target: ProcessModel, mapping: dict[str, str]) -> Plan:
    """Every precondition (raises, nothing changed); returns the plan."""
    key = state.key
    prefix = f"Expected to migrate process instance '{key}' but"
    for source_id in mapping:
        if source_id not in source.elements and source_id not in source.flows:
            raise InvalidArgument(
                f"{prefix} mapping instructions contain a non-existing source element id '{source_id}'. "
                "Elements provided in mapping instructions must exist in the source process definition."
            )
    for mapped_to in mapping.values():
        if mapped_to not in target.elements and mapped_to not in target.flows:
            raise InvalidArgument(
                f"{prefix} mapping instructions contain a non-existing target element id '{mapped_to}'. "
                "Elements provided in mapping instructions must exist in the target process definition."
            )
    problems: list[str] = []
    plan = Plan()
    elements = state.elements
    for ei in sorted(elements.values(), key=lambda e: e.key):
        if ei.joins:
            scope_id = target.id if ei.flow_scope_key is None else mapping.get(ei.element_id)
            if scope_id is not None:  # an unmapped scope is reported below
                _check_joins(ei, source, target, scope_id, mapping, plan, problems)
        if ei.flow_scope_key is None:
            expected = _catches(target, target.event_subprocesses, ())
            _check_catches(ei, source, expected, target.id, mapping, plan, problems)
            continue
        element = source.elements[ei.element_id]
        if ei.element_type not in SUPPORTED:
            problems.append(
                f"active element with id '{ei.element_id}' has an unsupported type. The migration of a "
                f"{ei.element_type} is not supported"
            )
            continue
        target_id = mapping.get(ei.element_id)
        if target_id is None:
            problems.append(
                f"no mapping instruction defined for active element with id '{ei.element_id}'. Elements "
                "cannot be migrated without a mapping"
            )
            continue
        mapped = target.elements[target_id]
        if mapped.type != element.type:
            problems.append(
                f"active element with id '{ei.element_id}' and type '{element.type}' is mapped to an element "
                f"with id '{target_id}' and different type '{mapped.type}'. Elements must be mapped to "
                "elements of the same type"
            )
            continue
        if isinstance(element, UserTask) and isinstance(mapped, UserTask) and element.native != mapped.native:
            kinds = {True: "zeebe user task", False: "job worker"}
            problems.append(
                f"active user task with id '{ei.element_id}' and implementation '{kinds[element.native]}' is "
                f"mapped to an user task with id '{target_id}' and different implementation "
                f"'{kinds[mapped.native]}'. Elements must be mapped to elements of the same implementation"
            )
            continue
        source_event, target_event = definition_of(element), definition_of(mapped)
        if (source_event.kind if source_event else None) != (target_event.kind if target_event else None):
            problems.append(
                f"active element with id '{ei.element_id}' is mapped to '{target_id}' with a different event "
                "type. Catch events must be mapped to catch events of the same type"
            )
            continue
        if (element.loop is None) != (mapped.loop is None) or (
            element.loop is not None
            and mapped.loop is not None
            and element.loop.sequential != mapped.loop.sequential
        ):
            problems.append(
                f"active element with id '{ei.element_id}' has a different loop characteristics than the "
                f"target element with id '{target_id}'. Both elements must have either sequential or "
                "parallel loop characteristics"
            )
            continue
        parent = elements.get(ei.flow_scope_key)
        inner = parent is not None and parent.element_type == ElementType.MULTI_INSTANCE_BODY
        if not inner and parent is not None:
            scope_id = target.id if parent.flow_scope_key is None else mapping.get(parent.element_id)
            if mapped.scope != scope_id:
                problems.append(
                    f"the flow scope of active element with id '{ei.element_id}' is changed. The flow scope "
                    f"of the active element is expected to be '{scope_id}' but was '{mapped.scope}'. The flow "
                    "scope of an element cannot be changed during migration yet"
                )
                continue
        # subscriptions the instance owns: boundary events (the body's, for a multi-instance activity),
        # event subprocess starts of a subprocess scope, its own catch event
        owns_boundaries = element.loop is None or ei.element_type == ElementType.MULTI_INSTANCE_BODY
        target_boundaries = mapped.boundary_events if owns_boundaries else ()
        target_subs: tuple[str, ...] = ()
        if ei.element_type in (ElementType.SUB_PROCESS, ElementType.EVENT_SUB_PROCESS):
            target_subs = mapped.event_subprocesses if isinstance(mapped, SubProcess) else ()
        gateway = mapped if ei.element_type == ElementType.EVENT_BASED_GATEWAY else None
        expected = _catches(target, target_subs, target_boundaries, gateway)
        _check_catches(ei, source, expected, target_id, mapping, plan, problems)
    if problems:
        # Zeebe rejects these with INVALID_STATE, which Camunda's REST API answers with 409
        raise Conflict(f"{prefix} " + "; ".join(problems) + ".")
    return plan


def _catches(
    model: ProcessModel,
    event_subprocesses: tuple[str, ...],
    boundaries: tuple[str, ...],
    gateway: FlowNode | None = None,
) -> list[FlowNode]:
    """The catch elements with a subscription (timer, message, signal) an instance owns: the boundary events
    of an activity, the event-subprocess starts of a scope, the events after an event-based gateway."""
    found: list[FlowNode] = []
    if gateway is not None:
        for flow in gateway.outgoing:
            after = model.elements[flow.target]
            event = definition_of(after)
            if event is not None and event.kind in _SUBSCRIBED:
                found.append(after)
    for boundary_id in boundaries:
        boundary = model.elements[boundary_id]
        if isinstance(boundary, BoundaryEvent) and boundary.event.kind in _SUBSCRIBED:
            found.append(boundary)
    for sub_id in event_subprocesses:
        sub = model.elements[sub_id]
        if isinstance(sub, SubProcess):
            for child_id in sub.children:
                start = model.elements[child_id]
                if isinstance(start, StartEvent) and start.event.kind in _SUBSCRIBED:
                    found.append(start)
    return found


def _check_catches(
    ei: ElementInstance,
    source: ProcessModel,
    target_catches: list[FlowNode],
    target_id: str,
    mapping: dict[str, str],
    plan: Plan,
    problems: list[str],
) -> None:
    """Zeebe's rules for the subscriptions `ei` owns (boundary events, event subprocess starts): a mapped
    catch event keeps its subscription and must map to a catch event of the same kind and interrupting flag
    owned by the mapped element; an unmapped one is closed; a target catch event nothing maps to is opened."""
    expected = {c.id: c for c in target_catches}
    covered: set[str] = set()
    for sub in ei.subscriptions or ():
        catch_id = sub[2]
        if catch_id == ei.element_id:
            plan.catch_ids[catch_id] = target_id  # its own catch event / receive task
            continue
        mapped_id = mapping.get(catch_id)
        if mapped_id is None:
            plan.close.setdefault(ei.key, set()).add(sub[1])
            continue
        source_catch = source.elements.get(catch_id)
        target_catch = expected.get(mapped_id)
        source_event = definition_of(source_catch) if source_catch is not None else None
        target_event = definition_of(target_catch) if target_catch is not None else None
        if (
            source_catch is None
            or target_catch is None
            or source_event is None
            or target_event is None
            or source_event.kind != target_event.kind
            or is_interrupting(source_catch) != is_interrupting(target_catch)
            or mapped_id in covered
        ):
            problems.append(
                f"active element with id '{ei.element_id}' is mapped to an element with id '{target_id}' and "
                f"has a catch event with id '{catch_id}' that is mapped to '{mapped_id}', which is not a catch "
                f"event of the same kind attached to '{target_id}' (or is the target of another mapping). "
                "Catch events must stay attached to the same element instance"
            )
            continue
        covered.add(mapped_id)
        plan.catch_ids[catch_id] = mapped_id
    if ei.state == ACTIVATED:
        added = [c for c in expected if c not in covered]
        if added:
            plan.open[ei.key] = added


def _apply(
    state: InstanceState,
    definition: ProcessDefinition,
    target: ProcessModel,
    mapping: dict[str, str],
    plan: Plan,
    now: int,
    next_key: Callable[[], int],
) -> list[Any]:
    history: list[HistoryRecord] = []
    catch_ids = plan.catch_ids
    source_definition = (state.process_definition_key, state.bpmn_process_id)
    for ei in sorted(state.elements.values(), key=lambda e: e.key):
        ei.element_id = target.id if ei.flow_scope_key is None else mapping[ei.element_id]
        if ei.subscriptions:
            for sub in ei.subscriptions:
                sub[2] = catch_ids.get(sub[2], sub[2])
        history.append(
            HistoryRecord(
                state.key,
                ei.element_id,
                ei.element_type,
                ei.key,
                MIGRATED,
                now,
                ei.flow_scope_key,
                definition.key,
                definition.bpmn_process_id,
            )
        )
        if ei.key in plan.joins:
            ei.joins = plan.joins[ei.key] or None
            # Zeebe's ProcessInstanceMigrationSequenceFlowBehavior: the source flow is deleted, the
            # target flow taken, each record with a new key
            for source_flow, target_flow in plan.flows.get(ei.key, ()):
                for flow_id, intent, (definition_key, process_id) in (
                    (source_flow, SEQUENCE_FLOW_DELETED, source_definition),
                    (target_flow, SEQUENCE_FLOW_TAKEN, (definition.key, definition.bpmn_process_id)),
                ):
                    history.append(
                        HistoryRecord(
                            state.key,
                            flow_id,
                            ElementType.SEQUENCE_FLOW,
                            next_key(),
                            intent,
                            now,
                            ei.key,
                            definition_key,
                            process_id,
                        )
                    )
    source_key = state.process_definition_key
    state.process_definition_key = definition.key
    state.bpmn_process_id = definition.bpmn_process_id
    state.version = definition.version
    history.append(
        HistoryRecord(
            state.key,
            target.id,
            ElementType.PROCESS,
            state.key,
            "MIGRATED",
            now,
            None,
            definition.key,
            definition.bpmn_process_id,
            "PROCESS_INSTANCE_MIGRATION",
            {
                "sourceProcessDefinitionKey": source_key,
                "targetProcessDefinitionKey": definition.key,
                "mappingInstructions": [
                    {"sourceElementId": s, "targetElementId": t} for s, t in mapping.items()
                ],
            },
        )
    )
    return history
