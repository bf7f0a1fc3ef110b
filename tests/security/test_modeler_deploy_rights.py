"""Deploying and starting from the modeler must need the same role capability as the REST API (Developer or
Admin deploy; the API's START roles start), or any logged-in user could replace a production process."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizdevops.engine.state import models as m
from modeler.models import Project
from tests.security.engine_fixtures import BPMN, deploy_target

pytestmark = pytest.mark.django_db

# The attacker's version of the deployed "sec_proc": same process id, the review task now theirs.
HIJACK = BPMN.replace('candidateUsers="victim"', 'assignee="sec-{role}"').replace(
    '<zeebe:property name="candidateStarterGroups" value="Manager" />', ""
)


def _own_project_with(client: Client, role: str) -> tuple[Project, int]:
    response = client.post("/modeler/projects/new/", {"name": f"{role} project"})
    assert response.status_code == 302
    project = Project.objects.get(name=f"{role} project")
    upload = client.post(
        f"/modeler/projects/{project.pk}/files/upload/",
        {"file": SimpleUploadedFile("sec.bpmn", HIJACK.replace("{role}", role.lower()).encode())},
    )
    assert upload.status_code in (200, 302)
    model_file = project.files.get()
    return project, model_file.pk


@pytest.mark.parametrize("role", ["outsider", "Employee", "Analyst"])
def test_users_without_deploy_rights_cannot_deploy_from_the_modeler(
    client: Client, role_user, role: str
) -> None:
    # given a deployed process "sec_proc" and a user who may not deploy through the API
    deploy_target()
    client.force_login(role_user(role))
    project, file_pk = _own_project_with(client, role)
    versions = m.ProcessDefinition.objects.filter(bpmn_process_id="sec_proc").count()
    instances = m.ProcessInstance.objects.count()
    # when they deploy their own project holding a process with the same id, and start it
    deploy = client.post(f"/modeler/api/projects/{project.pk}/deploy", "{}", content_type="application/json")
    start = client.post(
        f"/modeler/api/files/{file_pk}/start", json.dumps({"variables": {}}), content_type="application/json"
    )
    # then both are refused and production is untouched
    assert m.ProcessDefinition.objects.filter(bpmn_process_id="sec_proc").count() == versions
    assert m.ProcessInstance.objects.count() == instances
    assert deploy.status_code == 403, deploy.content[:300]
    assert start.status_code in (403, 404), start.content[:300]
