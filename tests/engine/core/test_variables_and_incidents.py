"""Variables (scopes, propagation, set variables), io-mapping incidents, start instructions, sweepers."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import InvalidArgument, NotFound
from tests.engine.core.harness import (
    EngineHarness,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    root_variables,
    trail,
)


def test_failing_input_mapping_is_an_io_mapping_incident(harness: EngineHarness) -> None:
    # given: upper case(123) is an error in FEEL
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": 123, "delay": "PT1S"}
    ).process_instance_key
    # then
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id) == ("IO_MAPPING_ERROR", "task")
    assert trail(harness, key)[-1] == ("task", "ELEMENT_ACTIVATING")
    assert harness.jobs(key) == []
    # when
    harness.engine.set_variables(key, {"name": "ann"})
    harness.engine.resolve_incident(incident.key)
    # then
    [job] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    assert job.variables["shout"] == "ANN"


def test_local_variables_shadow_and_vanish_with_their_scope(harness: EngineHarness) -> None:
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": "ann", "delay": "PT1S"}
    ).process_instance_key
    state = instance(harness, key)
    [task] = [e for e in state.elements.values() if e.element_id == "task"]
    # when: a local variable of the task instance shadows the root one
    harness.engine.set_variables(task.key, {"name": "local"}, local=True, process_instance_key=key)
    [job] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    # then
    assert job.variables["name"] == "local"
    # when the job sets a variable that exists locally, it stays local (Zeebe's propagation rule)
    harness.engine.complete_job(job.job_key, {"name": "from-job", "fresh": 1})
    assert root_variables(harness, key) == {"name": "ann", "delay": "PT1S", "fresh": 1}


def test_timer_duration_from_a_variable(harness: EngineHarness) -> None:
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": "ann", "delay": "PT30S"}
    ).process_instance_key
    [job] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    harness.advance(seconds=29)
    assert instance(harness, key).status == "ACTIVE"
    harness.advance(seconds=1)
    assert instance(harness, key).status == "COMPLETED"


def test_start_instructions_start_at_the_given_element(harness: EngineHarness) -> None:
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"delay": "PT1S"}, start_element_ids=["wait"]
    ).process_instance_key
    assert trail(harness, key) == [
        ("variables", "ELEMENT_ACTIVATING"),
        ("variables", "ELEMENT_ACTIVATED"),
        *lifecycle("wait", end="activated"),
    ]
    with pytest.raises(InvalidArgument):
        harness.engine.create_process_instance(bpmn_process_id="variables", start_element_ids=["nope"])


def test_update_job_timeout_extends_the_lock(harness: EngineHarness) -> None:
    deploy(harness, "variables.bpmn")
    harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": "a", "delay": "PT1S"}
    )
    [job] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    harness.engine.update_job_timeout(job.job_key, 60_000)
    harness.advance(seconds=2)
    assert harness.engine.activate_jobs("vars", "w2", 1000, 1) == []
    harness.advance(seconds=60)
    assert len(harness.engine.activate_jobs("vars", "w2", 1000, 1)) == 1


def test_expired_messages_are_swept(harness: EngineHarness) -> None:
    harness.engine.publish_message("m", "k", {}, time_to_live_ms=1000)
    assert harness.engine.expire_messages() == 0
    harness.advance(seconds=1)
    assert harness.engine.expire_messages() == 1


def test_unknown_instance_and_process_are_not_found(harness: EngineHarness) -> None:
    with pytest.raises(NotFound):
        harness.engine.cancel_process_instance(12345)
    with pytest.raises(NotFound):
        harness.engine.create_process_instance(bpmn_process_id="missing")
    with pytest.raises(InvalidArgument):
        harness.engine.create_process_instance(bpmn_process_id="x", variables=["not", "an", "object"])  # type: ignore[arg-type]


def test_canceling_an_instance_resolves_its_incidents(harness: EngineHarness) -> None:
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": 1, "delay": "PT1S"}
    ).process_instance_key
    assert len(open_incidents(harness, key)) == 1
    harness.engine.cancel_process_instance(key)
    assert open_incidents(harness, key) == []
    assert instance(harness, key).status == "TERMINATED"
