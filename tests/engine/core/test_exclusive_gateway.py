"""Exclusive gateway: first true condition, else default, else an incident."""

from __future__ import annotations

import pytest

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    taken,
    trail,
)


@pytest.mark.parametrize(
    ("x", "flow", "end"), [(42, "to_high", "high"), (7, "to_also_high", "high2"), (1, "to_low", "low")]
)
def test_first_true_condition_in_order_else_default(
    harness: EngineHarness, x: int, flow: str, end: str
) -> None:
    # given
    deploy(harness, "exclusive_gateway.bpmn")
    # when
    key = harness.engine.create_process_instance(
        bpmn_process_id="exclusive_gateway", variables={"x": x}
    ).process_instance_key
    # then
    assert_trail(
        trail(harness, key),
        [
            ("exclusive_gateway", "ELEMENT_ACTIVATING"),
            ("exclusive_gateway", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("xor"),
            taken(flow),
            *lifecycle(end),
            ("exclusive_gateway", "ELEMENT_COMPLETING"),
            ("exclusive_gateway", "ELEMENT_COMPLETED"),
        ],
    )


def test_no_match_and_no_default_raises_an_incident_resolvable_after_setting_variables(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "exclusive_gateway.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="exclusive_no_default").process_instance_key
    # then: a missing variable is null; `null = true` is false in FEEL: no flow matches → incident,
    # and the gateway stays ACTIVATING
    assert trail(harness, key)[-1] == ("n_xor", "ELEMENT_ACTIVATING")
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "CONDITION_ERROR"
    assert incident.element_id == "n_xor"
    # when
    harness.engine.set_variables(key, {"approved": False})
    harness.engine.resolve_incident(incident.key)
    # then
    assert open_incidents(harness, key) == []
    assert trail(harness, key)[-10:] == [
        ("n_xor", "ELEMENT_ACTIVATED"),
        ("n_xor", "ELEMENT_COMPLETING"),
        ("n_xor", "ELEMENT_COMPLETED"),
        taken("n_no"),
        *lifecycle("n_end_no"),
        ("exclusive_no_default", "ELEMENT_COMPLETING"),
        ("exclusive_no_default", "ELEMENT_COMPLETED"),
    ]
    assert instance(harness, key).status == "COMPLETED"


def test_a_condition_that_is_not_boolean_is_an_expression_incident(harness: EngineHarness) -> None:
    # given
    deploy(harness, "exclusive_gateway.bpmn")
    # when: comparing a string with a boolean gives null in FEEL, which is not a boolean
    key = harness.engine.create_process_instance(
        bpmn_process_id="exclusive_no_default", variables={"approved": "maybe"}
    ).process_instance_key
    # then
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "EXTRACT_VALUE_ERROR"
    assert "BOOLEAN" in incident.error_message
