"""POST /v2/element-instances/ad-hoc-activities/{key}/activation end to end (DRF client, real engine and
PostgreSQL): Camunda's request shape and messages, problem+json refusals that change nothing, permissions."""

from __future__ import annotations

from typing import Any

import pytest

from bizdevops.engine.state import models as m
from tests.api.test_modification import assert_problem, deploy, element_key, start, unchanged

pytestmark = pytest.mark.django_db(transaction=True)


def url(key: str) -> str:
    return f"/v2/element-instances/ad-hoc-activities/{key}/activation"


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    return api("Developer", username="dev")


def _waiting(client: Any) -> tuple[str, str]:
    """An instance whose ad-hoc subprocess activated nothing yet: (instance key, ad-hoc instance key)."""
    deploy(client, "ad_hoc_subprocess.bpmn")
    key = start(client, "ahsp_basic", activateElements=[])
    return key, element_key(client, key, "ad-hoc")


def test_activates_elements_with_local_variables_and_the_ad_hoc_subprocess_completes(dev) -> None:  # type: ignore[no-untyped-def]
    # given
    key, ad_hoc = _waiting(dev)
    # when
    body = {
        "elements": [{"elementId": "S", "variables": {"result": "seed", "tool": "x"}}, {"elementId": "B"}]
    }
    response = dev.post(url(ad_hoc), body, format="json")
    # then: S waits for its job, which sees the activation's variables; B completed at once
    assert response.status_code == 204, response.content
    jobs = dev.post(
        "/v2/jobs/activation", {"type": "tool", "timeout": 10000, "maxJobsToActivate": 5}, format="json"
    ).json()["jobs"]
    assert [(j["elementId"], j["variables"]["tool"], j["variables"]["result"]) for j in jobs] == [
        ("S", "x", "seed")
    ]
    assert (
        dev.post(
            f"/v2/jobs/{jobs[0]['jobKey']}/completion", {"variables": {"result": "s"}}, format="json"
        ).status_code
        == 204
    )
    instance = dev.get(f"/v2/process-instances/{key}").json()
    assert instance["state"] == "COMPLETED"
    results = m.Variable.objects.get(process_instance_key=int(key), scope_key=int(key), name="results")
    assert sorted(results.value, key=str) == [None, "s"]  # B's flow had no result; S's had "s"
    assert not m.Variable.objects.filter(
        process_instance_key=int(key), scope_key=int(key), name="tool"
    ).exists()


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({}, 400, "No elements provided."),
        ({"elements": []}, 400, "No elements provided."),
        ({"elements": [{}]}, 400, "No elements[0].elementId provided."),
        ({"elements": [{"elementId": None}]}, 400, "No elements[0].elementId provided."),
        (
            {"elements": [{"elementId": "A", "variables": [1]}]},
            400,
            "elements[0].variables: expected an object.",
        ),
        (
            {"elements": [{"elementId": "A"}, {"elementId": "A"}]},
            400,
            "but duplicate activities were given.",
        ),
        (
            {"elements": [{"elementId": "A"}, {"elementId": "F"}, {"elementId": "nope"}]},
            404,
            "but the given elements [F, nope] do not exist.",
        ),
    ],
)
def test_refusals_are_problems_and_change_nothing(dev, body, status, detail) -> None:  # type: ignore[no-untyped-def]
    key, ad_hoc = _waiting(dev)
    before = unchanged(key)
    assert_problem(dev.post(url(ad_hoc), body, format="json"), status, detail)
    assert unchanged(key) == before


def test_a_key_that_is_no_active_ad_hoc_subprocess_is_404_or_409(dev) -> None:  # type: ignore[no-untyped-def]
    key, ad_hoc = _waiting(dev)
    body = {"elements": [{"elementId": "A"}]}
    # unknown key
    assert_problem(
        dev.post(url("123456789"), body, format="json"),
        404,
        "no ad-hoc sub-process instance found with key '123456789'",
    )
    # the process instance itself is no ad-hoc subprocess
    assert_problem(dev.post(url(key), body, format="json"), 404, f"with key '{key}'")
    # an ended instance: its ad-hoc subprocess is gone
    assert dev.post(f"/v2/process-instances/{key}/cancellation", {}, format="json").status_code == 204
    assert_problem(dev.post(url(ad_hoc), body, format="json"), 404)
    assert_problem(dev.post(url("abc"), body, format="json"), 400, "adHocSubProcessInstanceKey")


