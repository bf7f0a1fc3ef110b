"""Send task (a job), manual task and undefined task (pass through)."""

from __future__ import annotations

from tests.engine.core.harness import EngineHarness, assert_trail, deploy, lifecycle, taken, trail


def test_send_task_is_a_job_and_manual_and_undefined_tasks_pass_through(harness: EngineHarness) -> None:
    # given
    deploy(harness, "send_task.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="send_task").process_instance_key
    # when
    [job] = harness.engine.activate_jobs("email", "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    # then
    assert_trail(
        trail(harness, key),
        [
            ("send_task", "ELEMENT_ACTIVATING"),
            ("send_task", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("notify"),
            taken("f2"),
            *lifecycle("manual"),
            taken("f3"),
            *lifecycle("plain"),
            taken("f4"),
            *lifecycle("end"),
            ("send_task", "ELEMENT_COMPLETING"),
            ("send_task", "ELEMENT_COMPLETED"),
        ],
    )
