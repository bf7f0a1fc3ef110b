"""Signals: broadcast to catch events, boundary events and start events; throw and end events."""

from __future__ import annotations

from tests.engine.core.harness import EngineHarness, deploy, instance, lifecycle, root_variables, trail


def test_broadcast_reaches_every_waiting_instance_and_starts_signal_start_events(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "signal_events.bpmn")
    first = harness.engine.create_process_instance(bpmn_process_id="signal_catch").process_instance_key
    second = harness.engine.create_process_instance(bpmn_process_id="signal_catch").process_instance_key
    # when
    harness.engine.broadcast_signal("go", {"from": "ops"})
    # then
    for key in (first, second):
        assert instance(harness, key).status == "COMPLETED"
        assert root_variables(harness, key) == {"from": "ops"}
        assert trail(harness, key, flows=False)[6:10] == lifecycle("wait")
    started = [
        r for r in harness.history() if (r.element_id, r.intent) == ("signal_start", "ELEMENT_COMPLETED")
    ]
    assert len(started) == 1


def test_signal_throw_and_end_events_broadcast(harness: EngineHarness) -> None:
    # given
    deploy(harness, "signal_events.bpmn")
    waiting = harness.engine.create_process_instance(bpmn_process_id="signal_catch").process_instance_key
    stopped = harness.engine.create_process_instance(bpmn_process_id="signal_boundary").process_instance_key
    # when
    thrower = harness.engine.create_process_instance(bpmn_process_id="signal_throw").process_instance_key
    # then
    assert instance(harness, thrower).status == "COMPLETED"
    assert instance(harness, waiting).status == "COMPLETED"
    assert ("b_task", "ELEMENT_TERMINATED") in trail(harness, stopped)
    assert trail(harness, stopped, flows=False)[-4:] == [
        ("b_stopped", "ELEMENT_COMPLETING"),
        ("b_stopped", "ELEMENT_COMPLETED"),
        ("signal_boundary", "ELEMENT_COMPLETING"),
        ("signal_boundary", "ELEMENT_COMPLETED"),
    ]
