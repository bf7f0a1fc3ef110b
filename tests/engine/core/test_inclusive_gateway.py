"""Inclusive gateway: fork to every true flow (else default); join waits for the tokens that can come."""

from __future__ import annotations

import pytest

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail_ends,
    deploy,
    instance,
    lifecycle,
    taken,
    trail,
)


def start(harness: EngineHarness, items: list[str]) -> int:
    deploy(harness, "inclusive_gateway.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="inclusive_gateway", variables={"items": items}
    ).process_instance_key


def test_fork_takes_every_true_flow(harness: EngineHarness) -> None:
    key = start(harness, ["a", "b"])
    steps = trail(harness, key)
    assert [s for s in steps if s[1] == "SEQUENCE_FLOW_TAKEN"] == [taken("f1"), taken("to_a"), taken("to_b")]
    assert {j.type for j in harness.jobs(key)} == {"a", "b"}


def test_default_flow_when_nothing_matches(harness: EngineHarness) -> None:
    key = start(harness, [])
    assert {j.type for j in harness.jobs(key)} == {"c"}


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_join_waits_for_both_taken_branches_and_fires_once(
    harness: EngineHarness, order: tuple[str, str]
) -> None:
    key = start(harness, ["a", "b"])
    first, second = order
    [job] = harness.engine.activate_jobs(first, "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    assert ("join", "ELEMENT_ACTIVATING") not in trail(harness, key)
    [job] = harness.engine.activate_jobs(second, "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    assert sum(1 for s in trail(harness, key) if s == ("join", "ELEMENT_COMPLETED")) == 1
    assert instance(harness, key).status == "COMPLETED"


def test_join_with_a_single_branch_fires_at_once(harness: EngineHarness) -> None:
    key = start(harness, ["b"])
    [job] = harness.engine.activate_jobs("b", "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("b", "ELEMENT_COMPLETING"),
            ("b", "ELEMENT_COMPLETED"),
            taken("b_join"),
            *lifecycle("join"),
            taken("f2"),
            *lifecycle("end"),
            ("inclusive_gateway", "ELEMENT_COMPLETING"),
            ("inclusive_gateway", "ELEMENT_COMPLETED"),
        ],
    )


def test_join_does_not_wait_for_a_branch_that_cannot_reach_it(harness: EngineHarness) -> None:
    # given: a and b taken, c not; b ends elsewhere
    deploy(harness, "inclusive_gateway.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="inclusive_partial_join"
    ).process_instance_key
    # when a arrives at the join while b still works
    [job_a] = harness.engine.activate_jobs("pa", "w", 1000, 1)
    harness.engine.complete_job(job_a.job_key)
    # then the join fires: b's token cannot reach it
    assert ("p_join", "ELEMENT_COMPLETED") in trail(harness, key)
    assert instance(harness, key).status == "ACTIVE"
    [job_b] = harness.engine.activate_jobs("pb", "w", 1000, 1)
    harness.engine.complete_job(job_b.job_key)
    assert instance(harness, key).status == "COMPLETED"
    assert harness.engine.activate_jobs("pc", "w", 1000, 1) == []
