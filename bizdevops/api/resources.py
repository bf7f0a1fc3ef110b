"""Engine rows in Camunda's REST v2 shapes (every field the spec marks required is present), and the search
fields of each resource mapped onto the engine's columns."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import Exists, OuterRef, Q

from bizdevops.api.search import BOOL, DATETIME, INT, KEY, Field, SearchSpec
from bizdevops.engine.selectors import has_start_form
from bizdevops.engine.state import models as m

NO_TAGS: list[str] = []


def iso(value: dt.datetime | None) -> str | None:
    """Camunda's date-time: ISO 8601 UTC with milliseconds and a Z."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def s(key: int | None) -> str | None:
    return None if key is None else str(key)


def text(value: str | None) -> str | None:
    """The engine stores "" for absent strings; the API says null."""
    return value or None


# -- process definitions -----------------------------------------------------------------------------


def _latest_definition_q(value: Any) -> Q:
    newer = m.ProcessDefinition.objects.filter(
        bpmn_process_id=OuterRef("bpmn_process_id"),
        tenant_id=OuterRef("tenant_id"),
        version__gt=OuterRef("version"),
    )
    keys = m.ProcessDefinition.objects.filter(~Exists(newer)).values("key")
    if value is True:
        return Q(key__in=keys)
    if value is False:
        return ~Q(key__in=keys)
    from bizdevops.api.errors import ApiProblem

    raise ApiProblem(400, "filter.isLatestVersion: expected a boolean")


def _has_start_form_q(value: Any) -> Q:
    if not isinstance(value, bool):
        from bizdevops.api.errors import ApiProblem

        raise ApiProblem(400, "filter.hasStartForm: expected a boolean")
    # parsed models are cached per definition key, so this scan parses each definition once per process
    keys = [
        k
        for k in m.ProcessDefinition.objects.values_list("key", flat=True)
        if has_start_form(process_definition_key=k)
    ]
    return Q(key__in=keys) if value else ~Q(key__in=keys)


PROCESS_DEFINITION_SPEC = SearchSpec(
    fields={
        "processDefinitionKey": Field("key", KEY),
        "processDefinitionId": Field("bpmn_process_id"),
        "name": Field("name"),
        "resourceName": Field("resource_name"),
        "version": Field("version", INT),
        "versionTag": Field("version_tag", blank_is_null=True),
        "tenantId": Field("tenant_id"),
        "isLatestVersion": Field("key", BOOL, sortable=False, custom=_latest_definition_q),
        "hasStartForm": Field("key", BOOL, sortable=False, custom=_has_start_form_q),
    },
    default_order=("bpmn_process_id", "-version"),
    tie_breaker="key",
)


def process_definition(row: m.ProcessDefinition) -> dict[str, Any]:
    return {
        "processDefinitionKey": s(row.key),
        "processDefinitionId": row.bpmn_process_id,
        "name": text(row.name),
        "resourceName": row.resource_name,
        "version": row.version,
        "versionTag": text(row.version_tag),
        "tenantId": row.tenant_id,
        "hasStartForm": has_start_form(process_definition_key=row.key),
        "state": "ACTIVE",
    }


# -- process instances -------------------------------------------------------------------------------

PI_STATES = {"ACTIVE": ["ACTIVE", "INCIDENT"], "COMPLETED": ["COMPLETED"], "TERMINATED": ["CANCELED"]}


def _pi_state_q(value: Any) -> Q:
    from bizdevops.api.errors import ApiProblem

    def states(item: Any) -> list[str]:
        if item not in PI_STATES:
            raise ApiProblem(400, f"filter.state: unknown value {item!r}")
        return PI_STATES[item]

    if isinstance(value, str):
        return Q(status__in=states(value))
    if isinstance(value, dict):
        q = Q()
        for op, operand in value.items():
            if op == "$eq":
                q &= Q(status__in=states(operand))
            elif op == "$neq":
                q &= ~Q(status__in=states(operand))
            elif op in ("$in", "$notIn") and isinstance(operand, list):
                wanted = [st for item in operand for st in states(item)]
                q &= Q(status__in=wanted) if op == "$in" else ~Q(status__in=wanted)
            elif op == "$exists":
                q &= Q() if operand else Q(pk__in=[])
            else:
                raise ApiProblem(400, f"filter.state: unsupported operator {op!r}")
        return q
    raise ApiProblem(400, "filter.state: expected a state or an operator object")


