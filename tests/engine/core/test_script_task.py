"""Script task: zeebe:script FEEL with a result variable, or a job."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    lifecycle,
    open_incidents,
    root_variables,
    taken,
    trail,
)


def test_script_result_is_stored_in_the_result_variable(harness: EngineHarness) -> None:
    # given
    deploy(harness, "script_task.bpmn")
    # when
    key = harness.engine.create_process_instance(
        bpmn_process_id="script_task", variables={"items": [1, 2, 3.5], "factor": 2}
    ).process_instance_key
    # then
    assert_trail(
        trail(harness, key),
        [
            ("script_task", "ELEMENT_ACTIVATING"),
            ("script_task", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("compute"),
            taken("f2"),
            *lifecycle("end"),
            ("script_task", "ELEMENT_COMPLETING"),
            ("script_task", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key)["total"] == 13


def test_failing_script_raises_an_incident_and_resolves_after_fixing_variables(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "script_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="script_task", variables={"items": [1], "factor": "two"}
    ).process_instance_key
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id) == ("EXTRACT_VALUE_ERROR", "compute")
    assert trail(harness, key)[-1] == ("compute", "ELEMENT_ACTIVATING")
    # when
    harness.engine.set_variables(key, {"factor": 3})
    harness.engine.resolve_incident(incident.key)
    # then
    assert root_variables(harness, key)["total"] == 3
    assert trail(harness, key)[-1] == ("script_task", "ELEMENT_COMPLETED")


def test_script_task_with_task_definition_is_a_job(harness: EngineHarness) -> None:
    deploy(harness, "script_task.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="script_job").process_instance_key
    [job] = harness.engine.activate_jobs("script-runner", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {"out": 1})
    assert root_variables(harness, key) == {"out": 1}
