"""Business rule task: zeebe:calledDecision evaluated with the DMN engine."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(("amount", "approved"), [(500, True), (5000, False)])
def test_decision_result_goes_to_the_result_variable(
    harness: EngineHarness, amount: int, approved: bool
) -> None:
    # given
    deploy(harness, "business_rule_task.bpmn", "approval.dmn")
    # when
    key = harness.engine.create_process_instance(
        bpmn_process_id="business_rule_task", variables={"amount": amount}
    ).process_instance_key
    # then
    assert_trail(
        trail(harness, key),
        [
            ("business_rule_task", "ELEMENT_ACTIVATING"),
            ("business_rule_task", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("decide"),
            taken("f2"),
            *lifecycle("end"),
            ("business_rule_task", "ELEMENT_COMPLETING"),
            ("business_rule_task", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key) == {"amount": amount, "decision": approved}


def test_unknown_decision_is_an_incident_until_it_is_deployed(harness: EngineHarness) -> None:
    deploy(harness, "business_rule_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="business_rule_missing", variables={"decisionName": "approval", "amount": 1}
    ).process_instance_key
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "CALLED_DECISION_ERROR"
    deploy(harness, "approval.dmn")
    harness.engine.resolve_incident(incident.key)
    assert root_variables(harness, key)["result"] is True


def test_decisions_are_versioned_and_evaluated_directly(harness: EngineHarness) -> None:
    first = deploy(harness, "approval.dmn")
    again = deploy(harness, "approval.dmn")
    assert first.decisions[0].key == again.decisions[0].key
    result = harness.engine.evaluate_decision(decision_id="approval", variables={"amount": 2000})
    assert (result.decision_id, result.version, result.value) == ("approval", 1, False)
