"""The pytest kit drives real processes on both backends and its assertions fail with useful messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizdevops.testing import assert_process

FIXTURES = Path(__file__).resolve().parents[1] / "api" / "fixtures"


def _deploy_all(kit) -> None:  # type: ignore[no-untyped-def]
    kit.deploy(
        FIXTURES / "api_flow.bpmn",
        FIXTURES / "api-approve.form",
        FIXTURES / "api_discount.dmn",
        FIXTURES / "api_service.bpmn",
        FIXTURES / "api_signal.bpmn",
    )


def test_happy_path_in_memory(process_test) -> None:  # type: ignore[no-untyped-def]
    # given the flow deployed
    _deploy_all(process_test)
    order = process_test.start("api_flow", orderId="o-1")
    # when its job, user task and message are worked
    process_test.complete_job("api-prepare", order, prepared=True)
    assert_process(order).is_active().is_waiting_at("Task_B")
    process_test.complete_user_task("Task_B", order, approved=True)
    process_test.publish_message("paid", "o-1", amount=10)
    # then
    assert_process(order).is_completed().has_passed_in_order("Task_A", "Task_B", "Wait_Paid").has_variable(
        "approved", True
    ).has_variables(prepared=True, amount=10).has_no_incident()


@pytest.mark.django_db(transaction=True)
def test_same_scenario_on_both_backends(process_backend) -> None:  # type: ignore[no-untyped-def]
    kit = process_backend
    _deploy_all(kit)
    rejected = kit.start("api_flow", orderId="o-2")
    kit.throw_error("api-prepare", "REJECTED", rejected)
    assert_process(rejected).is_completed().has_passed("Boundary_Rejected", "End_Rejected").has_not_passed(
        "Task_B"
    )
    failing = kit.start("api_service")
    kit.fail_job("api-work", failing, retries=0, message="boom")
    assert_process(failing).is_active().has_incident("JOB_NO_RETRIES")
    waiting = kit.start("api_signal")
    kit.broadcast_signal("api-go")
    assert_process(waiting).is_completed()
    assert kit.evaluate_decision("api_discount", customerType="gold") == 0.2


def test_work_runs_a_handler_for_every_open_job(process_test) -> None:  # type: ignore[no-untyped-def]
    _deploy_all(process_test)
    instances = [process_test.start("api_service", n=n) for n in (1, 2, 3)]
    assert process_test.work("api-work", lambda v: {"squared": v["n"] ** 2}) == 3
    for instance, n in zip(instances, (1, 2, 3), strict=True):
        assert_process(instance).is_completed().has_variable("squared", n * n)


def test_failed_assertion_explains_the_instance(process_test) -> None:  # type: ignore[no-untyped-def]
    _deploy_all(process_test)
    order = process_test.start("api_flow", orderId="o-3")
    with pytest.raises(AssertionError) as failure:
        assert_process(order).is_completed()
    message = str(failure.value)
    assert "to be COMPLETED" in message
    assert "status:    ACTIVE" in message
    assert "waiting:   Task_A" in message
    with pytest.raises(AssertionError, match="to have variable .approved."):
        assert_process(order).has_variable("orderId").has_variable("approved", True)


def test_missing_job_is_a_clear_assertion(process_test) -> None:  # type: ignore[no-untyped-def]
    _deploy_all(process_test)
    with pytest.raises(AssertionError, match="no open job of type 'nope'"):
        process_test.complete_job("nope")


def test_wrong_value_names_both_values(process_test) -> None:  # type: ignore[no-untyped-def]
    _deploy_all(process_test)
    order = process_test.start("api_flow", orderId="o-4")
    with pytest.raises(AssertionError, match="to have orderId == 'o-5' \\(is 'o-4'\\)"):
        assert_process(order).has_variable("orderId", "o-5")


@pytest.mark.django_db(transaction=True)
def test_advance_fires_timers(process_backend, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bpmn = tmp_path / "timer.bpmn"
    bpmn.write_text(TIMER_BPMN)
    process_backend.deploy(bpmn)
    waiting = process_backend.start("kit_timer")
    assert_process(waiting).is_waiting_at("Wait")
    assert process_backend.advance(minutes=4) == 0
    assert process_backend.advance(minutes=2) == 1
    assert_process(waiting).is_completed().has_passed("Wait")


TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:process id="kit_timer" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Wait" />
    <bpmn:intermediateCatchEvent id="Wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="End" />
    <bpmn:endEvent id="End" />
  </bpmn:process>
</bpmn:definitions>
"""
