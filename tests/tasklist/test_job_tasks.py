"""Job-based user tasks (a bpmn:userTask without zeebe:userTask: a job of type io.camunda.zeebe:userTask, as
Camunda Modeler before 8.5 made every user task) in the Tasklist: listed and shown like native tasks, with
the same visibility, claimed in the Tasklist's own store, completed with the form through the job."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bizdevops.engine import services as engine
from bizdevops.engine.core.errors import Conflict
from bizdevops.engine.state.models import Job, ProcessInstance, UserTask, Variable
from tasklist import importer, selectors
from tasklist.models import JobTask, JobTaskCandidate, TaskEvent
from tasklist.selectors import TaskFilter

HERE = Path(__file__).resolve().parent
JOB_TYPE = "io.camunda.zeebe:userTask"
LEAVE_FORM = {
    "id": "leave-form",
    "type": "default",
    "components": [{"key": "reason", "label": "Reason", "type": "textfield", "validate": {"required": True}}],
}


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def leave_processes(db) -> None:  # type: ignore[no-untyped-def]
    engine.deploy_resources(
        resources=[
            ("job_tasks.bpmn", (HERE / "job_tasks.bpmn").read_bytes()),
            ("leave.form", json.dumps(LEAVE_FORM).encode()),
        ]
    )


@pytest.fixture
def start_leave(leave_processes):  # type: ignore[no-untyped-def]
    """Start a leave request; returns its open job (the job-based review task)."""

    def start(**variables: Any) -> Job:
        values = {"owner": None, "reviewGroups": ["Employee"], "reviewers": [], "due": None, **variables}
        created = engine.create_process_instance(bpmn_process_id="leave_request", variables=values)
        return Job.objects.get(process_instance_key=created.process_instance_key, type=JOB_TYPE)

    return start


def instance_variables(job: Job) -> dict[str, Any]:
    return dict(
        Variable.objects.filter(process_instance_key=job.process_instance_key).values_list("name", "value")
    )


def snapshot(job: Job) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was: the job, the instance, the Tasklist's row."""
    job.refresh_from_db()
    task = JobTask.objects.filter(key=job.key).values_list("state", "assignee", "follow_up_date").first()
    return job.state, job.custom_headers, instance_variables(job), task, TaskEvent.objects.count()


def test_a_job_based_task_is_listed_and_shown_like_a_native_one(
    start_leave, start_application, underwriter
) -> None:  # type: ignore[no-untyped-def]
    # given a native review task and, started later, a job-based leave review, both offered to Employees
    native = start_application()
    job = start_leave(reviewers=["ann"], due="2030-01-01T17:00:00Z")
    client = as_user(underwriter)
    # when an employee opens the list of open tasks
    listed = client.get("/tasks/api/list", {"view": "all", "sort": "-created"}).json()
    # then both are there, newest first, the job-based one with its job's facts
    assert [int(t["key"]) for t in listed["tasks"]] == [job.key, native.key]
    task = listed["tasks"][0]
    assert {k: task[k] for k in ("name", "processName", "bpmnProcessId", "elementId", "state")} == {
        "name": "Review leave",
        "processName": "Leave request",
        "bpmnProcessId": "leave_request",
        "elementId": "review",
        "state": "CREATED",
    }
    assert (task["assignee"], task["candidateGroups"], task["candidateUsers"]) == ("", ["Employee"], ["ann"])
    assert task["dueDate"].startswith("2030-01-01T17:00:00")
    assert task["followUpDate"].startswith("2030-01-02T09:00:00")
    assert task["creationDate"] is not None
    assert task["processInstanceKey"] == str(job.process_instance_key)
    assert (task["implementation"], listed["tasks"][1]["implementation"]) == ("JOB_WORKER", "ZEEBE_USER_TASK")
    assert {v["slug"]: v["count"] for v in listed["views"]}["all"] == 2
    # and its page renders the embedded form (formKey camunda-forms:bpmn:...) for form-js
    page = client.get(f"/tasks/{job.key}/")
    assert page.status_code == 200
    assert "Review leave" in page.content.decode()
    detail = client.get(f"/tasks/api/tasks/{job.key}").json()
    assert [c["key"] for c in detail["schema"]["components"]] == ["decision", "days"]
    assert detail["permissions"]["claim"] is True
    assert detail["permissions"]["complete"] is False
    # and sorting by due date merges both kinds (the native task has no due date: last)
    by_due = client.get("/tasks/api/list", {"view": "all", "sort": "due"}).json()
    assert [int(t["key"]) for t in by_due["tasks"]] == [job.key, native.key]


