"""Public REST API routes: /v2 (Camunda 8 compatible), /engine-rest (Camunda 7 external tasks), OpenAPI."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from bizdevops.api.errors import not_found
from bizdevops.api.resolvers import SegmentIndexedResolver
from bizdevops.api.views import ad_hoc, camunda7, cluster, commands, conditionals, elements, read
from bizdevops.identity.views import TokenView


def v2(route: str, view: type, name: str) -> URLPattern:
    """A route under /v2/ (`route` without the prefix: the v2 resolver below adds it)."""
    return path(route, view.as_view(), name=f"v2-{name}")  # type: ignore[attr-defined]


api = [
    v2("topology", cluster.TopologyView, "topology"),
    v2("status", cluster.StatusView, "status"),
    v2("clock", cluster.ClockView, "clock"),
    v2("clock/reset", cluster.ClockResetView, "clock-reset"),
    v2("process-definitions/search", read.ProcessDefinitionSearch, "process-definition-search"),
    v2("process-definitions/<str:key>", read.ProcessDefinitionGet, "process-definition"),
    v2("process-definitions/<str:key>/xml", read.ProcessDefinitionXmlView, "process-definition-xml"),
    v2("process-definitions/<str:key>/form", read.StartProcessFormView, "process-definition-form"),
    v2("process-instances/search", read.ProcessInstanceSearch, "process-instance-search"),
    v2("process-instances/<str:key>", read.ProcessInstanceGet, "process-instance"),
    v2("jobs/search", read.JobSearch, "job-search"),
    v2("user-tasks/search", read.UserTaskSearch, "user-task-search"),
    v2("user-tasks/<str:key>", commands.UserTaskView, "user-task"),
    v2("user-tasks/<str:key>/form", read.UserTaskFormView, "user-task-form"),
    v2("user-tasks/<str:key>/variables/search", read.UserTaskVariablesView, "user-task-variables"),
    v2("incidents/search", read.IncidentSearch, "incident-search"),
    v2("incidents/<str:key>", read.IncidentGet, "incident"),
    v2("variables/search", read.VariableSearch, "variable-search"),
    v2("variables/<str:key>", read.VariableGet, "variable"),
    v2("decision-definitions/evaluation", commands.DecisionEvaluationView, "decision-evaluate"),
    v2("decision-definitions/search", read.DecisionDefinitionSearch, "decision-definition-search"),
    v2("decision-definitions/<str:key>", read.DecisionDefinitionGet, "decision-definition"),
    v2("decision-definitions/<str:key>/xml", read.DecisionDefinitionXmlView, "decision-definition-xml"),
    v2("decision-requirements/search", read.DecisionRequirementsSearch, "decision-requirements-search"),
    v2("decision-requirements/<str:key>", read.DecisionRequirementsGet, "decision-requirements"),
    v2(
        "decision-requirements/<str:key>/xml",
        read.DecisionRequirementsXmlView,
        "decision-requirements-xml",
    ),
    v2("forms/<str:key>", read.FormGet, "form"),
    v2("deployments", commands.DeploymentView, "deployments"),
    v2("process-instances", commands.ProcessInstanceCreateView, "process-instances"),
    v2(
        "process-instances/<str:key>/cancellation",
        commands.ProcessInstanceCancelView,
        "process-instance-cancel",
    ),
    v2(
        "process-instances/<str:key>/modification",
        commands.ProcessInstanceModifyView,
        "process-instance-modify",
    ),
    v2(
        "process-instances/<str:key>/migration",
        commands.ProcessInstanceMigrateView,
        "process-instance-migrate",
    ),
    v2("element-instances/search", elements.ElementInstanceSearchView, "element-instance-search"),
    v2("element-instances/<str:key>", elements.ElementInstanceGetView, "element-instance"),
    v2("element-instances/<str:key>/variables", commands.ElementInstanceVariablesView, "element-variables"),
    v2(
        "element-instances/ad-hoc-activities/<str:key>/activation",
        ad_hoc.AdHocActivitiesActivationView,
        "ad-hoc-activation",
    ),
    v2("incidents/<str:key>/resolution", commands.IncidentResolveView, "incident-resolve"),
    v2("jobs/activation", commands.JobActivationView, "job-activation"),
    v2("jobs/<str:key>/completion", commands.JobCompleteView, "job-complete"),
    v2("jobs/<str:key>/failure", commands.JobFailView, "job-fail"),
    v2("jobs/<str:key>/error", commands.JobErrorView, "job-error"),
    v2("jobs/<str:key>", commands.JobUpdateView, "job"),
    v2("user-tasks/<str:key>/assignment", commands.UserTaskAssignView, "user-task-assign"),
    v2("user-tasks/<str:key>/assignee", commands.UserTaskUnassignView, "user-task-unassign"),
    v2("user-tasks/<str:key>/completion", commands.UserTaskCompleteView, "user-task-complete"),
    v2("messages/publication", commands.MessagePublicationView, "message-publish"),
    v2("messages/correlation", commands.MessageCorrelationView, "message-correlate"),
    v2("signals/broadcast", commands.SignalBroadcastView, "signal-broadcast"),
    v2("conditionals/evaluation", conditionals.ConditionalEvaluationView, "conditional-evaluation"),
]


def c7(route: str, view: type, name: str) -> URLPattern:
    """A route under /engine-rest/ (`route` without the prefix)."""
    return path(route, view.as_view(), name=f"c7-{name}")  # type: ignore[attr-defined]


engine_rest = [
    c7("external-task/fetchAndLock", camunda7.FetchAndLockView, "fetch-and-lock"),
    c7("external-task/<str:key>/complete", camunda7.CompleteView, "complete"),
    c7("external-task/<str:key>/failure", camunda7.FailureView, "failure"),
    c7("external-task/<str:key>/bpmnError", camunda7.BpmnErrorView, "bpmn-error"),
    c7("external-task/<str:key>/extendLock", camunda7.ExtendLockView, "extend-lock"),
    c7("process-definition/key/<str:key>/start", camunda7.StartByKeyView, "start"),
    c7(
        "process-definition/key/<str:key>/tenant-id/<str:tenant>/start",
        camunda7.StartByKeyTenantView,
        "start-tenant",
    ),
    c7("message", camunda7.MessageView, "message"),
]

api_docs = [
    path(
        "api-docs/openapi.json",
        SpectacularJSONAPIView.as_view(
            custom_settings={
                "POSTPROCESSING_HOOKS": [
                    "drf_spectacular.hooks.postprocess_schema_enums",
                    "bizdevops.api.schema.key_patterns",
                ]
            },
            urlconf="bizdevops.api.urls",
            authentication_classes=[],
            permission_classes=[],
        ),
        name="api-schema",
    ),
    path(
        "api-docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[]
        ),
        name="api-docs",
    ),
]

# Indexed by first segment (bizdevops.api.resolvers): a request tests a few routes, not all fifty.
urlpatterns = [
    path("oauth/token", TokenView.as_view(), name="oauth-token"),
    SegmentIndexedResolver("v2/", [*api, *api_docs]),
    SegmentIndexedResolver("engine-rest/", engine_rest),
    re_path(r"^(?:v2|engine-rest)(?:/.*)?$", not_found),
]
