"""Event-based gateway: waits on the events after it; the first one to happen wins, the others close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.events import open_subscriptions
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import Gateway
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class EventBasedGatewayProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Gateway, ei: ElementInstance) -> None:  # type: ignore[override]
        open_subscriptions(ctx, ei, [ctx.elements[flow.target] for flow in element.outgoing])
        ctx.activated(ei)
