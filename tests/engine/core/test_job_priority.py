"""Updating a job's priority (Camunda 8.10's JobChangeset.priority): stored on the open job, refused for a
finished one and for values outside 32 bits, recorded in the history."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict, InvalidArgument
from tests.engine.core.harness import EngineHarness, deploy


def _job(harness: EngineHarness) -> int:
    deploy(harness, "variables.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="variables", variables={"name": "a", "delay": "PT1S"}
    ).process_instance_key
    [job] = harness.jobs(key)
    return job.key


def test_priority_of_an_open_job_is_updated(harness: EngineHarness) -> None:
    # given an open job
    job_key = _job(harness)
    # when its priority changes
    harness.engine.update_job_priority(job_key, 90)
    # then the job carries it, after a reload too, and the history says so
    [job] = [j for j in harness.jobs() if j.key == job_key]
    assert job.priority == 90
    updates = [h for h in harness.history() if h.intent == "PRIORITY_UPDATED"]
    assert [h.data for h in updates] == [{"jobKey": job_key, "priority": 90}]
    # and activation still hands it out with that priority
    [activated] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    assert activated.priority == 90


def test_priority_of_a_finished_job_cannot_change(harness: EngineHarness) -> None:
    job_key = _job(harness)
    [activated] = harness.engine.activate_jobs("vars", "w", 1000, 1)
    harness.engine.complete_job(activated.job_key, {})
    with pytest.raises(Conflict):
        harness.engine.update_job_priority(job_key, 1)
    assert [j.priority for j in harness.jobs() if j.key == job_key] == [0]


def test_priority_outside_32_bits_is_invalid(harness: EngineHarness) -> None:
    job_key = _job(harness)
    with pytest.raises(InvalidArgument):
        harness.engine.update_job_priority(job_key, 2**31)
    assert [j.priority for j in harness.jobs() if j.key == job_key] == [0]
