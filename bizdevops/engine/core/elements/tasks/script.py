"""Script task: a zeebe:script FEEL expression evaluated by the engine, or (zeebe:taskDefinition) a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.jobs import create_job
from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.elements.base import prepare_activity
from bizdevops.engine.core.elements.tasks.service import ServiceTaskProcessor
from bizdevops.engine.core.expressions import ExpressionError, evaluate
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class ScriptTaskProcessor(ServiceTaskProcessor):
    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        if element.expression is None:
            create_job(ctx, element, ei)
            ctx.activated(ei)
            return
        try:
            value = evaluate(element.expression, context(ctx, ei.key))
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        # the result is delivered like job variables: merged on completion unless output mappings say otherwise
        ei.payload = {element.result_variable: value}
        ctx.activated(ei)
        ctx.complete_later(ei)
