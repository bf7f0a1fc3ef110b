"""A loop without a wait state fails its command instead of holding the instance forever."""

from __future__ import annotations

import pytest

from bizdevops.engine.core import processing
from tests.engine.core.harness import EngineHarness, deploy, instance


def test_a_loop_without_wait_state_fails_the_command_and_stores_nothing(
    harness: EngineHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a small step budget, so the test is quick
    monkeypatch.setattr(processing, "MAX_STEPS", 2_000)
    deploy(harness, "loop.bpmn")
    history_before = harness.history()
    # when / then
    with pytest.raises(RuntimeError, match="without reaching a wait state"):
        harness.engine.create_process_instance(bpmn_process_id="endless_loop", variables={"stop": False})
    assert harness.history() == history_before
    # a loop that does end is fine
    created = harness.engine.create_process_instance(bpmn_process_id="endless_loop", variables={"stop": True})
    assert instance(harness, created.process_instance_key).status == "COMPLETED"


def test_a_failing_follow_up_does_not_fail_the_committed_command(
    harness: EngineHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a parent whose called child loops forever
    monkeypatch.setattr(processing, "MAX_STEPS", 2_000)
    deploy(harness, "loop.bpmn")
    deploy(harness, "call_loop.bpmn")
    # when
    created = harness.engine.create_process_instance(
        bpmn_process_id="calls_a_loop", variables={"stop": False}
    )
    # then the parent is stored and waits; the child's failure is logged
    assert instance(harness, created.process_instance_key).status == "ACTIVE"
    assert "follow-up command CreateProcessInstance failed" in caplog.text
