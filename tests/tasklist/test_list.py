"""The task list: who sees what, filters, sorting, saved views with counts, live notifications."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from bizdevops.asgi import application
from bizdevops.engine import services as engine
from bizdevops.engine.state.models import UserTask
from tasklist import live, selectors
from tasklist.models import SavedView
from tasklist.selectors import TaskFilter


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def keys(payload: dict) -> set[int]:  # type: ignore[type-arg]
    return {int(task["key"]) for task in payload["tasks"]}


def test_each_user_sees_only_tasks_offered_to_them(
    start_application, underwriter, manager, outsider, make_user
) -> None:  # type: ignore[no-untyped-def]
    # given a review task (Employee) and an approval task (Manager)
    review = start_application()
    other = start_application(applicantName="이영희")
    engine.assign_user_task(user_task_key=other.key, assignee="uw")
    engine.complete_user_task(
        user_task_key=other.key, variables={"reviewDecision": "approve", "premium": 1000}
    )
    approval = UserTask.objects.get(process_instance_key=other.process_instance_key, state="CREATED")
    admin = make_user("root", "Admin")
    # then
    all_open = {"view": "all"}
    assert keys(as_user(underwriter).get("/tasks/api/list", all_open).json()) == {review.key}
    assert keys(as_user(manager).get("/tasks/api/list", all_open).json()) == {approval.key}
    assert keys(as_user(outsider).get("/tasks/api/list", all_open).json()) == set()
    assert keys(as_user(admin).get("/tasks/api/list", all_open).json()) == {review.key, approval.key}
    # and the one who did the review still finds it among completed tasks
    assert keys(as_user(underwriter).get("/tasks/api/list", {"view": "completed"}).json()) == {other.key}


def test_candidate_user_and_assignee_see_the_task(start_application, make_user) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    solo = make_user("solo")  # in no group
    assert selectors.get_visible_task(solo, task.key) is None
    engine.update_user_task(user_task_key=task.key, changeset={"candidateUsers": ["solo"]})
    assert selectors.get_visible_task(solo, task.key) is not None
    engine.update_user_task(user_task_key=task.key, changeset={"candidateUsers": []})
    engine.assign_user_task(user_task_key=task.key, assignee="solo")
    assert selectors.get_visible_task(solo, task.key) is not None


def test_filters_sort_and_search_in_chosen_variables(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    a = start_application(applicantName="김철수")
    b = start_application(applicantName="박민수")
    c = start_application(applicantName="최지우")
    engine.assign_user_task(user_task_key=a.key, assignee="uw")
    engine.update_user_task(
        user_task_key=b.key, changeset={"dueDate": (timezone.now() - dt.timedelta(days=1)).isoformat()}
    )
    engine.update_user_task(user_task_key=c.key, changeset={"priority": 90})
    client = as_user(underwriter)

    def listed(**params: str) -> list[int]:
        return [
            int(t["key"]) for t in client.get("/tasks/api/list", {"view": "all", **params}).json()["tasks"]
        ]

    assert listed(assignment="me") == [a.key]
    assert set(listed(assignment="unassigned")) == {b.key, c.key}
    assert listed(due="overdue") == [b.key]
    assert listed(sort="-priority")[0] == c.key
    assert listed(sort="created") == [a.key, b.key, c.key]
    assert listed(sort="-created") == [c.key, b.key, a.key]
    assert listed(search="박민수") == []  # not searched in variables unless chosen
    assert listed(search="박민", search_variables="applicantName") == [b.key]
    assert listed(group="Employee", sort="created") == [a.key, b.key, c.key]
    assert listed(group="Manager") == []
    assert listed(process="other_process") == []
    # malformed values fall back to defaults instead of failing
    assert len(listed(sort="password", state="x", due="y")) == 3


def test_saved_view_is_per_user_and_counted(start_application, underwriter, colleague) -> None:  # type: ignore[no-untyped-def]
    start_application()
    start_application(applicantName="박민수")
    client = as_user(underwriter)
    response = client.post(
        "/tasks/api/views",
        data=json.dumps(
            {
                "name": "박 씨 신청",
                "filters": {"search": "박", "search_variables": ["applicantName"], "sort": "bogus"},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    slug = response.json()["slug"]
    saved = SavedView.objects.get(owner=underwriter)
    assert saved.filters["sort"] == "-created"  # normalized
    payload = client.get("/tasks/api/list", {"view": slug}).json()
    assert len(payload["tasks"]) == 1
    counts = {v["slug"]: v["count"] for v in payload["views"]}
    assert counts[slug] == 1
    assert counts["all"] == 2
    assert counts["mine"] == 0
    # another user neither sees nor deletes it
    other = as_user(colleague)
    assert slug not in {v["slug"] for v in other.get("/tasks/api/list").json()["views"]}
    assert other.delete(f"/tasks/api/views/{saved.pk}").status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists()
    assert client.delete(f"/tasks/api/views/{saved.pk}").status_code == 204


def test_list_page_renders_rows_and_sort_links(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    html = as_user(underwriter).get("/tasks/?view=all").content.decode()
    assert f'data-task-key="{task.key}"' in html
    assert "간편보험 가입" in html  # the process name, from its definition
    assert 'aria-sort="descending"' in html


def test_filter_normalization() -> None:
    f = TaskFilter.from_dict({"search_variables": "a, b,,c,d,e,f", "state": "nope", "assignment": "me"})
    assert f.search_variables == ("a", "b", "c", "d", "e")
    assert f.state == "CREATED"
    assert TaskFilter.from_dict(f.to_dict()) == f


@pytest.mark.django_db(transaction=True)
def test_websocket_hears_only_tasks_it_may_see(make_user) -> None:  # type: ignore[no-untyped-def]
    employee = make_user("emp-ws", "Employee")

    async def scenario() -> tuple[dict, bool]:  # type: ignore[type-arg]
        communicator = WebsocketCommunicator(
            application, "/ws/tasks/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        communicator.scope["user"] = employee
        connected, _ = await communicator.connect()
        assert connected
        notify = sync_to_async(live.on_user_task)  # the engine calls it from sync code after commit
        await notify("CREATED", {"key": 1, "assignee": "", "candidateGroups": ["Manager"]})
        await notify("CREATED", {"key": 2, "assignee": "", "candidateGroups": ["Employee"]})
        first = await communicator.receive_json_from(timeout=3)
        nothing_else = await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return first, nothing_else

    first, nothing_else = async_to_sync(scenario)()
    assert first == {"type": "task.changed", "key": "2", "intent": "CREATED"}
    assert nothing_else


@pytest.mark.django_db(transaction=True)
def test_engine_changes_reach_the_socket_after_commit(make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.tasklist.conftest import APPLICATION, deploy_demo

    employee = make_user("emp-ws2", "Employee")
    deploy_demo()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.role_group("Employee"), channel)
    engine.create_process_instance(bpmn_process_id="simple_insurance_enrolment", variables=APPLICATION)
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "task.changed"
    assert message["intent"] == "CREATED"
    assert employee.groups.filter(name="Employee").exists()


@pytest.mark.django_db(transaction=True)
def test_websocket_refuses_anonymous() -> None:
    async def scenario() -> tuple[bool, int | None]:
        communicator = WebsocketCommunicator(
            application, "/ws/tasks/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert connected is False
    assert code == 4401


def test_list_speaks_korean(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    start_application()
    client = as_user(underwriter)
    client.post("/i18n/setlang/", {"language": "ko", "next": "/tasks/"})
    html = client.get("/tasks/?view=all").content.decode()
    assert "내 작업" in html
    assert "열린 작업 전체" in html
    assert "미지정" in html