def _variables_q(instance_field: str) -> Any:
    """Filter by [{name, value}] where value is the JSON text of the variable's value (Camunda's shape)."""

    def build(value: Any) -> Q:
        from bizdevops.api.errors import ApiProblem

        if not isinstance(value, list):
            raise ApiProblem(400, "filter.variables: expected an array of {name, value}")
        q = Q()
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise ApiProblem(400, "filter.variables: each entry needs a name")
            raw = item.get("value")
            cond: dict[str, Any] = {"name": item["name"]}
            if isinstance(raw, str):
                try:
                    cond["value"] = json.loads(raw)
                except ValueError:
                    cond["value"] = raw
            elif isinstance(raw, dict) and "$eq" in raw:
                cond["value"] = json.loads(raw["$eq"]) if isinstance(raw["$eq"], str) else raw["$eq"]
            keys = m.Variable.objects.filter(**cond).values("process_instance_key")
            q &= Q(**{f"{instance_field}__in": keys})
        return q

    return build


def _has_incident_q(value: Any) -> Q:
    from bizdevops.api.errors import ApiProblem

    if not isinstance(value, bool):
        raise ApiProblem(400, "filter.hasIncident: expected a boolean")
    return Q(status="INCIDENT") if value else ~Q(status="INCIDENT")


PROCESS_INSTANCE_SPEC = SearchSpec(
    fields={
        "processInstanceKey": Field("key", KEY),
        "processDefinitionKey": Field("process_definition_id", KEY),
        "processDefinitionId": Field("bpmn_process_id"),
        "processDefinitionName": Field("process_definition__name"),
        "processDefinitionVersion": Field("version", INT),
        "processDefinitionVersionTag": Field("process_definition__version_tag"),
        "parentProcessInstanceKey": Field("parent_process_instance_key", KEY),
        "parentElementInstanceKey": Field("parent_element_instance_key", KEY),
        "startDate": Field("start_date", DATETIME),
        "endDate": Field("end_date", DATETIME),
        "state": Field("status", custom=_pi_state_q),
        "hasIncident": Field("status", BOOL, custom=_has_incident_q),
        "tenantId": Field("tenant_id"),
        "businessId": Field("business_id", blank_is_null=True),
        "variables": Field("key", sortable=False, custom=_variables_q("key")),
    },
    default_order=("-key",),
    tie_breaker="key",
)


def process_instance(row: m.ProcessInstance) -> dict[str, Any]:
    definition = row.process_definition
    state = {"ACTIVE": "ACTIVE", "INCIDENT": "ACTIVE", "COMPLETED": "COMPLETED", "CANCELED": "TERMINATED"}
    return {
        "processInstanceKey": s(row.key),
        "processDefinitionKey": s(row.process_definition_id),
        "processDefinitionId": row.bpmn_process_id,
        "processDefinitionName": text(definition.name) or row.bpmn_process_id,
        "processDefinitionVersion": row.version,
        "processDefinitionVersionTag": text(definition.version_tag),
        "startDate": iso(row.start_date),
        "endDate": iso(row.end_date),
        "state": state.get(row.status, "ACTIVE"),
        "suspendedDate": None,
        "hasIncident": row.status == "INCIDENT",
        "tenantId": row.tenant_id,
        "parentProcessInstanceKey": s(row.parent_process_instance_key),
        "parentElementInstanceKey": s(row.parent_element_instance_key),
        "rootProcessInstanceKey": s(row.root_process_instance_key or row.key),
        "tags": NO_TAGS,
        "businessId": text(row.business_id),
    }


# -- jobs --------------------------------------------------------------------------------------------

JOB_STATES = {
    "CREATED": ["ACTIVATABLE", "ACTIVATED"],
    "COMPLETED": ["COMPLETED"],
    "FAILED": ["FAILED"],
    "CANCELED": ["CANCELED"],
    "ERROR_THROWN": ["ERROR_THROWN"],
}


