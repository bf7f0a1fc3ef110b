"""Intermediate throw events: none (pass through), signal (broadcast), escalation, link (jump to the
catch event of the same name in the scope), message (a job, as in Zeebe)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors import compensation
from bizdevops.engine.core.behaviors.jobs import cancel_job, create_job
from bizdevops.engine.core.behaviors.variables import apply_inputs, apply_outputs
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.elements.events.end import broadcast_signal, throw_escalation
from bizdevops.engine.core.model.elements import Event, EventKind
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class IntermediateThrowEventProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        if element.io is not None and element.io.inputs:
            apply_inputs(ctx, element, ei)
        kind = element.event.kind
        if kind == EventKind.MESSAGE and element.task_definition is not None:
            create_job(ctx, element, ei)
            ctx.activated(ei)
            return
        if kind == EventKind.ESCALATION:
            throw_escalation(ctx, element, ei)
            return
        if kind == EventKind.COMPENSATION:
            # waits (ACTIVATED) until every handler it invoked completed; nothing to compensate: completes
            ctx.activated(ei)
            if not compensation.trigger(ctx, element, ei):
                ctx.complete_later(ei)
            return
        if kind == EventKind.SIGNAL:
            broadcast_signal(ctx, element, ei)
        ctx.activated(ei)
        ctx.complete_later(ei)

    def complete(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        apply_outputs(ctx, element, ei)
        if element.event.kind != EventKind.LINK:
            ctx.completed(ei)
            return
        scope = ctx.state.elements[ei.flow_scope_key]  # type: ignore[index]
        target = ctx.model.links[(element.scope, element.event.link_name or "")]
        # queue the jump first: it holds a token in the scope, so completing the throw event cannot
        # complete the scope
        ctx.activate_later(ctx.elements[target], scope.key)
        ctx.completed(ei, ())

    def terminate(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        cancel_job(ctx, ei)
        ctx.terminated(ei)
