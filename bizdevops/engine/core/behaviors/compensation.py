"""Compensation, as Zeebe does it (BpmnCompensationSubscriptionBehaviour).

- When an activity with a compensation boundary event completes, the instance keeps a *subscription*
  {activity id, activity instance key, its flow scope key, handler id}. A completed subprocess (or
  multi-instance body) that holds such subscriptions gets one too, so that compensation reaches inside it.
- A compensation throw event (intermediate or end) triggers every untriggered subscription of its flow scope
  (of the scope around it, from an event subprocess), or only those of its `activityRef`, and from each
  subscription those inside it, top to bottom. A subscription with a handler records its boundary event
  (activated and completed at once) and activates the handler in the throw event's flow scope. Handlers of
  active or terminated activities are never invoked: those have no subscription.
- When a handler completes, its subscription ends; a container's subscription ends with its last inner
  one; the throw event completes when no subscription it triggered is left. With nothing to compensate the
  throw event completes at once.
- Subscriptions live until the instance ends. Child processes are not reached: a call activity is
  compensated by its own boundary event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.lifecycle import ACTIVATED, ACTIVATING, COMPLETED, COMPLETING
from bizdevops.engine.core.model.elements import ElementType, Event, FlowNode
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing

_CONTAINERS = (
    ElementType.SUB_PROCESS,
    ElementType.MULTI_INSTANCE_BODY,
    ElementType.AD_HOC_SUB_PROCESS,
    ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE,
)


def subscribe(ctx: Processing, element: FlowNode, ei: ElementInstance, handler: bool) -> None:
    """`ei` (of `element`) is completing: keep a subscription if it can be compensated."""
    state = ctx.state
    nested = bool(
        state.compensations
        and ei.element_type in _CONTAINERS
        and any(s["scopeKey"] == ei.key for s in state.compensations)
    )
    if not handler and not nested:
        return
    subscription: dict[str, Any] = {
        "key": ctx.next_key(),
        "activityId": element.id,
        "activityInstanceKey": ei.key,
        "scopeKey": ei.flow_scope_key,
    }
    if handler:
        subscription["handlerId"] = element.compensation_handler
    if state.compensations is None:
        state.compensations = []
    state.compensations.append(subscription)


def trigger(ctx: Processing, element: Event, ei: ElementInstance) -> bool:
    """A compensation throw event `ei` is ACTIVATED: start the compensation; False if nothing to do."""
    state = ctx.state
    if not state.compensations:
        return False
    scope_key = ei.flow_scope_key
    scope = state.elements.get(scope_key) if scope_key is not None else None
    if scope is not None and scope.element_type == ElementType.EVENT_SUB_PROCESS:
        scope_key = scope.flow_scope_key  # an event subprocess compensates the scope around it
    open_ = [s for s in state.compensations if "throwEventInstanceKey" not in s]
    ref = element.event.activity_ref
    selected = [s for s in open_ if s["scopeKey"] == scope_key and (ref is None or s["activityId"] == ref)]
    if not selected:
        return False
    for subscription in selected:
        _trigger(ctx, ei, subscription, open_)
    # False when no handler is left to wait for (e.g. a migrated definition without them)
    return any(s.get("throwEventInstanceKey") == ei.key for s in state.compensations)


def _trigger(
    ctx: Processing, thrower: ElementInstance, subscription: dict[str, Any], open_: list[dict[str, Any]]
) -> None:
    subscription["throwEventId"] = thrower.element_id
    subscription["throwEventInstanceKey"] = thrower.key
    handler_id = subscription.get("handlerId")
    if handler_id not in ctx.elements or subscription["activityId"] not in ctx.elements:
        handler_id = None  # a migrated instance whose definition no longer has the handler: nothing to run
        subscription.pop("handlerId", None)
    if handler_id is not None:
        activity = ctx.elements[subscription["activityId"]]
        boundary = next(
            b
            for b in activity.boundary_events
            if ctx.elements[b].compensation_handler == handler_id  # the compensation boundary event
        )
        # recorded as Zeebe does: the boundary event activates and completes at once
        record = ElementInstance(
            ctx.next_key(),
            boundary,
            ElementType.BOUNDARY_EVENT,
            None,  # type: ignore[arg-type]  # no state yet: the first transition is ACTIVATING
            thrower.flow_scope_key,
        )
        for step in (ACTIVATING, ACTIVATED, COMPLETING, COMPLETED):
            ctx.transition(record, step)
        subscription["handlerInstanceKey"] = None  # set when the handler is activated
        ctx.activate_later(ctx.elements[handler_id], thrower.flow_scope_key)  # type: ignore[arg-type]
    inner = subscription["activityInstanceKey"]
    for nested in open_:
        if nested["scopeKey"] == inner and "throwEventInstanceKey" not in nested:
            _trigger(ctx, thrower, nested, open_)
    compensations = ctx.state.compensations
    assert compensations is not None
    if "handlerId" not in subscription and not any(s["scopeKey"] == inner for s in compensations):
        # nothing runs for it (nor inside it any more): it is done now
        compensations.remove(subscription)
        _complete_containers(compensations, subscription["scopeKey"])


def handler_activating(ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:
    """A compensation handler instance was created: link it to the subscription that asked for it."""
    for subscription in ctx.state.compensations or ():
        if subscription.get("handlerId") == element.id and "handlerInstanceKey" in subscription:
            if subscription["handlerInstanceKey"] is None:
                subscription["handlerInstanceKey"] = ei.key
                return


def handler_completed(ctx: Processing, ei: ElementInstance) -> None:
    """An element completed: if it is a compensation handler, end its subscription and maybe the throw."""
    state = ctx.state
    compensations = state.compensations
    if not compensations:
        return
    done = next((s for s in compensations if s.get("handlerInstanceKey") == ei.key), None)
    if done is None:
        return
    compensations.remove(done)
    _complete_containers(compensations, done["scopeKey"])
    thrower_key = done["throwEventInstanceKey"]
    if any(s.get("throwEventInstanceKey") == thrower_key for s in compensations):
        return
    thrower = state.elements.get(thrower_key)
    if thrower is not None and thrower.state == ACTIVATED:
        ctx.complete_later(thrower)


def _complete_containers(compensations: list[dict[str, Any]], scope_key: int) -> None:
    """Bottom to top: a triggered container subscription ends once nothing inside it is left."""
    while not any(s["scopeKey"] == scope_key for s in compensations):
        container = next(
            (
                s
                for s in compensations
                if s["activityInstanceKey"] == scope_key and "throwEventInstanceKey" in s
            ),
            None,
        )
        if container is None or "handlerId" in container:
            return  # none, or it ends when its own handler completes
        compensations.remove(container)
        scope_key = container["scopeKey"]
