"""Intermediate catch events: message, timer, signal (subscriptions) and link (pass through)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.events import open_subscriptions
from bizdevops.engine.core.behaviors.variables import apply_inputs
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import Event, EventKind
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class IntermediateCatchEventProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        if element.io is not None and element.io.inputs:
            apply_inputs(ctx, element, ei)
        if ei.payload is not None or element.event.kind == EventKind.LINK:
            # already triggered (after an event-based gateway), or a link target: nothing to wait for
            ctx.activated(ei)
            ctx.complete_later(ei)
            return
        open_subscriptions(ctx, ei, [element])
        ctx.activated(ei)
