"""CSRF: every unsafe endpoint reached with a session cookie refuses a request without the CSRF token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.modeler.conftest import Workspace
from tests.security.engine_fixtures import deploy_target, engine_snapshot
from tests.security.test_modeler_access import snapshot as modeler_snapshot

pytestmark = pytest.mark.django_db


def _send(client: Client, method: str, url: str, body: Any = None) -> Any:
    if method == "post-form":
        return client.post(url, body or {})
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_modeler_writes_need_the_csrf_token(csrf_client: Client, workspace: Workspace) -> None:
    # given the project's owner is logged in (a session cookie a forged page would ride on)
    ws = workspace
    csrf_client.force_login(ws.users["owner"])
    f, p = ws.bpmn.pk, ws.project.pk
    requests = [
        ("post-form", f"/modeler/projects/{p}/settings/", {"action": "rename", "name": "Pwned"}),
        ("post-form", f"/modeler/projects/{p}/files/new/", {"name": "X", "kind": "bpmn"}),
        ("post-form", f"/modeler/projects/{p}/folders/new/", {"name": "X"}),
        ("post-form", "/modeler/projects/new/", {"name": "X"}),
        ("post-form", "/modeler/new/", {"kind": "bpmn"}),
        ("post-form", f"/modeler/folders/{ws.folder.pk}/rename/", {"name": "X"}),
        ("post-form", f"/modeler/folders/{ws.folder.pk}/delete/", {}),
        ("post-form", f"/modeler/files/{f}/rename/", {"name": "X"}),
        ("post-form", f"/modeler/files/{f}/duplicate/", {}),
        ("post-form", f"/modeler/files/{ws.form.pk}/delete/", {}),
        ("put", f"/modeler/api/files/{f}/content", {"content": ws.bpmn.content.replace("Claim", "X")}),
        ("post", f"/modeler/api/files/{f}/versions", {"name": "v"}),
        ("post", f"/modeler/api/files/{f}/versions/{ws.version.pk}/restore", {}),
        ("post", f"/modeler/api/files/{f}/comments", {"text": "x"}),
        ("post", f"/modeler/api/files/{f}/comments/{ws.comment.pk}/resolve", {"resolved": True}),
        ("post", f"/modeler/api/files/{f}/start", {"variables": {}}),
        ("post", f"/modeler/api/projects/{p}/deploy", {}),
    ]
    before = modeler_snapshot()
    # when each write arrives without the CSRF token
    statuses = {url: _send(csrf_client, method, url, body).status_code for method, url, body in requests}
    # then all are refused with 403 and nothing changed
    assert statuses == dict.fromkeys(statuses, 403)
    assert modeler_snapshot() == before


def test_tasklist_and_api_writes_need_the_csrf_token(csrf_client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    from tasklist.models import SavedView, TaskComment, TaskDraft

    # given an admin logged in by session and a running instance with a user task and a job
    target = deploy_target()
    csrf_client.force_login(role_user("Admin"))
    key = target.task.key
    requests = [
        ("post", f"/tasks/api/tasks/{key}/claim", {}),
        ("post", f"/tasks/api/tasks/{key}/assign", {"assignee": "x"}),
        ("post", f"/tasks/api/tasks/{key}/complete", {"data": {}}),
        ("put", f"/tasks/api/tasks/{key}/draft", {"data": {"a": 1}}),
        ("post", f"/tasks/api/tasks/{key}/comments", {"body": "forged"}),
        ("post", f"/tasks/api/tasks/{key}/follow-up", {"followUpDate": "2030-01-01"}),
        ("post", "/tasks/api/views", {"name": "forged", "filters": {}}),
        ("post", "/tasks/api/start/sec_proc", {"data": {}}),
        ("post", "/v2/process-instances", {"processDefinitionId": "sec_proc"}),
        ("post", f"/v2/process-instances/{target.instance.key}/cancellation", {}),
        ("post", f"/v2/user-tasks/{key}/assignment", {"assignee": "x"}),
        ("post", f"/v2/user-tasks/{key}/completion", {}),
        ("post", f"/v2/jobs/{target.job.key}/completion", {}),
        ("post", "/v2/deployments", {}),
        ("post", "/v2/messages/publication", {"name": "m", "correlationKey": "k"}),
        ("post", f"/engine-rest/external-task/{target.job.key}/complete", {"workerId": "w"}),
        ("post", "/engine-rest/process-definition/key/sec_proc/start", {}),
    ]
    before = (
        engine_snapshot(),
        TaskComment.objects.count(),
        TaskDraft.objects.count(),
        SavedView.objects.count(),
    )
    statuses = {url: _send(csrf_client, method, url, body).status_code for method, url, body in requests}
    assert statuses == dict.fromkeys(statuses, 403)
    after = (
        engine_snapshot(),
        TaskComment.objects.count(),
        TaskDraft.objects.count(),
        SavedView.objects.count(),
    )
    assert after == before


def test_logout_and_language_switch_need_the_csrf_token(csrf_client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    csrf_client.force_login(role_user("Employee"))
    assert csrf_client.post("/logout/").status_code == 403
    assert csrf_client.get("/tasks/").status_code == 200  # still logged in
    assert csrf_client.post("/i18n/setlang/", {"language": "ko"}).status_code == 403


def test_token_endpoint_is_not_a_session_endpoint(csrf_client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    # the OAuth endpoint authenticates by client secret only; a session never grants a token
    csrf_client.force_login(role_user("Admin"))
    response = csrf_client.post("/oauth/token", {"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert "access_token" not in response.json()
