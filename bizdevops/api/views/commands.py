"""Writes of the v2 API: each view validates, checks permissions, calls one engine service, answers."""

from __future__ import annotations

import time
from typing import Any

from django.db import close_old_connections
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import engine_gateway as gateway
from bizdevops.api import jobwake, pool, results
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import (
    Can,
    has,
    require,
    require_candidate_starter,
    require_deployable,
    require_visible_definition,
    require_visible_instance,
)
from bizdevops.api.tenancy import require_default_tenant, require_default_tenants
from bizdevops.api.validation import validated
from bizdevops.api.views.base import ApiView, body, max_wait_ms, parse_key
from bizdevops.api.views.elements import process_instance_of
from bizdevops.api.views.read import UserTaskGet
from bizdevops.engine.state.models import Incident

DEFAULT_TENANT = "<default>"
DEFAULT_REQUEST_TIMEOUT_MS = 10_000  # Camunda's default long-polling time


@extend_schema_field(OpenApiTypes.STR)
class KeyField(serializers.Field):
    """A key sent as a string of digits (or a number); validated to int64."""

    lean = True  # to_internal_value is all its validation (bizdevops.api.validation's fast path may call it)

    def to_internal_value(self, data: Any) -> int:
        return parse_key(data, self.field_name or "key")

    def to_representation(self, value: int) -> str:
        return str(value)


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    return validated(serializer_class, body(request))


def variables_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(required=False, default=dict, **kwargs)


# -- deployments -------------------------------------------------------------------------------------


class DeploymentView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="createDeployment",
        request={
            "multipart/form-data": inline_serializer(
                "DeploymentRequest",
                {
                    "resources": serializers.ListField(child=serializers.FileField()),
                    "tenantId": serializers.CharField(required=False),
                },
            )
        },
        responses=results.DeploymentResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.DEPLOY)
        files = request.FILES.getlist("resources")
        if not files:
            raise ApiProblem(
                400, "No resources given: send one or more files in the multipart field 'resources'."
            )
        resources = [(f.name or "resource", f.read()) for f in files]
        tenant = require_default_tenant(request.data.get("tenantId"), "Deploy Resources")
        require_deployable(request.user, resources, str(tenant))
        return Response(gateway.deploy(resources=resources, tenant_id=str(tenant), user=request.user))


# -- process instances -------------------------------------------------------------------------------


class CreateInstanceRequest(serializers.Serializer):
    processDefinitionId = serializers.CharField(required=False)
    processDefinitionVersion = serializers.IntegerField(required=False, default=-1)
    processDefinitionKey = KeyField(required=False)
    variables = variables_field()
    tenantId = serializers.CharField(required=False, default=DEFAULT_TENANT)
    startInstructions = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    awaitCompletion = serializers.BooleanField(required=False, default=False)
    fetchVariables = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    requestTimeout = serializers.IntegerField(required=False, default=0, min_value=0)
    operationReference = serializers.IntegerField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    businessId = serializers.CharField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("processDefinitionId" in attrs) == ("processDefinitionKey" in attrs):
            raise serializers.ValidationError(
                "Give exactly one of processDefinitionId or processDefinitionKey."
            )
        return attrs


