"""Job priority (Camunda 8.10): a job's priority comes from the task's zeebe:jobPriorityDefinition, else the
process's, else 0; activation hands out the highest priority first, then the oldest job. Updating a job's
priority (JobChangeset.priority) is stored on the open job, refused for a finished one and for values outside
32 bits, recorded in the history, and changes the activation order."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict, DeploymentRejected, InvalidArgument
from tests.engine.core.harness import HERE, EngineHarness, deploy, open_incidents


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
    # and activation hands it out with that priority
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


def _start(harness: EngineHarness, process_id: str, **variables: object) -> int:
    return harness.engine.create_process_instance(
        bpmn_process_id=process_id, variables=dict(variables)
    ).process_instance_key


def test_jobs_are_activated_highest_priority_first_then_oldest(harness: EngineHarness) -> None:
    # given jobs of one type created in this order: priority 0 (no definition), 20, 5 (the process's
    # default), 20 again, and -1
    deploy(harness, "job_priority.bpmn")
    none = _start(harness, "prio_none")
    high = _start(harness, "prio_task", p=20)
    default = _start(harness, "prio_default")
    high_later = _start(harness, "prio_task", p=20)
    negative = _start(harness, "prio_task", p=-1)
    assert {j.process_instance_key: j.priority for j in harness.jobs()} == {
        none: 0,
        high: 20,
        default: 5,
        high_later: 20,
        negative: -1,
    }
    # when workers activate them two, then three at a time
    first = harness.engine.activate_jobs("prio", "w", 60_000, 2)
    rest = harness.engine.activate_jobs("prio", "w", 60_000, 3)
    # then the highest priority comes first and the older of two equal ones before the younger
    assert [j.process_instance_key for j in first] == [high, high_later]
    assert [j.process_instance_key for j in rest] == [default, none, negative]
    assert [j.priority for j in first + rest] == [20, 20, 5, 0, -1]


def test_an_updated_priority_changes_the_activation_order(harness: EngineHarness) -> None:
    # given an older job of priority 0 and a younger one of priority 10
    deploy(harness, "job_priority.bpmn")
    older = _start(harness, "prio_none")
    younger = _start(harness, "prio_task", p=10)
    [older_job] = harness.jobs(older)
    # when the older one's priority is raised above the younger one's
    harness.engine.update_job_priority(older_job.key, 11)
    # then it is activated first
    [job] = harness.engine.activate_jobs("prio", "w", 60_000, 1)
    assert job.process_instance_key == older
    assert job.priority == 11
    [job] = harness.engine.activate_jobs("prio", "w", 60_000, 1)
    assert job.process_instance_key == younger


def test_an_expired_lock_is_reactivated_in_priority_order(harness: EngineHarness) -> None:
    # given a priority 1 job whose worker's lock expired and a younger open job of priority 0
    deploy(harness, "job_priority.bpmn")
    locked = _start(harness, "prio_task", p=1)
    harness.engine.activate_jobs("prio", "w", 1_000, 1)
    young = _start(harness, "prio_none")
    harness.advance(ms=2_000)
    # when a worker activates one job, then another
    [first] = harness.engine.activate_jobs("prio", "w2", 60_000, 1)
    [second] = harness.engine.activate_jobs("prio", "w2", 60_000, 1)
    # then the expired higher-priority job comes back first
    assert [first.process_instance_key, second.process_instance_key] == [locked, young]


def test_a_priority_that_is_not_an_integer_raises_an_incident(harness: EngineHarness) -> None:
    # given a task whose priority expression yields a fraction
    deploy(harness, "job_priority.bpmn")
    key = _start(harness, "prio_task", p=1.5)
    # then no job is created and an incident says why
    assert harness.jobs(key) == []
    [incident] = open_incidents(harness, key)
    assert incident.error_type == "EXTRACT_VALUE_ERROR"
    assert "job priority" in incident.error_message


@pytest.mark.parametrize("priority", ["high", "2147483648"])
def test_a_literal_priority_must_be_a_32_bit_integer(harness: EngineHarness, priority: str) -> None:
    source = (
        (HERE / "job_priority.bpmn").read_bytes().replace(b'priority="=p"', f'priority="{priority}"'.encode())
    )
    with pytest.raises(DeploymentRejected) as refused:
        harness.engine.deploy([("bad_priority.bpmn", source)])
    assert any("job priority" in p.message for p in refused.value.problems)
