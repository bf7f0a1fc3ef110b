"""None start and end events."""

from __future__ import annotations

from tests.engine.core.harness import EngineHarness, assert_trail, deploy, instance, lifecycle, taken, trail


def test_start_to_end_completes_the_process(harness: EngineHarness) -> None:
    # given
    deploy(harness, "none_events.bpmn")
    # when
    created = harness.engine.create_process_instance(bpmn_process_id="none_events", variables={"a": 1})
    # then
    assert_trail(
        trail(harness, created.process_instance_key),
        [
            ("none_events", "ELEMENT_ACTIVATING"),
            ("none_events", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("end"),
            ("none_events", "ELEMENT_COMPLETING"),
            ("none_events", "ELEMENT_COMPLETED"),
        ],
    )
    state = instance(harness, created.process_instance_key)
    assert state.status == "COMPLETED"
    assert state.elements == {}
    assert state.variables[created.process_instance_key] == {"a": 1}


def test_history_records_carry_keys_types_and_scope(harness: EngineHarness) -> None:
    # given
    deployment = deploy(harness, "none_events.bpmn")
    # when
    created = harness.engine.create_process_instance(bpmn_process_id="none_events")
    # then
    records = [r for r in harness.history() if r.value_type == "PROCESS_INSTANCE"]
    root = records[0]
    assert (root.element_type, root.element_instance_key, root.flow_scope_key) == (
        "PROCESS",
        created.process_instance_key,
        None,
    )
    start = next(r for r in records if r.element_id == "start")
    assert start.element_type == "START_EVENT"
    assert start.flow_scope_key == created.process_instance_key
    assert {r.process_definition_key for r in records} == {deployment.processes[0].key}
    assert {r.bpmn_process_id for r in records} == {"none_events"}
