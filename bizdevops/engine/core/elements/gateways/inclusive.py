"""Inclusive gateway: forks to every flow whose condition is true (else the default flow, else an
incident); joins when every token that can still reach it has arrived."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.elements.gateways.exclusive import select_flows
from bizdevops.engine.core.model.elements import Gateway
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class InclusiveGatewayProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Gateway, ei: ElementInstance) -> None:  # type: ignore[override]
        flows = select_flows(ctx, element, ei, first_only=False)
        ctx.activated(ei)
        ctx.transition(ei, "ELEMENT_COMPLETING")
        ctx.completed(ei, flows)
