"""`POST /v2/element-instances/ad-hoc-activities/{adHocSubProcessInstanceKey}/activation`: activate elements of
an active ad-hoc subprocess (Camunda 8.8's activateAdHocSubProcessActivities).

As Zeebe's AdHocSubProcessInstructionActivateProcessor: 404 for a key that is no (visible) active ad-hoc
subprocess instance or for element ids it cannot activate, 409 when it is not active, 400 for duplicates;
each element runs in its own inner instance with its `variables` local to it. `cancelRemainingInstances`
is accepted and, as in Zeebe 8.8's processor, not acted on."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import engine_gateway as gateway
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import Can, require, require_visible_instance
from bizdevops.api.views.base import ApiView, body, parse_key
from bizdevops.api.views.elements import process_instance_of


class AdHocActivityReference(serializers.Serializer):
    elementId = serializers.CharField(help_text="The id of the element to activate.")
    variables = serializers.DictField(
        required=False, help_text="Variables created in the scope of the element's activation."
    )


class AdHocActivationRequest(serializers.Serializer):
    elements = AdHocActivityReference(many=True, help_text="Activities to activate.")
    cancelRemainingInstances = serializers.BooleanField(required=False, default=False)


def _elements(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Camunda's request validation, with its messages."""
    items = data.get("elements")
    if items is None or items == []:
        raise ApiProblem(400, "No elements provided.")
    if not isinstance(items, list):
        raise ApiProblem(400, "elements: expected an array.")
    result: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiProblem(400, f"elements[{index}]: expected an object.")
        element_id = item.get("elementId")
        if element_id is None or element_id == "":
            raise ApiProblem(400, f"No elements[{index}].elementId provided.")
        if not isinstance(element_id, str):
            raise ApiProblem(400, f"elements[{index}].elementId: expected a string.")
        variables = item.get("variables")
        if variables is None:
            variables = {}
        if not isinstance(variables, dict):
            raise ApiProblem(400, f"elements[{index}].variables: expected an object.")
        result.append((element_id, variables))
    cancel = data.get("cancelRemainingInstances", False)
    if not isinstance(cancel, bool):
        raise ApiProblem(400, "cancelRemainingInstances: expected a boolean.")
    return result


class AdHocActivitiesActivationView(ApiView):
    @extend_schema(
        operation_id="activateAdHocSubProcessActivities",
        request=AdHocActivationRequest,
        responses={
            204: None,
            400: OpenApiResponse(description="The provided data is not valid."),
            404: OpenApiResponse(
                description="The ad-hoc sub-process instance is not found or the provided key does not "
                "identify an ad-hoc sub-process."
            ),
            409: OpenApiResponse(description="The ad-hoc sub-process instance is not active."),
        },
    )
    def post(self, request: Request, key: str) -> Response:
        require(request.user, Can.OPERATE)
        ad_hoc_key = parse_key(key, "adHocSubProcessInstanceKey")
        elements = _elements(body(request))
        instance_key = process_instance_of(ad_hoc_key)
        require_visible_instance(request.user, instance_key, key, "Ad-hoc sub-process instance")
        gateway.call(
            "activate_ad_hoc_elements",
            ad_hoc_instance_key=ad_hoc_key,
            elements=elements,
            process_instance_key=instance_key,
        )
        return Response(status=204)
