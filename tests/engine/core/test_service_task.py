"""Service task: a job for a worker; retries, back-off, incidents, lock expiry, io mappings."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict, NotFound
from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    root_variables,
    taken,
    trail,
)


def start(harness: EngineHarness, variables: dict | None = None) -> int:
    deploy(harness, "service_task.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="service_task", variables=variables
    ).process_instance_key


def test_service_task_waits_for_its_job(harness: EngineHarness) -> None:
    # when
    key = start(harness)
    # then
    assert_trail(
        trail(harness, key),
        [
            ("service_task", "ELEMENT_ACTIVATING"),
            ("service_task", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("charge", end="activated"),
        ],
    )
    [job] = harness.jobs(key)
    assert (job.type, job.state, job.retries, job.element_id) == ("payment", "ACTIVATABLE", 2, "charge")


def test_activated_job_has_every_rest_field(harness: EngineHarness) -> None:
    # given
    key = start(harness, {"orderId": "o-1", "amount": 10})
    # when
    [job] = harness.engine.activate_jobs("payment", "worker-1", 30_000, 10)
    # then
    rest = job.to_rest()
    assert rest["jobKey"] == str(job.job_key)
    assert rest["processInstanceKey"] == str(key)
    assert rest["processDefinitionId"] == "service_task"
    assert rest["processDefinitionVersion"] == 1
    assert rest["elementId"] == "charge"
    assert rest["customHeaders"] == {"method": "VISA"}
    assert rest["retries"] == 2
    assert rest["deadline"] == harness.now() + 30_000
    assert rest["variables"] == {"orderId": "o-1", "amount": 10}
    assert rest["worker"] == "worker-1"
    assert (
        rest["kind"],
        rest["listenerEventType"],
        rest["userTask"],
        rest["priority"],
        rest["tenantId"],
    ) == (
        "BPMN_ELEMENT",
        "UNSPECIFIED",
        None,
        0,
        "<default>",
    )
    assert set(rest) >= {"processDefinitionKey", "elementInstanceKey", "type"}


def test_fetch_variables_limits_what_the_worker_gets(harness: EngineHarness) -> None:
    # given
    start(harness, {"a": 1, "b": 2})
    # when
    [job] = harness.engine.activate_jobs("payment", "w", 1000, 1, fetch_variables=["b", "missing"])
    # then
    assert job.variables == {"b": 2}


def test_completing_the_job_continues_with_its_variables(harness: EngineHarness) -> None:
    # given
    key = start(harness, {"amount": 10})
    [job] = harness.engine.activate_jobs("payment", "w", 1000, 1)
    # when
    harness.engine.complete_job(job.job_key, {"paid": True, "amount": 12})
    # then
    assert trail(harness, key)[-9:] == [
        ("charge", "ELEMENT_COMPLETING"),
        ("charge", "ELEMENT_COMPLETED"),
        taken("f2"),
        *lifecycle("end"),
        ("service_task", "ELEMENT_COMPLETING"),
        ("service_task", "ELEMENT_COMPLETED"),
    ]
    assert root_variables(harness, key) == {"amount": 12, "paid": True}


def test_completing_a_job_twice_is_a_conflict_and_changes_nothing(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [job] = harness.engine.activate_jobs("payment", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {"n": 1})
    history_before = harness.history()
    state_before = instance(harness, key).to_dict()
    # when / then
    with pytest.raises(Conflict):
        harness.engine.complete_job(job.job_key, {"n": 2})
    assert harness.history() == history_before
    assert instance(harness, key).to_dict() == state_before


def test_unknown_job_is_not_found(harness: EngineHarness) -> None:
    start(harness)
    with pytest.raises(NotFound):
        harness.engine.complete_job(999, {})


def test_activated_job_is_not_handed_out_again_until_its_lock_expires(harness: EngineHarness) -> None:
    # given
    start(harness)
    [first] = harness.engine.activate_jobs("payment", "w1", 10_000, 5)
    # when
    during_lock = harness.engine.activate_jobs("payment", "w2", 10_000, 5)
    harness.advance(seconds=11)
    after_expiry = harness.engine.activate_jobs("payment", "w2", 10_000, 5)
    # then
    assert during_lock == []
    assert [j.job_key for j in after_expiry] == [first.job_key]
    assert after_expiry[0].worker == "w2"
    assert after_expiry[0].retries == first.retries  # a timeout does not use up a retry


def test_failing_with_retries_left_hands_the_job_out_after_the_back_off(harness: EngineHarness) -> None:
    # given
    start(harness)
    [job] = harness.engine.activate_jobs("payment", "w", 10_000, 1)
    # when
    harness.engine.fail_job(job.job_key, retries=1, error_message="card declined", retry_back_off_ms=5_000)
    # then
    assert harness.engine.activate_jobs("payment", "w", 10_000, 1) == []
    harness.advance(seconds=5)
    [again] = harness.engine.activate_jobs("payment", "w", 10_000, 1)
    assert (again.job_key, again.retries) == (job.job_key, 1)


def test_no_retries_left_raises_an_incident_that_resolves_after_updating_retries(
    harness: EngineHarness,
) -> None:
    # given
    key = start(harness)
    [job] = harness.engine.activate_jobs("payment", "w", 10_000, 1)
    # when
    harness.engine.fail_job(job.job_key, retries=0, error_message="gateway down")
    # then
    [incident] = open_incidents(harness, key)
    assert (incident.error_type, incident.error_message, incident.job_key) == (
        "JOB_NO_RETRIES",
        "gateway down",
        job.job_key,
    )
    assert harness.engine.activate_jobs("payment", "w", 10_000, 1) == []
    # when the retries are updated and the incident resolved
    harness.engine.update_job_retries(job.job_key, 3)
    harness.engine.resolve_incident(incident.key)
    # then the job is handed out again and the instance can finish
    assert open_incidents(harness, key) == []
    [again] = harness.engine.activate_jobs("payment", "w", 10_000, 1)
    assert again.retries == 3
    harness.engine.complete_job(again.job_key)
    assert instance(harness, key).status == "COMPLETED"


def test_resolving_without_new_retries_raises_a_new_incident(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    [job] = harness.engine.activate_jobs("payment", "w", 10_000, 1)
    harness.engine.fail_job(job.job_key, retries=0)
    [incident] = open_incidents(harness, key)
    # when
    harness.engine.resolve_incident(incident.key)
    # then
    [new_incident] = open_incidents(harness, key)
    assert new_incident.key != incident.key
    assert new_incident.error_type == "JOB_NO_RETRIES"


def test_canceling_the_instance_cancels_the_job(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    # when
    harness.engine.cancel_process_instance(key)
    # then
    assert trail(harness, key)[-4:] == [
        ("service_task", "ELEMENT_TERMINATING"),
        ("charge", "ELEMENT_TERMINATING"),
        ("charge", "ELEMENT_TERMINATED"),
        ("service_task", "ELEMENT_TERMINATED"),
    ]
    [job] = harness.jobs(key)
    assert job.state == "CANCELED"
    assert harness.engine.activate_jobs("payment", "w", 1000, 1) == []
    assert instance(harness, key).status == "TERMINATED"


def test_input_mappings_are_local_and_output_mappings_choose_what_leaves(harness: EngineHarness) -> None:
    # given
    deploy(harness, "service_task.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="service_task_mapped", variables={"order": {"amount": 5}, "kind": "x", "tries": 4}
    ).process_instance_key
    # when
    [job] = harness.engine.activate_jobs("mapped-x", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {"receipt": {"id": "r-9"}, "noise": 1})
    # then
    assert job.retries == 4
    assert job.variables["doubled"] == 10
    assert job.variables["plusOne"] == 11
    assert root_variables(harness, key) == {
        "order": {"amount": 5},
        "kind": "x",
        "tries": 4,
        "receiptId": "r-9",
    }
