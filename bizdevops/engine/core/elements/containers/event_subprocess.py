"""Event subprocess: started by its start event's trigger inside the enclosing scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.events import event_subprocess_catches, open_subscriptions
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import SubProcess
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class EventSubProcessProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        trigger = ei.payload or {}
        ei.payload = None  # the trigger data is not a variable document
        if element.event_subprocesses:
            open_subscriptions(ctx, ei, event_subprocess_catches(ctx, element.event_subprocesses))
        ctx.activated(ei)
        ctx.activate_later(ctx.elements[trigger["start"]], ei.key, 0, trigger.get("variables") or {})

    def terminate(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        if ctx.terminate_children(ei):
            ctx.terminated(ei)
