"""Conditional events inside a running instance, as Zeebe 8.9 (BpmnConditionalBehavior).

A conditional subscription ("C" in `ElementInstance.subscriptions`) lives only in the instance state: it is
owned by the intermediate catch event's instance, by the activity of a boundary event, or by the scope of
an event subprocess's start event, and that owner is the scope its condition is evaluated in.

- Opening a subscription evaluates the condition at once; true triggers it (after the current step).
- Every variable created or updated (not set to an equal value) in a unit is collected where the variable
  code writes it (`variables.set_local`); after the step that wrote it, the changes are evaluated together
  (`evaluate`): a subscription sees the changes of its scope and of the scopes above it, is evaluated for a
  change of a variable its condition reads (`EventDefinition.variable_names`) whose kind passes its
  `zeebe:conditionalFilter variableEvents`, and triggers when the condition is true, at most once per
  batch; scopes are visited top-down and an interrupting trigger ends its scope's visit and skips the
  scopes below it. A subscription opened after a change does not see it (it was evaluated when it opened).
- A condition that fails or is not a boolean is false (no incident), as in Zeebe.
- A non-interrupting boundary event or event subprocess triggers again on each later change that leaves the
  condition true. Triggers are steps: the subscription must still be open and its owner active then (so an
  output mapping of the completing activity never triggers its own boundary event).
Processes without conditional events inside (`ProcessModel.conditional`) never get here.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.expressions import ExpressionError, FeelContext, evaluate_condition
from bizdevops.engine.core.model.elements import (
    EventDefinition,
    EventKind,
    FlowNode,
    is_interrupting,
)
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing

CONDITIONAL = "C"


def is_true(ctx: Processing, condition: str, scope_key: int) -> bool:
    try:
        return evaluate_condition(condition, context(ctx, scope_key)) is True
    except ExpressionError:
        return False


def _definition(catch: FlowNode) -> EventDefinition:
    event: EventDefinition = catch.event  # type: ignore[attr-defined]
    return event


def subscribe(ctx: Processing, ei: ElementInstance, catch: FlowNode) -> None:
    """Open the subscription of `catch` owned by `ei`, and trigger it now if its condition holds."""
    key = ctx.next_key()
    ctx.add_subscription(ei, CONDITIONAL, key, catch.id)
    opened = ctx.conditional_opened
    if opened is None:
        opened = ctx.conditional_opened = {}
    opened[key] = len(ctx.conditional_changes or ())
    if is_true(ctx, _definition(catch).condition or "", ei.key):
        trigger_later(ctx, ei.key, key, catch.id)


def trigger_later(ctx: Processing, owner_key: int, subscription_key: int, catch_id: str) -> None:
    def run() -> None:
        owner = ctx.state.elements.get(owner_key)
        if owner is None or not owner.subscriptions:
            return
        if any(sub[1] == subscription_key for sub in owner.subscriptions):
            ctx.trigger(owner_key, catch_id, {})

    ctx.later(run)


def changed(ctx: Processing, scope_key: int, name: str, created: bool) -> None:
    """A variable was created or updated: remember it; the step after this one evaluates the batch."""
    changes = ctx.conditional_changes
    if changes is None:
        changes = ctx.conditional_changes = []
    if not changes:
        ctx.next(lambda: evaluate(ctx))
    changes.append((scope_key, name, created))


def evaluate(ctx: Processing) -> None:
    """Zeebe's BpmnConditionalBehavior.evaluateConditionals for the changes collected since the last call:
    each scope sees the changes made in it and in its ancestors; scopes are visited top-down; in a scope,
    each subscription (in key order) triggers on the first change that passes its filters while its
    condition is true; an interrupting trigger ends the visit of that scope and skips its descendants."""
    changes = ctx.conditional_changes or []
    opened = ctx.conditional_opened or {}
    ctx.conditional_changes = None
    ctx.conditional_opened = None
    elements = ctx.state.elements
    by_scope: dict[int, list[tuple[int, FlowNode]]] = {}
    children: dict[int, list[int]] = {}
    for ei in elements.values():
        if ei.flow_scope_key is not None:
            children.setdefault(ei.flow_scope_key, []).append(ei.key)
        for kind, key, catch_id in ei.subscriptions or ():
            if kind == CONDITIONAL:
                by_scope.setdefault(ei.key, []).append((key, ctx.elements[catch_id]))
    if not by_scope:
        return
    seen: dict[int, list[int]] = {}  # scope key -> indexes of the changes it sees
    for index, (scope_key, _, _) in enumerate(changes):
        seen.setdefault(scope_key, []).append(index)
    parent_of: dict[int, int] = {}
    for scope_key, indexes in list(seen.items()):
        below: deque[int] = deque([scope_key])
        while below:
            current = below.popleft()
            for child in children.get(current, ()):
                parent_of.setdefault(child, current)
                seen.setdefault(child, []).extend(indexes)
                below.append(child)
    depth: dict[int, int] = {}

    def depth_of(scope_key: int) -> int:
        found = depth.get(scope_key)
        if found is None:
            parent = parent_of.get(scope_key)
            found = depth[scope_key] = 0 if parent is None else depth_of(parent) + 1
        return found

    interrupted: set[int] = set()
    for scope_key in sorted(seen, key=depth_of):
        if parent_of.get(scope_key) in interrupted:
            interrupted.add(scope_key)
            continue
        subscriptions = by_scope.get(scope_key)
        if subscriptions is None:
            continue
        indexes = sorted(seen[scope_key])
        for key, catch in sorted(subscriptions, key=_first):
            definition = _definition(catch)
            fired = False
            for index in indexes:
                _, name, created = changes[index]
                if opened.get(key, -1) > index:
                    continue  # opened after this change: it was evaluated when it opened
                if definition.variable_names and name not in definition.variable_names:
                    continue
                if definition.variable_events and ("create" if created else "update") not in (
                    definition.variable_events
                ):
                    continue
                if is_true(ctx, definition.condition or "", scope_key):
                    trigger_later(ctx, scope_key, key, catch.id)
                    fired = True
                    break
            if fired and is_interrupting(catch):
                interrupted.add(scope_key)
                break


def _first(item: tuple[int, Any]) -> int:
    return int(item[0])


def start_condition_holds(event: EventDefinition, variables: dict[str, Any]) -> bool:
    """A root-level conditional start event, evaluated with the given variables only: not at all when its
    condition reads none of them (Zeebe's name filter), false when it fails."""
    if event.kind != EventKind.CONDITIONAL or not event.condition:
        return False
    if event.variable_names and not any(name in variables for name in event.variable_names):
        return False
    try:
        return evaluate_condition(event.condition, FeelContext([variables])) is True
    except ExpressionError:
        return False
