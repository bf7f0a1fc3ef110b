"""The one place the API calls the engine (engine.services for writes, engine.selectors for reads).

Kept separate so the views speak the API's language (dicts in Camunda's shapes, string keys) and this module
absorbs the engine's signatures and records.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any

from bizdevops.api.errors import ApiProblem
from bizdevops.engine.state import models as m


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ApiProblem(503, "The process engine is not available.") from None


def services() -> Any:
    return _module("bizdevops.engine.services")


def call(service: str, /, **kwargs: Any) -> Any:
    """Call engine service `service`; a missing one is an honest 400 ("not supported yet"), not a 5xx."""
    function = getattr(services(), service, None)
    if function is None:
        raise ApiProblem(400, f"This engine does not support '{service.replace('_', ' ')}' yet.")
    return function(**kwargs)


def key_of(result: Any) -> int:
    """Services return a key, or a record with `.key`."""
    if isinstance(result, int):
        return result
    key = getattr(result, "key", None)
    if isinstance(key, int):
        return key
    if isinstance(result, dict) and isinstance(result.get("key"), int):
        return int(result["key"])
    raise ApiProblem(500, "The engine returned no key.")


def pin_clock(epoch_ms: int) -> None:
    call("set_clock", epoch_ms=epoch_ms)


def reset_clock() -> None:
    call("reset_clock")


# -- deployments -------------------------------------------------------------------------------------


def deploy(*, resources: list[tuple[str, bytes]], tenant_id: str, user: Any) -> dict[str, Any]:
    deployment = call("deploy_resources", resources=resources, tenant_id=tenant_id, user=user)
    items: list[dict[str, Any]] = []
    for p in deployment.processes:
        items.append(
            {
                "processDefinition": {
                    "processDefinitionId": p.bpmn_process_id,
                    "processDefinitionVersion": p.version,
                    "resourceName": p.resource_name,
                    "tenantId": p.tenant_id,
                    "processDefinitionKey": str(p.key),
                }
            }
        )
    requirements_seen: set[int] = set()
    decision_rows = {
        row.key: row
        for row in m.DecisionDefinition.objects.select_related("requirements")
        .defer("requirements__resource")
        .filter(key__in=[d.key for d in deployment.decisions])
    }
    for d in deployment.decisions:
        row = decision_rows.get(d.key)
        req_key = row.requirements_id if row is not None else d.key
        req_id = (row.requirements.decision_requirements_id if row is not None else None) or (
            d.decision_requirements_id or d.decision_id
        )
        items.append(
            {
                "decisionDefinition": {
                    "decisionDefinitionId": d.decision_id,
                    "version": d.version,
                    "name": d.name or d.decision_id,
                    "tenantId": d.tenant_id,
                    "decisionRequirementsId": req_id,
                    "decisionDefinitionKey": str(d.key),
                    "decisionRequirementsKey": str(req_key),
                }
            }
        )
        if row is not None and req_key not in requirements_seen:
            requirements_seen.add(req_key)
            req = row.requirements
            items.append(
                {
                    "decisionRequirements": {
                        "decisionRequirementsId": req.decision_requirements_id,
                        "decisionRequirementsName": req.name or req.decision_requirements_id,
                        "version": req.version,
                        "resourceName": req.resource_name,
                        "tenantId": req.tenant_id,
                        "decisionRequirementsKey": str(req.key),
                    }
                }
            )
    for f in deployment.forms:
        items.append(
            {
                "form": {
                    "formId": f.form_id,
                    "version": f.version,
                    "resourceName": f.resource_name,
                    "tenantId": f.tenant_id,
                    "formKey": str(f.key),
                }
            }
        )
    return {"deploymentKey": str(deployment.key), "tenantId": deployment.tenant_id, "deployments": items}


# -- process instances -------------------------------------------------------------------------------


def start_instance(
    *,
    definition_key: int | None,
    bpmn_process_id: str | None,
    version: int | None,
    variables: dict[str, Any],
    start_element_ids: list[str],
    tenant_id: str,
    business_id: str | None,
    user: Any,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"variables": variables, "user": user}
    if definition_key is not None:
        kwargs["definition_key"] = definition_key
    else:
        kwargs["bpmn_process_id"] = bpmn_process_id
        kwargs["version"] = version
    if start_element_ids:
        kwargs["start_element_ids"] = tuple(start_element_ids)
    if business_id:
        kwargs["business_id"] = business_id
    started = call("create_process_instance", **kwargs)
    return {
        "processDefinitionId": started.bpmn_process_id,
        "processDefinitionVersion": started.version,
        "processDefinitionKey": str(started.process_definition_key),
        "processInstanceKey": str(started.process_instance_key),
        "tenantId": started.tenant_id,
    }


def instance_outcome(instance_key: int) -> tuple[str, dict[str, Any]]:
    """(status, root-scope variables) of an instance, for awaitCompletion."""
    row = m.ProcessInstance.objects.filter(key=instance_key).values("status").first()
    if row is None:
        raise ApiProblem(404, f"Process instance {instance_key} not found.")
    if row["status"] != "COMPLETED":
        return row["status"], {}
    variables = dict(
        m.Variable.objects.filter(process_instance_key=instance_key, scope_key=instance_key).values_list(
            "name", "value"
        )
    )
    return "COMPLETED", variables


def _variable_instructions(items: list[dict[str, Any]]) -> tuple[Any, ...]:
    from bizdevops.engine.core.commands import VariableInstruction

    return tuple(VariableInstruction(dict(i["variables"]), i.get("scopeId") or "") for i in items)


def modify_instance(
    *,
    process_instance_key: int,
    activate: list[dict[str, Any]],
    move: list[dict[str, Any]],
    terminate: list[dict[str, Any]],
) -> None:
    """Validated ProcessInstanceModificationInstruction parts → the engine's instructions."""
    from bizdevops.engine.core.commands import ActivateInstruction, MoveInstruction, TerminateInstruction

    moves = []
    for i in move:
        source = i["sourceElementInstruction"]
        ancestor = i.get("ancestorScopeInstruction") or {"ancestorScopeType": "direct"}
        moves.append(
            MoveInstruction(
                target_element_id=i["targetElementId"],
                source_element_id=source.get("sourceElementId") if source["sourceType"] == "byId" else None,
                source_element_instance_key=(
                    source.get("sourceElementInstanceKey") if source["sourceType"] == "byKey" else None
                ),
                ancestor=ancestor["ancestorScopeType"],
                ancestor_key=ancestor.get("ancestorElementInstanceKey"),
                variable_instructions=_variable_instructions(i["variableInstructions"]),
            )
        )
    call(
        "modify_process_instance",
        process_instance_key=process_instance_key,
        activate=[
            ActivateInstruction(
                i["elementId"],
                i.get("ancestorElementInstanceKey"),
                _variable_instructions(i["variableInstructions"]),
            )
            for i in activate
        ],
        terminate=[TerminateInstruction(i.get("elementInstanceKey"), i.get("elementId")) for i in terminate],
        move=moves,
    )


