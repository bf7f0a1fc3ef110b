"""User task (zeebe:userTask): a native task record with assignment, schedule, priority and form."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict
from tests.engine.core.harness import EngineHarness, deploy, instance, lifecycle, root_variables, taken, trail


def start(harness: EngineHarness) -> int:
    deploy(harness, "user_task.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="user_task", variables={"owner": "carol", "due": "2026-02-01T12:00:00Z"}
    ).process_instance_key


def test_user_task_creates_a_task_record_not_a_job(harness: EngineHarness) -> None:
    # when
    key = start(harness)
    # then
    assert trail(harness, key)[-2:] == lifecycle("review", end="activated")
    [task] = harness.user_tasks(key)
    assert task.state == "CREATED"
    assert task.name == "Review order"
    assert task.assignee == "carol"
    assert task.candidate_groups == ("sales", "ops")
    assert task.candidate_users == ("ann", "bob")
    assert task.due_date == "2026-02-01T12:00:00Z"
    assert task.follow_up_date == "2026-01-05T09:00:00Z"
    assert task.priority == 70
    assert task.form_id == "review-form"
    assert task.custom_headers == {"kind": "approval"}
    assert harness.jobs(key) == []


def test_completing_the_task_continues_and_merges_variables(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [task] = harness.user_tasks(key)
    # when
    harness.engine.complete_user_task(task.key, {"approved": True})
    # then
    assert trail(harness, key)[-5:] == [
        ("review", "ELEMENT_COMPLETING"),
        ("review", "ELEMENT_COMPLETED"),
        taken("f2"),
        *lifecycle("embedded", end="activated"),
    ]
    assert root_variables(harness, key)["approved"] is True
    embedded = next(t for t in harness.user_tasks(key) if t.element_id == "embedded")
    assert embedded.form_key == "camunda-forms:bpmn:UserTaskForm_1"
    assert embedded.embedded_form is not None
    assert '"checkbox"' in embedded.embedded_form


def test_output_mapping_of_a_user_task(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [task] = harness.user_tasks(key)
    harness.engine.complete_user_task(task.key, {})
    embedded = next(t for t in harness.user_tasks(key) if t.element_id == "embedded")
    # when
    harness.engine.complete_user_task(embedded.key, {"ok": True})
    # then
    assert root_variables(harness, key) == {
        "owner": "carol",
        "due": "2026-02-01T12:00:00Z",
        "confirmed": True,
    }
    assert instance(harness, key).status == "COMPLETED"


def test_completing_a_completed_task_is_a_conflict_and_changes_nothing(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [task] = harness.user_tasks(key)
    harness.engine.complete_user_task(task.key, {"n": 1})
    before = (harness.history(), instance(harness, key).to_dict())
    # when / then
    with pytest.raises(Conflict):
        harness.engine.complete_user_task(task.key, {"n": 2})
    assert (harness.history(), instance(harness, key).to_dict()) == before


def test_assign_unassign_and_update(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [task] = harness.user_tasks(key)
    # when
    harness.engine.assign_user_task(task.key, "dave")
    with pytest.raises(Conflict):
        harness.engine.assign_user_task(task.key, "erin", allow_override=False)
    harness.engine.update_user_task(task.key, priority=10, candidate_groups=["audit"])
    # then
    [updated] = harness.user_tasks(key)
    assert (updated.assignee, updated.priority, updated.candidate_groups) == ("dave", 10, ("audit",))
    harness.engine.assign_user_task(task.key, None)
    assert harness.user_tasks(key)[0].assignee is None


def test_canceling_the_instance_cancels_the_task(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.cancel_process_instance(key)
    [task] = harness.user_tasks(key)
    assert task.state == "CANCELED"
    with pytest.raises(Conflict):
        harness.engine.complete_user_task(task.key, {})
