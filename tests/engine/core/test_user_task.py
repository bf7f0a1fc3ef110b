"""User task (zeebe:userTask): a native task record with assignment, schedule, priority and form."""

from __future__ import annotations

import json

import pytest

from bizdevops.engine.core.errors import Conflict, NotFound
from tests.engine.core.harness import (
    HERE,
    EngineHarness,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    root_variables,
    taken,
    trail,
)


def _form(form_id: str, **extra: str) -> bytes:
    return json.dumps({"id": form_id, "type": "default", "components": [], **extra}).encode()


REVIEW_FORM = _form("review-form")


def start(harness: EngineHarness) -> int:
    harness.engine.deploy([("review.form", REVIEW_FORM)])
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
    [form] = harness.engine.deploy([("review.form", REVIEW_FORM)]).forms
    assert task.form_definition_key == form.key
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


def test_completing_the_open_task_at_an_element_finds_it_under_the_instance_lock(
    harness: EngineHarness,
) -> None:
    # given
    key = start(harness)
    [task] = harness.user_tasks(key)
    # when
    completed = harness.engine.complete_user_task_at(key, "review", {"approved": True})
    # then: the same as completing it by its key
    assert completed == task.key
    assert trail(harness, key)[-5:] == [
        ("review", "ELEMENT_COMPLETING"),
        ("review", "ELEMENT_COMPLETED"),
        taken("f2"),
        *lifecycle("embedded", end="activated"),
    ]
    assert root_variables(harness, key)["approved"] is True
    states = {t.element_id: t.state for t in harness.user_tasks(key)}
    assert states == {"review": "COMPLETED", "embedded": "CREATED"}


def test_completing_at_an_element_without_an_open_task_is_not_found_and_changes_nothing(
    harness: EngineHarness,
) -> None:
    # given
    key = start(harness)
    harness.engine.complete_user_task_at(key, "review", {"n": 1})
    before = (harness.history(), instance(harness, key).to_dict())
    # when / then: the task there is done, another element has none, another instance does not exist
    with pytest.raises(NotFound, match="No open user task at element 'review'"):
        harness.engine.complete_user_task_at(key, "review", {"n": 2})
    with pytest.raises(NotFound, match="No open user task at element 'start'"):
        harness.engine.complete_user_task_at(key, "start")
    with pytest.raises(NotFound, match="No process instance"):
        harness.engine.complete_user_task_at(key + 999_999, "embedded")
    assert (harness.history(), instance(harness, key).to_dict()) == before


def test_completing_at_a_multi_instance_task_with_several_open_is_a_conflict(harness: EngineHarness) -> None:
    # given: two inner instances, each with its open task
    deploy(harness, "mi_user_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_user_task", variables={"signers": ["ann", "bob"]}
    ).process_instance_key
    first, second = sorted(harness.user_tasks(key), key=lambda t: t.key)
    before = (harness.history(), instance(harness, key).to_dict())
    # when / then: which one is meant is not clear
    with pytest.raises(Conflict, match="2 open user tasks at element 'sign'"):
        harness.engine.complete_user_task_at(key, "sign")
    assert (harness.history(), instance(harness, key).to_dict()) == before
    # once one is done, the element has one open task left: that one is meant
    harness.engine.complete_user_task(first.key)
    assert harness.engine.complete_user_task_at(key, "sign") == second.key
    assert instance(harness, key).status == "COMPLETED"


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


def test_a_linked_form_that_is_not_deployed_raises_an_incident_until_it_is(harness: EngineHarness) -> None:
    # given the process but not the form its user task links to
    deploy(harness, "user_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="user_task", variables={"owner": "carol", "due": "2026-02-01T12:00:00Z"}
    ).process_instance_key
    # then the task is not created: the element waits in ACTIVATING with Zeebe's FORM_NOT_FOUND incident
    assert harness.user_tasks(key) == []
    assert trail(harness, key)[-1] == ("review", "ELEMENT_ACTIVATING")
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id, incident.error_message) == (
        "FORM_NOT_FOUND",
        "review",
        "Expected to find a form with id 'review-form', but no form with this id is found, at least a form "
        "with this id should be available. To resolve the Incident please deploy a form with the same id",
    )
    # when the form is deployed and the incident resolved
    [form] = harness.engine.deploy([("review.form", REVIEW_FORM)]).forms
    harness.engine.resolve_incident(incident.key)
    # then the task is created, linked to that form, and completes as usual
    assert open_incidents(harness, key) == []
    assert trail(harness, key)[-2:] == [("review", "ELEMENT_ACTIVATING"), ("review", "ELEMENT_ACTIVATED")]
    [task] = harness.user_tasks(key)
    assert (task.form_id, task.form_definition_key) == ("review-form", form.key)
    harness.engine.complete_user_task(task.key, {})
    assert trail(harness, key)[-1] == ("embedded", "ELEMENT_ACTIVATED")


@pytest.mark.parametrize(
    ("binding", "message"),
    [
        (
            'bindingType="versionTag" versionTag="v2"',
            "Expected to use a form with id 'review-form' and version tag 'v2', but no such form found. To "
            "resolve the incident, deploy a form with the given id and version tag.",
        ),
        (
            'bindingType="deployment"',
            "with binding type 'deployment', but no such form found in the deployment",
        ),
    ],
)
def test_a_bound_form_resolves_per_its_binding_type(
    harness: EngineHarness, binding: str, message: str
) -> None:
    # given the form at version tag v1 deployed on its own, and a process binding it by tag v2 or by deployment
    harness.engine.deploy([("review.form", _form("review-form", versionTag="v1"))])
    source = (HERE / "user_task.bpmn").read_bytes()
    source = source.replace(b'formId="review-form"', f'formId="review-form" {binding}'.encode())
    harness.engine.deploy([("bound.bpmn", source)])
    key = harness.engine.create_process_instance(
        bpmn_process_id="user_task", variables={"owner": "carol", "due": "2026-02-01T12:00:00Z"}
    ).process_instance_key
    # then no form fits: an incident with Zeebe's message for that binding
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "FORM_NOT_FOUND"
    assert message in incident.error_message
    # when a fitting form is deployed (tag v2; or the process again with the form, as a new version)
    if "versionTag" in binding:
        [fitting] = harness.engine.deploy([("review2.form", _form("review-form", versionTag="v2"))]).forms
        harness.engine.resolve_incident(incident.key)
        # then the task links to it, not to the v1 form
        [task] = harness.user_tasks(key)
        assert task.form_definition_key == fitting.key
    else:
        deployment = harness.engine.deploy(
            [
                ("bound.bpmn", source.replace(b"Review order", b"Review order again")),
                ("r.form", _form("review-form", versionTag="v3")),
            ]
        )
        [fitting] = deployment.forms
        second = harness.engine.create_process_instance(
            bpmn_process_id="user_task", variables={"owner": "carol", "due": "2026-02-01T12:00:00Z"}
        ).process_instance_key
        [task] = harness.user_tasks(second)
        assert task.form_definition_key == fitting.key
        assert len(open_incidents(harness, key)) == 1