def migrate_instance(
    *, process_instance_key: int, target_definition_key: int, mapping: list[dict[str, Any]]
) -> None:
    call(
        "migrate_process_instance",
        process_instance_key=process_instance_key,
        target_process_definition_key=target_definition_key,
        mapping=[(i["sourceElementId"], i["targetElementId"]) for i in mapping],
    )


# -- jobs --------------------------------------------------------------------------------------------


def activated_job(job: Any) -> dict[str, Any]:
    """An activated job in Camunda's ActivatedJobResult shape (every required field)."""
    body = job.to_rest()
    body.setdefault("rootProcessInstanceKey", body["processInstanceKey"])
    body.setdefault("physicalTenantId", "<default>")
    body.setdefault("tags", [])
    body.setdefault("businessId", None)
    return body


def activate_jobs(
    *,
    job_type: str,
    worker: str,
    timeout_ms: int,
    max_jobs: int,
    fetch_variables: list[str] | None,
    tenant_ids: list[str] | None,
) -> list[dict[str, Any]]:
    jobs = call(
        "activate_jobs",
        job_type=job_type,
        worker=worker,
        timeout_ms=timeout_ms,
        max_jobs=max_jobs,
        fetch_variables=fetch_variables,
        tenant_ids=tenant_ids,
    )
    return [activated_job(job) for job in jobs]


def update_job(
    *, job_key: int, retries: int | None = None, timeout: int | None = None, priority: int | None = None
) -> None:
    kwargs: dict[str, Any] = {"job_key": job_key}
    if retries is not None:
        kwargs["retries"] = retries
    if timeout is not None:
        kwargs["timeout_ms"] = timeout
    if priority is not None:
        kwargs["priority"] = priority
    call("update_job", **kwargs)