def _job_state_q(value: Any) -> Q:
    from bizdevops.api.errors import ApiProblem

    def states(item: Any) -> list[str]:
        if item not in JOB_STATES:
            raise ApiProblem(400, f"filter.state: unknown or unsupported job state {item!r}")
        return JOB_STATES[item]

    if isinstance(value, str):
        return Q(state__in=states(value))
    if isinstance(value, dict):
        q = Q()
        for op, operand in value.items():
            if op == "$eq":
                q &= Q(state__in=states(operand))
            elif op == "$neq":
                q &= ~Q(state__in=states(operand))
            elif op in ("$in", "$notIn") and isinstance(operand, list):
                wanted = [st for item in operand for st in states(item)]
                q &= Q(state__in=wanted) if op == "$in" else ~Q(state__in=wanted)
            else:
                raise ApiProblem(400, f"filter.state: unsupported operator {op!r}")
        return q
    raise ApiProblem(400, "filter.state: expected a state or an operator object")


JOB_SPEC = SearchSpec(
    fields={
        "jobKey": Field("key", KEY),
        "type": Field("type"),
        "worker": Field("worker", blank_is_null=True),
        "state": Field("state", custom=_job_state_q),
        "kind": Field("kind"),
        "listenerEventType": Field("listener_event_type"),
        "retries": Field("retries", INT),
        "priority": Field("priority", INT),
        "elementId": Field("element_id"),
        "elementInstanceKey": Field("element_instance_key", KEY),
        "processInstanceKey": Field("process_instance_key", KEY),
        "processDefinitionKey": Field("process_definition_key", KEY),
        "processDefinitionId": Field("bpmn_process_id"),
        "tenantId": Field("tenant_id"),
        "errorCode": Field("error_code", blank_is_null=True),
        "errorMessage": Field("error_message", blank_is_null=True),
        "deadline": Field("deadline", DATETIME),
        "creationTime": Field("created_at", DATETIME),
        "lastUpdateTime": Field("updated_at", DATETIME),
    },
    default_order=("key",),
    tie_breaker="key",
)


def job(row: m.Job) -> dict[str, Any]:
    state = "CREATED" if row.state in ("ACTIVATABLE", "ACTIVATED") else row.state
    finished = row.state in ("COMPLETED", "CANCELED", "ERROR_THROWN")
    return {
        "jobKey": s(row.key),
        "type": row.type,
        "worker": row.worker,
        "state": state,
        "kind": row.kind,
        "listenerEventType": row.listener_event_type,
        "retries": row.retries,
        "priority": row.priority,
        "isDenied": None,
        "deniedReason": None,
        "hasFailedWithRetriesLeft": bool(row.error_message) and row.retries > 0,
        "errorCode": text(row.error_code),
        "errorMessage": text(row.error_message),
        "customHeaders": row.custom_headers or {},
        "deadline": iso(row.deadline),
        "endTime": iso(row.updated_at) if finished else None,
        "elementId": row.element_id,
        "elementInstanceKey": s(row.element_instance_key),
        "processDefinitionId": row.bpmn_process_id,
        "processDefinitionKey": s(row.process_definition_key),
        "processInstanceKey": s(row.process_instance_key),
        "rootProcessInstanceKey": s(row.process_instance_key),
        "businessId": None,
        "tenantId": row.tenant_id,
        "creationTime": iso(row.created_at),
        "lastUpdateTime": iso(row.updated_at),
    }


# -- user tasks --------------------------------------------------------------------------------------


def _candidate_q(kind: str) -> Any:
    def build(value: Any) -> Q:
        from bizdevops.api.errors import ApiProblem

        names: list[Any]
        if isinstance(value, str):
            names = [value]
        elif isinstance(value, dict) and set(value) <= {"$eq", "$in"}:
            names = [value["$eq"]] if "$eq" in value else list(value.get("$in") or [])
        else:
            raise ApiProblem(400, f"filter.candidate{kind.title()}: expected a name or {{$eq|$in}}")
        if not all(isinstance(n, str) for n in names):
            raise ApiProblem(400, f"filter.candidate{kind.title()}: names are strings")
        tasks = m.UserTaskCandidate.objects.filter(kind=kind, name__in=names).values("user_task_id")
        return Q(key__in=tasks)

    return build


def _task_variables_q(local: bool) -> Any:
    outer = _variables_q("process_instance_key")

    def build(value: Any) -> Q:
        if not local:
            return outer(value)
        from bizdevops.api.errors import ApiProblem

        if not isinstance(value, list):
            raise ApiProblem(400, "filter.localVariables: expected an array of {name, value}")
        q = Q()
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise ApiProblem(400, "filter.localVariables: each entry needs a name")
            cond: dict[str, Any] = {"name": item["name"]}
            if isinstance(item.get("value"), str):
                try:
                    cond["value"] = json.loads(item["value"])
                except ValueError:
                    cond["value"] = item["value"]
            q &= Q(element_instance_key__in=m.Variable.objects.filter(**cond).values("scope_key"))
        return q

    return build


