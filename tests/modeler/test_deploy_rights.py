"""Deploying and starting from the modeler: project role AND the platform capability (the REST API's role map),
ids other people deployed stay theirs, and starting follows the Tasklist's starter rule (finding 5)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from bizdevops.engine import services as engine_services
from bizdevops.engine.state import models as engine
from modeler import services
from modeler.models import Deployment, ModelFile, Project
from tests.modeler.conftest import Workspace

pytestmark = pytest.mark.django_db

FLOW = (
    '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:endEvent id="End"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f" sourceRef="StartEvent_1" targetRef="End" />'
)


def _runnable(model_file: ModelFile, process_id: str, name: str = "", starters: str = "") -> ModelFile:
    """Make the file a deployable start → end process with the given id (and optional starter groups)."""
    content = model_file.content.replace('<bpmn:startEvent id="StartEvent_1" />', FLOW)
    content = content.replace(f'"{model_file.element_id}"', f'"{process_id}"')
    if name:
        content = content.replace(f'name="{model_file.name}"', f'name="{name}"', 1)
    if starters:
        properties = (
            "<bpmn:extensionElements><zeebe:properties>"
            f'<zeebe:property name="candidateStarterGroups" value="{starters}" />'
            "</zeebe:properties></bpmn:extensionElements>"
        )
        content = content.replace('isExecutable="true">', f'isExecutable="true">{properties}', 1)
    return services.save_file_content(model_file=model_file, content=content, user=model_file.created_by)


def _groups(user: User, *names: str) -> User:
    user.groups.set([Group.objects.get_or_create(name=n)[0] for n in names])
    return User.objects.get(pk=user.pk)  # fresh object: capabilities are cached per user object


def _deploy(client: Client, project: Project):  # type: ignore[no-untyped-def]
    return client.post(f"/modeler/api/projects/{project.pk}/deploy", "{}", content_type="application/json")


def _versions(process_id: str) -> list[int]:
    return list(
        engine.ProcessDefinition.objects.filter(bpmn_process_id=process_id)
        .order_by("version")
        .values_list("version", flat=True)
    )


def _other_project(owner_name: str, process_id: str) -> tuple[Project, ModelFile, User]:
    owner = _groups(User.objects.create(username=owner_name), "Developer")
    project = services.create_project(name=f"{owner_name}'s", owner=owner)
    model_file = services.create_file(project=project, name="Theirs", kind="bpmn", user=owner)
    return project, _runnable(model_file, process_id, name="Theirs"), owner


@pytest.mark.parametrize("roles", [(), ("Employee",), ("Manager",), ("Operator",)])
def test_editors_without_the_deploy_capability_cannot_deploy(
    client: Client, workspace: Workspace, roles: tuple[str, ...]
) -> None:
    # given a valid diagram and an editor of the project whose platform roles do not grant deploy
    _runnable(workspace.bpmn, "rights_p1")
    editor = _groups(workspace.users["editor"], *roles)
    client.force_login(editor)
    # when they deploy
    response = _deploy(client, workspace.project)
    # then 403 problem+json and nothing reached the engine or the modeler's records
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert "deploy" in response.json()["detail"]
    assert _versions("rights_p1") == []
    assert Deployment.objects.count() == 0


def test_the_deploy_button_is_shown_only_to_deployers(client: Client, workspace: Workspace) -> None:
    # given an editor who is a Developer, one who is an Analyst and one who is an Employee
    client.force_login(workspace.users["editor"])
    developer_page = client.get(f"/modeler/files/{workspace.bpmn.pk}/").content.decode()
    client.force_login(_groups(workspace.users["editor"], "Analyst"))
    analyst_page = client.get(f"/modeler/files/{workspace.bpmn.pk}/").content.decode()
    client.force_login(_groups(workspace.users["editor"], "Employee"))
    employee_page = client.get(f"/modeler/files/{workspace.bpmn.pk}/").content.decode()
    # then the deployers (Developer, Analyst) see the deploy button, the Employee does not
    assert 'id="deploy-button"' in developer_page
    assert 'id="deploy-button"' in analyst_page
    assert 'id="deploy-button"' not in employee_page


def test_an_id_deployed_from_another_project_stays_theirs_until_shared(
    client: Client, workspace: Workspace
) -> None:
    # given another project that deployed process "rights_shared"
    theirs, _theirs_file, owner = _other_project("alice", "rights_shared")
    client.force_login(owner)
    assert _deploy(client, theirs).status_code == 200
    # and our project with a different model of the same id
    _runnable(workspace.bpmn, "rights_shared", name="Ours")
    client.force_login(workspace.users["owner"])
    # when we deploy
    refused = _deploy(client, workspace.project)
    # then it is refused with a message naming the id, and their version stays the latest
    assert refused.status_code == 403
    assert "rights_shared" in refused.json()["detail"]
    assert _versions("rights_shared") == [1]
    assert not Deployment.objects.filter(file__project=workspace.project).exists()
    # when they make us an editor of their project, we may version it
    services.share_project(project=theirs, grantee=workspace.users["owner"], role="editor")
    assert _deploy(client, workspace.project).status_code == 200
    assert _versions("rights_shared") == [1, 2]


def test_an_id_deployed_through_the_api_by_someone_else_is_refused_but_admins_may(
    client: Client, workspace: Workspace
) -> None:
    # given "rights_api" deployed through the engine's API by another user
    other = User.objects.create(username="bob")
    original = _runnable(workspace.bpmn, "rights_api", name="Original").content
    engine_services.deploy_resources(resources=[("api.bpmn", original.encode())], user=other)
    _runnable(workspace.bpmn, "rights_api", name="Changed")
    # when a Developer who owns the modeler project deploys a changed model of that id
    client.force_login(workspace.users["owner"])
    refused = _deploy(client, workspace.project)
    # then it is refused; an Admin may replace it
    assert refused.status_code == 403
    assert _versions("rights_api") == [1]
    client.force_login(_groups(workspace.users["owner"], "Admin"))
    assert _deploy(client, workspace.project).status_code == 200
    assert _versions("rights_api") == [1, 2]


def test_redeploying_unchanged_bytes_of_a_foreign_id_is_not_a_takeover(
    client: Client, workspace: Workspace
) -> None:
    # given the exact bytes someone else deployed through the API
    content = _runnable(workspace.bpmn, "rights_same").content
    engine_services.deploy_resources(
        resources=[("same.bpmn", content.encode())], user=User.objects.create(username="carol")
    )
    client.force_login(workspace.users["owner"])
    # when deployed again from the modeler, then it passes and the version is unchanged
    assert _deploy(client, workspace.project).status_code == 200
    assert _versions("rights_same") == [1]


def _start(client: Client, model_file: ModelFile):  # type: ignore[no-untyped-def]
    return client.post(
        f"/modeler/api/files/{model_file.pk}/start",
        json.dumps({"variables": {}}),
        content_type="application/json",
    )


def test_starting_needs_the_start_capability_and_follows_candidate_starter_groups(
    client: Client, workspace: Workspace
) -> None:
    # given a deployed process only Managers may start
    _runnable(workspace.bpmn, "rights_start", starters="Manager")
    client.force_login(workspace.users["owner"])
    assert _deploy(client, workspace.project).status_code == 200
    # when an editor without any platform role (no start capability) starts it
    client.force_login(_groups(workspace.users["editor"]))
    no_capability = _start(client, workspace.bpmn)
    # and a Developer who is not a Manager
    client.force_login(_groups(workspace.users["editor"], "Developer"))
    not_a_starter = _start(client, workspace.bpmn)
    # then both are refused and no instance exists
    assert (no_capability.status_code, not_a_starter.status_code) == (403, 403)
    assert not_a_starter["Content-Type"].startswith("application/problem+json")
    assert engine.ProcessInstance.objects.count() == 0
    # when they are also a Manager, it starts
    client.force_login(_groups(workspace.users["editor"], "Developer", "Manager"))
    assert _start(client, workspace.bpmn).status_code == 201
    assert engine.ProcessInstance.objects.count() == 1
