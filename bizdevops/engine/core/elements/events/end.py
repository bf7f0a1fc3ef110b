"""End events: none, terminate, error, escalation, signal, message (a job, as in Zeebe)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors import compensation
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.jobs import cancel_job, create_job
from bizdevops.engine.core.behaviors.variables import apply_outputs, context
from bizdevops.engine.core.commands import BroadcastSignal
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.expressions import ExpressionError, evaluate_string
from bizdevops.engine.core.lifecycle import ACTIVATED, COMPLETING
from bizdevops.engine.core.model.elements import Event, EventKind
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


def broadcast_signal(ctx: Processing, element: Event, ei: ElementInstance) -> None:
    """Signals reach other instances too, so the broadcast is a follow-up command after this unit."""
    scope_context = context(ctx, ei.key)
    try:
        name = evaluate_string(element.event.signal_name or "", scope_context, "signal name")
    except ExpressionError as exc:
        raise IncidentRaised.from_expression(exc) from None
    variables: dict[str, Any] = {}
    if element.io is not None and element.io.inputs:
        variables = dict(ctx.state.variables.get(ei.key, {}))
    ctx.effects.commands.append(BroadcastSignal(name=name, variables=variables))


def throw_escalation(ctx: Processing, element: Event, ei: ElementInstance) -> None:
    """As Zeebe: the thrower is ACTIVATED, the escalation is thrown; the thrower completes unless an
    interrupting catch terminated it. An escalation nobody catches is not an error."""
    ctx.activated(ei)
    code = element.event.escalation_code or ""
    variables = dict(ctx.state.variables.get(ei.key, {}))
    ctx.throw(ei, EventKind.ESCALATION, code, "", variables)
    if ei.state == ACTIVATED:
        ctx.complete_later(ei)


class EndEventProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        kind = element.event.kind
        if element.io is not None and element.io.inputs:
            from bizdevops.engine.core.behaviors.variables import apply_inputs

            apply_inputs(ctx, element, ei)
        if kind == EventKind.ERROR:
            code = element.event.error_code or ""
            found = ctx.find_catch(ei, EventKind.ERROR, code)
            if found is None:
                raise IncidentRaised(
                    ErrorType.UNHANDLED_ERROR_EVENT,
                    f"Expected to throw an error event with the code '{code}', but it was not caught.",
                )
            # as Zeebe: ACTIVATED, then the catch terminates this end event together with its scope
            ctx.activated(ei)
            ctx.apply_catch(found, EventKind.ERROR, code, "", dict(ctx.state.variables.get(ei.key, {})))
            return
        if kind == EventKind.MESSAGE and element.task_definition is not None:
            create_job(ctx, element, ei)
            ctx.activated(ei)
            return
        if kind == EventKind.ESCALATION:
            throw_escalation(ctx, element, ei)
            return
        if kind == EventKind.COMPENSATION:
            # waits (ACTIVATED) until every handler it invoked completed; nothing to compensate: completes
            ctx.activated(ei)
            if not compensation.trigger(ctx, element, ei):
                ctx.complete_later(ei)
            return
        if kind == EventKind.SIGNAL:
            broadcast_signal(ctx, element, ei)
        ctx.activated(ei)
        if kind == EventKind.TERMINATE:
            # as Zeebe: completed at once, then every other token of the flow scope is terminated
            ctx.transition(ei, COMPLETING)
            self.complete(ctx, element, ei)
            return
        ctx.complete_later(ei)

    def complete(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        apply_outputs(ctx, element, ei)
        ctx.completed(ei)
        if element.event.kind == EventKind.TERMINATE and ei.flow_scope_key is not None:
            scope = ctx.state.elements.get(ei.flow_scope_key)
            if scope is not None and scope.state == "ELEMENT_ACTIVATED":
                # terminate every other token of the scope; the scope then completes normally
                scope.ending = True
                ctx.terminate_children(scope)
                scope.ending = False
                ctx.child_left(scope)

    def terminate(self, ctx: Processing, element: Event, ei: ElementInstance) -> None:  # type: ignore[override]
        cancel_job(ctx, ei)
        ctx.terminated(ei)
