"""User task: a native user task record for the task list (zeebe:userTask), or a job-based user task (a job
of type io.camunda.zeebe:userTask, Zeebe's default without zeebe:userTask)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.jobs import (
    cancel_job,
    cancel_user_task,
    create_job_worker_user_task,
    create_user_task,
)
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class UserTaskProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        if element.native:
            create_user_task(ctx, element, ei)
        else:
            create_job_worker_user_task(ctx, element, ei)
        ctx.activated(ei)

    def terminate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        cancel_user_task(ctx, ei)
        cancel_job(ctx, ei)
        ctx.terminated(ei)
