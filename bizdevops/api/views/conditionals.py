"""`POST /v2/conditionals/evaluation`: evaluate root-level conditional start events (Camunda 8.9's
evaluateConditionals).

As Zeebe's ConditionalEvaluationProcessor: the conditions of one process definition's conditional start
events (`processDefinitionKey`, any version; 404 if unknown) or of the latest version of every process are
evaluated with `variables` alone; each start event whose condition is true starts an instance with those
variables. A start event whose condition reads none of the given variables is not evaluated. The caller
needs the right to start instances of every matched process (checked before anything starts, 403/404 as
for instance creation); all instances start in one transaction."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import engine_gateway as gateway
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import Can, require, require_candidate_starter
from bizdevops.api.tenancy import require_default_tenant
from bizdevops.api.views.base import ApiView, body, parse_key


class ConditionalEvaluationInstruction(serializers.Serializer):
    tenantId = serializers.CharField(required=False, help_text="Only process definitions of this tenant.")
    processDefinitionKey = serializers.CharField(
        required=False, help_text="Only the conditional start events of this process definition."
    )
    variables = serializers.DictField(help_text="The variables the conditions are evaluated with.")


class ProcessInstanceReference(serializers.Serializer):
    processDefinitionKey = serializers.CharField()
    processInstanceKey = serializers.CharField()


class EvaluateConditionalResult(serializers.Serializer):
    processInstances = ProcessInstanceReference(many=True)


def _instruction(data: dict[str, Any]) -> tuple[dict[str, Any], int | None, object]:
    """Camunda's request validation."""
    unknown = sorted(set(data) - {"tenantId", "processDefinitionKey", "variables"})
    if unknown:
        raise ApiProblem(400, f"Unknown properties: {', '.join(unknown)}.")
    variables = data.get("variables")
    if variables is None:
        raise ApiProblem(400, "No variables provided.")
    if not isinstance(variables, dict):
        raise ApiProblem(400, "variables: expected an object.")
    key = data.get("processDefinitionKey")
    definition_key = parse_key(key, "processDefinitionKey") if key is not None else None
    return variables, definition_key, data.get("tenantId")


class ConditionalEvaluationView(ApiView):
    @extend_schema(
        operation_id="evaluateConditionals",
        summary="Evaluate root level conditional start events",
        request=ConditionalEvaluationInstruction,
        responses={
            200: EvaluateConditionalResult,
            400: OpenApiResponse(description="The provided data is not valid."),
            403: OpenApiResponse(
                description="The client may not start instances of the process definition (or of one of "
                "the matched ones)."
            ),
            404: OpenApiResponse(description="No process definition with the given processDefinitionKey."),
        },
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.START)
        variables, definition_key, tenant = _instruction(body(request))
        tenant_id = require_default_tenant(tenant, "Evaluate Conditionals")
        user = request.user

        def authorize(definition: Any) -> None:
            require_candidate_starter(user, definition_key=definition.key)

        created = gateway.call(
            "evaluate_conditionals",
            variables=variables,
            process_definition_key=definition_key,
            tenant_id=tenant_id,
            authorize=authorize,
        )
        return Response(
            {
                "processInstances": [
                    {
                        "processDefinitionKey": str(c.process_definition_key),
                        "processInstanceKey": str(c.process_instance_key),
                    }
                    for c in created
                ]
            }
        )
