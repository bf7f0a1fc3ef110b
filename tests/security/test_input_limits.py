"""Bad and oversized input gets a clear 400 and loses nothing; clients cannot mass-assign process variables."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.engine.state import models as m
from modeler.models import ModelFile
from tests.modeler.conftest import Workspace
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _api(username: str) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    )
    return client


def test_huge_form_json_is_refused_on_upload_and_save(client: Client, workspace: Workspace) -> None:
    # given an editor, and a 11 MB form-js document
    client.force_login(workspace.users["owner"])
    huge = json.dumps({"id": "f", "components": [{"type": "text", "text": "A" * (11 * 1024 * 1024)}]})
    before = sorted(ModelFile.objects.values_list("pk", "name", "revision"))
    # when it is uploaded and saved over the existing form
    upload = client.post(
        f"/modeler/projects/{workspace.project.pk}/files/upload/",
        {"file": SimpleUploadedFile("huge.form", huge.encode())},
        HTTP_ACCEPT="application/json",
    )
    save = client.put(
        f"/modeler/api/files/{workspace.form.pk}/content",
        json.dumps({"content": huge}),
        content_type="application/json",
    )
    # then nothing new is stored and the save is a clear 400 (or 413 from the size guard)
    assert save.status_code in (400, 413), save.status_code
    assert upload.status_code in (200, 302, 400, 413)
    assert sorted(ModelFile.objects.values_list("pk", "name", "revision")) == before


@pytest.mark.parametrize(
    "body",
    [
        {"page": {"limit": 1_000_000_000}},
        {"page": {"limit": -1}},
        {"page": {"from": -5}},
        {"filter": {"name": {"$like": "%" * 10_000}}},
        {"sort": [{"field": "__class__"}]},
        {"filter": {"value": {"$in": list(range(100_000))}}},
        [1, 2, 3],
    ],
    ids=[
        "huge limit",
        "negative limit",
        "negative from",
        "long like",
        "bad sort",
        "huge in",
        "not an object",
    ],
)
def test_search_rejects_abusive_queries(role_user, body) -> None:  # type: ignore[no-untyped-def]
    user = role_user("Operator")
    response = _api(user.username).post("/v2/variables/search", body, format="json")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert len(response.json()["items"]) <= 10_000
    else:
        assert response["Content-Type"].startswith("application/problem+json")


def test_task_completion_cannot_mass_assign_variables(client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine import services as engine
    from tests.tasklist.conftest import APPLICATION, deploy_demo

    # given an underwriter review (its form has reviewDecision, premium, declineReason, reviewNote)
    deploy_demo()
    created = engine.create_process_instance(
        bpmn_process_id="simple_insurance_enrolment", variables=APPLICATION
    )
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key, state="CREATED")
    worker = role_user("Employee")
    client.force_login(worker)
    assert (
        client.post(f"/tasks/api/tasks/{task.key}/claim", HTTP_ACCEPT="application/json").status_code == 200
    )
    # when the browser submits extra keys that are not fields of the form
    data = {"reviewDecision": "approve", "premium": 1000, "coverageAmount": 1, "approvedByCEO": True}
    response = client.post(
        f"/tasks/api/tasks/{task.key}/complete",
        json.dumps({"data": data}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content[:300]
    # then only the form's fields reach the process
    values = dict(
        m.Variable.objects.filter(process_instance_key=created.process_instance_key).values_list(
            "name", "value"
        )
    )
    assert values["coverageAmount"] == APPLICATION["coverageAmount"]
    assert "approvedByCEO" not in values
    assert values["premium"] == 1000


def test_api_completion_by_a_person_cannot_bypass_the_form(role_user) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine import services as engine
    from tests.tasklist.conftest import APPLICATION, deploy_demo

    # given the underwriter review (form fields: reviewDecision, premium, declineReason, reviewNote)
    deploy_demo()
    created = engine.create_process_instance(
        bpmn_process_id="simple_insurance_enrolment", variables=APPLICATION
    )
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key, state="CREATED")
    worker = role_user("Employee")
    api = _api(worker.username)
    # when the same employee claims it and completes it over the REST API with variables outside the form
    assert (
        api.post(
            f"/v2/user-tasks/{task.key}/assignment", {"assignee": worker.username}, format="json"
        ).status_code
        == 204
    )
    response = api.post(
        f"/v2/user-tasks/{task.key}/completion",
        {"variables": {"reviewDecision": "approve", "premium": 1000, "coverageAmount": 1}},
        format="json",
    )
    # then, as in the Tasklist, fields outside the form are not written (or the request is refused)
    values = dict(
        m.Variable.objects.filter(process_instance_key=created.process_instance_key).values_list(
            "name", "value"
        )
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert "coverageAmount" in response.json()["detail"]
    assert values["coverageAmount"] == APPLICATION["coverageAmount"]
    assert m.UserTask.objects.get(key=task.key).state == "CREATED"


def test_api_completion_by_a_person_with_the_forms_fields_works(role_user) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine import services as engine
    from tests.tasklist.conftest import APPLICATION, deploy_demo

    # given the underwriter review, claimed by an employee over the REST API
    deploy_demo()
    created = engine.create_process_instance(
        bpmn_process_id="simple_insurance_enrolment", variables=APPLICATION
    )
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key, state="CREATED")
    worker = role_user("Employee")
    api = _api(worker.username)
    api.post(f"/v2/user-tasks/{task.key}/assignment", {"assignee": worker.username}, format="json")
    # when a value has the wrong type, the completion is refused and nothing changes
    wrong = api.post(
        f"/v2/user-tasks/{task.key}/completion",
        {"variables": {"reviewDecision": "approve", "premium": "a lot"}},
        format="json",
    )
    assert wrong.status_code == 400, wrong.content[:300]
    assert "premium" in wrong.json()["detail"]
    assert m.UserTask.objects.get(key=task.key).state == "CREATED"
    # when they complete it with the form's fields, it completes with the form's typed values
    response = api.post(
        f"/v2/user-tasks/{task.key}/completion",
        {"variables": {"reviewDecision": "approve", "premium": 1000}},
        format="json",
    )
    assert response.status_code == 204, response.content[:300]
    assert m.UserTask.objects.get(key=task.key).state == "COMPLETED"
    assert (
        m.Variable.objects.get(process_instance_key=created.process_instance_key, name="premium").value
        == 1000
    )
