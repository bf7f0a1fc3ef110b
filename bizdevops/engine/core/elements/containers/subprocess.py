"""Embedded subprocess: a scope with its own none start event, variables and event subprocesses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.events import event_subprocess_catches, open_subscriptions
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.model.elements import SubProcess
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class SubProcessProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        prepare_activity(ctx, element, ei)
        if element.event_subprocesses:
            open_subscriptions(ctx, ei, event_subprocess_catches(ctx, element.event_subprocesses))
        ctx.activated(ei)
        assert element.start_event is not None
        ctx.activate_later(ctx.elements[element.start_event], ei.key)

    def terminate(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        if ctx.terminate_children(ei):
            ctx.terminated(ei)
