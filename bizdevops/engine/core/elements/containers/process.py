"""The process itself: the root element instance (key = process instance key)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import event_subprocess_catches, open_subscriptions
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import ProcessModel
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class ProcessProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: ProcessModel, ei: ElementInstance) -> None:  # type: ignore[override]
        if element.event_subprocesses:
            open_subscriptions(ctx, ei, event_subprocess_catches(ctx, element.event_subprocesses))
        start = ei.payload or {}
        ei.payload = None
        ctx.activated(ei)
        trigger = start.get("trigger")
        if trigger is not None:
            ctx.activate_later(ctx.elements[trigger], ei.key, 0, start.get("variables") or {})
            return
        for element_id in start.get("startAt") or [element.start_event]:
            ctx.activate_later(ctx.elements[element_id], ei.key)

    def complete(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        ctx.completed(ei)

    def terminate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        if ctx.terminate_children(ei):
            ctx.terminated(ei)
