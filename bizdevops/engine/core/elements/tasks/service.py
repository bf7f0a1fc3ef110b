"""Service task and send task: the work is a job for an external worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.jobs import cancel_job, create_job
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class ServiceTaskProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        create_job(ctx, element, ei)
        ctx.activated(ei)

    def terminate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        cancel_job(ctx, ei)
        ctx.terminated(ei)


class SendTaskProcessor(ServiceTaskProcessor):
    """A send task is a job, like a service task (Zeebe)."""