# -- messages and decisions --------------------------------------------------------------------------


def correlate_message(*, name: str, correlation_key: str, variables: dict[str, Any]) -> tuple[int, int]:
    result = call("correlate_message", name=name, correlation_key=correlation_key, variables=variables)
    if isinstance(result, tuple):
        message_key, instance_key = result
    else:
        message_key, instance_key = result.message_key, result.process_instance_key
    if instance_key is None:
        raise ApiProblem(
            404, f"No process instance waits for message '{name}' with correlation key '{correlation_key}'."
        )
    return int(message_key), int(instance_key)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def evaluate_decision(
    *, decision_key: int | None, decision_id: str | None, variables: dict[str, Any]
) -> dict[str, Any]:
    """Evaluate and answer in EvaluateDecisionResult's shape: output and every input/output value as JSON
    text, with the decisions evaluated on the way (required decisions first) and their matched rules."""
    from bizdevops.engine.core.errors import EngineError

    try:
        result = call(
            "evaluate_decision", decision_key=decision_key, decision_id=decision_id, variables=variables
        )
    except EngineError:
        raise
    except Exception as exc:  # a FEEL/DMN evaluation failure is the caller's input, not our crash
        raise ApiProblem(400, f"Decision evaluation failed: {exc}") from None
    row = (
        m.DecisionDefinition.objects.select_related("requirements")
        .defer("requirements__resource")
        .get(key=result.decision_key)
    )
    by_id = {
        d.decision_id: d
        for d in m.DecisionDefinition.objects.filter(requirements_id=row.requirements_id).only(
            "key", "decision_id", "name", "version", "tenant_id"
        )
    }
    from bizdevops.engine.state.keys import default_keys

    keys = default_keys()
    evaluation_key = keys.next_key()
    evaluated = []
    for number, d in enumerate(result.evaluated_decisions, start=1):
        definition = by_id.get(d.id)
        evaluated.append(
            {
                "decisionDefinitionId": d.id,
                "decisionDefinitionName": d.name or d.id,
                "decisionDefinitionVersion": definition.version if definition else row.version,
                "decisionDefinitionType": "DECISION_TABLE"
                if d.kind == "decisionTable"
                else "LITERAL_EXPRESSION"
                if d.kind == "literalExpression"
                else "UNKNOWN",
                "decisionDefinitionKey": str(definition.key if definition else row.key),
                # the spec's pattern: <evaluation key>-<position>
                "decisionEvaluationInstanceKey": f"{evaluation_key}-{number}",
                "output": _json(_plain(d.value)),
                "tenantId": row.tenant_id,
                "matchedRules": [
                    {
                        "ruleId": rule.id or "",
                        "ruleIndex": rule.index,
                        "evaluatedOutputs": [
                            {
                                "outputId": name,
                                "outputName": name,
                                "outputValue": _json(_plain(value)),
                                "ruleId": rule.id or "",
                                "ruleIndex": rule.index,
                            }
                            for name, value in rule.outputs.items()
                        ],
                    }
                    for rule in d.matched_rules
                ],
                "evaluatedInputs": [
                    {"inputId": i.id or i.label, "inputName": i.label, "inputValue": _json(_plain(i.value))}
                    for i in d.inputs
                ],
            }
        )
    return {
        "decisionDefinitionId": row.decision_id,
        "decisionDefinitionKey": str(row.key),
        "decisionDefinitionName": row.name or row.decision_id,
        "decisionDefinitionVersion": row.version,
        "decisionEvaluationKey": str(evaluation_key),
        "decisionInstanceKey": str(evaluation_key),
        "decisionRequirementsId": row.requirements.decision_requirements_id,
        "decisionRequirementsKey": str(row.requirements_id),
        "evaluatedDecisions": evaluated,
        "failedDecisionDefinitionId": None,
        "failureMessage": None,
        "output": _json(result.value),
        "tenantId": row.tenant_id,
    }


def _plain(value: Any) -> Any:
    """A FEEL value as plain JSON (numbers, strings, dates as ISO text...)."""
    try:
        from bizdevops.feel import to_json  # type: ignore[attr-defined]

        return to_json(value)
    except Exception:
        return value
