"""v2 operations end to end in process (DRF test client on the real engine and database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.state import models as m

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
ALL = ("api_service.bpmn", "api_flow.bpmn", "api-approve.form", "api_discount.dmn", "api_signal.bpmn")


def deploy(client: Any, *names: str) -> dict[str, Any]:
    files = [SimpleUploadedFile(n, (FIXTURES / n).read_bytes()) for n in names]
    response = client.post("/v2/deployments", {"resources": files}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def start(client: Any, process_id: str, **variables: Any) -> str:
    body = {"processDefinitionId": process_id, "variables": variables}
    response = client.post("/v2/process-instances", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["processInstanceKey"]


def activate(client: Any, job_type: str, n: int = 10) -> list[dict[str, Any]]:
    body = {"type": job_type, "timeout": 30_000, "maxJobsToActivate": n, "worker": "t", "requestTimeout": -1}
    response = client.post("/v2/jobs/activation", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["jobs"]


def state(client: Any, key: str) -> str:
    return client.get(f"/v2/process-instances/{key}").json()["state"]


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    client = api("Developer", username="dev")
    deploy(client, *ALL)
    return client


def test_deploy_bpmn_dmn_and_form_in_one_call(api) -> None:  # type: ignore[no-untyped-def]
    data = deploy(api("Developer"), *ALL)
    kinds = sorted(next(iter(item)) for item in data["deployments"])
    assert kinds.count("processDefinition") == 3
    assert {"decisionDefinition", "decisionRequirements", "form"} <= set(kinds)
    assert data["deploymentKey"].isdigit()
    process = next(i["processDefinition"] for i in data["deployments"] if "processDefinition" in i)
    assert set(process) == {
        "processDefinitionId",
        "processDefinitionVersion",
        "resourceName",
        "tenantId",
        "processDefinitionKey",
    }


def test_deploy_rejects_broken_bpmn_with_a_400_problem(api) -> None:  # type: ignore[no-untyped-def]
    broken = SimpleUploadedFile("broken.bpmn", b"<definitions><process id='x'>")
    response = api("Developer").post("/v2/deployments", {"resources": [broken]}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert m.ProcessDefinition.objects.count() == 0


def test_service_task_job_round_trip(dev) -> None:  # type: ignore[no-untyped-def]
    # given an instance waiting at a service task
    key = start(dev, "api_service", amount=5)
    # when a worker activates and completes the job
    jobs = activate(dev, "api-work")
    assert len(jobs) == 1
    job = jobs[0]
    assert job["processInstanceKey"] == key
    assert job["variables"] == {"amount": 5}
    assert job["customHeaders"] == {"region": "eu"}
    for field in (
        "priority",
        "userTask",
        "kind",
        "businessId",
        "physicalTenantId",
        "listenerEventType",
        "tags",
    ):
        assert field in job
    response = dev.post(f"/v2/jobs/{job['jobKey']}/completion", {"variables": {"done": True}}, format="json")
    assert response.status_code == 204
    # then the instance completed with the job's variables
    assert state(dev, key) == "COMPLETED"
    variables = dev.post(
        "/v2/variables/search", {"filter": {"processInstanceKey": key}}, format="json"
    ).json()
    assert {v["name"]: v["value"] for v in variables["items"]} == {"amount": "5", "done": "true"}
    # and completing again is a conflict that changes nothing
    again = dev.post(f"/v2/jobs/{job['jobKey']}/completion", {}, format="json")
    assert again.status_code in (404, 409)


def test_await_completion_returns_the_fetched_variables(dev) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "api_signal.bpmn")
    body = {
        "processDefinitionId": "api_signal",
        "variables": {"a": 1, "b": 2},
        "awaitCompletion": True,
        "fetchVariables": ["a"],
        "requestTimeout": 200,
    }
    # the instance waits for a signal, so the await times out honestly
    response = dev.post("/v2/process-instances", body, format="json")
    assert response.status_code == 504
    assert response["Content-Type"] == "application/problem+json"


def test_failure_with_no_retries_raises_an_incident_that_can_be_resolved(dev) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_service")
    job = activate(dev, "api-work")[0]
    # when the worker fails it without retries left
    body = {"retries": 0, "errorMessage": "card declined"}
    assert dev.post(f"/v2/jobs/{job['jobKey']}/failure", body, format="json").status_code == 204
    # then an incident is open on the instance
    incidents = dev.post(
        "/v2/incidents/search", {"filter": {"processInstanceKey": key}}, format="json"
    ).json()
    assert incidents["page"]["totalItems"] == 1
    incident = incidents["items"][0]
    assert incident["errorType"] == "JOB_NO_RETRIES"
    assert incident["errorMessage"] == "card declined"
    assert dev.get(f"/v2/process-instances/{key}").json()["hasIncident"] is True
    # when retries are given back and the incident is resolved
    assert (
        dev.patch(f"/v2/jobs/{job['jobKey']}", {"changeset": {"retries": 1}}, format="json").status_code
        == 204
    )
    assert (
        dev.post(f"/v2/incidents/{incident['incidentKey']}/resolution", {}, format="json").status_code == 204
    )
    # then the job can be worked again
    again = activate(dev, "api-work")
    assert [j["jobKey"] for j in again] == [job["jobKey"]]


def test_failure_with_back_off_hides_the_job_until_due(dev) -> None:  # type: ignore[no-untyped-def]
    start(dev, "api_service")
    job = activate(dev, "api-work")[0]
    body = {"retries": 2, "errorMessage": "later", "retryBackOff": 60_000}
    assert dev.post(f"/v2/jobs/{job['jobKey']}/failure", body, format="json").status_code == 204
    assert activate(dev, "api-work") == []
    searched = dev.post("/v2/jobs/search", {"filter": {"jobKey": job["jobKey"]}}, format="json").json()[
        "items"
    ]
    assert searched[0]["retries"] == 2
    assert searched[0]["errorMessage"] == "later"


def test_job_error_is_caught_by_the_boundary_event(dev) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_flow", orderId="o-1")
    job = activate(dev, "api-prepare")[0]
    body = {"errorCode": "REJECTED", "errorMessage": "no stock"}
    assert dev.post(f"/v2/jobs/{job['jobKey']}/error", body, format="json").status_code == 204
    assert state(dev, key) == "COMPLETED"


def test_user_task_then_message_completes_the_flow(dev, api) -> None:  # type: ignore[no-untyped-def]
    # given an instance past its service task, waiting at a user task for the Employee group
    key = start(dev, "api_flow", orderId="o-7")
    job = activate(dev, "api-prepare")[0]
    dev.post(f"/v2/jobs/{job['jobKey']}/completion", {}, format="json")
    employee = api("Employee", username="kim")
    tasks = employee.post(
        "/v2/user-tasks/search", {"filter": {"processInstanceKey": key}}, format="json"
    ).json()
    assert tasks["page"]["totalItems"] == 1
    task = tasks["items"][0]
    assert task["candidateGroups"] == ["Employee"]
    assert task["elementId"] == "Task_B"
    # the linked form is served
    form = employee.get(f"/v2/user-tasks/{task['userTaskKey']}/form")
    assert form.status_code == 200
    assert "approved" in form.json()["schema"]
    # when the employee claims and completes it
    claim = employee.post(
        f"/v2/user-tasks/{task['userTaskKey']}/assignment", {"assignee": "kim"}, format="json"
    )
    assert claim.status_code == 204
    assert employee.get(f"/v2/user-tasks/{task['userTaskKey']}").json()["assignee"] == "kim"
    done = employee.post(
        f"/v2/user-tasks/{task['userTaskKey']}/completion", {"variables": {"approved": True}}, format="json"
    )
    assert done.status_code == 204
    # and the payment message arrives
    body = {"name": "paid", "correlationKey": "o-7", "variables": {"paidAt": "today"}}
    published = dev.post("/v2/messages/publication", body, format="json")
    assert published.status_code == 200
    assert published.json()["messageKey"].isdigit()
    # then the instance is complete with every variable
    assert state(dev, key) == "COMPLETED"
    names = dev.post("/v2/variables/search", {"filter": {"processInstanceKey": key}}, format="json").json()
    assert {v["name"] for v in names["items"]} >= {"orderId", "approved", "paidAt"}


def test_correlation_without_a_waiting_instance_is_404(dev) -> None:  # type: ignore[no-untyped-def]
    response = dev.post(
        "/v2/messages/correlation", {"name": "paid", "correlationKey": "nobody"}, format="json"
    )
    assert response.status_code == 404


def test_signal_broadcast_and_cancellation(dev) -> None:  # type: ignore[no-untyped-def]
    first, second = start(dev, "api_signal"), start(dev, "api_signal")
    operator_cancel = dev.post(f"/v2/process-instances/{second}/cancellation", {}, format="json")
    assert operator_cancel.status_code == 204
    assert state(dev, second) == "TERMINATED"
    response = dev.post("/v2/signals/broadcast", {"signalName": "api-go"}, format="json")
    assert response.status_code == 200
    assert response.json()["signalKey"].isdigit()
    assert state(dev, first) == "COMPLETED"


def test_decision_evaluation_lists_matched_rules(dev) -> None:  # type: ignore[no-untyped-def]
    body = {"decisionDefinitionId": "api_discount", "variables": {"customerType": "gold"}}
    response = dev.post("/v2/decision-definitions/evaluation", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["output"] == "0.2"
    decision = data["evaluatedDecisions"][0]
    assert decision["matchedRules"][0]["ruleId"] == "Rule_gold"
    assert decision["matchedRules"][0]["ruleIndex"] == 1
    assert decision["evaluatedInputs"][0]["inputValue"] == '"gold"'
    found = dev.post(
        "/v2/decision-definitions/search", {"filter": {"decisionDefinitionId": "api_discount"}}, format="json"
    ).json()["items"]
    assert found[0]["decisionDefinitionKey"] == data["decisionDefinitionKey"]
    xml = dev.get(f"/v2/decision-definitions/{data['decisionDefinitionKey']}/xml")
    assert b"api_discount" in xml.content


def test_migration_without_a_mapping_for_an_active_element_is_refused(dev) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_service")
    definition = m.ProcessDefinition.objects.get(bpmn_process_id="api_service")
    body = {"targetProcessDefinitionKey": str(definition.key), "mappingInstructions": []}
    response = dev.post(f"/v2/process-instances/{key}/migration", body, format="json")
    assert response.status_code == 409  # Zeebe's INVALID_STATE
    assert (
        "no mapping instruction defined for active element with id 'Task_Work'" in response.json()["detail"]
    )
    body["mappingInstructions"] = [{"sourceElementId": "Task_Work", "targetElementId": "Task_Work"}]
    assert dev.post(f"/v2/process-instances/{key}/migration", body, format="json").status_code == 204


def test_clock_pin_and_reset(admin_api) -> None:  # type: ignore[no-untyped-def]
    moment = int(dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
    assert admin_api.put("/v2/clock", {"timestamp": moment}, format="json").status_code == 204
    from bizdevops.engine import services

    assert services.get_clock_ms() == moment
    assert admin_api.post("/v2/clock/reset").status_code == 204
    assert services.get_clock_ms() != moment


def test_clock_beyond_the_year_9999_is_refused(admin_api) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine import services

    before = services.get_clock_ms()
    response = admin_api.put("/v2/clock", {"timestamp": 2**53}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert abs(services.get_clock_ms() - before) < 60_000  # not pinned


@pytest.mark.parametrize(
    ("role", "allowed"), [("Analyst", False), ("Employee", False), ("Manager", False), ("Developer", True)]
)
def test_job_commands_need_the_worker_capability(api, dev, role, allowed) -> None:  # type: ignore[no-untyped-def]
    start(dev, "api_service")
    client = api(role)
    body = {"type": "api-work", "timeout": 1000, "maxJobsToActivate": 5, "requestTimeout": -1}
    response = client.post("/v2/jobs/activation", body, format="json")
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert m.Job.objects.filter(state="ACTIVATED").count() == 0


@pytest.mark.parametrize(("role", "allowed"), [("Analyst", False), ("Employee", False), ("Operator", True)])
def test_cancellation_needs_operate(api, dev, role, allowed) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_service")
    response = api(role).post(f"/v2/process-instances/{key}/cancellation", {}, format="json")
    assert response.status_code == (204 if allowed else 403)
    assert state(dev, key) == ("TERMINATED" if allowed else "ACTIVE")


@pytest.mark.parametrize(
    ("role", "allowed"), [("Employee", False), ("Operator", False), ("Analyst", True), ("Developer", True)]
)
def test_deploy_needs_the_deploy_capability(api, role, allowed) -> None:  # type: ignore[no-untyped-def]
    files = [SimpleUploadedFile("api_service.bpmn", (FIXTURES / "api_service.bpmn").read_bytes())]
    response = api(role).post("/v2/deployments", {"resources": files}, format="multipart")
    assert response.status_code == (200 if allowed else 403)
    assert m.ProcessDefinition.objects.count() == (1 if allowed else 0)


def test_element_instances_of_an_instance(dev) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_service")
    body = {"filter": {"processInstanceKey": key}, "sort": [{"field": "startDate"}]}
    items = dev.post("/v2/element-instances/search", body, format="json").json()["items"]
    by_id = {i["elementId"]: i for i in items}
    assert by_id["Start"]["state"] == "COMPLETED"
    assert by_id["Task_Work"]["state"] == "ACTIVE"
    assert by_id["Task_Work"]["type"] == "SERVICE_TASK"
    active = dev.post(
        "/v2/element-instances/search",
        {"filter": {"processInstanceKey": key, "state": "ACTIVE", "type": {"$neq": "PROCESS"}}},
        format="json",
    ).json()["items"]
    assert [i["elementId"] for i in active] == ["Task_Work"]
    one = dev.get(f"/v2/element-instances/{by_id['Task_Work']['elementInstanceKey']}")
    assert one.status_code == 200
    assert one.json()["elementId"] == "Task_Work"
    assert dev.post("/v2/element-instances/search", {}, format="json").status_code == 400


def test_set_variables_on_an_instance(dev) -> None:  # type: ignore[no-untyped-def]
    key = start(dev, "api_service", a=1)
    response = dev.put(f"/v2/element-instances/{key}/variables", {"variables": {"b": 2}}, format="json")
    assert response.status_code == 204
    job = activate(dev, "api-work")[0]
    assert job["variables"] == {"a": 1, "b": 2}


def test_await_completion_returns_only_fetched_variables(dev) -> None:  # type: ignore[no-untyped-def]
    # given a process that runs straight through
    bpmn = SimpleUploadedFile(
        "straight.bpmn",
        b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'id="D" targetNamespace="t"><bpmn:process id="api_straight" isExecutable="true">'
        b'<bpmn:startEvent id="Start"/><bpmn:sequenceFlow id="f" sourceRef="Start" targetRef="End"/>'
        b'<bpmn:endEvent id="End"/></bpmn:process></bpmn:definitions>',
    )
    assert dev.post("/v2/deployments", {"resources": [bpmn]}, format="multipart").status_code == 200
    # when started with awaitCompletion and fetchVariables
    body = {
        "processDefinitionId": "api_straight",
        "variables": {"a": 1, "b": 2},
        "awaitCompletion": True,
        "fetchVariables": ["a"],
    }
    response = dev.post("/v2/process-instances", body, format="json")
    # then the answer carries the completed instance's requested variables
    assert response.status_code == 200, response.content
    assert response.json()["variables"] == {"a": 1}
