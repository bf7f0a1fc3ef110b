"""Escalations: thrown by intermediate/end events, caught (interrupting or not) or ignored."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    trail,
)


def start(harness: EngineHarness, process_id: str) -> int:
    deploy(harness, "escalation_events.bpmn")
    return harness.engine.create_process_instance(bpmn_process_id=process_id).process_instance_key


def test_non_interrupting_escalation_boundary_lets_the_subprocess_continue(harness: EngineHarness) -> None:
    key = start(harness, "escalation_non_interrupting")
    steps = trail(harness, key, flows=False)
    assert ("late_end", "ELEMENT_COMPLETED") in steps
    assert ("sub", "ELEMENT_COMPLETED") in steps
    assert ("end", "ELEMENT_COMPLETED") in steps
    assert lifecycle("esc") == [s for s in steps if s[0] == "esc"]
    assert instance(harness, key).status == "COMPLETED"


def test_interrupting_escalation_boundary_terminates_the_subprocess(harness: EngineHarness) -> None:
    key = start(harness, "escalation_interrupting")
    assert_trail(
        trail(harness, key, flows=False)[6:],
        [
            *lifecycle("i_sub", end="activated"),
            *lifecycle("i_sub_start"),
            ("i_esc_end", "ELEMENT_ACTIVATING"),
            ("i_esc_end", "ELEMENT_ACTIVATED"),
            ("i_sub", "ELEMENT_TERMINATING"),
            ("i_esc_end", "ELEMENT_TERMINATING"),
            ("i_esc_end", "ELEMENT_TERMINATED"),
            ("i_sub", "ELEMENT_TERMINATED"),
            *lifecycle("i_caught"),
            *lifecycle("i_caught_end"),
            ("escalation_interrupting", "ELEMENT_COMPLETING"),
            ("escalation_interrupting", "ELEMENT_COMPLETED"),
        ],
    )
    assert instance(harness, key).status == "COMPLETED"


def test_uncaught_escalation_is_not_an_incident(harness: EngineHarness) -> None:
    key = start(harness, "escalation_uncaught")
    assert open_incidents(harness, key) == []
    assert instance(harness, key).status == "COMPLETED"
