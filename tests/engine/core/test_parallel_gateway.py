"""Parallel gateway: fork to all flows, join once every incoming flow has a token."""

from __future__ import annotations

from tests.engine.core.harness import EngineHarness, assert_trail, deploy, instance, lifecycle, taken, trail


def test_fork_activates_both_branches_in_zeebe_order(harness: EngineHarness) -> None:
    # given
    deploy(harness, "parallel_gateway.bpmn")
    # when
    key = harness.engine.create_process_instance(bpmn_process_id="parallel_gateway").process_instance_key
    # then
    assert_trail(
        trail(harness, key),
        [
            ("parallel_gateway", "ELEMENT_ACTIVATING"),
            ("parallel_gateway", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("fork"),
            taken("to_a"),
            taken("to_b"),
            *lifecycle("a", end="activated"),
            *lifecycle("b", end="activated"),
        ],
    )


def test_join_fires_exactly_once_after_both_branches(harness: EngineHarness) -> None:
    # given
    deploy(harness, "parallel_gateway.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="parallel_gateway").process_instance_key
    [job_b] = harness.engine.activate_jobs("b", "w", 1000, 1)
    [job_a] = harness.engine.activate_jobs("a", "w", 1000, 1)
    # when
    harness.engine.complete_job(job_b.job_key)
    after_one = trail(harness, key)
    harness.engine.complete_job(job_a.job_key)
    # then
    assert after_one[-3:] == [("b", "ELEMENT_COMPLETING"), ("b", "ELEMENT_COMPLETED"), taken("b_join")]
    assert trail(harness, key)[len(after_one) :] == [
        ("a", "ELEMENT_COMPLETING"),
        ("a", "ELEMENT_COMPLETED"),
        taken("a_join"),
        *lifecycle("join"),
        taken("f2"),
        *lifecycle("end"),
        ("parallel_gateway", "ELEMENT_COMPLETING"),
        ("parallel_gateway", "ELEMENT_COMPLETED"),
    ]
    assert [e for e, i in trail(harness, key) if e == "join" and i == "ELEMENT_COMPLETED"] == ["join"]


def test_waiting_token_keeps_the_process_alive(harness: EngineHarness) -> None:
    # given
    deploy(harness, "parallel_gateway.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="parallel_gateway").process_instance_key
    [job_a] = harness.engine.activate_jobs("a", "w", 1000, 1)
    # when
    harness.engine.complete_job(job_a.job_key)
    # then
    state = instance(harness, key)
    assert state.status == "ACTIVE"
    assert state.elements[key].joins == {"join": {"a_join": 1}}


def test_fork_without_join_completes_when_both_paths_end(harness: EngineHarness) -> None:
    deploy(harness, "parallel_gateway.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="parallel_no_join").process_instance_key
    assert_trail(
        trail(harness, key),
        [
            ("parallel_no_join", "ELEMENT_ACTIVATING"),
            ("parallel_no_join", "ELEMENT_ACTIVATED"),
            *lifecycle("nj_start"),
            taken("nj_f1"),
            *lifecycle("nj_fork"),
            taken("nj_a"),
            taken("nj_b"),
            ("nj_end_a", "ELEMENT_ACTIVATING"),
            ("nj_end_a", "ELEMENT_ACTIVATED"),
            ("nj_end_b", "ELEMENT_ACTIVATING"),
            ("nj_end_b", "ELEMENT_ACTIVATED"),
            ("nj_end_a", "ELEMENT_COMPLETING"),
            ("nj_end_a", "ELEMENT_COMPLETED"),
            ("nj_end_b", "ELEMENT_COMPLETING"),
            ("nj_end_b", "ELEMENT_COMPLETED"),
            ("parallel_no_join", "ELEMENT_COMPLETING"),
            ("parallel_no_join", "ELEMENT_COMPLETED"),
        ],
    )


def test_ten_branch_peer_process_joins_once(harness: EngineHarness) -> None:
    # given
    harness.engine.deploy([("p3.bpmn", (_peers() / "p3_par10.bpmn").read_bytes())])
    # when
    key = harness.engine.create_process_instance(bpmn_process_id="p3_par10").process_instance_key
    # then
    state = instance(harness, key)
    assert state.status == "COMPLETED"
    assert state.variables[key] == {f"b_{i}": i for i in range(10)}
    assert sum(1 for e, i in trail(harness, key) if (e, i) == ("join", "ELEMENT_ACTIVATED")) == 1


def _peers():  # type: ignore[no-untyped-def]
    from tests.engine.core.harness import HERE

    return HERE / "fixtures" / "peers"
