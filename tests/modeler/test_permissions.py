"""Every modeler endpoint checks the project role; a denied request changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from guardian.shortcuts import get_perms

from modeler.models import Comment, Deployment, FileVersion, Folder, ModelFile, Notification
from tests.modeler.conftest import ROLES, Workspace

RANK = {"stranger": 0, "viewer": 1, "commenter": 2, "editor": 3, "owner": 4}


def snapshot(ws: Workspace) -> Any:
    files = sorted(ModelFile.objects.values_list("pk", "name", "folder_id", "content", "revision"))
    folders = sorted(Folder.objects.values_list("pk", "name", "parent_id"))
    versions = sorted(FileVersion.objects.values_list("pk", "name"))
    comments = sorted(Comment.objects.values_list("pk", "resolved", "body_html"))
    perms = {role: sorted(get_perms(user, ws.project)) for role, user in ws.users.items()}
    return files, folders, versions, comments, perms, Deployment.objects.count(), Notification.objects.count()


def _json(client: Client, method: str, url: str, body: object) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


Action = Callable[[Client, Workspace], Any]

ACTIONS: dict[str, tuple[str, Action]] = {
    "save content": (
        "editor",
        lambda c, ws: _json(
            c,
            "put",
            f"/modeler/api/files/{ws.bpmn.pk}/content",
            {"content": ws.bpmn.content.replace("Claim", "Changed")},
        ),
    ),
    "create file": (
        "editor",
        lambda c, ws: c.post(f"/modeler/projects/{ws.project.pk}/files/new/", {"name": "X", "kind": "bpmn"}),
    ),
    "upload": (
        "editor",
        lambda c, ws: c.post(
            f"/modeler/projects/{ws.project.pk}/files/upload/",
            {"file": SimpleUploadedFile("up.form", b'{"id": "f", "components": []}')},
        ),
    ),
    "create folder": (
        "editor",
        lambda c, ws: c.post(f"/modeler/projects/{ws.project.pk}/folders/new/", {"name": "New"}),
    ),
    "rename file": (
        "editor",
        lambda c, ws: c.post(f"/modeler/files/{ws.bpmn.pk}/rename/", {"name": "Renamed"}),
    ),
    "move file": (
        "editor",
        lambda c, ws: c.post(f"/modeler/files/{ws.bpmn.pk}/move/", {"target": ws.folder.pk}),
    ),
    "duplicate file": ("editor", lambda c, ws: c.post(f"/modeler/files/{ws.bpmn.pk}/duplicate/")),
    "delete file": ("editor", lambda c, ws: c.post(f"/modeler/files/{ws.form.pk}/delete/")),
    "rename folder": (
        "editor",
        lambda c, ws: c.post(f"/modeler/folders/{ws.folder.pk}/rename/", {"name": "Renamed"}),
    ),
    "delete folder": ("editor", lambda c, ws: c.post(f"/modeler/folders/{ws.folder.pk}/delete/")),
    "save version": (
        "editor",
        lambda c, ws: _json(c, "post", f"/modeler/api/files/{ws.bpmn.pk}/versions", {"name": "v2"}),
    ),
    "restore version": (
        "editor",
        lambda c, ws: _json(
            c, "post", f"/modeler/api/files/{ws.bpmn.pk}/versions/{ws.version.pk}/restore", {}
        ),
    ),
    "comment": (
        "commenter",
        lambda c, ws: _json(c, "post", f"/modeler/api/files/{ws.bpmn.pk}/comments", {"text": "hi @owner"}),
    ),
    "resolve comment": (
        "commenter",
        lambda c, ws: _json(
            c, "post", f"/modeler/api/files/{ws.bpmn.pk}/comments/{ws.comment.pk}/resolve", {"resolved": True}
        ),
    ),
    "share project": (
        "owner",
        lambda c, ws: c.post(
            f"/modeler/projects/{ws.project.pk}/settings/",
            {"action": "share", "grantee_kind": "user", "grantee": "stranger", "role": "editor"},
        ),
    ),
    "rename project": (
        "owner",
        lambda c, ws: c.post(
            f"/modeler/projects/{ws.project.pk}/settings/", {"action": "rename", "name": "Mine"}
        ),
    ),
    "deploy": ("editor", lambda c, ws: _json(c, "post", f"/modeler/api/projects/{ws.project.pk}/deploy", {})),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_write_endpoints_check_the_role(client: Client, workspace: Workspace, role: str, action: str) -> None:
    # given a user with a role on the project (or none)
    needed, call = ACTIONS[action]
    client.force_login(workspace.users[role])
    before = snapshot(workspace)
    # when they try the action
    response = call(client, workspace)
    # then it is refused below the needed role, and a refusal changes nothing
    if RANK[role] >= RANK[needed]:
        assert response.status_code not in (401, 403, 404), response.content[:300]
    else:
        assert response.status_code == (404 if role == "stranger" else 403)
        assert snapshot(workspace) == before


READS = {
    "editor page": lambda ws: f"/modeler/files/{ws.bpmn.pk}/",
    "content": lambda ws: f"/modeler/api/files/{ws.bpmn.pk}/content",
    "download": lambda ws: f"/modeler/files/{ws.dmn.pk}/download/",
    "project page": lambda ws: f"/modeler/projects/{ws.project.pk}/",
    "versions": lambda ws: f"/modeler/api/files/{ws.bpmn.pk}/versions",
    "version page": lambda ws: f"/modeler/files/{ws.bpmn.pk}/versions/{ws.version.pk}/",
    "diff": lambda ws: f"/modeler/api/files/{ws.bpmn.pk}/diff?a={ws.version.pk}&b=current",
    "comments": lambda ws: f"/modeler/api/files/{ws.bpmn.pk}/comments",
    "linkable": lambda ws: f"/modeler/api/projects/{ws.project.pk}/linkable",
    "deploy plan": lambda ws: f"/modeler/api/projects/{ws.project.pk}/deploy",
    "play state": lambda ws: f"/modeler/api/files/{ws.bpmn.pk}/play",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("read", sorted(READS))
def test_reads_need_at_least_viewer(client: Client, workspace: Workspace, role: str, read: str) -> None:
    client.force_login(workspace.users[role])
    response = client.get(READS[read](workspace))
    assert response.status_code == (404 if role == "stranger" else 200)


def test_settings_page_is_for_owners_only(client: Client, workspace: Workspace) -> None:
    client.force_login(workspace.users["editor"])
    assert client.get(f"/modeler/projects/{workspace.project.pk}/settings/").status_code == 403
    client.force_login(workspace.users["owner"])
    assert client.get(f"/modeler/projects/{workspace.project.pk}/settings/").status_code == 200


def test_group_share_grants_the_role(client: Client, workspace: Workspace) -> None:
    from django.contrib.auth.models import Group, User

    from modeler import services

    # given a group shared as editor
    group = Group.objects.create(name="Claims team")
    member = User.objects.create(username="member")
    member.groups.add(group)
    services.share_project(project=workspace.project, grantee=group, role="editor")
    client.force_login(member)
    # when a member renames a file, it works
    assert client.post(f"/modeler/files/{workspace.bpmn.pk}/rename/", {"name": "By group"}).status_code == 302
    assert ModelFile.objects.get(pk=workspace.bpmn.pk).name == "By group"
    # and after unsharing, the project is gone for them
    services.unshare_project(project=workspace.project, grantee=group)
    assert client.get(f"/modeler/projects/{workspace.project.pk}/").status_code == 404


def test_anonymous_gets_401_from_the_api(client: Client, workspace: Workspace) -> None:
    assert client.get(f"/modeler/api/files/{workspace.bpmn.pk}/comments").status_code == 401
    assert client.get(f"/modeler/files/{workspace.bpmn.pk}/").status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_read_only_posts_need_at_least_viewer(client: Client, workspace: Workspace, role: str) -> None:
    # validating editor content and playing in the sandbox change nothing stored, so viewers may use them
    client.force_login(workspace.users[role])
    before = snapshot(workspace)
    validate = _json(
        client,
        "post",
        f"/modeler/api/files/{workspace.bpmn.pk}/validate",
        {"content": workspace.bpmn.content},
    )
    play = _json(client, "post", f"/modeler/api/files/{workspace.bpmn.pk}/play/start", {"variables": {}})
    expected = 404 if role == "stranger" else 200
    assert (validate.status_code, play.status_code) == (expected, expected)
    assert snapshot(workspace) == before


FILE_ENDPOINTS = {
    "content": ("get", "/modeler/api/files/{pk}/content"),
    "versions": ("get", "/modeler/api/files/{pk}/versions"),
    "comments": ("get", "/modeler/api/files/{pk}/comments"),
    "diff": ("get", "/modeler/api/files/{pk}/diff"),
    "play": ("get", "/modeler/api/files/{pk}/play"),
    "start": ("post", "/modeler/api/files/{pk}/start"),
    "save": ("put", "/modeler/api/files/{pk}/content"),
}


@pytest.mark.parametrize("endpoint", sorted(FILE_ENDPOINTS))
def test_a_foreign_file_and_a_missing_one_answer_alike(
    client: Client, workspace: Workspace, endpoint: str
) -> None:
    # given a stranger, a file of a project they cannot read, and an id no file has
    client.force_login(workspace.users["stranger"])
    method, url = FILE_ENDPOINTS[endpoint]
    missing = ModelFile.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    # when they probe both
    answers = [
        client.get(url.format(pk=pk)) if method == "get" else _json(client, method, url.format(pk=pk), {})
        for pk in (workspace.bpmn.pk, missing)
    ]
    # then status and body are the same except for the echoed path (finding 7: no id oracle)
    assert [a.status_code for a in answers] == [404, 404]
    bodies = [{k: v for k, v in a.json().items() if k != "instance"} for a in answers]
    assert bodies[0] == bodies[1]
