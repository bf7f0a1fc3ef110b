"""Modeler access: a project not shared with you is invisible whatever your global role, and ids of another
project's objects cannot be smuggled in through your own project's endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from modeler import services
from modeler.models import Comment, Deployment, FileVersion, Folder, ModelFile, Notification, Project
from tests.modeler.conftest import Workspace
from tests.security.conftest import ALL_ROLES


def snapshot() -> Any:
    return (
        sorted(Project.objects.values_list("pk", "name")),
        sorted(ModelFile.objects.values_list("pk", "project_id", "name", "folder_id", "content", "revision")),
        sorted(Folder.objects.values_list("pk", "project_id", "name", "parent_id")),
        sorted(FileVersion.objects.values_list("pk", "name", "file_id")),
        sorted(Comment.objects.values_list("pk", "resolved", "body_html")),
        Deployment.objects.count(),
        Notification.objects.count(),
    )


def _json(client: Client, method: str, url: str, body: object = None) -> Any:
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def _calls(ws: Workspace) -> dict[str, Any]:
    f, p = ws.bpmn.pk, ws.project.pk
    return {
        "project page": lambda c: c.get(f"/modeler/projects/{p}/"),
        "settings page": lambda c: c.get(f"/modeler/projects/{p}/settings/"),
        "share to self": lambda c: c.post(
            f"/modeler/projects/{p}/settings/",
            {"action": "share", "grantee_kind": "user", "grantee": c.username, "role": "owner"},
        ),
        "create file": lambda c: c.post(f"/modeler/projects/{p}/files/new/", {"name": "X", "kind": "bpmn"}),
        "upload": lambda c: c.post(
            f"/modeler/projects/{p}/files/upload/",
            {"file": SimpleUploadedFile("up.form", b'{"id": "f", "components": []}')},
        ),
        "create folder": lambda c: c.post(f"/modeler/projects/{p}/folders/new/", {"name": "N"}),
        "rename folder": lambda c: c.post(f"/modeler/folders/{ws.folder.pk}/rename/", {"name": "R"}),
        "move folder": lambda c: c.post(f"/modeler/folders/{ws.folder.pk}/move/", {"target": ""}),
        "delete folder": lambda c: c.post(f"/modeler/folders/{ws.folder.pk}/delete/"),
        "editor": lambda c: c.get(f"/modeler/files/{f}/"),
        "rename file": lambda c: c.post(f"/modeler/files/{f}/rename/", {"name": "R"}),
        "move file": lambda c: c.post(f"/modeler/files/{f}/move/", {"target": ws.folder.pk}),
        "duplicate file": lambda c: c.post(f"/modeler/files/{f}/duplicate/"),
        "delete file": lambda c: c.post(f"/modeler/files/{f}/delete/"),
        "download": lambda c: c.get(f"/modeler/files/{f}/download/"),
        "version page": lambda c: c.get(f"/modeler/files/{f}/versions/{ws.version.pk}/"),
        "diff page": lambda c: c.get(f"/modeler/files/{f}/diff/"),
        "content": lambda c: c.get(f"/modeler/api/files/{f}/content"),
        "save content": lambda c: _json(c, "put", f"/modeler/api/files/{f}/content", {"content": "<x/>"}),
        "versions": lambda c: c.get(f"/modeler/api/files/{f}/versions"),
        "save version": lambda c: _json(c, "post", f"/modeler/api/files/{f}/versions", {"name": "v"}),
        "version": lambda c: c.get(f"/modeler/api/files/{f}/versions/{ws.version.pk}"),
        "restore": lambda c: _json(c, "post", f"/modeler/api/files/{f}/versions/{ws.version.pk}/restore"),
        "diff": lambda c: c.get(f"/modeler/api/files/{f}/diff?a={ws.version.pk}&b=current"),
        "comments": lambda c: c.get(f"/modeler/api/files/{f}/comments"),
        "comment": lambda c: _json(c, "post", f"/modeler/api/files/{f}/comments", {"text": "x"}),
        "resolve": lambda c: _json(
            c, "post", f"/modeler/api/files/{f}/comments/{ws.comment.pk}/resolve", {"resolved": True}
        ),
        "validate": lambda c: _json(
            c, "post", f"/modeler/api/files/{f}/validate", {"content": ws.bpmn.content}
        ),
        "start": lambda c: _json(c, "post", f"/modeler/api/files/{f}/start", {"variables": {}}),
        "play state": lambda c: c.get(f"/modeler/api/files/{f}/play"),
        "play start": lambda c: _json(c, "post", f"/modeler/api/files/{f}/play/start", {"variables": {}}),
        "linkable": lambda c: c.get(f"/modeler/api/projects/{p}/linkable"),
        "deploy plan": lambda c: c.get(f"/modeler/api/projects/{p}/deploy"),
        "deploy": lambda c: _json(c, "post", f"/modeler/api/projects/{p}/deploy"),
    }


@pytest.mark.django_db
def test_unshared_project_is_invisible_to_every_role(client: Client, workspace: Workspace, role_user) -> None:  # type: ignore[no-untyped-def]
    # given a project owned by someone else and shared with nobody else
    calls = _calls(workspace)
    before = snapshot()
    failures = []
    for role in ALL_ROLES:
        user = role_user(role)
        client.force_login(user)
        client.username = user.username  # type: ignore[attr-defined]
        for name, call in calls.items():
            # when a user of any global role calls any endpoint with its ids
            response = call(client)
            # then the project does not exist for them, and nothing changed
            if response.status_code != 404 or snapshot() != before:
                failures.append((role, name, response.status_code, response.content[:120]))
    assert failures == []


@pytest.mark.django_db
def test_foreign_ids_cannot_be_smuggled_through_your_own_project(
    client: Client, workspace: Workspace
) -> None:
    # given an attacker who owns their own project and file
    attacker = workspace.users["stranger"]
    mine = services.create_project(name="Mine", owner=attacker)
    my_file = services.create_file(project=mine, name="Mine", kind="bpmn", user=attacker)
    my_folder = services.create_folder(project=mine, name="My folder")
    client.force_login(attacker)
    before = snapshot()
    ws = workspace
    attempts = {
        "move my file into their folder": client.post(
            f"/modeler/files/{my_file.pk}/move/", {"target": ws.folder.pk}
        ),
        "move my folder under theirs": client.post(
            f"/modeler/folders/{my_folder.pk}/move/", {"target": ws.folder.pk}
        ),
        "create a file in their folder": client.post(
            f"/modeler/projects/{mine.pk}/files/new/", {"name": "X", "kind": "bpmn", "folder": ws.folder.pk}
        ),
        "read their version via my file": client.get(
            f"/modeler/api/files/{my_file.pk}/versions/{ws.version.pk}"
        ),
        "restore their version into my file": _json(
            client, "post", f"/modeler/api/files/{my_file.pk}/versions/{ws.version.pk}/restore"
        ),
        "diff against their version": client.get(f"/modeler/api/files/{my_file.pk}/diff?a={ws.version.pk}"),
        "resolve their comment via my file": _json(
            client,
            "post",
            f"/modeler/api/files/{my_file.pk}/comments/{ws.comment.pk}/resolve",
            {"resolved": True},
        ),
    }
    # then every attempt is refused as not found, and neither project changed
    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 404)
    assert snapshot() == before
    assert ModelFile.objects.get(pk=my_file.pk).content == my_file.content


@pytest.mark.django_db
def test_lists_and_mentions_do_not_leak_unshared_projects(client: Client, workspace: Workspace) -> None:
    # given the owner mentions a stranger in a comment on a project the stranger cannot see
    owner, stranger = workspace.users["owner"], workspace.users["stranger"]
    client.force_login(owner)
    _json(
        client, "post", f"/modeler/api/files/{workspace.bpmn.pk}/comments", {"text": "@stranger secret-plan"}
    )
    # when the stranger opens the modeler home and their notifications
    client.force_login(stranger)
    index = client.get("/modeler/")
    notes = client.get("/modeler/api/notifications")
    # then neither names the project, its file or the comment
    for response in (index, notes):
        assert response.status_code == 200
        for secret in (b"Claims", b"secret-plan", b"Claim form"):
            assert secret not in response.content, (response.request["PATH_INFO"], secret)


@pytest.mark.django_db
def test_foreign_and_missing_files_answer_alike(client: Client, workspace: Workspace) -> None:
    # given a stranger, one id that exists in a foreign project and one that exists nowhere
    client.force_login(workspace.users["stranger"])
    missing = ModelFile.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    foreign = workspace.bpmn.pk
    # when they probe both
    answers = [client.get(f"/modeler/api/files/{pk}/content") for pk in (foreign, missing)]
    # then nothing tells them which one exists (modeler/permissions.py promises "404 alike")
    assert [a.status_code for a in answers] == [404, 404]
    bodies = [json.loads(a.content) for a in answers]
    for body in bodies:
        body.pop("instance", None)
    assert bodies[0] == bodies[1]
