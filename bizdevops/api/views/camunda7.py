"""Camunda 7's external-task REST API under /engine-rest, mapped onto our jobs (topic = job type).

Camunda 7 clients (e.g. the PyPI `camunda-external-task-client-python3`) keep working unchanged: fetchAndLock
with long polling, complete, failure (retries + retryTimeout back-off), bpmnError, extendLock, starting a
process by key, and message correlation. Variables use Camunda 7's typed shape `{"name": {"value", "type"}}`;
JSON objects and lists travel as type "Json" with the JSON text as value, as Camunda 7 does.
Errors are problem+json with Camunda 7's `message` field added, which its clients print.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from django.db import close_old_connections
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import engine_gateway as gateway
from bizdevops.api import jobwake, pool
from bizdevops.api.errors import ApiProblem, exception_handler
from bizdevops.api.permissions import Can, require, require_candidate_starter
from bizdevops.api.views.base import ApiView, body, max_wait_ms, parse_key
from bizdevops.engine.state import models as m

INT32 = 2**31


def _c7_exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    response = exception_handler(exc, context)
    if response is not None:
        try:
            data = json.loads(response.content)
            data.setdefault("message", data.get("detail", ""))
            response.content = json.dumps(data).encode()
        except ValueError:
            pass
    return response


class C7View(ApiView):
    def get_exception_handler(self) -> Any:
        return _c7_exception_handler


# -- typed variables ---------------------------------------------------------------------------------


def typed_to_plain(variables: Any, what: str = "variables") -> dict[str, Any]:
    """{"name": {"value": v, "type": "Json"|"Integer"|...}} → {"name": v}."""
    if variables in (None, {}):
        return {}
    if not isinstance(variables, dict):
        raise ApiProblem(400, f"{what}: expected an object of typed values")
    plain: dict[str, Any] = {}
    for name, typed in variables.items():
        if not isinstance(typed, dict) or "value" not in typed:
            raise ApiProblem(400, f'{what}.{name}: expected {{"value": …, "type": …}}')
        value, kind = typed.get("value"), str(typed.get("type") or "").lower()
        if kind == "json" and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ApiProblem(400, f"{what}.{name}: type Json needs JSON text") from None
        elif kind in ("integer", "long", "short") and value is not None:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, str))
                or not re.fullmatch(r"-?[0-9]{1,19}", str(value))
            ):
                raise ApiProblem(400, f"{what}.{name}: not an integer")
            value = int(value)
        elif kind == "double" and value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ApiProblem(400, f"{what}.{name}: not a number") from None
        elif kind == "boolean" and isinstance(value, str):
            value = value.lower() == "true"
        elif kind in ("object", "file", "bytes"):
            raise ApiProblem(400, f"{what}.{name}: type {typed.get('type')} is not supported; use Json")
        plain[name] = value
    return plain


def plain_to_typed(variables: dict[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name, value in variables.items():
        if value is None:
            typed[name] = {"type": "Null", "value": None, "valueInfo": {}}
        elif isinstance(value, bool):
            typed[name] = {"type": "Boolean", "value": value, "valueInfo": {}}
        elif isinstance(value, int):
            typed[name] = {
                "type": "Integer" if -INT32 <= value < INT32 else "Long",
                "value": value,
                "valueInfo": {},
            }
        elif isinstance(value, float):
            typed[name] = {"type": "Double", "value": value, "valueInfo": {}}
        elif isinstance(value, str):
            typed[name] = {"type": "String", "value": value, "valueInfo": {}}
        else:
            typed[name] = {"type": "Json", "value": json.dumps(value, ensure_ascii=False), "valueInfo": {}}
    return typed


# -- external tasks ----------------------------------------------------------------------------------


def _locked_task(job: dict[str, Any], topic: str, worker_id: str) -> dict[str, Any]:
    deadline = job.get("deadline")
    lock_expiration = None
    if isinstance(deadline, int):
        import datetime as dt

        lock_expiration = (
            dt.datetime.fromtimestamp(deadline / 1000, tz=dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "+0000")
        )
    return {
        "id": job["jobKey"],
        "topicName": topic,
        "workerId": worker_id,
        "activityId": job["elementId"],
        "activityInstanceId": job["elementInstanceKey"],
        "executionId": job["elementInstanceKey"],
        "processInstanceId": job["processInstanceKey"],
        "processDefinitionId": job["processDefinitionKey"],
        "processDefinitionKey": job["processDefinitionId"],
        "processDefinitionVersionTag": None,
        "lockExpirationTime": lock_expiration,
        "retries": job["retries"],
        "errorMessage": None,
        "errorDetails": None,
        "priority": job.get("priority", 0),
        "tenantId": None if job.get("tenantId") == "<default>" else job.get("tenantId"),
        "businessKey": job.get("businessId"),
        "variables": plain_to_typed(job.get("variables") or {}),
        "extensionProperties": dict(job.get("customHeaders") or {}),
    }


class FetchTopic(serializers.Serializer):
    topicName = serializers.CharField(max_length=256)
    lockDuration = serializers.IntegerField(min_value=1)
    variables = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)


class FetchAndLockRequest(serializers.Serializer):
    workerId = serializers.CharField(max_length=256)
    maxTasks = serializers.IntegerField(min_value=0, max_value=1000)
    topics = FetchTopic(many=True)
    asyncResponseTimeout = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    usePriority = serializers.BooleanField(required=False, allow_null=True)


class FetchAndLockView(C7View):
    @extend_schema(
        operation_id="c7FetchAndLock",
        request=FetchAndLockRequest,
        responses=inline_serializer(
            "C7LockedExternalTask",
            {"id": serializers.CharField(), "topicName": serializers.CharField()},
            many=True,
        ),
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = FetchAndLockRequest(data=body(request))
        data.is_valid(raise_exception=True)
        spec = data.validated_data
        wait_ms = min(spec.get("asyncResponseTimeout") or 0, max_wait_ms())
        deadline = time.monotonic() + wait_ms / 1000
        topics = spec["topics"]
        while True:
            tasks: list[dict[str, Any]] = []
            for topic in topics:
                room = spec["maxTasks"] - len(tasks)
                if room <= 0:
                    break
                jobs = gateway.activate_jobs(
                    job_type=topic["topicName"],
                    worker=spec["workerId"],
                    timeout_ms=topic["lockDuration"],
                    max_jobs=room,
                    fetch_variables=topic.get("variables") or None,
                    tenant_ids=None,
                )
                tasks.extend(_locked_task(job, topic["topicName"], spec["workerId"]) for job in jobs)
            remaining = deadline - time.monotonic()
            if tasks or remaining <= 0 or spec["maxTasks"] == 0:
                return Response(tasks)
            close_old_connections()
            with pool.idle():  # a waiting long poll does not count against the work slots
                jobwake.wait([t["topicName"] for t in topics], remaining)


class CompleteRequest(serializers.Serializer):
    workerId = serializers.CharField(max_length=256)
    variables = serializers.DictField(required=False, allow_null=True)
    localVariables = serializers.DictField(required=False, allow_null=True)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data = serializer_class(data=body(request))
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class CompleteView(C7View):
    @extend_schema(operation_id="c7Complete", request=CompleteRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = _valid(CompleteRequest, request)
        variables = typed_to_plain(data.get("variables"))
        # Our jobs have no activity-local scope of their own: local variables merge into the output.
        variables.update(typed_to_plain(data.get("localVariables"), "localVariables"))
        gateway.call("complete_job", job_key=parse_key(key, "id"), variables=variables)
        return Response(status=204)


class FailureRequest(serializers.Serializer):
    workerId = serializers.CharField(max_length=256)
    errorMessage = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    errorDetails = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    retries = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    retryTimeout = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class FailureView(C7View):
    @extend_schema(operation_id="c7Failure", request=FailureRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = _valid(FailureRequest, request)
        message = data.get("errorMessage") or ""
        if data.get("errorDetails"):
            message = f"{message}\n{data['errorDetails']}" if message else data["errorDetails"]
        gateway.call(
            "fail_job",
            job_key=parse_key(key, "id"),
            retries=data.get("retries") or 0,
            error_message=message[:4000],
            retry_backoff_ms=data.get("retryTimeout") or 0,
            variables={},
        )
        return Response(status=204)


class BpmnErrorRequest(serializers.Serializer):
    workerId = serializers.CharField(max_length=256)
    errorCode = serializers.CharField(max_length=256)
    errorMessage = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    variables = serializers.DictField(required=False, allow_null=True)


class BpmnErrorView(C7View):
    @extend_schema(operation_id="c7BpmnError", request=BpmnErrorRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = _valid(BpmnErrorRequest, request)
        gateway.call(
            "throw_error",
            job_key=parse_key(key, "id"),
            error_code=data["errorCode"],
            error_message=data.get("errorMessage") or "",
            variables=typed_to_plain(data.get("variables")),
        )
        return Response(status=204)


class ExtendLockRequest(serializers.Serializer):
    workerId = serializers.CharField(max_length=256)
    newDuration = serializers.IntegerField(min_value=1)


class ExtendLockView(C7View):
    @extend_schema(operation_id="c7ExtendLock", request=ExtendLockRequest, responses={204: None})
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.WORK_JOBS)
        data = _valid(ExtendLockRequest, request)
        job_key = parse_key(key, "id")
        job = m.Job.objects.filter(key=job_key).values("state", "worker").first()
        if job is None:
            raise ApiProblem(404, f"External task {key} not found.")
        if job["state"] != "ACTIVATED" or job["worker"] != data["workerId"]:
            raise ApiProblem(400, f"External task {key} is not locked by worker '{data['workerId']}'.")
        gateway.update_job(job_key=job_key, timeout=data["newDuration"])
        return Response(status=204)


# -- process start and messages ----------------------------------------------------------------------


class StartRequest(serializers.Serializer):
    variables = serializers.DictField(required=False, allow_null=True)
    businessKey = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=256)


class StartByKeyView(C7View):
    @extend_schema(
        operation_id="c7StartProcessInstance",
        request=StartRequest,
        responses=inline_serializer("C7ProcessInstance", {"id": serializers.CharField()}),
    )
    def post(self, request: Request, key: str, tenant: str | None = None) -> Response:
        require(request.user, Can.START)
        if tenant is not None and tenant != "<default>":
            # multi-tenancy is disabled: every definition is the default tenant's, as a tenant-less one in
            # Camunda 7, so no definition has this tenant id
            raise ApiProblem(
                404, f"No matching process definition with key '{key}' and tenant-id '{tenant}'."
            )
        require_candidate_starter(request.user, bpmn_process_id=key, tenant_id="<default>")
        data = _valid(StartRequest, request)
        started = gateway.start_instance(
            definition_key=None,
            bpmn_process_id=key,
            version=None,
            variables=typed_to_plain(data.get("variables")),
            start_element_ids=[],
            tenant_id="<default>",
            business_id=data.get("businessKey") or None,
            user=request.user,
        )
        instance_key = started["processInstanceKey"]
        status = (
            m.ProcessInstance.objects.filter(key=int(instance_key)).values_list("status", flat=True).first()
        )
        return Response(
            {
                "id": instance_key,
                "definitionId": started["processDefinitionKey"],
                "businessKey": data.get("businessKey") or None,
                "caseInstanceId": None,
                "ended": status in ("COMPLETED", "CANCELED"),
                "suspended": False,
                "tenantId": tenant,
                "links": [],
            }
        )


class MessageRequest(serializers.Serializer):
    messageName = serializers.CharField(max_length=256)
    businessKey = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    processInstanceId = serializers.CharField(required=False, allow_null=True)
    correlationKeys = serializers.DictField(required=False, allow_null=True)
    processVariables = serializers.DictField(required=False, allow_null=True)
    resultEnabled = serializers.BooleanField(required=False, default=False)
    tenantId = serializers.CharField(required=False, allow_null=True)
    withoutTenantId = serializers.BooleanField(required=False, allow_null=True)
    all = serializers.BooleanField(required=False, allow_null=True)


class MessageView(C7View):
    @extend_schema(
        operation_id="c7CorrelateMessage",
        request=MessageRequest,
        responses={
            200: inline_serializer(
                "C7MessageCorrelationResult", {"resultType": serializers.CharField()}, many=True
            ),
            204: None,
        },
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.MESSAGE)
        data = _valid(MessageRequest, request)
        name = data["messageName"]
        correlation_key = self._correlation_key(data)
        message_key, instance_key = gateway.correlate_message(
            name=name, correlation_key=correlation_key, variables=typed_to_plain(data.get("processVariables"))
        )
        if not data["resultEnabled"]:
            return Response(status=204)
        return Response(
            [
                {
                    "resultType": "Execution",
                    "execution": {
                        "id": str(instance_key),
                        "processInstanceId": str(instance_key),
                        "ended": False,
                        "tenantId": None,
                    },
                    "processInstance": None,
                }
            ]
        )

    @staticmethod
    def _correlation_key(data: dict[str, Any]) -> str:
        """Camunda 7 correlates by business key, correlation variables or instance id; we by one key."""
        keys = typed_to_plain(data.get("correlationKeys"), "correlationKeys")
        if keys:
            return str(next(iter(keys.values())))
        if data.get("businessKey"):
            return str(data["businessKey"])
        if data.get("processInstanceId"):
            subscription = (
                m.MessageSubscription.objects.filter(
                    message_name=data["messageName"],
                    process_instance_key=parse_key(data["processInstanceId"], "processInstanceId"),
                )
                .values_list("correlation_key", flat=True)
                .first()
            )
            if subscription is None:
                raise ApiProblem(
                    404,
                    f"Instance {data['processInstanceId']} does not wait for "
                    f"message '{data['messageName']}'.",
                )
            return subscription or ""
        return ""


class StartByKeyTenantView(StartByKeyView):
    @extend_schema(
        operation_id="c7StartProcessInstanceForTenant",
        request=StartRequest,
        responses=inline_serializer("C7ProcessInstanceForTenant", {"id": serializers.CharField()}),
    )
    def post(self, request: Request, key: str, tenant: str | None = None) -> Response:
        return super().post(request, key, tenant)
