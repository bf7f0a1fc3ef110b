"""The processor interface and the shared activity preparation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import boundary_catches, open_subscriptions
from bizdevops.engine.core.behaviors.variables import apply_inputs, apply_outputs
from bizdevops.engine.core.model.elements import ElementType, FlowNode
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


def prepare_activity(ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:
    """Input mappings, then the boundary-event subscriptions (the body's, for a multi-instance activity)."""
    is_body = ei.element_type == ElementType.MULTI_INSTANCE_BODY
    if element.io is not None and not is_body:
        apply_inputs(ctx, element, ei)
    if element.boundary_events and (element.loop is None or is_body):
        open_subscriptions(ctx, ei, boundary_catches(ctx, element))


class ElementProcessor:
    """Processes one element type. The default behaviour is a pass-through activity (manual task, task).

    - activate: the instance is ACTIVATING; do the element's work, then `ctx.activated(ei)`, then either
      wait (a job, a task, a subscription) or `ctx.complete_later(ei)`. Raise IncidentRaised *before* any
      side effect to stop with an incident (resolving it runs activate again).
    - complete: the instance is COMPLETING; apply outputs, then `ctx.completed(ei[, flows])`.
    - terminate: the instance is TERMINATING (subscriptions and incidents are already closed): cancel the
      element's work and call `ctx.terminated(ei)` once nothing of it is left.
    - children_done: a container's last child left while it is ACTIVATED.
    """

    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        ctx.activated(ei)
        ctx.complete_later(ei)

    def complete(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        apply_outputs(ctx, element, ei)
        ctx.completed(ei)

    def terminate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        ctx.terminated(ei)

    def children_done(self, ctx: Processing, scope: ElementInstance) -> None:
        ctx.complete_later(scope)
