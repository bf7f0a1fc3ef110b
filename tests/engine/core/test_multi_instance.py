"""Multi-instance: parallel and sequential on tasks, subprocesses and call activities."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)


def test_parallel_instances_with_input_element_loop_counter_and_output_collection(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_parallel", variables={"reviewers": ["ann", "bob", "cid"], "quorum": 3}
    ).process_instance_key
    # then: the body, then one inner instance per item
    assert_trail(
        trail(harness, key)[7:],
        [
            ("review", "ELEMENT_ACTIVATING"),
            ("review", "ELEMENT_ACTIVATED"),
            *lifecycle("review", end="activated") * 3,
        ],
    )
    body = [r for r in harness.history() if r.element_id == "review" and r.intent == "ELEMENT_ACTIVATED"][0]
    assert body.element_type == "MULTI_INSTANCE_BODY"
    jobs = harness.engine.activate_jobs("review", "w", 1000, 10)
    assert [(j.variables["reviewer"], j.variables["loopCounter"]) for j in jobs] == [
        ("ann", 1),
        ("bob", 2),
        ("cid", 3),
    ]
    # when
    for job in reversed(jobs):
        harness.engine.complete_job(job.job_key, {"verdict": job.variables["reviewer"].upper()})
    # then
    assert root_variables(harness, key)["verdicts"] == ["ANN", "BOB", "CID"]
    assert instance(harness, key).status == "COMPLETED"


def test_completion_condition_terminates_the_remaining_instances(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_parallel", variables={"reviewers": ["ann", "bob", "cid"], "quorum": 2}
    ).process_instance_key
    jobs = harness.engine.activate_jobs("review", "w", 1000, 10)
    harness.engine.complete_job(jobs[0].job_key, {"verdict": "yes"})
    harness.engine.complete_job(jobs[1].job_key, {"verdict": "no"})
    steps = trail(harness, key, flows=False)
    assert steps.count(("review", "ELEMENT_TERMINATED")) == 1
    assert instance(harness, key).status == "COMPLETED"
    assert root_variables(harness, key)["verdicts"] == ["yes", "no", None]
    assert [j.state for j in harness.jobs(key)] == ["COMPLETED", "COMPLETED", "CANCELED"]


def test_sequential_instances_run_one_after_another(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_sequential", variables={"items": [10, 20, 30]}
    ).process_instance_key
    inner = [s for s in trail(harness, key, flows=False) if s[0] == "s_script"]
    assert inner == [
        ("s_script", "ELEMENT_ACTIVATING"),
        ("s_script", "ELEMENT_ACTIVATED"),
        *lifecycle("s_script") * 3,
        ("s_script", "ELEMENT_COMPLETING"),
        ("s_script", "ELEMENT_COMPLETED"),
    ]
    assert root_variables(harness, key)["products"] == [10, 40, 90]


def test_empty_collection_completes_the_body_at_once(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_sequential", variables={"items": []}
    ).process_instance_key
    assert root_variables(harness, key)["products"] == []
    assert instance(harness, key).status == "COMPLETED"


def test_sequential_subprocess_and_boundary_on_the_body(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="mi_subprocess").process_instance_key
    [first] = [t for t in harness.user_tasks(key) if t.state == "CREATED"]
    harness.engine.complete_user_task(first.key)
    second = [t for t in harness.user_tasks(key) if t.state == "CREATED"]
    assert len(second) == 1
    timers = [t for t in harness.timers() if t.process_instance_key == key]
    assert len(timers) == 1  # one boundary timer, on the body, not per inner instance
    harness.advance(hours=1)
    assert ("p_timeout_end", "ELEMENT_COMPLETED") in trail(harness, key)
    assert instance(harness, key).status == "COMPLETED"


def test_multi_instance_call_activity(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="mi_call").process_instance_key
    assert root_variables(harness, key)["results"] == [2, 4, 6]
    assert instance(harness, key).status == "COMPLETED"
    assert taken("ca_f2") in trail(harness, key)


def test_multi_instance_receive_tasks_correlate_by_their_input_element(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="mi_receive", variables={"parties": ["p1", "p2"]}
    ).process_instance_key
    subs = sorted(
        s.correlation_key or "" for s in harness.message_subscriptions() if s.process_instance_key == key
    )
    assert subs == ["p1", "p2"]
    harness.engine.publish_message("ack", "p2", {"ack": "second"})
    assert instance(harness, key).status == "ACTIVE"
    harness.engine.publish_message("ack", "p1", {"ack": "first"})
    assert root_variables(harness, key)["acks"] == ["first", "second"]
    assert instance(harness, key).status == "COMPLETED"
