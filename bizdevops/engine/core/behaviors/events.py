"""Opening event subscriptions: timers, message subscriptions (with buffered-message correlation) and
signal subscriptions, owned by the element instance that waits (catch event, receive task, activity with
boundary events, event-based gateway, or a scope with event subprocesses)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from bizdevops.engine.core import timers
from bizdevops.engine.core.behaviors import conditionals
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.expressions import ExpressionError, evaluate_string, evaluate_value
from bizdevops.engine.core.model.elements import (
    Activity,
    BoundaryEvent,
    Event,
    EventDefinition,
    EventKind,
    FlowNode,
    StartEvent,
    SubProcess,
    is_interrupting,
)
from bizdevops.engine.core.records import (
    ErrorType,
    MessageSubscriptionRecord,
    SignalSubscriptionRecord,
    TimerRecord,
)
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing

_SUBSCRIBED = (EventKind.TIMER, EventKind.MESSAGE, EventKind.SIGNAL, EventKind.CONDITIONAL)


def definition_of(element: FlowNode) -> EventDefinition | None:
    if isinstance(element, Event):
        return element.event
    if isinstance(element, Activity):
        return element.event
    return None


def boundary_catches(ctx: Processing, element: FlowNode) -> list[FlowNode]:
    result: list[FlowNode] = []
    for boundary_id in element.boundary_events:
        boundary = ctx.elements[boundary_id]
        if isinstance(boundary, BoundaryEvent) and boundary.event.kind in _SUBSCRIBED:
            result.append(boundary)
    return result


def event_subprocess_catches(ctx: Processing, event_subprocesses: Iterable[str]) -> list[FlowNode]:
    result: list[FlowNode] = []
    for sub_id in event_subprocesses:
        sub = ctx.elements[sub_id]
        assert isinstance(sub, SubProcess)
        for child_id in sub.children:
            start = ctx.elements[child_id]
            if isinstance(start, StartEvent) and start.event.kind in _SUBSCRIBED:
                result.append(start)
    return result


def open_subscriptions(ctx: Processing, ei: ElementInstance, catches: Iterable[FlowNode]) -> None:
    """Evaluate and open every subscription first, then record them: a failing expression leaves nothing."""
    scope_context = None
    prepared: list[tuple[str, object, FlowNode]] = []
    state = ctx.state
    definition = ctx.definition
    for catch in catches:
        event = definition_of(catch)
        if event is None:
            continue
        if scope_context is None:
            scope_context = context(ctx, ei.key)
        try:
            if event.kind == EventKind.TIMER:
                value = evaluate_value(event.timer_expression or "", scope_context)
                try:
                    plan = timers.schedule(event.timer_type or "duration", str(value), ctx.now)
                except timers.TimerFormatError as exc:
                    raise IncidentRaised(ErrorType.EXTRACT_VALUE_ERROR, str(exc)) from None
                timer = TimerRecord(
                    key=ctx.next_key(),
                    due=plan.due_ms,
                    element_id=catch.id,
                    process_definition_key=definition.key,
                    bpmn_process_id=definition.bpmn_process_id,
                    process_instance_key=state.key,
                    element_instance_key=ei.key,
                    repetitions=plan.repetitions,
                    interval=plan.interval_ms,
                    tenant_id=state.tenant_id,
                )
                prepared.append(("T", timer, catch))
            elif event.kind == EventKind.MESSAGE:
                name = evaluate_string(event.message_name or "", scope_context, "message name")
                key = evaluate_string(event.correlation_key or "", scope_context, "correlation key")
                interrupting = is_interrupting(catch)
                sub = MessageSubscriptionRecord(
                    key=ctx.next_key(),
                    message_name=name,
                    correlation_key=key,
                    element_id=catch.id,
                    process_definition_key=definition.key,
                    bpmn_process_id=definition.bpmn_process_id,
                    process_instance_key=state.key,
                    element_instance_key=ei.key,
                    interrupting=interrupting,
                    tenant_id=state.tenant_id,
                )
                prepared.append(("M", sub, catch))
            elif event.kind == EventKind.SIGNAL:
                name = evaluate_string(event.signal_name or "", scope_context, "signal name")
                signal = SignalSubscriptionRecord(
                    key=ctx.next_key(),
                    signal_name=name,
                    element_id=catch.id,
                    process_definition_key=definition.key,
                    bpmn_process_id=definition.bpmn_process_id,
                    process_instance_key=state.key,
                    element_instance_key=ei.key,
                    tenant_id=state.tenant_id,
                )
                prepared.append(("S", signal, catch))
            elif event.kind == EventKind.CONDITIONAL:
                prepared.append(("C", None, catch))
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
    effects = ctx.effects
    for kind, record, catch in prepared:
        if kind == "T":
            assert isinstance(record, TimerRecord)
            effects.timers.append(record)
            ctx.add_subscription(ei, "T", record.key, catch.id)
        elif kind == "M":
            assert isinstance(record, MessageSubscriptionRecord)
            effects.message_subscriptions.append(record)
            ctx.add_subscription(ei, "M", record.key, catch.id)
            _correlate_buffered(ctx, ei, record, catch)
        elif kind == "C":
            conditionals.subscribe(ctx, ei, catch)
        else:
            assert isinstance(record, SignalSubscriptionRecord)
            effects.signal_subscriptions.append(record)
            ctx.add_subscription(ei, "S", record.key, catch.id)


def _correlate_buffered(
    ctx: Processing, ei: ElementInstance, sub: MessageSubscriptionRecord, catch: FlowNode
) -> None:
    """A message published before the subscription opened correlates now, if still within its TTL."""
    assert sub.correlation_key is not None
    for message in ctx.store.find_buffered_messages(sub.message_name, sub.correlation_key, ctx.now):
        message = ctx.messages_touched.get(message.key, message)
        if sub.bpmn_process_id in message.correlated_process_ids:
            continue
        updated = replace(
            message, correlated_process_ids=(*message.correlated_process_ids, sub.bpmn_process_id)
        )
        ctx.messages_touched[message.key] = updated
        ctx.effects.messages.append(updated)
        ctx.record("MESSAGE", "CORRELATED", ei, {"messageKey": message.key, "name": message.name})
        ctx.trigger_later(ei.key, catch.id, dict(message.variables))
        return
