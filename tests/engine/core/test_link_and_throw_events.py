"""Link events, none throw events, terminate end events, message throw events (jobs)."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)


def test_link_throw_jumps_to_the_catch_of_the_same_name(harness: EngineHarness) -> None:
    deploy(harness, "link_events.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="link_events").process_instance_key
    assert_trail(
        trail(harness, key),
        [
            ("link_events", "ELEMENT_ACTIVATING"),
            ("link_events", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("jump"),
            *lifecycle("land"),
            taken("f2"),
            *lifecycle("end"),
            ("link_events", "ELEMENT_COMPLETING"),
            ("link_events", "ELEMENT_COMPLETED"),
        ],
    )


def test_none_throw_event_passes_through_with_output_mappings(harness: EngineHarness) -> None:
    deploy(harness, "none_throw.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="none_throw").process_instance_key
    assert [s for s in trail(harness, key) if s[0] == "milestone"] == lifecycle("milestone")
    assert root_variables(harness, key) == {"reached": "yes"}


def test_terminate_end_event_ends_every_other_token(harness: EngineHarness) -> None:
    deploy(harness, "none_throw.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="terminate_end").process_instance_key
    steps = trail(harness, key, flows=False)
    assert steps[-7:] == [
        ("te_kill", "ELEMENT_ACTIVATED"),
        ("te_kill", "ELEMENT_COMPLETING"),
        ("te_kill", "ELEMENT_COMPLETED"),
        ("te_wait", "ELEMENT_TERMINATING"),
        ("te_wait", "ELEMENT_TERMINATED"),
        ("terminate_end", "ELEMENT_COMPLETING"),
        ("terminate_end", "ELEMENT_COMPLETED"),
    ]
    assert harness.user_tasks(key)[0].state == "CANCELED"
    assert instance(harness, key).status == "COMPLETED"


def test_message_throw_and_end_events_are_jobs(harness: EngineHarness) -> None:
    deploy(harness, "none_throw.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="message_throw").process_instance_key
    [job] = harness.engine.activate_jobs("send-message", "w", 1000, 1)
    assert job.element_id == "mt_send"
    harness.engine.complete_job(job.job_key)
    [final] = harness.engine.activate_jobs("send-final", "w", 1000, 1)
    harness.engine.complete_job(final.job_key)
    assert instance(harness, key).status == "COMPLETED"
