"""Event subprocesses: interrupting (message) and non-interrupting (timer cycle, signal) starts."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail_ends,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)


def start(harness: EngineHarness) -> int:
    deploy(harness, "event_subprocess.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="event_subprocess", variables={"caseId": "c-1"}
    ).process_instance_key


def test_non_interrupting_timer_event_subprocess_runs_beside_the_main_flow(harness: EngineHarness) -> None:
    key = start(harness)
    harness.advance(hours=1)
    harness.advance(hours=1)
    assert sum(1 for s in trail(harness, key) if s == ("reminder", "ELEMENT_COMPLETED")) == 2
    assert harness.user_tasks(key)[0].state == "CREATED"
    [task] = harness.user_tasks(key)
    harness.engine.complete_user_task(task.key)
    assert instance(harness, key).status == "COMPLETED"
    assert [t for t in harness.timers() if t.process_instance_key == key] == []


def test_interrupting_message_event_subprocess_terminates_the_main_flow(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.publish_message("cancel", "c-1", {"reason": "dup"})
    assert_trail_ends(
        trail(harness, key),
        [
            ("work", "ELEMENT_TERMINATING"),
            ("work", "ELEMENT_TERMINATED"),
            *lifecycle("cancel", end="activated"),
            *lifecycle("cancel_start"),
            taken("c_f1"),
            *lifecycle("cancel_end"),
            ("cancel", "ELEMENT_COMPLETING"),
            ("cancel", "ELEMENT_COMPLETED"),
            ("event_subprocess", "ELEMENT_COMPLETING"),
            ("event_subprocess", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key)["reason"] == "dup"
    assert harness.user_tasks(key)[0].state == "CANCELED"
    assert [t for t in harness.timers() if t.process_instance_key == key] == []


def test_non_interrupting_signal_event_subprocess_keeps_the_process_open_until_it_ends(
    harness: EngineHarness,
) -> None:
    key = start(harness)
    harness.engine.broadcast_signal("audit")
    tasks = {t.element_id: t for t in harness.user_tasks(key)}
    harness.engine.complete_user_task(tasks["work"].key)
    assert instance(harness, key).status == "ACTIVE"
    harness.engine.complete_user_task(tasks["audit_task"].key)
    assert instance(harness, key).status == "COMPLETED"