def _assignee_field() -> Field:
    return Field("assignee", blank_is_null=True)


USER_TASK_SPEC = SearchSpec(
    fields={
        "userTaskKey": Field("key", KEY),
        "state": Field("state", values={v: v for v in ("CREATED", "COMPLETED", "CANCELED", "FAILED")}),
        "assignee": _assignee_field(),
        "priority": Field("priority", INT),
        "elementId": Field("element_id"),
        "name": Field("name"),
        "candidateGroup": Field("key", sortable=False, custom=_candidate_q("group")),
        "candidateUser": Field("key", sortable=False, custom=_candidate_q("user")),
        "tenantId": Field("tenant_id"),
        "processDefinitionId": Field("bpmn_process_id"),
        "processDefinitionKey": Field("process_definition_key", KEY),
        "processInstanceKey": Field("process_instance_key", KEY),
        "elementInstanceKey": Field("element_instance_key", KEY),
        "creationDate": Field("creation_date", DATETIME),
        "completionDate": Field("completion_date", DATETIME),
        "dueDate": Field("due_date", DATETIME),
        "followUpDate": Field("follow_up_date", DATETIME),
        "processInstanceVariables": Field("key", sortable=False, custom=_task_variables_q(False)),
        "localVariables": Field("key", sortable=False, custom=_task_variables_q(True)),
    },
    default_order=("-creation_date",),
    tie_breaker="key",
)


def user_task(row: m.UserTask) -> dict[str, Any]:
    return {
        "userTaskKey": s(row.key),
        "name": text(row.name),
        "state": row.state,
        "assignee": text(row.assignee),
        "elementId": row.element_id,
        "elementInstanceKey": s(row.element_instance_key),
        "candidateGroups": list(row.candidate_groups or []),
        "candidateUsers": list(row.candidate_users or []),
        "processDefinitionId": row.bpmn_process_id,
        "processDefinitionKey": s(row.process_definition_key),
        "processDefinitionVersion": row.process_definition_version,
        "processInstanceKey": s(row.process_instance_key),
        "rootProcessInstanceKey": s(row.process_instance_key),
        "processName": text(row.process_name) or row.bpmn_process_id,
        "creationDate": iso(row.creation_date),
        "completionDate": iso(row.completion_date),
        "dueDate": text(row.due_date_text) or iso(row.due_date),
        "followUpDate": text(row.follow_up_date_text) or iso(row.follow_up_date),
        "tenantId": row.tenant_id,
        "externalFormReference": text(row.external_form_reference),
        "formKey": s(row.form_definition_key),
        "customHeaders": row.custom_headers or {},
        "priority": row.priority,
        "businessId": None,
        "tags": NO_TAGS,
    }


# -- incidents ---------------------------------------------------------------------------------------

INCIDENT_SPEC = SearchSpec(
    fields={
        "incidentKey": Field("key", KEY),
        "processDefinitionId": Field("bpmn_process_id"),
        "processDefinitionKey": Field("process_definition_key", KEY),
        "processInstanceKey": Field("process_instance_key", KEY),
        "errorType": Field("error_type"),
        "errorMessage": Field("error_message", blank_is_null=True),
        "elementId": Field("element_id"),
        "elementInstanceKey": Field("element_instance_key", KEY),
        "jobKey": Field("job_key", KEY),
        "creationTime": Field("created_at", DATETIME),
        "state": Field("state", values={"ACTIVE": "ACTIVE", "RESOLVED": "RESOLVED"}),
        "tenantId": Field("tenant_id"),
    },
    default_order=("-key",),
    tie_breaker="key",
)


def incident(row: m.Incident) -> dict[str, Any]:
    return {
        "incidentKey": s(row.key),
        "processDefinitionId": row.bpmn_process_id,
        "processDefinitionKey": s(row.process_definition_key),
        "processInstanceKey": s(row.process_instance_key),
        "rootProcessInstanceKey": s(row.process_instance_key),
        "errorType": row.error_type,
        "errorMessage": row.error_message,
        "elementId": row.element_id,
        "elementInstanceKey": s(row.element_instance_key),
        "jobKey": s(row.job_key),
        "creationTime": iso(row.created_at),
        "state": row.state,
        "tenantId": row.tenant_id,
    }


