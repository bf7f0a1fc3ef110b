"""Receive task: waits for its message, like a message intermediate catch event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import open_subscriptions
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class ReceiveTaskProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        if ei.payload is not None:  # triggered through an event-based gateway
            ctx.activated(ei)
            ctx.complete_later(ei)
            return
        open_subscriptions(ctx, ei, [element])
        ctx.activated(ei)
