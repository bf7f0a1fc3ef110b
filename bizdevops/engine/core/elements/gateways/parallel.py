"""Parallel gateway: forks to every outgoing flow; joins when a token arrived on every incoming flow
(the join bookkeeping is in the flow scope, so the join fires exactly once per set of tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import Gateway
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class ParallelGatewayProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Gateway, ei: ElementInstance) -> None:  # type: ignore[override]
        ctx.activated(ei)
        ctx.transition(ei, "ELEMENT_COMPLETING")
        ctx.completed(ei)
