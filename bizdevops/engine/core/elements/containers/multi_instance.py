"""Multi-instance body: wraps an activity with loop characteristics (parallel or sequential).

As in Zeebe, the body is its own element instance (type MULTI_INSTANCE_BODY, same element id): it owns the
boundary events and the output collection; each inner instance gets `inputElement` and `loopCounter` as
local variables and its own input/output mappings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import context, merge, set_local
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.expressions import ExpressionError, evaluate, evaluate_condition
from bizdevops.engine.core.lifecycle import ACTIVATED, ACTIVATING, COMPLETING
from bizdevops.engine.core.model.elements import FlowNode
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class MultiInstanceBodyProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:  # type: ignore[override]
        loop = element.loop
        assert loop is not None
        try:
            items = evaluate(loop.input_collection, context(ctx, ei.flow_scope_key))
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        if not isinstance(items, list):
            kind = "NULL" if items is None else type(items).__name__.upper()
            raise IncidentRaised(
                ErrorType.EXTRACT_VALUE_ERROR,
                f"Expected result of the expression '{loop.input_collection}' to be 'ARRAY', but was '{kind}'.",
            )
        prepare_activity(ctx, element, ei)
        ei.mi_items = items
        if loop.output_collection:
            set_local(ctx, ei.key, loop.output_collection, [None] * len(items))
        ctx.activated(ei)
        if not items:
            ctx.complete_later(ei)
            return
        if loop.sequential:
            ei.mi_next = 1
            ctx.activate_later(element, ei.key, 0, None, (0, items[0]))
        else:
            ei.mi_next = len(items)
            for index, item in enumerate(items):
                ctx.activate_later(element, ei.key, 0, None, (index, item))

    def inner_completed(
        self, ctx: Processing, element: FlowNode, body: ElementInstance, inner: ElementInstance
    ) -> None:
        """Called while the inner instance is still in place (its variables readable); may raise."""
        loop = element.loop
        assert loop is not None
        inner_context = None
        if loop.output_collection and loop.output_element:
            inner_context = context(ctx, inner.key)
            try:
                value = evaluate(loop.output_element, inner_context)
            except ExpressionError as exc:
                raise IncidentRaised.from_expression(exc) from None
            collection = list(ctx.state.variables.get(body.key, {}).get(loop.output_collection) or [])
            index = inner.loop_counter - 1
            if 0 <= index < len(collection):
                collection[index] = value
                set_local(ctx, body.key, loop.output_collection, collection)
        completed = body.mi_completed + 1
        if loop.completion_condition and not body.mi_done:
            active = sum(
                1 for e in ctx.state.elements.values() if e.flow_scope_key == body.key and e.key != inner.key
            )
            extra: dict[str, Any] = {
                "numberOfInstances": len(body.mi_items or ()),
                "numberOfActiveInstances": active,
                "numberOfCompletedInstances": completed,
                "numberOfTerminatedInstances": body.mi_terminated,
            }
            try:
                done = evaluate_condition(loop.completion_condition, context(ctx, inner.key, extra))
            except ExpressionError as exc:
                raise IncidentRaised.from_expression(exc) from None
            if done:
                body.mi_done = True
                if active:
                    ctx.later(lambda: self._terminate_remaining(ctx, body))
        body.mi_completed = completed

    def _terminate_remaining(self, ctx: Processing, body: ElementInstance) -> None:
        if body.state != ACTIVATED:
            return
        for child in [e for e in ctx.state.elements.values() if e.flow_scope_key == body.key]:
            if child.state in (ACTIVATING, ACTIVATED, COMPLETING):
                ctx.terminate(child)

    def children_done(self, ctx: Processing, scope: ElementInstance) -> None:
        element = ctx.elements[scope.element_id]
        loop = element.loop
        assert loop is not None
        items = scope.mi_items or []
        if loop.sequential and not scope.mi_done and scope.mi_next < len(items):
            index = scope.mi_next
            scope.mi_next += 1
            ctx.activate_later(element, scope.key, 0, None, (index, items[index]))
            return
        ctx.complete_later(scope)

    def complete(self, ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:  # type: ignore[override]
        loop = element.loop
        assert loop is not None
        if loop.output_collection and ei.flow_scope_key is not None:
            value = ctx.state.variables.get(ei.key, {}).get(loop.output_collection)
            merge(ctx, ei.flow_scope_key, {loop.output_collection: value})
        ctx.completed(ei)

    def terminate(self, ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:  # type: ignore[override]
        if ctx.terminate_children(ei):
            ctx.terminated(ei)
