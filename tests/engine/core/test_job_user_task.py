"""Job-based user tasks: a bpmn:userTask without zeebe:userTask is, as in Camunda 8, a job of type
io.camunda.zeebe:userTask (one retry) whose custom headers carry the assignment, schedule and form key;
it is completed like any job. With zeebe:userTask it stays a native (Camunda) user task."""

from __future__ import annotations

import json

import pytest

from bizdevops.engine.core.parser.validate import DeploymentRejected
from tests.engine.core.harness import (
    HERE,
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    root_variables,
    taken,
    trail,
)

JOB_TYPE = "io.camunda.zeebe:userTask"
LEAVE_FORM = json.dumps({"id": "leave-form", "type": "default", "components": []}).encode()


def test_a_user_task_without_zeebe_user_task_is_a_job_with_the_user_task_headers(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "job_user_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="job_user_task",
        variables={"owner": "kim", "reviewers": ["ann", "bob"], "followUp": "2026-11-30T08:00:00Z"},
    ).process_instance_key
    # then a job waits, and no task record was made
    assert harness.user_tasks(key) == []
    [job] = harness.engine.activate_jobs(JOB_TYPE, "my-tasklist", 60_000, 10)
    assert (job.process_instance_key, job.element_id, job.retries) == (key, "approve", 1)
    assert job.custom_headers == {
        "region": "eu",
        "io.camunda.zeebe:assignee": "kim",
        "io.camunda.zeebe:candidateGroups": '["sales","finance"]',
        "io.camunda.zeebe:candidateUsers": '["ann","bob"]',
        "io.camunda.zeebe:dueDate": "2026-12-01T10:00:00Z",
        "io.camunda.zeebe:followUpDate": "2026-11-30T08:00:00Z",
        "io.camunda.zeebe:formKey": "camunda-forms:bpmn:UserTaskForm_1",
    }
    assert job.to_rest()["type"] == JOB_TYPE
    # when the worker completes the job
    harness.engine.complete_job(job.job_key, {"ok": True})
    # then the task completes with its output mapping, and the next (native) user task is a task record
    [native] = harness.user_tasks(key)
    assert (native.element_id, native.assignee, native.state) == ("native", "kim", "CREATED")
    assert [j for j in harness.jobs(key) if j.state != "COMPLETED"] == []
    assert root_variables(harness, key)["approved"] is True
    harness.engine.complete_user_task(native.key)
    assert_trail(
        trail(harness, key),
        [
            ("job_user_task", "ELEMENT_ACTIVATING"),
            ("job_user_task", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("approve"),
            taken("f2"),
            *lifecycle("native"),
            taken("f3"),
            *lifecycle("end"),
            ("job_user_task", "ELEMENT_COMPLETING"),
            ("job_user_task", "ELEMENT_COMPLETED"),
        ],
    )


def test_a_bare_user_task_is_a_job_with_no_headers_and_canceling_cancels_it(harness: EngineHarness) -> None:
    deploy(harness, "job_user_task.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="bare_user_task").process_instance_key
    [job] = harness.jobs(key)
    assert (job.type, job.custom_headers, job.state, job.retries) == (JOB_TYPE, {}, "ACTIVATABLE", 1)
    harness.engine.cancel_process_instance(key)
    [job] = harness.jobs(key)
    assert job.state == "CANCELED"
    assert_trail(
        trail(harness, key),
        [
            ("bare_user_task", "ELEMENT_ACTIVATING"),
            ("bare_user_task", "ELEMENT_ACTIVATED"),
            *lifecycle("b_start"),
            taken("b_f1"),
            *lifecycle("bare", end="activated"),
            ("bare_user_task", "ELEMENT_TERMINATING"),
            ("bare", "ELEMENT_TERMINATING"),
            ("bare", "ELEMENT_TERMINATED"),
            ("bare_user_task", "ELEMENT_TERMINATED"),
        ],
    )


def test_a_job_based_user_task_fails_with_its_single_retry_into_an_incident(harness: EngineHarness) -> None:
    deploy(harness, "job_user_task.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="bare_user_task").process_instance_key
    [job] = harness.engine.activate_jobs(JOB_TYPE, "w", 60_000, 1)
    harness.engine.fail_job(job.job_key, job.retries - 1, "nobody there")
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id, incident.job_key) == (
        "JOB_NO_RETRIES",
        "bare",
        job.job_key,
    )


def test_a_linked_form_becomes_the_form_key_header_and_a_missing_one_an_incident(
    harness: EngineHarness,
) -> None:
    # given the process, but not its form
    deploy(harness, "job_user_task.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="linked_form_task").process_instance_key
    # then the task cannot start: an incident, no job
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id) == ("FORM_NOT_FOUND", "fill")
    assert "leave-form" in incident.error_message
    assert harness.jobs(key) == []
    # when the form is deployed and the incident resolved
    deployment = harness.engine.deploy([("leave.form", LEAVE_FORM)])
    [form] = deployment.forms
    harness.engine.resolve_incident(incident.key)
    # then the job carries the form's key
    [job] = harness.jobs(key)
    assert job.custom_headers == {"io.camunda.zeebe:formKey": str(form.key)}
    harness.engine.complete_job(job.key)
    assert instance(harness, key).status == "COMPLETED"


def test_a_task_header_may_not_use_a_restricted_user_task_header_name(harness: EngineHarness) -> None:
    xml = (
        (HERE / "job_user_task.bpmn")
        .read_bytes()
        .replace(
            b'<zeebe:header key="region" value="eu" />',
            b'<zeebe:header key="io.camunda.zeebe:assignee" value="x" />',
        )
    )
    with pytest.raises(DeploymentRejected) as refused:
        harness.engine.deploy([("restricted.bpmn", xml)])
    assert [str(p) for p in refused.value.problems] == [
        "approve: Attribute 'key' may not use restricted header 'io.camunda.zeebe:assignee'."
    ]