def test_a_linked_form_reaches_the_task_through_the_form_key_header(leave_processes, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given a job-based task linking a deployed form by formId (the job's formKey header is the form's key)
    created = engine.create_process_instance(bpmn_process_id="linked_leave")
    job = Job.objects.get(process_instance_key=created.process_instance_key, type=JOB_TYPE)
    # when the employee opens it
    detail = as_user(underwriter).get(f"/tasks/api/tasks/{job.key}").json()
    # then the linked form is shown
    assert job.custom_headers["io.camunda.zeebe:formKey"].isdigit()
    assert detail["schema"]["id"] == "leave-form"
    assert detail["task"]["name"] == "Fill in leave"


@pytest.mark.parametrize(
    ("username", "groups", "sees"),
    [
        ("uw", ["Employee"], True),  # in a candidate group
        ("ann", [], True),  # a candidate user
        ("kim", [], True),  # the header's assignee
        ("root", ["Admin"], True),
        ("boss", ["Manager"], False),  # neither candidate nor assignee
        ("out", ["Analyst"], False),
    ],
)
def test_visibility_follows_the_native_rules(start_leave, make_user, username, groups, sees) -> None:  # type: ignore[no-untyped-def]
    # given a job-based task offered to Employees and ann, assigned to kim by its header
    job = start_leave(reviewers=["ann"], owner="kim")
    user = make_user(username, *groups)
    client = as_user(user)
    # when the user looks for it
    listed = client.get("/tasks/api/list", {"view": "all"}).json()
    page = client.get(f"/tasks/{job.key}/")
    # then they see it exactly when they would see a native task offered the same way
    assert (job.key in {int(t["key"]) for t in listed["tasks"]}) is sees
    assert page.status_code == (200 if sees else 404)
    assert (client.get(f"/tasks/api/tasks/{job.key}").status_code == 200) is sees


def test_the_header_assignee_is_the_initial_assignee(start_leave, make_user) -> None:  # type: ignore[no-untyped-def]
    # given a task whose assignment definition names kim
    job = start_leave(owner="kim")
    kim = make_user("kim")
    # then it is in kim's own tasks, and kim may complete it without claiming
    mine = as_user(kim).get("/tasks/api/list", {"view": "mine"}).json()
    assert [int(t["key"]) for t in mine["tasks"]] == [job.key]
    assert mine["tasks"][0]["assignedToMe"] is True
    detail = as_user(kim).get(f"/tasks/api/tasks/{job.key}").json()
    assert detail["permissions"]["complete"] is True


def test_claim_and_unclaim_keep_the_assignment_in_the_tasklist(start_leave, underwriter, colleague) -> None:  # type: ignore[no-untyped-def]
    # given an unassigned job-based task offered to Employees
    job = start_leave()
    headers = dict(Job.objects.get(key=job.key).custom_headers)
    # when one employee claims it
    claimed = post(as_user(underwriter), f"/tasks/api/tasks/{job.key}/claim")
    # then the Tasklist's row names them; the engine's job is untouched (Tasklist's store, not Zeebe's)
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["task"]["assignee"] == "uw"
    assert JobTask.objects.get(key=job.key).assignee == "uw"
    job.refresh_from_db()
    assert (job.state, job.custom_headers) == ("ACTIVATABLE", headers)
    assert [int(t["key"]) for t in as_user(underwriter).get("/tasks/api/list").json()["tasks"]] == [job.key]
    # and a colleague can neither take it over nor unassign it
    before = snapshot(job)
    assert post(as_user(colleague), f"/tasks/api/tasks/{job.key}/claim").status_code == 409
    assert post(as_user(colleague), f"/tasks/api/tasks/{job.key}/unclaim").status_code == 403
    assert snapshot(job) == before
    # when the assignee gives it back
    assert post(as_user(underwriter), f"/tasks/api/tasks/{job.key}/unclaim").status_code == 200
    # then it is unassigned again, with both actions in its trail
    assert JobTask.objects.get(key=job.key).assignee == ""
    assert list(TaskEvent.objects.filter(task_key=job.key).values_list("action", flat=True)) == [
        "claimed",
        "unclaimed",
    ]


def test_follow_up_date_and_assignment_by_a_manager(start_leave, underwriter, make_user) -> None:  # type: ignore[no-untyped-def]
    job = start_leave(reviewGroups=["Employee", "Manager"])
    boss = make_user("boss", "Manager")
    response = post(as_user(boss), f"/tasks/api/tasks/{job.key}/assign", {"assignee": "uw"})
    assert response.status_code == 200, response.content
    follow = post(
        as_user(underwriter), f"/tasks/api/tasks/{job.key}/follow-up", {"followUpDate": "2031-05-06"}
    )
    assert follow.status_code == 200, follow.content
    task = JobTask.objects.get(key=job.key)
    assert (task.assignee, task.follow_up_date.date().isoformat()) == ("uw", "2031-05-06")


def test_completing_validates_the_form_and_completes_the_job(start_leave, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given a claimed job-based task with an embedded form (decision required, days 0..30)
    job = start_leave()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{job.key}/claim")
    before = snapshot(job)
    # when the form is submitted with a bad value
    refused = post(client, f"/tasks/api/tasks/{job.key}/complete", {"data": {"days": 99}})
    # then 400 with the same field errors as for a native task, and nothing changed
    assert refused.status_code == 400
    assert set(refused.json()["fieldErrors"]) == {"decision", "days"}
    assert snapshot(job) == before
    # when it is submitted properly, with a key the form does not have
    done = post(
        client, f"/tasks/api/tasks/{job.key}/complete", {"data": {"decision": "approve", "days": 3, "x": 1}}
    )
    # then the job is completed with the form's fields only, the process finished, the task is closed
    assert done.status_code == 200, done.content
    job.refresh_from_db()
    assert job.state == "COMPLETED"
    variables = instance_variables(job)
    assert (variables["decision"], variables["days"], "x" in variables) == ("approve", 3, False)
    assert ProcessInstance.objects.get(key=job.process_instance_key).status == "COMPLETED"
    task = JobTask.objects.get(key=job.key)
    assert (task.state, task.completed_by) == ("COMPLETED", "uw")
    assert not JobTaskCandidate.objects.filter(task_id=job.key).exists()
    assert as_user(underwriter).get("/tasks/api/list", {"view": "all"}).json()["tasks"] == []
    completed = as_user(underwriter).get("/tasks/api/list", {"view": "completed"}).json()
    assert [int(t["key"]) for t in completed["tasks"]] == [job.key]
    # and a generic worker completing the same job afterwards gets the engine's conflict
    with pytest.raises(Conflict):
        engine.complete_job(job_key=job.key, variables={"decision": "reject"})
    assert instance_variables(job)["decision"] == "approve"


def test_a_job_a_worker_completed_first_cannot_be_completed_in_the_tasklist(start_leave, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given a job-based task an employee claimed and opened
    job = start_leave()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{job.key}/claim")
    # when a generic job worker activates and completes the job first
    [activated] = engine.activate_jobs(
        job_type=JOB_TYPE, worker="legacy", timeout_ms=60_000, max_jobs_to_activate=1
    )
    engine.complete_job(job_key=activated.job_key, variables={"decision": "reject"})
    before = instance_variables(job)
    # then the Tasklist's completion is a 409 with a clear message, and nothing changed
    response = post(client, f"/tasks/api/tasks/{job.key}/complete", {"data": {"decision": "approve"}})
    assert response.status_code == 409
    assert response.json()["detail"] == "This task is no longer open."
    assert instance_variables(job) == before
    assert not TaskEvent.objects.filter(task_key=job.key, action="completed").exists()
    # and the task shows as completed (not by a Tasklist user)
    task = JobTask.objects.get(key=job.key)
    assert (task.state, task.completed_by) == ("COMPLETED", "")


def test_a_completion_racing_a_worker_inside_one_request_is_refused(start_leave, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given a claimed task whose job a worker completes after the Tasklist imported it as open
    job = start_leave()
    post(as_user(underwriter), f"/tasks/api/tasks/{job.key}/claim")
    engine.complete_job(job_key=job.key, variables={"decision": "reject"})
    assert JobTask.objects.get(key=job.key).state == "CREATED"  # not re-imported yet
    from tasklist import services

    # when the Tasklist completes it without a fresh import: the engine's conflict decides
    with pytest.raises(services.TaskConflict, match="already completed or canceled"):
        services.complete_task(user=underwriter, task_key=job.key, data={"decision": "approve"})
    # then nothing changed
    assert instance_variables(job)["decision"] == "reject"
    assert JobTask.objects.get(key=job.key).completed_by == ""


def test_a_canceled_instance_closes_its_task(start_leave, underwriter) -> None:  # type: ignore[no-untyped-def]
    job = start_leave()
    client = as_user(underwriter)
    post(client, f"/tasks/api/tasks/{job.key}/claim")
    engine.cancel_process_instance(process_instance_key=job.process_instance_key)
    assert client.get("/tasks/api/list", {"view": "all"}).json()["tasks"] == []
    assert JobTask.objects.get(key=job.key).state == "CANCELED"
    response = post(client, f"/tasks/api/tasks/{job.key}/complete", {"data": {"decision": "approve"}})
    assert response.status_code == 409


@pytest.mark.parametrize("role", ["Manager", "Analyst", None])
def test_someone_who_may_not_see_the_task_changes_nothing(start_leave, make_user, role) -> None:  # type: ignore[no-untyped-def]
    # given a task offered to Employees only
    job = start_leave()
    importer.import_job_tasks()
    intruder = make_user("intruder", *([role] if role else []))
    client = as_user(intruder)
    before = snapshot(job)
    # when they try every action
    answers = [
        post(client, f"/tasks/api/tasks/{job.key}/claim").status_code,
        post(client, f"/tasks/api/tasks/{job.key}/complete", {"data": {"decision": "approve"}}).status_code,
        post(client, f"/tasks/api/tasks/{job.key}/follow-up", {"followUpDate": "2031-01-01"}).status_code,
    ]
    # then each is a 404 (no existence oracle) and nothing changed
    assert answers == [404, 404, 404]
    assert snapshot(job) == before


def test_the_import_is_idempotent_and_reads_only_open_tasks(start_leave, underwriter) -> None:  # type: ignore[no-untyped-def]
    # given two leave requests, one of them finished by a worker before the Tasklist ever looked
    first, second = start_leave(), start_leave(reviewers=["ann", "ann"])
    engine.complete_job(job_key=first.key, variables={"decision": "approve"})
    # when the import runs twice
    importer.import_job_tasks()
    importer.import_job_tasks()
    # then only the open job became a task, once, with its candidates once each
    assert list(JobTask.objects.values_list("key", flat=True)) == [second.key]
    assert sorted(JobTaskCandidate.objects.values_list("kind", "name")) == [
        ("group", "Employee"),
        ("user", "ann"),
    ]
    assert selectors.count_tasks(underwriter, TaskFilter()) == 1
    assert UserTask.objects.count() == 0


def test_drafts_and_comments_work_on_a_job_based_task(start_leave, underwriter, colleague) -> None:  # type: ignore[no-untyped-def]
    # given an open job-based task both employees may see
    job = start_leave()
    client = as_user(underwriter)
    # when one saves a draft and comments
    draft = client.put(
        f"/tasks/api/tasks/{job.key}/draft",
        data=json.dumps({"data": {"decision": "reject"}}),
        content_type="application/json",
    )
    comment = post(client, f"/tasks/api/tasks/{job.key}/comments", {"body": "Checking the calendar."})
    # then the draft comes back with the task, and the colleague reads the comment on its page
    assert (draft.status_code, comment.status_code) == (200, 201)
    assert client.get(f"/tasks/api/tasks/{job.key}").json()["draft"] == {"decision": "reject"}
    assert "Checking the calendar." in as_user(colleague).get(f"/tasks/{job.key}/").content.decode()


def test_a_document_of_the_instance_is_readable_by_who_sees_its_job_based_task(
    start_leave, make_user, underwriter, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from forms.services import attach_documents

    settings.MEDIA_ROOT = tmp_path
    # given a leave request started with a certificate its requester uploaded
    requester = make_user("req")
    uploaded = as_user(requester).post(
        "/tasks/api/uploads", {"file": SimpleUploadedFile("cert.pdf", b"%PDF-1.7\n%leave\n")}
    )
    document_id = uploaded.json()["documentId"]
    reference = {
        "camunda.document.type": "camunda",
        "documentId": document_id,
        "metadata": {"fileName": "cert.pdf"},
    }
    job = start_leave(certificate=[reference])
    attach_documents(
        user=requester,
        variables=instance_variables(job),
        process_instance_key=job.process_instance_key,
    )
    # then the reviewer (a candidate of its job-based task) sees and downloads it; a Manager cannot
    assert "cert.pdf" in as_user(underwriter).get(f"/tasks/{job.key}/").content.decode()
    assert as_user(underwriter).get(f"/tasks/api/documents/{document_id}").status_code == 200
    boss = make_user("boss", "Manager")
    assert as_user(boss).get(f"/tasks/api/documents/{document_id}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_imported_job_based_task_is_announced_to_who_may_see_it(make_user) -> None:  # type: ignore[no-untyped-def]
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from tasklist import live

    # given an employee's browser listening, and a new job-based task offered to Employees
    engine.deploy_resources(resources=[("job_tasks.bpmn", (HERE / "job_tasks.bpmn").read_bytes())])
    layer = get_channel_layer()
    employees, managers = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.role_group("Employee"), employees)
    async_to_sync(layer.group_add)(live.role_group("Manager"), managers)
    created = engine.create_process_instance(
        bpmn_process_id="leave_request",
        variables={"owner": None, "reviewGroups": ["Employee"], "reviewers": [], "due": None},
    )
    job = Job.objects.get(process_instance_key=created.process_instance_key, type=JOB_TYPE)
    # when the Tasklist imports it
    assert importer.import_job_tasks() == 1

    # then the Employees' group hears of it, the Managers' does not
    async def first_message(channel: str) -> dict[str, Any]:
        return await asyncio.wait_for(layer.receive(channel), timeout=3)  # type: ignore[no-any-return]

    message = async_to_sync(first_message)(employees)
    assert message == {"type": "task.changed", "key": str(job.key), "intent": "CREATED"}

    async def hears_nothing(channel: str) -> bool:
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        except TimeoutError:
            return True
        return False

    assert async_to_sync(hears_nothing)(managers)


def test_the_beat_imports_new_job_based_tasks_without_anyone_reading(start_leave) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.celery import app
    from tasklist.tasks import import_job_tasks_task

    # given a new job-based task nobody has looked at yet
    job = start_leave()
    assert not JobTask.objects.filter(key=job.key).exists()
    # when the scheduled import runs (celery beat, every few seconds)
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "tasklist.import_job_tasks" in scheduled
    assert import_job_tasks_task.apply().get() == 1
    # then the task is in the Tasklist's store, and a second run finds nothing new
    assert JobTask.objects.filter(key=job.key).exists()
    assert import_job_tasks_task.apply().get() == 0
