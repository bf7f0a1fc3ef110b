"""Embedded subprocess: its own scope (input/output mappings), boundary events, cancellation."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    assert_trail_ends,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)


def start(harness: EngineHarness) -> int:
    deploy(harness, "subprocess.bpmn")
    return harness.engine.create_process_instance(bpmn_process_id="subprocess").process_instance_key


def test_subprocess_runs_its_own_flow_with_local_variables(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    assert_trail(
        trail(harness, key),
        [
            ("subprocess", "ELEMENT_ACTIVATING"),
            ("subprocess", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("sub", end="activated"),
            *lifecycle("sub_start"),
            taken("sub_f1"),
            *lifecycle("inner", end="activated"),
        ],
    )
    [job] = harness.engine.activate_jobs("inner", "w", 1000, 1)
    assert job.variables == {"local": 10}
    # when: the job's variables propagate to the nearest scope that has them, else the root
    harness.engine.complete_job(job.job_key, {"result": 5, "local": 11})
    # then
    assert_trail_ends(
        trail(harness, key),
        [
            ("inner", "ELEMENT_COMPLETING"),
            ("inner", "ELEMENT_COMPLETED"),
            taken("sub_f2"),
            *lifecycle("sub_end"),
            ("sub", "ELEMENT_COMPLETING"),
            ("sub", "ELEMENT_COMPLETED"),
            taken("f2"),
            *lifecycle("end"),
            ("subprocess", "ELEMENT_COMPLETING"),
            ("subprocess", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key) == {"result": 5, "total": 16}


def test_boundary_timer_on_the_subprocess_terminates_its_children(harness: EngineHarness) -> None:
    key = start(harness)
    harness.advance(minutes=5)
    assert_trail_ends(
        trail(harness, key),
        [
            ("sub", "ELEMENT_TERMINATING"),
            ("inner", "ELEMENT_TERMINATING"),
            ("inner", "ELEMENT_TERMINATED"),
            ("sub", "ELEMENT_TERMINATED"),
            *lifecycle("sub_timeout"),
            taken("f3"),
            *lifecycle("timeout_end"),
            ("subprocess", "ELEMENT_COMPLETING"),
            ("subprocess", "ELEMENT_COMPLETED"),
        ],
    )
    assert harness.jobs(key)[0].state == "CANCELED"


def test_cancel_terminates_nested_elements_inside_out(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.cancel_process_instance(key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("subprocess", "ELEMENT_TERMINATING"),
            ("sub", "ELEMENT_TERMINATING"),
            ("inner", "ELEMENT_TERMINATING"),
            ("inner", "ELEMENT_TERMINATED"),
            ("sub", "ELEMENT_TERMINATED"),
            ("subprocess", "ELEMENT_TERMINATED"),
        ],
    )
    state = instance(harness, key)
    assert state.status == "TERMINATED"
    assert state.elements == {}
    assert [t for t in harness.timers() if t.process_instance_key == key] == []
