"""Messages: catch events, receive task, start events, boundary events, buffering, TTL, id dedup."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict, NotFound
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


def start(harness: EngineHarness, process_id: str, order_id: str = "o-1") -> int:
    deploy(harness, "message_events.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id=process_id, variables={"orderId": order_id}
    ).process_instance_key


def test_catch_event_waits_and_completes_on_the_matching_message(harness: EngineHarness) -> None:
    # given
    key = start(harness, "message_catch")
    [sub] = [s for s in harness.message_subscriptions() if s.process_instance_key == key]
    assert (sub.message_name, sub.correlation_key, sub.element_id) == ("order-paid", "o-1", "wait")
    # when
    harness.engine.publish_message("order-paid", "other-order", {"amount": 1})
    assert instance(harness, key).status == "ACTIVE"
    harness.engine.publish_message("order-paid", "o-1", {"amount": 99})
    # then
    assert_trail(
        trail(harness, key),
        [
            ("message_catch", "ELEMENT_ACTIVATING"),
            ("message_catch", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("wait"),
            taken("f2"),
            *lifecycle("end"),
            ("message_catch", "ELEMENT_COMPLETING"),
            ("message_catch", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key) == {"orderId": "o-1", "amount": 99}
    assert [s for s in harness.message_subscriptions() if s.process_instance_key == key] == []


def test_buffered_message_correlates_when_the_subscription_opens_within_ttl(harness: EngineHarness) -> None:
    # given
    deploy(harness, "message_events.bpmn")
    harness.engine.publish_message("order-paid", "o-7", {"amount": 5}, time_to_live_ms=60_000)
    # when
    key = start(harness, "message_catch", "o-7")
    # then
    assert instance(harness, key).status == "COMPLETED"
    assert root_variables(harness, key)["amount"] == 5


def test_buffered_message_is_gone_after_its_ttl(harness: EngineHarness) -> None:
    deploy(harness, "message_events.bpmn")
    harness.engine.publish_message("order-paid", "o-8", {}, time_to_live_ms=1_000)
    harness.advance(seconds=2)
    key = start(harness, "message_catch", "o-8")
    assert instance(harness, key).status == "ACTIVE"


def test_a_buffered_message_correlates_once_per_process(harness: EngineHarness) -> None:
    deploy(harness, "message_events.bpmn")
    harness.engine.publish_message("order-paid", "o-9", {}, time_to_live_ms=60_000)
    first = start(harness, "message_catch", "o-9")
    second = start(harness, "message_catch", "o-9")
    other_process = start(harness, "receive_task", "o-9")
    assert instance(harness, first).status == "COMPLETED"
    assert instance(harness, second).status == "ACTIVE"
    assert instance(harness, other_process).status == "COMPLETED"


def test_message_id_is_deduplicated_while_buffered(harness: EngineHarness) -> None:
    deploy(harness, "message_events.bpmn")
    harness.engine.publish_message("order-paid", "o-1", {}, time_to_live_ms=10_000, message_id="m-1")
    with pytest.raises(Conflict):
        harness.engine.publish_message("order-paid", "o-1", {}, time_to_live_ms=10_000, message_id="m-1")
    harness.advance(seconds=11)
    harness.engine.publish_message("order-paid", "o-1", {}, time_to_live_ms=10_000, message_id="m-1")


def test_receive_task_applies_output_mappings(harness: EngineHarness) -> None:
    key = start(harness, "receive_task")
    harness.engine.publish_message("order-paid", "o-1", {"amount": 3})
    assert root_variables(harness, key) == {"orderId": "o-1", "paidAmount": 3}
    assert trail(harness, key, flows=False)[-4:] == [
        ("r_end", "ELEMENT_COMPLETING"),
        ("r_end", "ELEMENT_COMPLETED"),
        ("receive_task", "ELEMENT_COMPLETING"),
        ("receive_task", "ELEMENT_COMPLETED"),
    ]


def test_message_start_event_creates_an_instance(harness: EngineHarness) -> None:
    deploy(harness, "message_events.bpmn")
    harness.engine.publish_message("new-order", "", {"item": "book"})
    [root] = [
        r for r in harness.history() if r.element_id == "message_start" and r.intent == "ELEMENT_COMPLETED"
    ]
    assert root_variables(harness, root.process_instance_key) == {"item": "book"}
    assert trail(harness, root.process_instance_key, flows=False)[2:4] == [
        ("ms_start", "ELEMENT_ACTIVATING"),
        ("ms_start", "ELEMENT_ACTIVATED"),
    ]


def test_interrupting_message_boundary_terminates_the_task(harness: EngineHarness) -> None:
    key = start(harness, "message_boundary")
    harness.engine.publish_message("cancel-order", "o-1", {"reason": "customer"})
    assert trail(harness, key)[-13:] == [
        ("work", "ELEMENT_TERMINATING"),
        ("work", "ELEMENT_TERMINATED"),
        *lifecycle("cancel"),
        taken("b_f3"),
        *lifecycle("canceled_end"),
        ("message_boundary", "ELEMENT_COMPLETING"),
        ("message_boundary", "ELEMENT_COMPLETED"),
    ]
    assert harness.jobs(key)[0].state == "CANCELED"
    assert root_variables(harness, key)["reason"] == "customer"
    assert [s for s in harness.message_subscriptions() if s.process_instance_key == key] == []


def test_non_interrupting_message_boundary_keeps_the_task(harness: EngineHarness) -> None:
    key = start(harness, "message_boundary")
    harness.engine.publish_message("ping", "o-1")
    harness.engine.publish_message("ping", "o-1")
    assert sum(1 for e, i in trail(harness, key) if (e, i) == ("ping_end", "ELEMENT_COMPLETED")) == 2
    [job] = harness.engine.activate_jobs("work", "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    assert instance(harness, key).status == "COMPLETED"


def test_correlate_returns_the_instance_or_not_found(harness: EngineHarness) -> None:
    key = start(harness, "message_catch", "o-5")
    with pytest.raises(NotFound):
        harness.engine.correlate_message("order-paid", "nobody")
    _, instance_key = harness.engine.correlate_message("order-paid", "o-5", {"x": 1})
    assert instance_key == key
    assert instance(harness, key).status == "COMPLETED"
