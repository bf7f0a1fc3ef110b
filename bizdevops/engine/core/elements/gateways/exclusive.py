"""Exclusive gateway: the first outgoing flow whose condition is true, else the default flow, else an
incident (CONDITION_ERROR). Resolving the incident evaluates the conditions again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.expressions import ExpressionError, evaluate_condition
from bizdevops.engine.core.model.elements import Gateway, SequenceFlow
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


def select_flows(
    ctx: Processing, gateway: Gateway, ei: ElementInstance, *, first_only: bool
) -> list[SequenceFlow]:
    outgoing = gateway.outgoing
    if len(outgoing) == 1 and outgoing[0].condition is None:
        return [outgoing[0]]
    chosen: list[SequenceFlow] = []
    default: SequenceFlow | None = None
    scope_context = None
    for flow in outgoing:
        if flow.id == gateway.default_flow:
            default = flow
            continue
        if flow.condition is None:
            ok = True
        else:
            if scope_context is None:
                scope_context = context(ctx, ei.flow_scope_key)
            try:
                ok = evaluate_condition(flow.condition, scope_context)
            except ExpressionError as exc:
                raise IncidentRaised(ErrorType.EXTRACT_VALUE_ERROR, exc.message) from None
        if ok:
            chosen.append(flow)
            if first_only:
                return chosen
    if chosen:
        return chosen
    if default is not None:
        return [default]
    raise IncidentRaised(
        ErrorType.CONDITION_ERROR,
        f"Expected at least one condition to evaluate to true, or to have a default flow, on gateway '{gateway.id}'.",
    )


class ExclusiveGatewayProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Gateway, ei: ElementInstance) -> None:  # type: ignore[override]
        # conditions are evaluated while ACTIVATING so that a failure leaves the gateway with an incident
        flows = select_flows(ctx, element, ei, first_only=True)
        ctx.activated(ei)
        ctx.transition(ei, "ELEMENT_COMPLETING")
        ctx.completed(ei, flows)
