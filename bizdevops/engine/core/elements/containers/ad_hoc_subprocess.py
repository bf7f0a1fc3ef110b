"""Ad-hoc subprocess (Camunda 8.7+), with Zeebe's semantics (AdHocSubProcessProcessor,
AdHocSubProcessInnerInstanceProcessor, BpmnAdHocSubProcessBehavior).

- Activation: the local variable `adHocSubProcessElements` (the activatable elements' metadata), the output
  collection (an empty list, local), the input mappings; then `activeElementsCollection` (a FEEL list of
  inner element ids: anything else is an EXTRACT_VALUE_ERROR incident), the boundary-event and
  event-subprocess subscriptions, ACTIVATED, and each listed element activated.
- Each activation of an inner element runs in its own *inner instance* (element `<id>#innerInstance`, type
  AD_HOC_SUB_PROCESS_INNER_INSTANCE), recorded ACTIVATING and ACTIVATED at once; its variables (the output
  element's variable, created null, and the variables given to the activation) stay local to it.
- When an inner instance completes (its whole flow is done), the output element is evaluated in it and
  appended to the output collection, and the completion condition is evaluated in the ad-hoc subprocess's
  scope. Without a condition the ad-hoc subprocess completes once nothing is left in it; with one, it
  completes when the condition is true: at once, terminating what is left (`cancelRemainingInstances`,
  the default), or once the rest completed. An empty activation leaves it active.
- On completion the output collection is propagated to the parent scope, then the output mappings run.
- Job worker implementation (`zeebe:taskDefinition` on it): a job on activation and again each time an inner
  instance or a non-interrupting event subprocess inside it completes (the previous one is canceled: one job
  at a time); the job's completion (result type
  `adHocSubProcess`) activates elements or fulfils the completion condition (`runtime.complete_job`).

`ElementInstance.mi_done` holds "completion condition fulfilled" for an ad-hoc subprocess."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.events import (
    boundary_catches,
    event_subprocess_catches,
    open_subscriptions,
)
from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.jobs import cancel_job, create_job
from bizdevops.engine.core.behaviors.variables import apply_inputs, apply_outputs, context, merge, set_local
from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound
from bizdevops.engine.core.expressions import ExpressionError, evaluate, evaluate_condition
from bizdevops.engine.core.lifecycle import ACTIVATED, ACTIVATING
from bizdevops.engine.core.model.elements import AdHocSubProcess, ElementType, FlowNode
from bizdevops.engine.core.records import ErrorType, JobRecord, JobState
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing

ELEMENTS_VARIABLE = "adHocSubProcessElements"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _kind(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    if isinstance(value, dict):
        return "OBJECT"
    return type(value).__name__.upper()


def missing_elements(element: AdHocSubProcess, element_ids: list[str]) -> list[str]:
    return [e for e in element_ids if e not in element.activities]


def not_found_message(key: int, missing: list[str]) -> str:
    """Zeebe's AdHocSubProcessUtils message (the ids as a Java list prints them)."""
    return (
        f"Expected to activate activities for ad-hoc sub-process with key '{key}', but the given elements "
        f"[{', '.join(missing)}] do not exist."
    )


def activate_element(
    ctx: Processing,
    element: AdHocSubProcess,
    ad_hoc: ElementInstance,
    element_id: str,
    variables: Mapping[str, Any] | None = None,
) -> None:
    """Create an inner instance (ACTIVATING, ACTIVATED) and queue the element's activation inside it."""
    inner = ElementInstance(
        ctx.next_key(),
        element.inner_instance,
        ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE,
        None,  # type: ignore[arg-type]
        ad_hoc.key,
    )
    ad_hoc.active_children += 1
    ctx.state.elements[inner.key] = inner
    ctx.transition(inner, ACTIVATING)
    ctx.transition(inner, ACTIVATED)
    output = (element.output_element or "").removeprefix("=").strip()
    if element.output_collection and _NAME.fullmatch(output):
        set_local(ctx, inner.key, output, None)
    for name, value in (variables or {}).items():
        set_local(ctx, inner.key, name, value)
    ctx.activate_later(ctx.elements[element_id], inner.key)


