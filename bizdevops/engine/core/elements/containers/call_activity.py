"""Call activity: starts an instance of another process (a follow-up command) and waits for it.

Variables: with propagateAllParentVariables the child starts with every variable visible here (plus the
input mappings), else only with the input mappings. With propagateAllChildVariables the child's variables
are merged back on completion, else only the output mappings apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import apply_outputs, context
from bizdevops.engine.core.commands import CancelProcessInstance, CreateProcessInstance
from bizdevops.engine.core.elements.base import ElementProcessor, prepare_activity
from bizdevops.engine.core.expressions import ExpressionError, evaluate_string
from bizdevops.engine.core.model.elements import CallActivity
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


class CallActivityProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: CallActivity, ei: ElementInstance) -> None:  # type: ignore[override]
        called = element.called_element
        assert called is not None
        try:
            process_id = evaluate_string(
                called.process_id, context(ctx, ei.flow_scope_key), "called process id"
            )
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        definition = ctx.store.latest_process_definition(process_id)
        if definition is None:
            raise IncidentRaised(
                ErrorType.CALLED_ELEMENT_ERROR,
                f"Expected process with BPMN process id '{process_id}' to be deployed, but not found.",
            )
        prepare_activity(ctx, element, ei)
        if called.propagate_all_parent_variables:
            variables = ctx.state.visible_variables(ei.key)
        else:
            variables = dict(ctx.state.variables.get(ei.key, {}))
        ei.child_instance_key = ctx.next_key()
        ctx.activated(ei)
        ctx.effects.commands.append(
            CreateProcessInstance(
                process_definition_key=definition.key,
                variables=variables,
                instance_key=ei.child_instance_key,
                parent_instance_key=ctx.state.key,
                parent_element_instance_key=ei.key,
                tenant_id=ctx.state.tenant_id,
            )
        )

    def complete(self, ctx: Processing, element: CallActivity, ei: ElementInstance) -> None:  # type: ignore[override]
        called = element.called_element
        propagate = called.propagate_all_child_variables if called is not None else True
        apply_outputs(ctx, element, ei, propagate_payload=propagate)
        ctx.completed(ei)

    def terminate(self, ctx: Processing, element: CallActivity, ei: ElementInstance) -> None:  # type: ignore[override]
        if ei.child_instance_key is not None:
            ctx.effects.commands.append(CancelProcessInstance(ei.child_instance_key, internal=True))
        ctx.terminated(ei)
