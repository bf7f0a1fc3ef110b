"""Multi-tenancy is disabled: a command naming a tenant other than `<default>` gets Camunda's 400 and
changes nothing; `<default>` (or no tenant) works as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.state import models as m

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def assert_refused(response: Any, request_name: str, tenant: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        f"Expected to handle request {request_name} with tenant identifier '{tenant}', "
        "but multi-tenancy is disabled"
    )


def test_deploying_to_another_tenant_is_refused_and_stores_nothing(api) -> None:  # type: ignore[no-untyped-def]
    client = api("Developer")
    # when
    response = client.post(
        "/v2/deployments", {"resources": [upload("api_service.bpmn")], "tenantId": "acme"}, format="multipart"
    )
    # then
    assert_refused(response, "Deploy Resources", "acme")
    assert not m.ProcessDefinition.objects.exists()
    # and the default tenant, named or not, deploys
    for extra in ({"tenantId": "<default>"}, {}):
        ok = client.post(
            "/v2/deployments", {"resources": [upload("api_service.bpmn")], **extra}, format="multipart"
        )
        assert ok.status_code == 200, ok.content
        assert ok.json()["tenantId"] == "<default>"


@pytest.mark.parametrize(
    ("path", "body", "request_name"),
    [
        (
            "/v2/messages/publication",
            {"name": "m", "correlationKey": "k", "timeToLive": 60_000},
            "Publish Message",
        ),
        ("/v2/messages/correlation", {"name": "m", "correlationKey": "k"}, "Correlate Message"),
        ("/v2/signals/broadcast", {"signalName": "s"}, "Broadcast Signal"),
        ("/v2/decision-definitions/evaluation", {"decisionDefinitionId": "d"}, "Evaluate Decision"),
    ],
)
def test_commands_naming_another_tenant_are_refused(api, path, body, request_name) -> None:  # type: ignore[no-untyped-def]
    client = api("Admin")
    response = client.post(path, {**body, "tenantId": "acme"}, format="json")
    assert_refused(response, request_name, "acme")
    assert not m.BufferedMessage.objects.exists()  # a refused publication buffers nothing


def test_a_message_for_the_default_tenant_is_still_buffered(api) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "m", "correlationKey": "k", "timeToLive": 60_000, "tenantId": "<default>"}
    response = api("Admin").post("/v2/messages/publication", body, format="json")
    assert response.status_code == 200, response.content
    assert m.BufferedMessage.objects.count() == 1


def test_starting_an_instance_or_activating_jobs_of_another_tenant_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    client = api("Admin")
    client.post("/v2/deployments", {"resources": [upload("api_service.bpmn")]}, format="multipart")
    body = {"processDefinitionId": "api_service", "tenantId": "acme"}
    assert_refused(
        client.post("/v2/process-instances", body, format="json"), "Create Process Instance", "acme"
    )
    assert not m.ProcessInstance.objects.exists()
    activation = {"type": "t", "timeout": 1000, "maxJobsToActivate": 1, "requestTimeout": -1}
    refused = client.post(
        "/v2/jobs/activation", {**activation, "tenantIds": ["<default>", "acme"]}, format="json"
    )
    assert_refused(refused, "Activate Jobs", "acme")
    assigned = client.post("/v2/jobs/activation", {**activation, "tenantFilter": "ASSIGNED"}, format="json")
    assert assigned.status_code == 400
    assert "ASSIGNED tenant filter" in assigned.json()["detail"]
    ok = client.post("/v2/jobs/activation", {**activation, "tenantIds": ["<default>"]}, format="json")
    assert ok.status_code == 200, ok.content


def test_camunda7_start_under_another_tenant_finds_no_definition(api) -> None:  # type: ignore[no-untyped-def]
    client = api("Admin")
    client.post("/v2/deployments", {"resources": [upload("api_service.bpmn")]}, format="multipart")
    # when a Camunda 7 client starts by key under a tenant
    path = "/engine-rest/process-definition/key/api_service/tenant-id/acme/start"
    response = client.post(path, {}, format="json")
    # then no definition has that tenant, and nothing starts
    assert response.status_code == 404, response.content
    assert "tenant-id 'acme'" in response.json()["message"]  # Camunda 7's error shape
    assert not m.ProcessInstance.objects.exists()
    # while the tenant-less path starts it
    ok = client.post("/engine-rest/process-definition/key/api_service/start", {}, format="json")
    assert ok.status_code == 200, ok.content