def _terminate_remaining(ctx: Processing, ad_hoc: ElementInstance) -> None:
    """The last one to go completes the ad-hoc subprocess (children_done)."""
    for child in [c for c in ctx.state.elements.values() if c.flow_scope_key == ad_hoc.key]:
        ctx.terminate(child)


def completion_fulfilled(ctx: Processing, ad_hoc: ElementInstance, cancel_remaining: bool) -> None:
    """BpmnAdHocSubProcessBehavior.completionConditionFulfilled (from a job result): terminate what is left
    (or wait for it), then complete."""
    ad_hoc.mi_done = True
    if ad_hoc.state != ACTIVATED:
        return
    if ad_hoc.active_children or ad_hoc.active_flows:
        if cancel_remaining:
            _terminate_remaining(ctx, ad_hoc)
    else:
        ctx.complete_later(ad_hoc)


def activate_by_command(ctx: Processing, ad_hoc_key: int, elements: list[tuple[str, dict[str, Any]]]) -> None:
    """Zeebe's AdHocSubProcessInstructionActivateProcessor (`POST /v2/element-instances/ad-hoc-activities/
    {key}/activation`): checks first (nothing changes when one fails), then one inner instance per element,
    with the given variables local to it."""
    ei = ctx.state.elements.get(ad_hoc_key)
    if ei is None or ei.element_type != ElementType.AD_HOC_SUB_PROCESS:
        raise NotFound(not_an_ad_hoc_message(ad_hoc_key))
    prefix = f"Expected to activate activities for ad-hoc sub-process with key '{ad_hoc_key}', but"
    if ei.state != ACTIVATED:
        raise Conflict(f"{prefix} it is not active.")
    ids = [element_id for element_id, _ in elements]
    if len(set(ids)) != len(ids):
        raise InvalidArgument(f"{prefix} duplicate activities were given.")
    element = ctx.elements[ei.element_id]
    assert isinstance(element, AdHocSubProcess)
    missing = missing_elements(element, ids)
    if missing:
        raise NotFound(not_found_message(ad_hoc_key, missing))
    for element_id, variables in elements:
        activate_element(ctx, element, ei, element_id, variables)
    ctx.record(
        "AD_HOC_SUB_PROCESS_INSTRUCTION",
        "ACTIVATED",
        ei,
        {"adHocSubProcessInstanceKey": ad_hoc_key, "elements": [{"elementId": e} for e in ids]},
    )