class ProcessInstanceCreateView(ApiView):
    @extend_schema(
        operation_id="createProcessInstance",
        request=CreateInstanceRequest,
        responses={
            200: results.CreateProcessInstanceResult,
            504: OpenApiResponse(
                description="awaitCompletion was set and the instance did not complete within requestTimeout "
                "(as Camunda's gateway answers); the instance itself was created and keeps running."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.START)
        data = valid(CreateInstanceRequest, request)
        require_default_tenant(data["tenantId"], "Create Process Instance")
        version = data["processDefinitionVersion"]
        require_candidate_starter(
            request.user,
            definition_key=data.get("processDefinitionKey"),
            bpmn_process_id=data.get("processDefinitionId"),
            version=None if version is None or version < 0 else version,
            tenant_id=data["tenantId"],
        )
        started = gateway.start_instance(
            definition_key=data.get("processDefinitionKey"),
            bpmn_process_id=data.get("processDefinitionId"),
            version=None if version is None or version < 0 else version,
            variables=data["variables"],
            start_element_ids=[
                str(i.get("elementId"))
                for i in data["startInstructions"]
                if isinstance(i.get("elementId"), str)
            ],
            tenant_id=data["tenantId"],
            business_id=data["businessId"],
            user=request.user,
        )
        variables: dict[str, Any] = {}
        if data["awaitCompletion"]:
            timeout_ms = data["requestTimeout"] or DEFAULT_REQUEST_TIMEOUT_MS
            variables = _await_completion(started["processInstanceKey"], min(timeout_ms, max_wait_ms()))
            if data["fetchVariables"]:
                variables = {k: v for k, v in variables.items() if k in set(data["fetchVariables"])}
        return Response(
            {**started, "variables": variables, "tags": data["tags"], "businessId": data["businessId"]}
        )


def _await_completion(instance_key: str, timeout_ms: int) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_ms / 1000
    delay = 0.005
    while True:
        status, variables = gateway.instance_outcome(int(instance_key))
        if status == "COMPLETED":
            return variables
        if status == "CANCELED":
            raise ApiProblem(409, f"Process instance {instance_key} was terminated before it completed.")
        if time.monotonic() >= deadline:
            raise ApiProblem(504, f"Process instance {instance_key} did not complete within {timeout_ms} ms.")
        with pool.idle():  # waiting for the instance must not keep the work its jobs need from running
            time.sleep(delay)
        delay = min(delay * 2, 0.1)


class OperationReference(serializers.Serializer):
    operationReference = serializers.IntegerField(required=False, min_value=1)


class ProcessInstanceCancelView(ApiView):
    @extend_schema(operation_id="cancelProcessInstance", request=OperationReference, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        valid(OperationReference, request)
        instance_key = parse_key(key, "processInstanceKey")
        require_visible_instance(request.user, instance_key, key)
        gateway.call("cancel_process_instance", process_instance_key=instance_key)
        return Response(status=204)


class AncestorKeyField(KeyField):
    """An ancestor element instance key; "-1" (Camunda's "none") means: infer it."""

    def to_internal_value(self, data: Any) -> int | None:  # type: ignore[override]
        if str(data) == "-1":
            return None
        return super().to_internal_value(data)


class VariableInstructionRequest(serializers.Serializer):
    variables = serializers.DictField()
    scopeId = serializers.CharField(required=False, allow_blank=True, default="")


class ActivateInstructionRequest(serializers.Serializer):
    elementId = serializers.CharField()
    ancestorElementInstanceKey = AncestorKeyField(required=False, default=None, allow_null=True)
    variableInstructions = VariableInstructionRequest(many=True, required=False, default=list)


class TerminateInstructionRequest(serializers.Serializer):
    elementInstanceKey = KeyField(required=False)
    elementId = serializers.CharField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("elementInstanceKey" in attrs) == ("elementId" in attrs):
            raise serializers.ValidationError("Give exactly one of elementInstanceKey or elementId.")
        return attrs


class SourceElementInstructionRequest(serializers.Serializer):
    sourceType = serializers.ChoiceField(choices=["byId", "byKey"])
    sourceElementId = serializers.CharField(required=False)
    sourceElementInstanceKey = KeyField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = "sourceElementId" if attrs["sourceType"] == "byId" else "sourceElementInstanceKey"
        if needed not in attrs:
            raise serializers.ValidationError(f"sourceType {attrs['sourceType']} needs {needed}.")
        return attrs


class AncestorScopeInstructionRequest(serializers.Serializer):
    ancestorScopeType = serializers.ChoiceField(choices=["direct", "inferred", "sourceParent"])
    ancestorElementInstanceKey = AncestorKeyField(required=False, default=None, allow_null=True)


class MoveInstructionRequest(serializers.Serializer):
    sourceElementInstruction = SourceElementInstructionRequest()
    targetElementId = serializers.CharField()
    ancestorScopeInstruction = AncestorScopeInstructionRequest(required=False)
    variableInstructions = VariableInstructionRequest(many=True, required=False, default=list)


class ModificationRequest(serializers.Serializer):
    activateInstructions = ActivateInstructionRequest(many=True, required=False, default=list)
    moveInstructions = MoveInstructionRequest(many=True, required=False, default=list)
    terminateInstructions = TerminateInstructionRequest(many=True, required=False, default=list)
    operationReference = serializers.IntegerField(required=False, min_value=1)


def _require_visible_instance(request: Request, instance_key: int) -> None:
    """404 for an instance of a definition restricted to others, as for an unknown one (unknown ones the
    engine answers)."""
    from bizdevops.engine.state.models import ProcessInstance

    row = ProcessInstance.objects.filter(key=instance_key).select_related("process_definition").first()
    if row is not None:
        require_visible_definition(request.user, row.process_definition, "Process instance", instance_key)


class ProcessInstanceModifyView(ApiView):
    @extend_schema(operation_id="modifyProcessInstance", request=ModificationRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        instance_key = parse_key(key, "processInstanceKey")
        data = valid(ModificationRequest, request)
        _require_visible_instance(request, instance_key)
        gateway.modify_instance(
            process_instance_key=instance_key,
            activate=data["activateInstructions"],
            move=data["moveInstructions"],
            terminate=data["terminateInstructions"],
        )
        return Response(status=204)


class MappingInstructionRequest(serializers.Serializer):
    sourceElementId = serializers.CharField()
    targetElementId = serializers.CharField()


class MigrationRequest(serializers.Serializer):
    targetProcessDefinitionKey = KeyField()
    mappingInstructions = MappingInstructionRequest(many=True)
    operationReference = serializers.IntegerField(required=False, min_value=1)


class ProcessInstanceMigrateView(ApiView):
    @extend_schema(operation_id="migrateProcessInstance", request=MigrationRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        instance_key = parse_key(key, "processInstanceKey")
        data = valid(MigrationRequest, request)
        _require_visible_instance(request, instance_key)
        from bizdevops.engine.state.models import ProcessDefinition

        target = ProcessDefinition.objects.filter(key=data["targetProcessDefinitionKey"]).first()
        if target is not None:
            require_visible_definition(
                request.user, target, "Process definition", data["targetProcessDefinitionKey"]
            )
        gateway.migrate_instance(
            process_instance_key=instance_key,
            target_definition_key=data["targetProcessDefinitionKey"],
            mapping=data["mappingInstructions"],
        )
        return Response(status=204)


class SetVariablesRequest(serializers.Serializer):
    variables = serializers.DictField()
    local = serializers.BooleanField(required=False, default=False)
    operationReference = serializers.IntegerField(required=False, min_value=1)


class ElementInstanceVariablesView(ApiView):
    @extend_schema(
        operation_id="createElementInstanceVariables", request=SetVariablesRequest, responses={204: None}
    )
    def put(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        data = valid(SetVariablesRequest, request)
        element_key = parse_key(key, "elementInstanceKey")
        require_visible_instance(request.user, process_instance_of(element_key), key, "Element instance")
        gateway.call(
            "set_variables",
            element_instance_key=element_key,
            variables=data["variables"],
            local=data["local"],
        )
        return Response(status=204)


class IncidentResolveView(ApiView):
    @extend_schema(operation_id="resolveIncident", request=OperationReference, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        valid(OperationReference, request)
        incident_key = parse_key(key, "incidentKey")
        instance_key = (
            Incident.objects.filter(key=incident_key).values_list("process_instance_key", flat=True).first()
        )
        require_visible_instance(request.user, instance_key, key, "Incident")
        gateway.call("resolve_incident", incident_key=incident_key)
        return Response(status=204)


# -- jobs --------------------------------------------------------------------------------------------


class ActivationRequest(serializers.Serializer):
    type = serializers.CharField(max_length=256)
    worker = serializers.CharField(required=False, default="", allow_blank=True, max_length=256)
    timeout = serializers.IntegerField(min_value=1)
    maxJobsToActivate = serializers.IntegerField(min_value=1, max_value=1000)
    fetchVariable = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    requestTimeout = serializers.IntegerField(required=False, default=0)
    tenantIds = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    tenantFilter = serializers.CharField(required=False)


class JobActivationView(ApiView):
    @extend_schema(
        operation_id="activateJobs",
        request=ActivationRequest,
        responses=results.JobActivationResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = valid(ActivationRequest, request)
        require_default_tenants(data.get("tenantIds"), "Activate Jobs")
        if data.get("tenantFilter") == "ASSIGNED":
            raise ApiProblem(
                400,
                "Expected to handle request Activate Jobs with ASSIGNED tenant filter, but multi-tenancy is disabled",
            )
        wait_ms = data["requestTimeout"]
        if wait_ms == 0:
            wait_ms = DEFAULT_REQUEST_TIMEOUT_MS
        deadline = time.monotonic() + max(0, min(wait_ms, max_wait_ms())) / 1000
        while True:
            jobs = gateway.activate_jobs(
                job_type=data["type"],
                worker=data["worker"],
                timeout_ms=data["timeout"],
                max_jobs=data["maxJobsToActivate"],
                fetch_variables=data.get("fetchVariable") or None,
                tenant_ids=data.get("tenantIds") or None,
            )
            remaining = deadline - time.monotonic()
            if jobs or remaining <= 0:
                return Response({"jobs": jobs})
            # Give the connection back while waiting: a long poll must not pin a database session.
            close_old_connections()
            with pool.idle():  # a waiting long poll does not count against the work slots
                jobwake.wait([data["type"]], remaining)


class CompletionRequest(serializers.Serializer):
    variables = serializers.DictField(required=False, allow_null=True)
    result = serializers.DictField(required=False, allow_null=True)


class JobCompleteView(ApiView):
    @extend_schema(operation_id="completeJob", request=CompletionRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = valid(CompletionRequest, request)
        gateway.call(
            "complete_job",
            job_key=parse_key(key, "jobKey"),
            variables=data.get("variables") or {},
            result=data.get("result"),  # an ad-hoc subprocess's job: which elements to activate, or done
        )
        return Response(status=204)


class FailRequest(serializers.Serializer):
    retries = serializers.IntegerField(required=False, default=0, min_value=0)
    errorMessage = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    retryBackOff = serializers.IntegerField(required=False, default=0, min_value=0)
    variables = serializers.DictField(required=False, allow_null=True)


class JobFailView(ApiView):
    @extend_schema(operation_id="failJob", request=FailRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = valid(FailRequest, request)
        gateway.call(
            "fail_job",
            job_key=parse_key(key, "jobKey"),
            retries=data["retries"],
            error_message=data.get("errorMessage") or "",
            retry_backoff_ms=data["retryBackOff"],
            variables=data.get("variables") or {},
        )
        return Response(status=204)


class ErrorRequest(serializers.Serializer):
    errorCode = serializers.CharField(max_length=256)
    errorMessage = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    variables = serializers.DictField(required=False, allow_null=True)


class JobErrorView(ApiView):
    @extend_schema(operation_id="throwJobError", request=ErrorRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = valid(ErrorRequest, request)
        gateway.call(
            "throw_error",
            job_key=parse_key(key, "jobKey"),
            error_code=data["errorCode"],
            error_message=data.get("errorMessage") or "",
            variables=data.get("variables") or {},
        )
        return Response(status=204)


INT32 = 2**31


class JobChangeset(serializers.Serializer):
    """Camunda's JobChangeset (SDK 10: retries, timeout in ms, priority); null or absent = unchanged."""

    retries = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=INT32 - 1)
    timeout = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**63 - 1)
    priority = serializers.IntegerField(
        required=False, allow_null=True, min_value=-INT32, max_value=INT32 - 1
    )


class JobUpdateRequest(serializers.Serializer):
    changeset = JobChangeset()
    operationReference = serializers.IntegerField(required=False, min_value=1)


class JobUpdateView(ApiView):
    @extend_schema(operation_id="updateJob", request=JobUpdateRequest, responses={204: None})
    def patch(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS, Can.OPERATE)
        changes = {k: v for k, v in valid(JobUpdateRequest, request)["changeset"].items() if v is not None}
        if not changes:
            raise ApiProblem(400, "The changeset is empty: give retries, timeout or priority.")
        gateway.update_job(job_key=parse_key(key, "jobKey"), **changes)
        return Response(status=204)


# -- user tasks --------------------------------------------------------------------------------------


def _own_task(request: Request, key: str) -> Any:
    """The task if the caller may see it (404 otherwise), for commands on it."""
    return UserTaskGet.find(request, key)  # type: ignore[attr-defined]


class AssignmentRequest(serializers.Serializer):
    assignee = serializers.CharField(max_length=256)
    allowOverride = serializers.BooleanField(required=False, allow_null=True, default=None)
    action = serializers.CharField(required=False, allow_null=True, max_length=256)


class UserTaskAssignView(ApiView):
    @extend_schema(operation_id="assignUserTask", request=AssignmentRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        task = _own_task(request, key)
        data = valid(AssignmentRequest, request)
        if not has(request.user, Can.ALL_TASKS) and data["assignee"] != request.user.get_username():
            raise ApiProblem(403, "You may only assign tasks to yourself.")
        allow_override = data["allowOverride"] is not False
        gateway.call(
            "assign_user_task",
            user_task_key=task.key,
            assignee=data["assignee"],
            allow_override=allow_override,
        )
        return Response(status=204)


class UserTaskUnassignView(ApiView):
    @extend_schema(operation_id="unassignUserTask", request=None, responses={204: None})
    def delete(self, request: Request, key: str) -> Response:
        task = _own_task(request, key)
        if not has(request.user, Can.ALL_TASKS) and task.assignee not in ("", request.user.get_username()):
            raise ApiProblem(403, "You may only unassign your own tasks.")
        gateway.call("unassign_user_task", user_task_key=task.key)
        return Response(status=204)


class UserTaskCompletionRequest(serializers.Serializer):
    variables = serializers.DictField(required=False, allow_null=True)
    action = serializers.CharField(required=False, allow_null=True, max_length=256)


class UserTaskCompleteView(ApiView):
    @extend_schema(operation_id="completeUserTask", request=UserTaskCompletionRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        task = _own_task(request, key)
        data = valid(UserTaskCompletionRequest, request)
        variables = data.get("variables") or {}
        if not has(request.user, Can.ALL_TASKS):
            if task.assignee not in ("", request.user.get_username()):
                raise ApiProblem(403, "This task is assigned to someone else.")
            # Someone who may only work their own tasks is held to the task's form, as in the Tasklist.
            variables = _form_checked(request, task, variables)
        gateway.call(
            "complete_user_task",
            user_task_key=task.key,
            variables=variables,
            action=data.get("action") or "complete",
        )
        return Response(status=204)


def _form_checked(request: Request, task: Any, variables: dict[str, Any]) -> dict[str, Any]:
    from tasklist.services import SubmissionInvalid, check_form_variables

    try:
        return check_form_variables(user=request.user, task=task, variables=variables)
    except SubmissionInvalid as exc:
        lines = "; ".join(f"{name}: {message}" for name, message in sorted(exc.errors.items()))
        raise ApiProblem(400, f"The variables do not match the task's form. {lines}") from None


class UserTaskChangeset(serializers.Serializer):
    dueDate = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    followUpDate = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    candidateUsers = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    candidateGroups = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)


class UserTaskUpdateRequest(serializers.Serializer):
    changeset = UserTaskChangeset(required=False, allow_null=True)
    action = serializers.CharField(required=False, allow_null=True, max_length=256)


class UserTaskUpdateView(ApiView):
    @extend_schema(operation_id="updateUserTask", request=UserTaskUpdateRequest, responses={204: None})
    def patch(self, request: Request, key: str) -> Response:
        task = _own_task(request, key)
        require(request.user, Can.ALL_TASKS)
        changeset = dict(valid(UserTaskUpdateRequest, request).get("changeset") or {})
        if not changeset:
            raise ApiProblem(400, "The changeset is empty.")
        gateway.call("update_user_task", user_task_key=task.key, changeset=changeset)
        return Response(status=204)


# -- messages, signals, decisions --------------------------------------------------------------------


class PublicationRequest(serializers.Serializer):
    name = serializers.CharField(max_length=256)
    correlationKey = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)
    timeToLive = serializers.IntegerField(required=False, default=0, min_value=0)
    messageId = serializers.CharField(required=False, allow_null=True, max_length=256)
    variables = serializers.DictField(required=False, allow_null=True)
    tenantId = serializers.CharField(required=False, default=DEFAULT_TENANT)


class MessagePublicationView(ApiView):
    @extend_schema(
        operation_id="publishMessage",
        request=PublicationRequest,
        responses=results.MessagePublicationResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.MESSAGE)
        data = valid(PublicationRequest, request)
        require_default_tenant(data["tenantId"], "Publish Message")
        message_key = gateway.call(
            "publish_message",
            name=data["name"],
            correlation_key=data["correlationKey"],
            time_to_live_ms=data["timeToLive"],
            message_id=data.get("messageId"),
            variables=data.get("variables") or {},
        )
        return Response({"messageKey": str(gateway.key_of(message_key)), "tenantId": data["tenantId"]})


class CorrelationRequest(serializers.Serializer):
    name = serializers.CharField(max_length=256)
    correlationKey = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)
    variables = serializers.DictField(required=False, allow_null=True)
    tenantId = serializers.CharField(required=False, default=DEFAULT_TENANT)


class MessageCorrelationView(ApiView):
    @extend_schema(
        operation_id="correlateMessage",
        request=CorrelationRequest,
        responses=results.MessageCorrelationResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.MESSAGE)
        data = valid(CorrelationRequest, request)
        require_default_tenant(data["tenantId"], "Correlate Message")
        message_key, instance_key = gateway.correlate_message(
            name=data["name"], correlation_key=data["correlationKey"], variables=data.get("variables") or {}
        )
        return Response(
            {
                "messageKey": str(message_key),
                "processInstanceKey": str(instance_key),
                "tenantId": data["tenantId"],
            }
        )


class SignalRequest(serializers.Serializer):
    signalName = serializers.CharField(max_length=256)
    variables = serializers.DictField(required=False, allow_null=True)
    tenantId = serializers.CharField(required=False, default=DEFAULT_TENANT)


class SignalBroadcastView(ApiView):
    @extend_schema(
        operation_id="broadcastSignal",
        request=SignalRequest,
        responses=results.SignalBroadcastResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.MESSAGE)
        data = valid(SignalRequest, request)
        require_default_tenant(data["tenantId"], "Broadcast Signal")
        signal_key = gateway.call(
            "broadcast_signal", name=data["signalName"], variables=data.get("variables") or {}
        )
        return Response({"signalKey": str(gateway.key_of(signal_key)), "tenantId": data["tenantId"]})


class EvaluateDecisionRequest(serializers.Serializer):
    decisionDefinitionId = serializers.CharField(required=False)
    decisionDefinitionKey = KeyField(required=False)
    variables = serializers.DictField(required=False, allow_null=True)
    tenantId = serializers.CharField(required=False, default=DEFAULT_TENANT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("decisionDefinitionId" in attrs) == ("decisionDefinitionKey" in attrs):
            raise serializers.ValidationError(
                "Give exactly one of decisionDefinitionId or decisionDefinitionKey."
            )
        return attrs


def _require_visible_decision(request: Request, data: dict[str, Any]) -> None:
    """404 for a decision restricted to others, as for an unknown one (unknown ones the engine answers)."""
    from bizdevops.engine.state.models import DecisionDefinition

    rows = DecisionDefinition.objects.only("key", "decision_id", "tenant_id")
    if data.get("decisionDefinitionKey") is not None:
        row = rows.filter(key=data["decisionDefinitionKey"]).first()
        reference = data["decisionDefinitionKey"]
    else:
        # the engine evaluates the latest version of the id
        row = rows.filter(decision_id=data["decisionDefinitionId"]).order_by("-version").first()
        reference = data["decisionDefinitionId"]
    if row is not None:
        require_visible_definition(request.user, row, "Decision definition", reference)


class DecisionEvaluationView(ApiView):
    @extend_schema(
        operation_id="evaluateDecision",
        request=EvaluateDecisionRequest,
        responses=results.EvaluateDecisionResult,
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.EVALUATE)
        data = valid(EvaluateDecisionRequest, request)
        require_default_tenant(data["tenantId"], "Evaluate Decision")
        _require_visible_decision(request, data)
        return Response(
            gateway.evaluate_decision(
                decision_key=data.get("decisionDefinitionKey"),
                decision_id=data.get("decisionDefinitionId"),
                variables=data.get("variables") or {},
            )
        )


class UserTaskView(UserTaskGet, UserTaskUpdateView):  # type: ignore[valid-type,misc]
    """GET and PATCH share the path /v2/user-tasks/{key}."""
