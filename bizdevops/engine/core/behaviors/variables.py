"""Variable scopes and io mappings with Zeebe's rules.

- Input mappings create local variables of the element instance, evaluated in order (a later input may read
  an earlier one).
- Variables delivered by a job, user task, message, script or decision (the "payload") are merged on
  completion: with output mappings, the payload is local to the element and the outputs are merged from the
  flow scope; without, the payload itself is merged from the element's own scope. Merging puts each variable
  in the nearest scope that already has it, else in the root scope (the process instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.expressions import ExpressionError, FeelContext, evaluate_value
from bizdevops.engine.core.model.elements import FlowNode
from bizdevops.engine.core.records import ErrorType
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


def scope_chain(ctx: Processing, scope_key: int | None) -> list[Mapping[str, Any]]:
    """Variable dicts from the nearest scope outwards."""
    chain: list[Mapping[str, Any]] = []
    variables = ctx.state.variables
    elements = ctx.state.elements
    key = scope_key
    while key is not None:
        scope_vars = variables.get(key)
        if scope_vars:
            chain.append(scope_vars)
        ei = elements.get(key)
        key = ei.flow_scope_key if ei is not None else None
    return chain


def context(ctx: Processing, scope_key: int | None, extra: Mapping[str, Any] | None = None) -> FeelContext:
    chain = scope_chain(ctx, scope_key)
    if extra:
        chain.insert(0, extra)
    return FeelContext(chain)


def set_local(ctx: Processing, scope_key: int, name: str, value: Any) -> None:
    scope_vars = ctx.state.variables.get(scope_key)
    if scope_vars is None:
        scope_vars = ctx.state.variables[scope_key] = {}
    created = name not in scope_vars
    ctx.variable_event(scope_key, name, value, created=created)
    if ctx.conditional and (created or not _same(scope_vars[name], value)):
        # the process has conditional events: every change of a variable may trigger one
        from bizdevops.engine.core.behaviors import conditionals

        conditionals.changed(ctx, scope_key, name, created)
    scope_vars[name] = value


def _same(old: Any, new: Any) -> bool:
    """Equal JSON values (Zeebe compares the encoded values: 1 and 1.0, or 1 and true, differ)."""
    return type(old) is type(new) and old == new


def merge(ctx: Processing, start_scope_key: int, document: Mapping[str, Any]) -> None:
    """Zeebe's mergeDocument: each variable goes to the nearest scope that has it, else to the root."""
    variables = ctx.state.variables
    elements = ctx.state.elements
    root = ctx.state.key
    for name, value in document.items():
        key: int | None = start_scope_key
        target = root
        while key is not None:
            scope_vars = variables.get(key)
            if scope_vars is not None and name in scope_vars:
                target = key
                break
            ei = elements.get(key)
            key = ei.flow_scope_key if ei is not None else None
        set_local(ctx, target, name, value)


def apply_inputs(ctx: Processing, element: FlowNode, ei: ElementInstance) -> None:
    io = element.io
    if io is None or not io.inputs:
        return
    results: dict[str, Any] = {}
    chain = scope_chain(ctx, ei.flow_scope_key)
    local = ctx.state.variables.get(ei.key)
    if local:
        chain.insert(0, local)  # multi-instance inputElement / loopCounter
    chain.insert(0, results)
    for mapping in io.inputs:
        try:
            value = evaluate_value(mapping.source, FeelContext(chain))
        except ExpressionError as exc:
            raise IncidentRaised(ErrorType.IO_MAPPING_ERROR, exc.message) from None
        _assign(results, mapping.target, value)
    for name, value in results.items():
        set_local(ctx, ei.key, name, value)


def apply_outputs(
    ctx: Processing, element: FlowNode, ei: ElementInstance, *, propagate_payload: bool = True
) -> None:
    """Evaluate output mappings (or merge the payload) at completion; raises IncidentRaised on failure."""
    io = element.io
    payload = ei.payload
    if io is not None and io.outputs:
        results: dict[str, Any] = {}
        chain = scope_chain(ctx, ei.key)
        if payload:
            chain.insert(0, payload)
        for mapping in io.outputs:
            try:
                value = evaluate_value(mapping.source, FeelContext(chain))
            except ExpressionError as exc:
                raise IncidentRaised(ErrorType.IO_MAPPING_ERROR, exc.message) from None
            _assign(results, mapping.target, value)
        ei.payload = None
        if ei.flow_scope_key is not None:
            merge(ctx, ei.flow_scope_key, results)
        return
    if payload:
        ei.payload = None
        if propagate_payload:
            merge(ctx, ei.key, payload)


def _assign(results: dict[str, Any], target: str, value: Any) -> None:
    # `a.b` targets write into a nested context, as Zeebe allows
    if "." not in target:
        results[target] = value
        return
    head, *rest = target.split(".")
    node = results.get(head)
    if not isinstance(node, dict):
        node = results[head] = {}
    for part in rest[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[rest[-1]] = value
