"""Cluster endpoints: topology, status, and the test clock."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import engine_gateway as gateway
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import Can, require
from bizdevops.api.views.base import ApiView, body

VERSION = "8.8.0"  # the Camunda API version we answer as (the SDK reads gatewayVersion)


class TopologyView(ApiView):
    @extend_schema(
        operation_id="getTopology",
        responses=inline_serializer(
            "TopologyResponse",
            {
                "brokers": serializers.ListField(child=serializers.DictField()),
                "clusterId": serializers.CharField(allow_null=True),
                "clusterSize": serializers.IntegerField(),
                "partitionsCount": serializers.IntegerField(),
                "replicationFactor": serializers.IntegerField(),
                "gatewayVersion": serializers.CharField(),
                "lastCompletedChangeId": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        # One "broker" with one partition: PostgreSQL is the single log; the shape is what clients expect.
        return Response(
            {
                "brokers": [
                    {
                        "nodeId": 0,
                        "brokerId": 0,
                        "host": request.get_host().split(":")[0],
                        "port": 26501,
                        "version": VERSION,
                        "partitions": [
                            {"partitionId": 1, "role": "leader", "health": "healthy", "state": "active"}
                        ],
                    }
                ],
                "clusterId": None,
                "clusterSize": 1,
                "partitionsCount": 1,
                "replicationFactor": 1,
                "gatewayVersion": VERSION,
                "lastCompletedChangeId": "-1",
            }
        )


class StatusView(ApiView):
    permission_classes: list[type] = []
    authentication_classes: list[type] = []

    @extend_schema(operation_id="getStatus", responses={204: None})
    def get(self, request: Request) -> Response:
        return Response(status=204)


class ClockRequest(serializers.Serializer):
    # up to 9999-12-31T23:59:59.999Z: every later engine time (deadlines, timers) must stay a date
    timestamp = serializers.IntegerField(min_value=0, max_value=253_402_300_799_999)


def _clock_enabled(request: Request) -> None:
    if not settings.BIZDEVOPS_CLOCK_API:
        raise ApiProblem(403, "The clock API is disabled (set BIZDEVOPS_CLOCK_API=1 to enable it).")
    require(request.user, Can.CLOCK)


class ClockView(ApiView):
    @extend_schema(operation_id="pinClock", request=ClockRequest, responses={204: None})
    def put(self, request: Request) -> Response:
        _clock_enabled(request)
        data = ClockRequest(data=body(request))
        data.is_valid(raise_exception=True)
        gateway.pin_clock(data.validated_data["timestamp"])
        return Response(status=204)


class ClockResetView(ApiView):
    @extend_schema(operation_id="resetClock", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        _clock_enabled(request)
        gateway.reset_clock()
        return Response(status=204)