def test_an_ad_hoc_subprocess_that_is_not_active_is_409(dev) -> None:  # type: ignore[no-untyped-def]
    # given: the active elements collection is no list: the ad-hoc subprocess waits in ACTIVATING
    deploy(dev, "ad_hoc_subprocess.bpmn")
    key = start(dev, "ahsp_basic", activateElements="A")
    incident = m.Incident.objects.get(process_instance_key=int(key))
    before = unchanged(key)
    # when / then
    response = dev.post(
        url(str(incident.element_instance_key)), {"elements": [{"elementId": "A"}]}, format="json"
    )
    assert_problem(response, 409, "but it is not active.")
    assert unchanged(key) == before


@pytest.mark.parametrize(("role", "allowed"), [("Analyst", False), ("Employee", False), ("Operator", True)])
def test_activation_needs_operate(api, dev, role, allowed) -> None:  # type: ignore[no-untyped-def]
    key, ad_hoc = _waiting(dev)
    before = unchanged(key)
    response = api(role).post(url(ad_hoc), {"elements": [{"elementId": "A"}]}, format="json")
    if allowed:
        assert response.status_code == 204, response.content
        assert dev.get(f"/v2/process-instances/{key}").json()["state"] == "COMPLETED"
    else:
        assert_problem(response, 403)
        assert unchanged(key) == before


def test_instances_of_restricted_definitions_are_404(api, admin_api) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    key, ad_hoc = _waiting(admin_api)
    payroll = Group.objects.create(name="Payroll")
    assign_perm(
        "engine.view_processdefinition",
        payroll,
        m.ProcessDefinition.objects.get(bpmn_process_id="ahsp_basic"),
    )
    before = unchanged(key)
    outsider = api("Operator", username="outsider")
    assert_problem(outsider.post(url(ad_hoc), {"elements": [{"elementId": "A"}]}, format="json"), 404)
    assert unchanged(key) == before


def test_the_operation_is_in_the_openapi_document(dev) -> None:  # type: ignore[no-untyped-def]
    schema = dev.get("/v2/api-docs/openapi.json").json()
    operation = schema["paths"]["/v2/element-instances/ad-hoc-activities/{key}/activation"]["post"]
    assert operation["operationId"] == "activateAdHocSubProcessActivities"
    assert {"204", "400", "404", "409"} <= set(operation["responses"])


def test_a_job_worker_drives_an_ad_hoc_subprocess_through_the_job_result(dev) -> None:  # type: ignore[no-untyped-def]
    # given the ad-hoc subprocess's job (job worker implementation, as Camunda's AI agent uses)
    deploy(dev, "ad_hoc_subprocess.bpmn")
    key = start(dev, "ahsp_job", goal="book")
    body = {"type": "agent", "timeout": 30_000, "maxJobsToActivate": 1, "worker": "w", "requestTimeout": -1}
    [job] = dev.post("/v2/jobs/activation", body, format="json").json()["jobs"]
    # when the worker completes it with a result that activates an element
    result = {"type": "adHocSubProcess", "activateElements": [{"elementId": "j_S", "variables": {"q": 1}}]}
    response = dev.post(f"/v2/jobs/{job['jobKey']}/completion", {"result": result}, format="json")
    # then that element runs (its job sees the activation's variable)
    assert response.status_code == 204, response.content
    body = {**body, "type": "j_tool"}
    [tool] = dev.post("/v2/jobs/activation", body, format="json").json()["jobs"]
    assert tool["variables"]["q"] == 1
    # and a result that fulfils the completion condition completes it
    assert dev.post(f"/v2/jobs/{tool['jobKey']}/completion", {}, format="json").status_code == 204
    [job] = dev.post("/v2/jobs/activation", {**body, "type": "agent"}, format="json").json()["jobs"]
    done = {"type": "adHocSubProcess", "isCompletionConditionFulfilled": True}
    assert (
        dev.post(f"/v2/jobs/{job['jobKey']}/completion", {"result": done}, format="json").status_code == 204
    )
    assert dev.get(f"/v2/process-instances/{key}").json()["state"] == "COMPLETED"


def test_a_job_result_naming_an_unknown_element_is_refused(dev) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "ad_hoc_subprocess.bpmn")
    start(dev, "ahsp_job", goal="book")
    body = {"type": "agent", "timeout": 30_000, "maxJobsToActivate": 1, "worker": "w", "requestTimeout": -1}
    [job] = dev.post("/v2/jobs/activation", body, format="json").json()["jobs"]
    result = {"type": "adHocSubProcess", "activateElements": [{"elementId": "nope"}]}
    response = dev.post(f"/v2/jobs/{job['jobKey']}/completion", {"result": result}, format="json")
    # as Zeebe: the elements are not found; the job stays as it was
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "the given elements [nope] do not exist" in response.json()["detail"]
    assert m.Job.objects.get(key=int(job["jobKey"])).state == "ACTIVATED"
