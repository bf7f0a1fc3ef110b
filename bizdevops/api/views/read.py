"""Searches and gets: `POST /v2/<resource>/search` and `GET /v2/<resource>/{key}` over the engine's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import resources as r
from bizdevops.api import results
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import (
    Can,
    require,
    require_visible_definition,
    visible_definitions,
    visible_runtime,
    visible_tasks,
)
from bizdevops.api.search import SearchSpec, search
from bizdevops.api.views.base import ApiView, body, parse_key
from bizdevops.engine import selectors
from bizdevops.engine.state import models as m

SearchQuery = inline_serializer(
    "SearchQueryRequest",
    {
        "filter": serializers.DictField(required=False),
        "sort": serializers.ListField(child=serializers.DictField(), required=False),
        "page": serializers.DictField(required=False),
    },
)


def _result(name: str, item: type[serializers.Serializer]) -> Any:
    return results.search_result(name, item())


Scope = Callable[[Request, QuerySet[Any]], QuerySet[Any]]


def _read_scope(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Operate's view of runtime rows, less those of processes restricted to others."""
    require(request.user, Can.READ)
    return visible_runtime(request.user, queryset)


def _definition_scope(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Operate's view of definitions, less those restricted to others (object permissions)."""
    require(request.user, Can.READ)
    return visible_definitions(request.user, queryset)


def _task_scope(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return visible_tasks(request.user, queryset)


def search_view(
    name: str,
    queryset: Callable[[], QuerySet[Any]],
    spec: SearchSpec,
    serialize: Callable[[Any], dict[str, Any]],
    item: type[serializers.Serializer],
    scope: Scope = _read_scope,
) -> type[ApiView]:
    """A `POST …/search` view class for one resource; `item` documents one result."""

    class View(ApiView):
        @extend_schema(operation_id=f"search{name}", request=SearchQuery, responses=_result(name, item))
        def post(self, request: Request) -> Response:
            rows = scope(request, queryset())
            return Response(search(rows, spec, body(request)).body(serialize))

    View.__name__ = View.__qualname__ = f"{name}SearchView"
    return View


def get_view(
    name: str,
    key_name: str,
    queryset: Callable[[], QuerySet[Any]],
    serialize: Callable[[Any], dict[str, Any]],
    item: type[serializers.Serializer],
    scope: Scope = _read_scope,
    key_field: str = "key",
) -> type[ApiView]:
    """A `GET …/{key}` view class for one resource; unknown and invisible keys are both 404."""

    class View(ApiView):
        @extend_schema(operation_id=f"get{name}", responses=item)
        def get(self, request: Request, key: str) -> Response:
            row = find(request, key)
            return Response(serialize(row))

    def find(request: Request, key: str) -> Model:
        rows = scope(request, queryset())
        row = rows.filter(**{key_field: parse_key(key, key_name)}).first()
        if row is None:
            raise ApiProblem(404, f"{name} with key '{key}' not found.")
        return row

    View.__name__ = View.__qualname__ = f"{name}GetView"
    View.find = staticmethod(find)  # type: ignore[attr-defined]
    return View


def _definitions() -> QuerySet[Any]:
    return m.ProcessDefinition.objects.defer("resource")


def _instances() -> QuerySet[Any]:
    return m.ProcessInstance.objects.select_related("process_definition").defer(
        "state", "process_definition__resource"
    )


def _decisions() -> QuerySet[Any]:
    return m.DecisionDefinition.objects.select_related("requirements").defer("requirements__resource")


def _requirements() -> QuerySet[Any]:
    return m.DecisionRequirements.objects.defer("resource")


ProcessDefinitionSearch = search_view(
    "ProcessDefinitions",
    _definitions,
    r.PROCESS_DEFINITION_SPEC,
    r.process_definition,
    results.ProcessDefinitionResult,
    _definition_scope,
)
ProcessDefinitionGet = get_view(
    "ProcessDefinition",
    "processDefinitionKey",
    _definitions,
    r.process_definition,
    results.ProcessDefinitionResult,
    _definition_scope,
)
ProcessInstanceSearch = search_view(
    "ProcessInstances",
    _instances,
    r.PROCESS_INSTANCE_SPEC,
    r.process_instance,
    results.ProcessInstanceResult,
)
ProcessInstanceGet = get_view(
    "ProcessInstance", "processInstanceKey", _instances, r.process_instance, results.ProcessInstanceResult
)
JobSearch = search_view("Jobs", m.Job.objects.all, r.JOB_SPEC, r.job, results.JobSearchResult)
UserTaskSearch = search_view(
    "UserTasks",
    m.UserTask.objects.all,
    r.USER_TASK_SPEC,
    r.user_task,
    results.UserTaskResult,
    _task_scope,
)
UserTaskGet = get_view(
    "UserTask", "userTaskKey", m.UserTask.objects.all, r.user_task, results.UserTaskResult, _task_scope
)
IncidentSearch = search_view(
    "Incidents", m.Incident.objects.all, r.INCIDENT_SPEC, r.incident, results.IncidentResult
)
IncidentGet = get_view("Incident", "incidentKey", m.Incident.objects.all, r.incident, results.IncidentResult)
VariableSearch = search_view(
    "Variables",
    m.Variable.objects.all,
    r.VARIABLE_SPEC,
    lambda row: r.variable(row, full=False),
    results.VariableSearchResult,
)
VariableGet = get_view("Variable", "variableKey", m.Variable.objects.all, r.variable, results.VariableResult)
DecisionDefinitionSearch = search_view(
    "DecisionDefinitions",
    _decisions,
    r.DECISION_DEFINITION_SPEC,
    r.decision_definition,
    results.DecisionDefinitionResult,
    _definition_scope,
)
DecisionDefinitionGet = get_view(
    "DecisionDefinition",
    "decisionDefinitionKey",
    _decisions,
    r.decision_definition,
    results.DecisionDefinitionResult,
    _definition_scope,
)
DecisionRequirementsSearch = search_view(
    "DecisionRequirements",
    _requirements,
    r.DECISION_REQUIREMENTS_SPEC,
    r.decision_requirements,
    results.DecisionRequirementsResult,
    _definition_scope,
)
DecisionRequirementsGet = get_view(
    "DecisionRequirements",
    "decisionRequirementsKey",
    _requirements,
    r.decision_requirements,
    results.DecisionRequirementsResult,
    _definition_scope,
)
FormGet = get_view(
    "Form",
    "formKey",
    lambda: m.FormDefinition.objects.defer("resource"),
    r.form,
    results.FormResult,
    _definition_scope,
)


def _xml(data: bytes | memoryview) -> HttpResponse:
    return HttpResponse(bytes(data), content_type="text/xml; charset=utf-8")


class ProcessDefinitionXmlView(ApiView):
    @extend_schema(
        operation_id="getProcessDefinitionXML",
        responses={(200, "text/xml"): str},
    )
    def get(self, request: Request, key: str) -> HttpResponse:
        row = ProcessDefinitionGet.find(request, key)  # type: ignore[attr-defined]
        return _xml(m.ProcessDefinition.objects.values_list("resource", flat=True).get(key=row.key))


class DecisionDefinitionXmlView(ApiView):
    @extend_schema(
        operation_id="getDecisionDefinitionXML",
        responses={(200, "text/xml"): str},
    )
    def get(self, request: Request, key: str) -> HttpResponse:
        row = DecisionDefinitionGet.find(request, key)  # type: ignore[attr-defined]
        return _xml(
            m.DecisionRequirements.objects.values_list("resource", flat=True).get(key=row.requirements_id)
        )


class DecisionRequirementsXmlView(ApiView):
    @extend_schema(
        operation_id="getDecisionRequirementsXML",
        responses={(200, "text/xml"): str},
    )
    def get(self, request: Request, key: str) -> HttpResponse:
        row = DecisionRequirementsGet.find(request, key)  # type: ignore[attr-defined]
        return _xml(m.DecisionRequirements.objects.values_list("resource", flat=True).get(key=row.key))


class StartProcessFormView(ApiView):
    @extend_schema(
        operation_id="getStartProcessForm",
        responses={200: results.FormResult, 204: None},
    )
    def get(self, request: Request, key: str) -> Response:
        # Tasklist's start page asks for the form before starting: starters may read it too.
        require(request.user, Can.READ, Can.START)
        definition_key = parse_key(key, "processDefinitionKey")
        row = require_visible_definition(
            request.user,
            _definitions().filter(key=definition_key).first(),
            "Process definition with key",
            key,
        )
        form = selectors.get_start_form(definition=row)
        if form is None:
            return Response(status=204)
        return Response(r.form(form))


class UserTaskFormView(ApiView):
    @extend_schema(
        operation_id="getUserTaskForm",
        responses={
            200: results.FormResult,
            204: None,
        },
    )
    def get(self, request: Request, key: str) -> Response:
        task = UserTaskGet.find(request, key)  # type: ignore[attr-defined]
        row = None
        if task.form_definition_key is not None:
            row = m.FormDefinition.objects.filter(key=task.form_definition_key).first()
        elif task.form_id:
            # a linked form (zeebe:formDefinition formId) resolves to its latest deployed version
            row = (
                m.FormDefinition.objects.filter(form_id=task.form_id, tenant_id=task.tenant_id)
                .order_by("-version")
                .first()
            )
        if row is None:
            return Response(status=204)
        return Response(r.form(row))


class UserTaskVariablesView(ApiView):
    @extend_schema(
        operation_id="searchUserTaskVariables",
        request=SearchQuery,
        responses=_result("UserTaskVariables", results.VariableSearchResult),
    )
    def post(self, request: Request, key: str) -> Response:
        task = UserTaskGet.find(request, key)  # type: ignore[attr-defined]
        rows = m.Variable.objects.filter(process_instance_key=task.process_instance_key)
        return Response(
            search(rows, r.VARIABLE_SPEC, body(request)).body(lambda v: r.variable(v, full=False))
        )
