"""Claiming, assigning and completing through the Tasklist endpoints: only what the user may do happens,
and a refused request changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bizdevops.engine.state.models import ProcessInstance, UserTask, Variable
from tasklist.models import TaskDraft, TaskEvent

REVIEW = {"reviewDecision": "approve", "premium": 45_000, "reviewNote": "ok"}


def post(client: Client, url: str, body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def snapshot(task: UserTask) -> tuple[Any, ...]:
    task.refresh_from_db()
    variables = dict(
        Variable.objects.filter(process_instance_key=task.process_instance_key).values_list("name", "value")
    )
    return task.state, task.assignee, task.follow_up_date, variables, TaskEvent.objects.count()


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_candidate_claims_fills_and_completes(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given an open review task offered to the Employee group
    task = start_application()
    client = as_user(underwriter)
    # when an employee claims it and submits the form with an extra key
    assert post(client, f"/tasks/api/tasks/{task.key}/claim").status_code == 200
    response = post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": {**REVIEW, "isVip": True}})
    # then the task is completed with only the form's fields, and the process moved on to the manager
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.state == "COMPLETED"
    variables = dict(
        Variable.objects.filter(process_instance_key=task.process_instance_key).values_list("name", "value")
    )
    assert variables["reviewDecision"] == "approve"
    assert variables["premium"] == 45_000
    assert "isVip" not in variables
    approval = UserTask.objects.get(process_instance_key=task.process_instance_key, state="CREATED")
    assert approval.element_id == "Task_ManagerApproval"


def test_completing_twice_is_a_conflict(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{task.key}/claim")
    assert post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": REVIEW}).status_code == 200
    before = snapshot(task)
    # when the same submission arrives again
    response = post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": {**REVIEW, "premium": 1}})
    # then 409 and nothing changed
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert snapshot(task) == before


def test_invalid_submission_gets_field_errors_and_changes_nothing(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{task.key}/claim")
    before = snapshot(task)
    response = post(
        client,
        f"/tasks/api/tasks/{task.key}/complete",
        {"data": {"reviewDecision": "maybe", "premium": "lots"}},
    )
    assert response.status_code == 400
    assert response.json()["fieldErrors"] == {"reviewDecision": "Value is not one of the allowed options."}
    response = post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": {"reviewDecision": "decline"}})
    assert response.json()["fieldErrors"] == {"declineReason": "Field is required."}
    assert snapshot(task) == before


@pytest.mark.parametrize(
    "action", ["claim", "unclaim", "complete", "follow-up", "assign", "comments", "draft"]
)
def test_a_task_that_is_not_yours_cannot_be_touched(start_application, outsider, action) -> None:  # type: ignore[no-untyped-def]
    # given a task of the Employee group and an analyst who is in no candidate group
    task = start_application()
    before = snapshot(task)
    client = as_user(outsider)
    body = {"data": REVIEW, "assignee": "out", "followUpDate": "2030-01-01", "body": "hi"}
    # when the analyst reads or acts on it
    response = post(client, f"/tasks/api/tasks/{task.key}/{action}", body)
    # then it does not exist for them, and nothing changed
    assert response.status_code == 404
    assert client.get(f"/tasks/api/tasks/{task.key}").status_code == 404
    assert client.get(f"/tasks/{task.key}/").status_code == 404
    assert snapshot(task) == before
    assert not TaskDraft.objects.exists()


def test_a_task_claimed_by_a_colleague_cannot_be_completed_or_claimed(
    start_application, underwriter, colleague
) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    post(as_user(underwriter), f"/tasks/api/tasks/{task.key}/claim")
    before = snapshot(task)
    client = as_user(colleague)
    # the colleague still sees it (same group), but may neither complete, take, reassign nor unassign it
    assert client.get(f"/tasks/api/tasks/{task.key}").json()["task"]["assignee"] == "uw"
    assert post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": REVIEW}).status_code == 403
    assert post(client, f"/tasks/api/tasks/{task.key}/claim").status_code == 409
    assert post(client, f"/tasks/api/tasks/{task.key}/assign", {"assignee": "uw2"}).status_code == 403
    assert post(client, f"/tasks/api/tasks/{task.key}/unclaim").status_code == 403
    assert snapshot(task) == before


def test_an_unclaimed_task_cannot_be_completed(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    before = snapshot(task)
    response = post(as_user(underwriter), f"/tasks/api/tasks/{task.key}/complete", {"data": REVIEW})
    assert response.status_code == 403
    assert snapshot(task) == before


def test_manager_assigns_to_someone_else(start_application, make_user, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given a manager who is also in the Employee group (so they see the review task)
    boss = make_user("boss", "Manager", "Employee")
    task = start_application()
    client = as_user(boss)
    assert post(client, f"/tasks/api/tasks/{task.key}/assign", {"assignee": "nobody"}).status_code == 400
    response = post(client, f"/tasks/api/tasks/{task.key}/assign", {"assignee": "uw"})
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.assignee == "uw"
    assert TaskEvent.objects.filter(task_key=task.key, action="assigned", detail="uw").exists()
    # and the manager can give it back
    assert post(client, f"/tasks/api/tasks/{task.key}/unclaim").status_code == 200
    task.refresh_from_db()
    assert task.assignee == ""


def test_follow_up_date_and_unclaim(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{task.key}/claim")
    assert (
        post(client, f"/tasks/api/tasks/{task.key}/follow-up", {"followUpDate": "2030-05-01"}).status_code
        == 200
    )
    assert post(client, f"/tasks/api/tasks/{task.key}/follow-up", {"followUpDate": "soon"}).status_code == 400
    task.refresh_from_db()
    assert task.follow_up_date is not None
    assert task.follow_up_date.date().isoformat() == "2030-05-01"
    assert post(client, f"/tasks/api/tasks/{task.key}/unclaim").status_code == 200
    task.refresh_from_db()
    assert task.assignee == ""


def test_html_form_posts_work_without_javascript(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    response = client.post(f"/tasks/api/tasks/{task.key}/claim")
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.key}/"
    task.refresh_from_db()
    assert task.assignee == "uw"


def test_draft_survives_and_is_dropped_on_completion(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{task.key}/claim")
    response = client.put(
        f"/tasks/api/tasks/{task.key}/draft",
        data=json.dumps({"data": {"reviewNote": "half"}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    detail = client.get(f"/tasks/api/tasks/{task.key}").json()
    assert detail["draft"] == {"reviewNote": "half"}
    # the form opens prefilled with the variables it references
    assert detail["variables"]["applicantName"] == "김철수"
    assert detail["variables"]["risk"] == {"riskLevel": "low", "premiumLoading": 0}
    assert "consent" not in detail["variables"]
    post(client, f"/tasks/api/tasks/{task.key}/complete", {"data": REVIEW})
    assert not TaskDraft.objects.exists()


def test_comments_are_shared_with_the_group(start_application, underwriter, colleague) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    assert (
        post(
            as_user(underwriter), f"/tasks/api/tasks/{task.key}/comments", {"body": "서류 확인 필요"}
        ).status_code
        == 201
    )
    assert (
        post(as_user(underwriter), f"/tasks/api/tasks/{task.key}/comments", {"body": "  "}).status_code == 400
    )
    page = as_user(colleague).get(f"/tasks/{task.key}/")
    assert "서류 확인 필요" in page.content.decode()


def test_start_process_from_its_start_form(demo_process, underwriter) -> None:  # type: ignore[no-untyped-def]
    client = as_user(underwriter)
    page = client.get("/tasks/")
    assert 'data-start="simple_insurance_enrolment"' in page.content.decode()
    bad = post(client, "/tasks/api/start/simple_insurance_enrolment", {"data": {"age": 12}})
    assert bad.status_code == 400
    assert bad.json()["fieldErrors"]["age"] == "Field must have minimum value of 19."
    assert not ProcessInstance.objects.exists()
    from tests.tasklist.conftest import APPLICATION

    response = post(
        client, "/tasks/api/start/simple_insurance_enrolment", {"data": {**APPLICATION, "smoker": True}}
    )
    assert response.status_code == 201
    key = int(response.json()["processInstanceKey"])
    review = UserTask.objects.get(process_instance_key=key)
    variables = dict(Variable.objects.filter(process_instance_key=key).values_list("name", "value"))
    assert variables["risk"] == {"riskLevel": "medium", "premiumLoading": 20}
    assert review.candidate_groups == ["Employee"]


def test_task_page_shows_history_diagram_and_form(start_application, underwriter) -> None:  # type: ignore[no-untyped-def]
    task = start_application()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{task.key}/claim")
    post(client, f"/tasks/api/tasks/{task.key}/follow-up", {"followUpDate": "2030-05-01"})
    html = client.get(f"/tasks/{task.key}/").content.decode()
    history = html.split('data-testid="history"')[1].split("</ol>")[0]
    assert history.index("task created") < history.index("claimed") < history.index("set the follow-up date")
    assert "assignment changed" not in history  # the claim is shown once, with who did it
    detail = json.loads(html.split('id="task-data" type="application/json">')[1].split("</script>")[0])
    assert detail["schema"]["id"] == "underwriter-review"
    assert 'id="Task_UnderwriterReview"' in detail["diagramXml"]
    assert detail["permissions"] == {
        "claim": False,
        "unclaim": True,
        "assign": False,
        "complete": True,
        "followUp": True,
    }


def test_only_candidate_starters_may_start_the_process(demo_process, outsider) -> None:  # type: ignore[no-untyped-def]
    # given the demo process, startable by Employee and Manager (zeebe:properties candidateStarterGroups)
    from tests.tasklist.conftest import APPLICATION

    client = as_user(outsider)
    # then an analyst neither sees it in the list nor can start it
    assert 'data-start="simple_insurance_enrolment"' not in client.get("/tasks/").content.decode()
    assert client.get("/tasks/start/simple_insurance_enrolment/").status_code == 404
    assert (
        post(client, "/tasks/api/start/simple_insurance_enrolment", {"data": APPLICATION}).status_code == 404
    )
    assert not ProcessInstance.objects.exists()
