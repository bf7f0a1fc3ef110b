"""Response schemas of the v2 API for the OpenAPI document, named as in Camunda's spec.

These serializers only describe: the views answer with the dicts of `bizdevops.api.resources` and
`engine_gateway`. Every field listed here is required in the document (drf-spectacular marks a response field
required unless it says `required=False`), which matches the required fields of Camunda's spec as the
generated SDK (camunda-orchestration-sdk 10) checks them; `allow_null` marks the fields that can be null.
tests/api/test_openapi_responses.py checks real responses against these schemas and the SDK's required fields.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

KEY_PATTERN = r"^-?[0-9]+$"


@extend_schema_field({"type": "string", "pattern": KEY_PATTERN, "example": "2251799813685249"})
class Key(serializers.CharField):
    """A key: an int64 as a string of digits."""


@extend_schema_field(OpenApiTypes.DATETIME)
class Date(serializers.CharField):
    """ISO 8601 date-time in UTC with milliseconds."""


@extend_schema_field({"type": "object", "additionalProperties": True})
class JsonObject(serializers.JSONField):
    """A JSON object (variables, custom headers)."""


def text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(**kwargs)


def nullable_text() -> serializers.CharField:
    return serializers.CharField(allow_null=True)


def names() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField())


class SearchQueryPageResponse(serializers.Serializer):
    totalItems = serializers.IntegerField()
    hasMoreTotalItems = serializers.BooleanField()
    startCursor = serializers.CharField(allow_null=True)
    endCursor = serializers.CharField(allow_null=True)


def search_result(name: str, item: serializers.Serializer) -> Any:
    """`{items: [item], page}` of one resource."""
    return inline_serializer(
        f"{name}SearchQueryResult",
        {"items": type(item)(many=True), "page": SearchQueryPageResponse()},
    )


# -- definitions -------------------------------------------------------------------------------------


class ProcessDefinitionResult(serializers.Serializer):
    processDefinitionKey = Key()
    processDefinitionId = text()
    name = nullable_text()
    resourceName = text()
    version = serializers.IntegerField()
    versionTag = nullable_text()
    tenantId = text()
    hasStartForm = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["ACTIVE"])


class DecisionDefinitionResult(serializers.Serializer):
    decisionDefinitionKey = Key()
    decisionDefinitionId = text()
    name = text()
    version = serializers.IntegerField()
    decisionRequirementsId = text()
    decisionRequirementsKey = Key()
    decisionRequirementsName = text()
    decisionRequirementsVersion = serializers.IntegerField()
    tenantId = text()


class DecisionRequirementsResult(serializers.Serializer):
    decisionRequirementsKey = Key()
    decisionRequirementsId = text()
    decisionRequirementsName = text()
    version = serializers.IntegerField()
    resourceName = text()
    tenantId = text()


class FormResult(serializers.Serializer):
    formKey = Key()
    formId = text()
    version = serializers.IntegerField()
    schema = text(help_text="The form-js schema as a JSON document serialized as a string.")
    tenantId = text()


# -- runtime -----------------------------------------------------------------------------------------


class ProcessInstanceResult(serializers.Serializer):
    processInstanceKey = Key()
    processDefinitionKey = Key()
    processDefinitionId = text()
    processDefinitionName = text()
    processDefinitionVersion = serializers.IntegerField()
    processDefinitionVersionTag = nullable_text()
    startDate = Date()
    endDate = Date(allow_null=True)
    state = serializers.ChoiceField(choices=["ACTIVE", "COMPLETED", "TERMINATED"])
    suspendedDate = Date(allow_null=True)
    hasIncident = serializers.BooleanField()
    tenantId = text()
    parentProcessInstanceKey = Key(allow_null=True)
    parentElementInstanceKey = Key(allow_null=True)
    rootProcessInstanceKey = Key()
    tags = names()
    businessId = nullable_text()


class CreateProcessInstanceResult(serializers.Serializer):
    processDefinitionId = text()
    processDefinitionVersion = serializers.IntegerField()
    processDefinitionKey = Key()
    processInstanceKey = Key()
    tenantId = text()
    variables = JsonObject()
    tags = names()
    businessId = nullable_text()


class ElementInstanceResult(serializers.Serializer):
    elementInstanceKey = Key()
    processInstanceKey = Key()
    rootProcessInstanceKey = Key()
    processDefinitionKey = Key()
    processDefinitionId = text()
    elementId = text()
    elementName = text()
    type = text()
    state = text()
    startDate = Date()
    endDate = Date(allow_null=True)
    hasIncident = serializers.BooleanField()
    incidentKey = Key(allow_null=True)
    tenantId = text()
    flowScopeKey = Key(allow_null=True)


class JobSearchResult(serializers.Serializer):
    jobKey = Key()
    type = text()
    worker = text()
    state = serializers.ChoiceField(choices=["CREATED", "COMPLETED", "FAILED", "CANCELED", "ERROR_THROWN"])
    kind = text()
    listenerEventType = text()
    retries = serializers.IntegerField()
    priority = serializers.IntegerField()
    isDenied = serializers.BooleanField(allow_null=True)
    deniedReason = nullable_text()
    hasFailedWithRetriesLeft = serializers.BooleanField()
    errorCode = nullable_text()
    errorMessage = nullable_text()
    customHeaders = JsonObject()
    deadline = Date(allow_null=True)
    endTime = Date(allow_null=True)
    elementId = text()
    elementInstanceKey = Key()
    processDefinitionId = text()
    processDefinitionKey = Key()
    processInstanceKey = Key()
    rootProcessInstanceKey = Key()
    businessId = nullable_text()
    tenantId = text()
    creationTime = Date()
    lastUpdateTime = Date()


class ActivatedJobResult(serializers.Serializer):
    jobKey = Key()
    type = text()
    processInstanceKey = Key()
    processDefinitionId = text()
    processDefinitionKey = Key()
    processDefinitionVersion = serializers.IntegerField()
    elementId = text()
    elementInstanceKey = Key()
    customHeaders = JsonObject()
    retries = serializers.IntegerField()
    deadline = serializers.IntegerField(help_text="When the lock expires, in epoch milliseconds.")
    variables = JsonObject()
    worker = text()
    kind = text()
    listenerEventType = text()
    userTask = JsonObject(allow_null=True)
    priority = serializers.IntegerField()
    tenantId = text()
    physicalTenantId = text()
    rootProcessInstanceKey = Key()
    tags = names()
    businessId = nullable_text()


class JobActivationResult(serializers.Serializer):
    jobs = ActivatedJobResult(many=True)


class UserTaskResult(serializers.Serializer):
    userTaskKey = Key()
    name = nullable_text()
    state = text()
    assignee = nullable_text()
    elementId = text()
    elementInstanceKey = Key()
    candidateGroups = names()
    candidateUsers = names()
    processDefinitionId = text()
    processDefinitionKey = Key()
    processDefinitionVersion = serializers.IntegerField()
    processInstanceKey = Key()
    rootProcessInstanceKey = Key()
    processName = text()
    creationDate = Date()
    completionDate = Date(allow_null=True)
    dueDate = Date(allow_null=True)
    followUpDate = Date(allow_null=True)
    tenantId = text()
    externalFormReference = nullable_text()
    formKey = Key(allow_null=True)
    customHeaders = JsonObject()
    priority = serializers.IntegerField()
    businessId = nullable_text()
    tags = names()


class IncidentResult(serializers.Serializer):
    incidentKey = Key()
    processDefinitionId = text()
    processDefinitionKey = Key()
    processInstanceKey = Key()
    rootProcessInstanceKey = Key()
    errorType = text()
    errorMessage = text()
    elementId = text()
    elementInstanceKey = Key()
    jobKey = Key(allow_null=True)
    creationTime = Date()
    state = text()
    tenantId = text()


class VariableResult(serializers.Serializer):
    variableKey = Key()
    name = text()
    value = text(help_text="The value as JSON text.")
    isTruncated = serializers.BooleanField()
    scopeKey = Key()
    processInstanceKey = Key()
    rootProcessInstanceKey = Key()
    tenantId = text()


class VariableSearchResult(VariableResult):
    pass


# -- commands ----------------------------------------------------------------------------------------


class DeploymentProcessResult(serializers.Serializer):
    processDefinitionId = text()
    processDefinitionVersion = serializers.IntegerField()
    resourceName = text()
    tenantId = text()
    processDefinitionKey = Key()


class DeploymentDecisionResult(serializers.Serializer):
    decisionDefinitionId = text()
    version = serializers.IntegerField()
    name = text()
    tenantId = text()
    decisionRequirementsId = text()
    decisionDefinitionKey = Key()
    decisionRequirementsKey = Key()


class DeploymentDecisionRequirementsResult(serializers.Serializer):
    decisionRequirementsId = text()
    decisionRequirementsName = text()
    version = serializers.IntegerField()
    resourceName = text()
    tenantId = text()
    decisionRequirementsKey = Key()


class DeploymentFormResult(serializers.Serializer):
    formId = text()
    version = serializers.IntegerField()
    resourceName = text()
    tenantId = text()
    formKey = Key()


class DeploymentMetadataResult(serializers.Serializer):
    """One deployed resource: exactly one of the fields is present."""

    processDefinition = DeploymentProcessResult(required=False)
    decisionDefinition = DeploymentDecisionResult(required=False)
    decisionRequirements = DeploymentDecisionRequirementsResult(required=False)
    form = DeploymentFormResult(required=False)


class DeploymentResult(serializers.Serializer):
    deploymentKey = Key()
    tenantId = text()
    deployments = DeploymentMetadataResult(many=True)


class EvaluatedDecisionInputItem(serializers.Serializer):
    inputId = text()
    inputName = text()
    inputValue = text(help_text="The value as JSON text.")


class EvaluatedDecisionOutputItem(serializers.Serializer):
    outputId = text()
    outputName = text()
    outputValue = text(help_text="The value as JSON text.")
    ruleId = text()
    ruleIndex = serializers.IntegerField()


class MatchedDecisionRuleItem(serializers.Serializer):
    ruleId = text()
    ruleIndex = serializers.IntegerField()
    evaluatedOutputs = EvaluatedDecisionOutputItem(many=True)


class EvaluatedDecisionResult(serializers.Serializer):
    decisionDefinitionId = text()
    decisionDefinitionName = text()
    decisionDefinitionVersion = serializers.IntegerField()
    decisionDefinitionType = text()
    decisionDefinitionKey = Key()
    decisionEvaluationInstanceKey = text()
    output = text(help_text="The output as JSON text.")
    tenantId = text()
    matchedRules = MatchedDecisionRuleItem(many=True)
    evaluatedInputs = EvaluatedDecisionInputItem(many=True)


class EvaluateDecisionResult(serializers.Serializer):
    decisionDefinitionId = text()
    decisionDefinitionKey = Key()
    decisionDefinitionName = text()
    decisionDefinitionVersion = serializers.IntegerField()
    decisionEvaluationKey = Key()
    decisionInstanceKey = Key()
    decisionRequirementsId = text()
    decisionRequirementsKey = Key()
    evaluatedDecisions = EvaluatedDecisionResult(many=True)
    failedDecisionDefinitionId = nullable_text()
    failureMessage = nullable_text()
    output = text(help_text="The output as JSON text.")
    tenantId = text()


class MessagePublicationResult(serializers.Serializer):
    messageKey = Key()
    tenantId = text()


class MessageCorrelationResult(serializers.Serializer):
    messageKey = Key()
    tenantId = text()
    processInstanceKey = Key()


class SignalBroadcastResult(serializers.Serializer):
    signalKey = Key()
    tenantId = text()
