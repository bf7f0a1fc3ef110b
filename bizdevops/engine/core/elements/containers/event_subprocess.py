"""Event subprocess: started by its start event's trigger inside the enclosing scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.events import event_subprocess_catches, open_subscriptions
from bizdevops.engine.core.behaviors.variables import apply_outputs
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.model.elements import ElementType, SubProcess
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

    def complete(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        """In an ad-hoc subprocess that it did not interrupt, a completed event subprocess is the end of an
        execution path, as an inner instance is (Zeebe's before/afterExecutionPathCompleted): its output
        element is appended to the output collection, the completion condition is evaluated, and with a job
        worker implementation the job is created again. An interrupting one completes the ad-hoc subprocess
        (children_done)."""
        apply_outputs(ctx, element, ei)
        scope = ctx.state.elements.get(ei.flow_scope_key)  # type: ignore[arg-type]
        if scope is None or scope.element_type != ElementType.AD_HOC_SUB_PROCESS or scope.interrupted:
            ctx.completed(ei)
            return
        from bizdevops.engine.core.elements.containers.ad_hoc_subprocess import complete_execution_path

        complete_execution_path(ctx, scope, ei)

    def terminate(self, ctx: Processing, element: SubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        if ctx.terminate_children(ei):
            ctx.terminated(ei)
