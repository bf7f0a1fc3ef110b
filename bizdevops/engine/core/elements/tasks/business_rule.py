"""Business rule task: zeebe:calledDecision evaluated by the DMN engine, or (zeebe:taskDefinition) a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.jobs import create_job
from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.elements.base import prepare_activity
from bizdevops.engine.core.elements.tasks.service import ServiceTaskProcessor
from bizdevops.engine.core.expressions import ExpressionError, evaluate_string
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class BusinessRuleTaskProcessor(ServiceTaskProcessor):
    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        prepare_activity(ctx, element, ei)
        called = element.called_decision
        if called is None:
            create_job(ctx, element, ei)
            ctx.activated(ei)
            return
        try:
            decision_id = evaluate_string(called.decision_id, context(ctx, ei.key), "decision id")
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        definition = ctx.store.latest_decision_definition(decision_id)
        if definition is None:
            raise IncidentRaised(
                ErrorType.CALLED_DECISION_ERROR,
                f"Expected to evaluate decision '{decision_id}', but no decision found for id '{decision_id}'.",
            )
        variables = ctx.state.visible_variables(ei.key)
        try:
            value = ctx.engine.evaluate_decision_definition(definition, variables)
        except Exception as exc:  # noqa: BLE001 - any DMN failure is an incident, never a crash
            raise IncidentRaised(
                ErrorType.DECISION_EVALUATION_ERROR,
                f"Expected to evaluate decision '{decision_id}', but {exc}",
            ) from None
        ctx.record("DECISION", "EVALUATED", ei, {"decisionId": decision_id, "decisionKey": definition.key})
        ei.payload = {called.result_variable: value}
        ctx.activated(ei)
        ctx.complete_later(ei)
