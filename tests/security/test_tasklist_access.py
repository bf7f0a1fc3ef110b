"""Tasklist access matrix: other workers cannot see or act on a task, draft, view or document that is not theirs.

Denied requests answer 403/404 and change nothing (engine rows, drafts, comments, views, files).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forms import services as form_services
from forms.models import StoredFile
from tasklist import services as tasklist_services
from tasklist.models import SavedView, TaskComment, TaskDraft, TaskEvent
from tests.security.engine_fixtures import Target, deploy_target, engine_snapshot

pytestmark = pytest.mark.django_db

# Roles that are neither the candidate nor allowed to see every task (Admin and Manager may, by design).
ATTACKERS = ("Developer", "Analyst", "Employee", "Operator", "outsider")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def scene(role_user, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    target = deploy_target()
    victim = role_user("Employee", username="victim")
    tasklist_services.save_draft(user=victim, task_key=target.task.key, data={"note": "victim draft"})
    view = tasklist_services.save_view(user=victim, name="Victim view", filters={"assignee": "victim"})
    stored = form_services.store_upload(user=victim, upload=SimpleUploadedFile("scan.png", PNG, "image/png"))
    return target, victim, view, stored


def snapshot() -> Any:
    return (
        engine_snapshot(),
        sorted(TaskDraft.objects.values_list("user_id", "task_key", "data")),
        sorted(TaskComment.objects.values_list("task_key", "body")),
        sorted(SavedView.objects.values_list("owner_id", "name")),
        TaskEvent.objects.count(),
        StoredFile.objects.count(),
    )


def _json(client: Client, method: str, url: str, body: object = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", HTTP_ACCEPT="application/json"
    )


Call = Callable[[Client, Target, Any, Any], Any]

CALLS: dict[str, Call] = {
    "task page": lambda c, t, v, f: c.get(f"/tasks/{t.task.key}/"),
    "task json": lambda c, t, v, f: c.get(f"/tasks/api/tasks/{t.task.key}"),
    "claim": lambda c, t, v, f: _json(c, "post", f"/tasks/api/tasks/{t.task.key}/claim"),
    "unclaim": lambda c, t, v, f: _json(c, "post", f"/tasks/api/tasks/{t.task.key}/unclaim"),
    "assign": lambda c, t, v, f: _json(
        c, "post", f"/tasks/api/tasks/{t.task.key}/assign", {"assignee": "sec-employee"}
    ),
    "follow-up": lambda c, t, v, f: _json(
        c, "post", f"/tasks/api/tasks/{t.task.key}/follow-up", {"followUpDate": "2030-01-01"}
    ),
    "complete": lambda c, t, v, f: _json(
        c, "post", f"/tasks/api/tasks/{t.task.key}/complete", {"data": {"salary": 1}}
    ),
    "save draft": lambda c, t, v, f: _json(
        c, "put", f"/tasks/api/tasks/{t.task.key}/draft", {"data": {"x": 1}}
    ),
    "comment": lambda c, t, v, f: _json(c, "post", f"/tasks/api/tasks/{t.task.key}/comments", {"body": "hi"}),
    "delete view": lambda c, t, v, f: _json(c, "delete", f"/tasks/api/views/{v.pk}"),
    "document": lambda c, t, v, f: c.get(f"/tasks/api/documents/{f.pk}"),
    "start restricted process": lambda c, t, v, f: _json(
        c, "post", "/tasks/api/start/sec_proc", {"data": {}}
    ),
    "start page": lambda c, t, v, f: c.get("/tasks/start/sec_proc/"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_foreign_task_objects_are_denied_and_unchanged(client: Client, role_user, scene, name) -> None:  # type: ignore[no-untyped-def]
    # given a task only "victim" may work on, with victim's draft, saved view and uploaded scan
    target, _victim, view, stored = scene
    before = snapshot()
    for role in ATTACKERS:
        if name.startswith("start") and role == "Manager":
            continue
        # when another user reaches for it by id
        client.force_login(role_user(role))
        response = CALLS[name](client, target, view, stored)
        # then it is not found (or forbidden) and nothing changed
        assert response.status_code in (403, 404), (role, response.status_code, response.content[:300])
        assert b"victim draft" not in response.content
        assert b"victim only" not in response.content
        assert snapshot() == before, role


def test_discarding_a_draft_only_touches_your_own(client: Client, role_user, scene) -> None:  # type: ignore[no-untyped-def]
    target, _victim, _view, _stored = scene
    client.force_login(role_user("Employee"))
    client.delete(f"/tasks/api/tasks/{target.task.key}/draft")
    assert TaskDraft.objects.filter(user__username="victim", task_key=target.task.key).exists()


@pytest.mark.parametrize("role", ATTACKERS)
def test_lists_and_counts_do_not_leak_foreign_tasks_or_views(client: Client, role_user, scene, role) -> None:  # type: ignore[no-untyped-def]
    target, _victim, _view, _stored = scene
    client.force_login(role_user(role))
    pages = [
        client.get("/tasks/api/list"),
        client.get("/tasks/api/list?state=ALL&q=Review"),
        client.get("/tasks/api/views"),
        client.get("/tasks/"),
    ]
    for response in pages:
        assert response.status_code == 200
        assert str(target.task.key).encode() not in response.content
        assert b"Victim view" not in response.content
    listing = pages[0].json()
    assert not listing.get("items"), listing
    assert not listing.get("tasks"), listing


def test_live_updates_go_only_to_who_may_see_the_task(scene) -> None:  # type: ignore[no-untyped-def]
    from tasklist import live

    # given the engine announces a change of victim's task
    target, _victim, _view, _stored = scene
    payload = {
        "key": target.task.key,
        "assignee": target.task.assignee,
        "candidateUsers": list(target.task.candidate_users or []),
        "candidateGroups": list(target.task.candidate_groups or []),
    }
    # then only victim and the admins' channel groups hear about it, not other workers or their roles
    groups = live.audience(payload)
    assert groups == {live.ADMIN_GROUP, live.user_group("victim")}


def test_referencing_someone_elses_document_does_not_grant_it(client: Client, role_user, scene) -> None:  # type: ignore[no-untyped-def]
    import base64

    from rest_framework.test import APIClient

    from tests.security.conftest import PASSWORD

    # given victim's uploaded scan, and an employee who learned its id (e.g. from a shared link or a log)
    _target, _victim, _view, stored = scene
    attacker = role_user("Employee")
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{attacker.username}:{PASSWORD}".encode()).decode()
    )
    from tests.tasklist.conftest import APPLICATION, deploy_demo

    deploy_demo()
    # when the attacker starts a process of their own whose variables name that id (its review task is theirs to see)
    started = api.post(
        "/v2/process-instances",
        {
            "processDefinitionId": "simple_insurance_enrolment",
            "variables": {**APPLICATION, "attachment": str(stored.pk)},
        },
        format="json",
    )
    assert started.status_code == 200, started.content[:300]
    client.force_login(attacker)
    # then the document is still not theirs to download
    assert client.get(f"/tasks/api/documents/{stored.pk}").status_code == 404
