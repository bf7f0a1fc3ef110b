"""Users see and act on only the user tasks they may work on; a denied request changes nothing."""

from __future__ import annotations

import pytest

from bizdevops.engine.state import models as m
from tests.api import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks():  # type: ignore[no-untyped-def]
    pi = f.instance(f.definition("leave"))
    return {
        "mine": f.user_task(pi, assignee="u-employee"),
        "theirs": f.user_task(pi, assignee="someone-else"),
        "group": f.user_task(pi, groups=("Employee",)),
        "other-group": f.user_task(pi, groups=("Finance",)),
        "named": f.user_task(pi, users=("u-employee",)),
        "open": f.user_task(pi),
    }


def test_employee_sees_own_candidate_and_open_tasks(api, tasks) -> None:  # type: ignore[no-untyped-def]
    client = api("Employee")
    items = client.post("/v2/user-tasks/search", {}, format="json").json()["items"]
    seen = {i["userTaskKey"] for i in items}
    assert seen == {str(tasks[k].key) for k in ("mine", "group", "named", "open")}


def test_manager_sees_every_task(api, tasks) -> None:  # type: ignore[no-untyped-def]
    items = (
        api("Manager").post("/v2/user-tasks/search", {"page": {"limit": 50}}, format="json").json()["items"]
    )
    assert len(items) == len(tasks)


@pytest.mark.parametrize("which", ["theirs", "other-group"])
def test_invisible_task_is_404_for_every_command(api, tasks, which) -> None:  # type: ignore[no-untyped-def]
    client = api("Employee")
    task = tasks[which]
    before = m.UserTask.objects.values().get(key=task.key)
    assert client.get(f"/v2/user-tasks/{task.key}").status_code == 404
    assert client.post(f"/v2/user-tasks/{task.key}/completion", {}, format="json").status_code == 404
    assert (
        client.post(
            f"/v2/user-tasks/{task.key}/assignment", {"assignee": "u-employee"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/v2/user-tasks/{task.key}/assignee").status_code == 404
    assert (
        client.patch(f"/v2/user-tasks/{task.key}", {"changeset": {"priority": 1}}, format="json").status_code
        == 404
    )
    assert m.UserTask.objects.values().get(key=task.key) == before


def test_employee_cannot_assign_a_task_to_someone_else(api, tasks) -> None:  # type: ignore[no-untyped-def]
    client = api("Employee")
    task = tasks["group"]
    response = client.post(f"/v2/user-tasks/{task.key}/assignment", {"assignee": "boss"}, format="json")
    assert response.status_code == 403
    assert m.UserTask.objects.get(key=task.key).assignee == ""


@pytest.mark.parametrize("role", ["Analyst", "Developer"])
def test_callers_without_task_roles_get_403(api, tasks, role) -> None:  # type: ignore[no-untyped-def]
    status = api(role).post("/v2/user-tasks/search", {}, format="json").status_code
    assert status == (200 if role == "Developer" else 403)


def test_filter_by_candidate_group_and_assignee_exists(admin_api, tasks) -> None:  # type: ignore[no-untyped-def]
    body = {"filter": {"candidateGroup": "Finance"}}
    items = admin_api.post("/v2/user-tasks/search", body, format="json").json()["items"]
    assert [i["userTaskKey"] for i in items] == [str(tasks["other-group"].key)]
    body = {"filter": {"assignee": {"$exists": True}}}
    items = admin_api.post("/v2/user-tasks/search", body, format="json").json()["items"]
    assert {i["userTaskKey"] for i in items} == {str(tasks["mine"].key), str(tasks["theirs"].key)}
    assert all(i["assignee"] for i in items)
