"""Call activity: child instance, variable propagation, completion, errors, cancellation."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict
from tests.engine.core.harness import (
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


def child_key(harness: EngineHarness, parent_key: int) -> int:
    state = instance(harness, parent_key)
    [call] = [e for e in state.elements.values() if e.element_type == "CALL_ACTIVITY"]
    assert call.child_instance_key is not None
    return call.child_instance_key


def test_parent_waits_for_the_child_and_gets_its_variables(harness: EngineHarness) -> None:
    # given
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(
        bpmn_process_id="parent", variables={"a": 1}
    ).process_instance_key
    child = child_key(harness, parent)
    # then the child started with the parent's variables
    assert instance(harness, child).parent_instance_key == parent
    assert root_variables(harness, child) == {"a": 1}
    assert_trail(
        trail(harness, child),
        [
            ("child", "ELEMENT_ACTIVATING"),
            ("child", "ELEMENT_ACTIVATED"),
            *lifecycle("c_start"),
            taken("c_f1"),
            *lifecycle("c_task", end="activated"),
        ],
    )
    # when
    [job] = harness.engine.activate_jobs("child-work", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {"b": 2})
    # then
    assert instance(harness, child).status == "COMPLETED"
    assert trail(harness, parent)[-9:][:2] == [("call", "ELEMENT_COMPLETING"), ("call", "ELEMENT_COMPLETED")]
    assert instance(harness, parent).status == "COMPLETED"
    assert root_variables(harness, parent) == {"a": 1, "b": 2}


def test_mappings_without_propagation(harness: EngineHarness) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(
        bpmn_process_id="parent_mapped", variables={"secret": 41, "childId": "child"}
    ).process_instance_key
    child = child_key(harness, parent)
    assert root_variables(harness, child) == {"given": 42}
    [job] = harness.engine.activate_jobs("child-work", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {"childResult": "ok", "noise": True})
    assert root_variables(harness, parent) == {"secret": 41, "childId": "child", "fromChild": "ok"}


def test_missing_called_process_is_an_incident(harness: EngineHarness) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(
        bpmn_process_id="parent_mapped", variables={"secret": 1, "childId": "nope"}
    ).process_instance_key
    [incident] = open_incidents(harness, parent)
    assert incident.error_type == "CALLED_ELEMENT_ERROR"
    harness.engine.set_variables(parent, {"childId": "child"})
    harness.engine.resolve_incident(incident.key)
    assert root_variables(harness, child_key(harness, parent)) == {"given": 2}


def test_canceling_the_parent_cancels_the_child(harness: EngineHarness) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(bpmn_process_id="parent").process_instance_key
    child = child_key(harness, parent)
    with pytest.raises(Conflict):
        harness.engine.cancel_process_instance(child)
    harness.engine.cancel_process_instance(parent)
    assert instance(harness, parent).status == "TERMINATED"
    assert instance(harness, child).status == "TERMINATED"
    assert harness.jobs(child)[0].state == "CANCELED"


def test_error_thrown_in_the_child_is_caught_at_the_call_activity(harness: EngineHarness) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(bpmn_process_id="parent").process_instance_key
    child = child_key(harness, parent)
    [job] = harness.engine.activate_jobs("child-work", "w", 1000, 1)
    harness.engine.throw_error(job.job_key, "CHILD_FAILED")
    assert ("failed_end", "ELEMENT_COMPLETED") in trail(harness, parent)
    assert instance(harness, parent).status == "COMPLETED"
    assert instance(harness, child).status == "TERMINATED"


def test_escalation_from_the_child_reaches_a_non_interrupting_boundary_of_the_parent(
    harness: EngineHarness,
) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(bpmn_process_id="escalating_parent").process_instance_key
    child = child_key(harness, parent)
    assert ("ep_notified_end", "ELEMENT_COMPLETED") in trail(harness, parent)
    assert instance(harness, parent).status == "ACTIVE"
    [task] = harness.user_tasks(child)
    harness.engine.complete_user_task(task.key)
    assert instance(harness, child).status == "COMPLETED"
    assert instance(harness, parent).status == "COMPLETED"