# -- variables ---------------------------------------------------------------------------------------

VARIABLE_SPEC = SearchSpec(
    fields={
        "variableKey": Field("key", KEY),
        "name": Field("name"),
        "scopeKey": Field("scope_key", KEY),
        "processInstanceKey": Field("process_instance_key", KEY),
        "tenantId": Field("tenant_id"),
        "value": Field("value", sortable=False, custom=lambda v: _variable_value_q(v)),
    },
    default_order=("scope_key", "name"),
    tie_breaker="key",
)


def _variable_value_q(value: Any) -> Q:
    from bizdevops.api.errors import ApiProblem

    if isinstance(value, dict) and "$eq" in value:
        value = value["$eq"]
    if not isinstance(value, str):
        raise ApiProblem(400, "filter.value: expected the JSON text of a value")
    try:
        return Q(value=json.loads(value))
    except ValueError:
        return Q(value=value)


TRUNCATE_AT = 8192


def variable(row: m.Variable, *, full: bool = True) -> dict[str, Any]:
    encoded = json.dumps(row.value, ensure_ascii=False)
    truncated = not full and len(encoded) > TRUNCATE_AT
    return {
        "variableKey": s(row.key),
        "name": row.name,
        "value": encoded[:TRUNCATE_AT] if truncated else encoded,
        "isTruncated": truncated,
        "scopeKey": s(row.scope_key),
        "processInstanceKey": s(row.process_instance_key),
        "rootProcessInstanceKey": s(row.process_instance_key),
        "tenantId": row.tenant_id,
    }


# -- decisions and forms -----------------------------------------------------------------------------

DECISION_DEFINITION_SPEC = SearchSpec(
    fields={
        "decisionDefinitionKey": Field("key", KEY),
        "decisionDefinitionId": Field("decision_id"),
        "name": Field("name"),
        "version": Field("version", INT),
        "decisionRequirementsId": Field("decision_requirements_id"),
        "decisionRequirementsKey": Field("requirements_id", KEY),
        "decisionRequirementsName": Field("requirements__name"),
        "decisionRequirementsVersion": Field("requirements__version", INT),
        "tenantId": Field("tenant_id"),
    },
    default_order=("decision_id", "-version"),
    tie_breaker="key",
)


def decision_definition(row: m.DecisionDefinition) -> dict[str, Any]:
    requirements = row.requirements
    return {
        "decisionDefinitionKey": s(row.key),
        "decisionDefinitionId": row.decision_id,
        "name": text(row.name) or row.decision_id,
        "version": row.version,
        "decisionRequirementsId": row.decision_requirements_id or requirements.decision_requirements_id,
        "decisionRequirementsKey": s(row.requirements_id),
        "decisionRequirementsName": text(requirements.name) or requirements.decision_requirements_id,
        "decisionRequirementsVersion": requirements.version,
        "tenantId": row.tenant_id,
    }


def form(row: m.FormDefinition) -> dict[str, Any]:
    schema = row.schema if row.schema is not None else bytes(row.resource).decode("utf-8", errors="replace")
    return {
        "formKey": s(row.key),
        "formId": row.form_id,
        "version": row.version,
        "schema": schema if isinstance(schema, str) else json.dumps(schema),
        "tenantId": row.tenant_id,
    }


DECISION_REQUIREMENTS_SPEC = SearchSpec(
    fields={
        "decisionRequirementsKey": Field("key", KEY),
        "decisionRequirementsId": Field("decision_requirements_id"),
        "decisionRequirementsName": Field("name"),
        "version": Field("version", INT),
        "resourceName": Field("resource_name"),
        "tenantId": Field("tenant_id"),
    },
    default_order=("decision_requirements_id", "-version"),
    tie_breaker="key",
)


def decision_requirements(row: m.DecisionRequirements) -> dict[str, Any]:
    return {
        "decisionRequirementsKey": s(row.key),
        "decisionRequirementsId": row.decision_requirements_id,
        "decisionRequirementsName": text(row.name) or row.decision_requirements_id,
        "version": row.version,
        "resourceName": row.resource_name,
        "tenantId": row.tenant_id,
    }
