"""POST /v2/conditionals/evaluation end to end (DRF client, real engine and PostgreSQL): root-level
conditional start events start instances; Camunda's request shape; problem+json refusals that start nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.state import models as m
from tests.api.test_modification import CORE, assert_problem, deploy

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/v2/conditionals/evaluation"


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    return api("Developer", username="dev")


def _instances() -> int:
    return m.ProcessInstance.objects.filter(bpmn_process_id="cond_start").count()


def test_starts_an_instance_per_true_condition_with_the_variables(dev: Any) -> None:
    # given
    deploy(dev, "conditional_events.bpmn")
    definition_key = str(m.ProcessDefinition.objects.get(bpmn_process_id="cond_start").key)
    # when
    response = dev.post(URL, {"variables": {"amount": 150, "region": "EU"}}, format="json")
    # then
    assert response.status_code == 200, response.content
    started = response.json()["processInstances"]
    assert [s["processDefinitionKey"] for s in started] == [definition_key, definition_key]
    for s in started:
        row = m.ProcessInstance.objects.get(key=int(s["processInstanceKey"]))
        assert row.status == "COMPLETED"
        variables = m.Variable.objects.filter(process_instance_key=row.key, scope_key=row.key)
        assert dict(variables.values_list("name", "value")) == {"amount": 150, "region": "EU"}


def test_nothing_true_starts_nothing(dev: Any) -> None:
    # given
    deploy(dev, "conditional_events.bpmn")
    definition_key = str(m.ProcessDefinition.objects.get(bpmn_process_id="cond_start").key)
    # when
    body = {"processDefinitionKey": definition_key, "variables": {"amount": 1}}
    response = dev.post(URL, body, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"processInstances": []}
    assert _instances() == 0


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({}, 400, "No variables provided."),
        ({"variables": [1]}, 400, "variables: expected an object."),
        ({"variables": {}, "processDefinitionKey": "x1"}, 400, "processDefinitionKey: expected a key"),
        ({"variables": {}, "extra": 1}, 400, "Unknown properties: extra."),
        ({"variables": {"amount": 200}, "tenantId": "t1"}, 400, "multi-tenancy is disabled"),
        ({"variables": {"amount": 200}, "processDefinitionKey": "123"}, 404, "123"),
    ],
)
def test_bad_requests_are_refused_and_start_nothing(
    dev: Any, body: dict[str, Any], status: int, detail: str
) -> None:
    # given
    deploy(dev, "conditional_events.bpmn")
    # when
    response = dev.post(URL, body, format="json")
    # then
    assert_problem(response, status, detail)
    assert _instances() == 0


RESTRICTED = (
    (CORE / "conditional_events.bpmn")
    .read_text()
    .replace(
        '<bpmn:process id="cond_start" isExecutable="true">',
        '<bpmn:process id="cond_start" isExecutable="true"><bpmn:extensionElements><zeebe:properties>'
        '<zeebe:property name="candidateStarterGroups" value="Manager" /></zeebe:properties>'
        "</bpmn:extensionElements>"
        # candidate starters concern processes one can start by hand (with a none start event)
        '<bpmn:startEvent id="by_hand" /><bpmn:sequenceFlow id="s_f0" sourceRef="by_hand" targetRef="s_end" />',
    )
)


def test_a_caller_who_may_not_start_a_matched_process_is_refused_and_nothing_starts(
    dev: Any, api: Any
) -> None:
    # given cond_start may only be started by Managers
    files = [SimpleUploadedFile("conditional_events.bpmn", RESTRICTED.encode())]
    assert dev.post("/v2/deployments", {"resources": files}, format="multipart").status_code == 200
    employee = api("Employee", username="emp")
    # when an Employee's variables make both of its conditions true
    response = employee.post(URL, {"variables": {"amount": 150, "region": "EU"}}, format="json")
    # then it is refused before anything starts
    assert_problem(response, 403)
    assert _instances() == 0
    # and a Manager starts both
    manager = api("Manager", username="boss")
    response = manager.post(URL, {"variables": {"amount": 150, "region": "EU"}}, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["processInstances"]) == 2