def _job_result_elements(result: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    items = result.get("activateElements") or []
    if not isinstance(items, list):
        raise InvalidArgument("The job result's activateElements must be an array.")
    elements: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(items):
        element_id = item.get("elementId") if isinstance(item, dict) else None
        if not isinstance(element_id, str) or not element_id:
            raise InvalidArgument(f"No activateElements[{index}].elementId provided.")
        variables = item.get("variables") or {}
        if not isinstance(variables, dict):
            raise InvalidArgument(f"The job result's activateElements[{index}].variables must be an object.")
        elements.append((element_id, variables))
    return elements


def complete_job(
    ctx: Processing,
    ei: ElementInstance,
    job: JobRecord,
    variables: Mapping[str, Any],
    result: Mapping[str, Any] | None,
) -> None:
    """The job of an ad-hoc subprocess (job worker implementation) is completed: as Zeebe's
    JobCompleteProcessor, checks first (unknown elements: NotFound, nothing changes), then the job is
    completed, its variables become local variables of the ad-hoc subprocess, the result's elements are
    activated (each in its own inner instance, with its variables), and then, if the result says so, the
    remaining instances are terminated (`isCancelRemainingInstances`) and the ad-hoc subprocess completes
    (`isCompletionConditionFulfilled`, once nothing is left)."""
    element = ctx.elements[ei.element_id]
    assert isinstance(element, AdHocSubProcess)
    result = result or {}
    kind = result.get("type")
    if kind is not None and kind != "adHocSubProcess":
        raise InvalidArgument(
            f"Expected a job result of type 'adHocSubProcess' for the job of ad-hoc sub-process "
            f"'{element.id}', but got '{kind}'."
        )
    elements = _job_result_elements(result)
    missing = missing_elements(element, [e for e, _ in elements])
    if missing:
        raise NotFound(not_found_message(ei.key, missing))
    fulfilled = result.get("isCompletionConditionFulfilled") is True
    cancel = result.get("isCancelRemainingInstances") is True
    if fulfilled and elements:
        raise InvalidArgument(
            f"No elements can be activated for ad-hoc sub-process with key '{ei.key}' because the completion "
            "condition is fulfilled."
        )
    ctx.effects.jobs.append(replace(job, state=JobState.COMPLETED))
    ctx.record("JOB", "COMPLETED", ei, {"jobKey": job.key})
    ei.job_key = None
    for name, value in variables.items():
        set_local(ctx, ei.key, name, value)
    remaining = [c for c in ctx.state.elements.values() if c.flow_scope_key == ei.key]
    for element_id, element_variables in elements:
        activate_element(ctx, element, ei, element_id, element_variables)
    if fulfilled:
        ctx.later(lambda: completion_fulfilled(ctx, ei, cancel))
    elif cancel and remaining:

        def cancel_remaining() -> None:
            for child in remaining:
                if child.key in ctx.state.elements:
                    ctx.terminate(child)

        ctx.later(cancel_remaining)


def not_an_ad_hoc_message(ad_hoc_key: int) -> str:
    return (
        "Expected to activate activities for ad-hoc sub-process but no ad-hoc sub-process instance found "
        f"with key '{ad_hoc_key}'."
    )


class AdHocSubProcessProcessor(ElementProcessor):
    def activate(self, ctx: Processing, element: AdHocSubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        set_local(ctx, ei.key, ELEMENTS_VARIABLE, [dict(m) for m in element.elements_metadata])
        if element.output_collection:
            set_local(ctx, ei.key, element.output_collection, [])
        if element.io is not None:
            apply_inputs(ctx, element, ei)
        to_activate = self._elements_to_activate(ctx, element, ei)
        catches: list[FlowNode] = []
        if element.boundary_events and element.loop is None:  # else the multi-instance body has them
            catches.extend(boundary_catches(ctx, element))
        if element.event_subprocesses:
            catches.extend(event_subprocess_catches(ctx, element.event_subprocesses))
        if catches:
            open_subscriptions(ctx, ei, catches)
        if element.task_definition is not None:
            create_job(ctx, element, ei)  # type: ignore[arg-type]
        ctx.activated(ei)
        for element_id in to_activate:
            activate_element(ctx, element, ei, element_id)

    @staticmethod
    def _elements_to_activate(ctx: Processing, element: AdHocSubProcess, ei: ElementInstance) -> list[str]:
        text = element.active_elements_collection
        if text is None or element.task_definition is not None:
            return []
        prefix = "Failed to activate ad-hoc elements. "
        try:
            value = evaluate(text, context(ctx, ei.key))
        except ExpressionError as exc:
            raise IncidentRaised(ErrorType.EXTRACT_VALUE_ERROR, prefix + exc.message) from None
        if not isinstance(value, list):
            raise IncidentRaised(
                ErrorType.EXTRACT_VALUE_ERROR,
                f"{prefix}Expected result of the expression '{text}' to be 'ARRAY', but was '{_kind(value)}'.",
            )
        if not all(isinstance(item, str) for item in value):
            raise IncidentRaised(
                ErrorType.EXTRACT_VALUE_ERROR,
                f"{prefix}Expected result of the expression '{text}' to be 'ARRAY' containing 'STRING' items,"
                " but was 'ARRAY' containing at least one non-'STRING' item.",
            )
        missing = missing_elements(element, value)
        if missing:
            raise IncidentRaised(ErrorType.EXTRACT_VALUE_ERROR, not_found_message(ei.key, missing))
        return value

    def inner_completing(
        self, ctx: Processing, element: AdHocSubProcess, ad_hoc: ElementInstance, inner: ElementInstance
    ) -> None:
        """An inner instance is completing (its variables still readable): collect its output and evaluate
        the completion condition. May raise (an incident on the inner instance); changes nothing then."""
        collection: list[Any] | None = None
        if element.output_collection and element.output_element:
            try:
                value = evaluate(element.output_element, context(ctx, inner.key))
            except ExpressionError as exc:
                raise IncidentRaised.from_expression(exc) from None
            current = ctx.state.variables.get(ad_hoc.key, {}).get(element.output_collection)
            if not isinstance(current, list):
                raise IncidentRaised(
                    ErrorType.EXTRACT_VALUE_ERROR,
                    f"The output collection has the wrong type. Expected ARRAY but was {_kind(current)}.",
                )
            collection = [*current, value]
        done: bool | None = None
        if element.task_definition is None and element.completion_condition:
            try:
                done = evaluate_condition(element.completion_condition, context(ctx, ad_hoc.key))
            except ExpressionError as exc:
                raise IncidentRaised(
                    ErrorType.EXTRACT_VALUE_ERROR, "Failed to evaluate completion condition. " + exc.message
                ) from None
        if collection is not None:
            set_local(ctx, ad_hoc.key, element.output_collection, collection)  # type: ignore[arg-type]
        if done is not None:
            ad_hoc.mi_done = done

    def inner_completed(self, ctx: Processing, element: AdHocSubProcess, ad_hoc: ElementInstance) -> None:
        """After an inner instance completed (afterExecutionPathCompleted). Completing once nothing is
        left is children_done's part."""
        if ad_hoc.state != ACTIVATED:
            return
        if element.task_definition is not None:
            # one job at a time: the worker decides again (unless it fulfilled the completion condition)
            cancel_job(ctx, ad_hoc)
            if ad_hoc.mi_done:
                _terminate_remaining(ctx, ad_hoc)
                return
            try:
                create_job(ctx, element, ad_hoc)  # type: ignore[arg-type]
            except IncidentRaised:
                pass  # as Zeebe: a job expression that fails now creates no job
            return
        if ad_hoc.mi_done and element.completion_condition and element.cancel_remaining_instances:
            _terminate_remaining(ctx, ad_hoc)

    def children_done(self, ctx: Processing, scope: ElementInstance) -> None:
        element = ctx.elements[scope.element_id]
        assert isinstance(element, AdHocSubProcess)
        if scope.interrupted or scope.mi_done:
            ctx.complete_later(scope)
        elif element.task_definition is None and not element.completion_condition:
            ctx.complete_later(scope)

    def complete(self, ctx: Processing, element: AdHocSubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        if element.output_collection and ei.flow_scope_key is not None:
            value = ctx.state.variables.get(ei.key, {}).get(element.output_collection)
            merge(ctx, ei.flow_scope_key, {element.output_collection: value})
        apply_outputs(ctx, element, ei)
        cancel_job(ctx, ei)
        ctx.completed(ei)

    def terminate(self, ctx: Processing, element: AdHocSubProcess, ei: ElementInstance) -> None:  # type: ignore[override]
        cancel_job(ctx, ei)
        if ctx.terminate_children(ei):
            ctx.terminated(ei)


class AdHocInnerInstanceProcessor(ElementProcessor):
    """The inner instance of one activation: completes when its flow is done, tells the ad-hoc subprocess."""

    def activate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        raise RuntimeError("An ad-hoc subprocess inner instance is created by its ad-hoc subprocess only.")

    def complete(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        assert ei.flow_scope_key is not None
        complete_execution_path(ctx, ctx.state.elements[ei.flow_scope_key], ei)

    def terminate(self, ctx: Processing, element: Any, ei: ElementInstance) -> None:
        if ctx.terminate_children(ei):
            ctx.terminated(ei)


def complete_execution_path(ctx: Processing, ad_hoc: ElementInstance, ei: ElementInstance) -> None:
    """`ei` (an inner instance, or an event subprocess that did not interrupt) ends an execution path of the
    ad-hoc subprocess `ad_hoc`: the ad-hoc subprocess hears of it before and after `ei` completes."""
    element = ctx.elements[ad_hoc.element_id]
    assert isinstance(element, AdHocSubProcess)
    processor = ctx.registry[ElementType.AD_HOC_SUB_PROCESS]
    assert isinstance(processor, AdHocSubProcessProcessor)
    processor.inner_completing(ctx, element, ad_hoc, ei)
    ctx.completed(ei)
    processor.inner_completed(ctx, element, ad_hoc)
