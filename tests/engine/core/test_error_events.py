"""BPMN errors: from jobs and error end events, caught by boundary events and event subprocesses."""

from __future__ import annotations

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


def start(harness: EngineHarness, process_id: str) -> int:
    deploy(harness, "error_events.bpmn")
    return harness.engine.create_process_instance(bpmn_process_id=process_id).process_instance_key


def test_job_error_is_caught_by_the_matching_boundary_event(harness: EngineHarness) -> None:
    # given
    key = start(harness, "error_boundary")
    [job] = harness.engine.activate_jobs("pay", "w", 1000, 1)
    # when
    harness.engine.throw_error(job.job_key, "DECLINED", "card declined", {"why": "limit"})
    # then
    assert trail(harness, key)[-13:] == [
        ("pay", "ELEMENT_TERMINATING"),
        ("pay", "ELEMENT_TERMINATED"),
        *lifecycle("declined"),
        taken("f3"),
        *lifecycle("handled_end"),
        ("error_boundary", "ELEMENT_COMPLETING"),
        ("error_boundary", "ELEMENT_COMPLETED"),
    ]
    assert root_variables(harness, key) == {"why": "limit"}
    assert harness.jobs(key)[0].state == "ERROR_THROWN"


def test_uncaught_job_error_is_an_incident_and_resolving_retries_the_job(harness: EngineHarness) -> None:
    key = start(harness, "error_boundary")
    [job] = harness.engine.activate_jobs("pay", "w", 1000, 1)
    harness.engine.throw_error(job.job_key, "OTHER", "unexpected")
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "UNHANDLED_ERROR_EVENT"
    assert "OTHER" in incident.error_message
    harness.engine.resolve_incident(incident.key)
    [again] = harness.engine.activate_jobs("pay", "w", 1000, 1)
    harness.engine.complete_job(again.job_key)
    assert instance(harness, key).status == "COMPLETED"


def test_error_end_event_in_a_subprocess_is_caught_by_a_catch_all_boundary(harness: EngineHarness) -> None:
    key = start(harness, "error_subprocess")
    assert_trail(
        trail(harness, key),
        [
            ("error_subprocess", "ELEMENT_ACTIVATING"),
            ("error_subprocess", "ELEMENT_ACTIVATED"),
            *lifecycle("s_start"),
            taken("s_f1"),
            *lifecycle("sub", end="activated"),
            *lifecycle("sub_start"),
            taken("sub_f1"),
            ("fail", "ELEMENT_ACTIVATING"),
            ("fail", "ELEMENT_ACTIVATED"),
            ("sub", "ELEMENT_TERMINATING"),
            ("fail", "ELEMENT_TERMINATING"),
            ("fail", "ELEMENT_TERMINATED"),
            ("sub", "ELEMENT_TERMINATED"),
            *lifecycle("any_error"),
            taken("s_f3"),
            *lifecycle("recovered"),
            ("error_subprocess", "ELEMENT_COMPLETING"),
            ("error_subprocess", "ELEMENT_COMPLETED"),
        ],
    )


def test_error_event_subprocess_interrupts_the_process(harness: EngineHarness) -> None:
    key = start(harness, "error_event_subprocess")
    [job] = harness.engine.activate_jobs("risky", "w", 1000, 1)
    harness.engine.throw_error(job.job_key, "FAIL")
    assert trail(harness, key, flows=False)[-16:] == [
        ("risky", "ELEMENT_TERMINATING"),
        ("risky", "ELEMENT_TERMINATED"),
        *lifecycle("on_error", end="activated"),
        *lifecycle("on_error_start"),
        *lifecycle("on_error_end"),
        ("on_error", "ELEMENT_COMPLETING"),
        ("on_error", "ELEMENT_COMPLETED"),
        ("error_event_subprocess", "ELEMENT_COMPLETING"),
        ("error_event_subprocess", "ELEMENT_COMPLETED"),
    ]
    assert instance(harness, key).status == "COMPLETED"


def test_uncaught_error_end_event_is_an_incident(harness: EngineHarness) -> None:
    key = start(harness, "error_uncaught")
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.element_id) == ("UNHANDLED_ERROR_EVENT", "boom")
    assert trail(harness, key)[-1] == ("boom", "ELEMENT_ACTIVATING")
