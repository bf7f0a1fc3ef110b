"""The quickstart's demo: the 간편보험 가입 files land in the demo project, are deployed once, and the demo
users can walk the path start → review → approve → done."""

from __future__ import annotations

import json

from django.test import Client

from bizdevops.demo import seed_demo_content
from bizdevops.engine.state.models import FormDefinition, ProcessDefinition, ProcessInstance, UserTask
from bizdevops.identity.services import DEMO_USERS, seed_demo_users
from modeler.models import ModelFile
from tests.tasklist.conftest import APPLICATION


def login_as(username: str) -> Client:
    password = next(u.password for u in DEMO_USERS if u.username == username)
    client = Client()
    assert client.login(username=username, password=password)
    return client


def post(client: Client, url: str, body: dict) -> object:  # type: ignore[type-arg]
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_demo_is_seeded_deployed_once_and_walkable(db) -> None:  # type: ignore[no-untyped-def]
    # given the quickstart's seed, run twice
    seed_demo_users()
    seed_demo_content()
    seed_demo_content()
    # then the project holds the process, the DMN table and three forms, deployed once
    kinds = sorted(ModelFile.objects.filter(project__name__startswith="Demo").values_list("kind", flat=True))
    assert kinds == ["bpmn", "dmn", "form", "form", "form"]
    bpmn = ModelFile.objects.get(project__name__startswith="Demo", kind="bpmn")
    assert "zeebe:calledDecision" in bpmn.content
    assert ProcessDefinition.objects.filter(bpmn_process_id="simple_insurance_enrolment").count() == 1
    assert FormDefinition.objects.count() == 3

    # when the employee starts an application from the start form and reviews it
    employee = login_as("employee")
    started = post(employee, "/tasks/api/start/simple_insurance_enrolment", {"data": APPLICATION})
    assert started.status_code == 201  # type: ignore[attr-defined]
    instance_key = int(started.json()["processInstanceKey"])  # type: ignore[attr-defined]
    review = UserTask.objects.get(process_instance_key=instance_key, state="CREATED")
    assert post(employee, f"/tasks/api/tasks/{review.key}/claim", {}).status_code == 200  # type: ignore[attr-defined]
    done = post(
        employee,
        f"/tasks/api/tasks/{review.key}/complete",
        {"data": {"reviewDecision": "approve", "premium": 30000}},
    )
    assert done.status_code == 200  # type: ignore[attr-defined]
    # and the manager approves
    manager = login_as("manager")
    approval = UserTask.objects.get(process_instance_key=instance_key, state="CREATED")
    assert approval.candidate_groups == ["Manager"]
    assert post(employee, f"/tasks/api/tasks/{approval.key}/claim", {}).status_code == 404  # type: ignore[attr-defined]
    assert post(manager, f"/tasks/api/tasks/{approval.key}/claim", {}).status_code == 200  # type: ignore[attr-defined]
    done = post(
        manager, f"/tasks/api/tasks/{approval.key}/complete", {"data": {"approvalDecision": "approve"}}
    )
    assert done.status_code == 200  # type: ignore[attr-defined]
    # then the instance is complete
    assert ProcessInstance.objects.get(key=instance_key).status == "COMPLETED"
