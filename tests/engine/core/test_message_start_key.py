"""Message start events: one active instance per process id and correlation key (Zeebe's rule).

A message with a non-empty correlation key starts no instance of a process while an instance of that
process started by a message with the same key is active; it stays buffered (TTL > 0) and the oldest such
message starts the next instance when the active one completes or is canceled. An empty key always starts."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import NotFound
from tests.engine.core.harness import (
    HERE,
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)

MINUTE = 60_000


def started(harness: EngineHarness, process_id: str = "order_flow") -> list[int]:
    """Keys of the instances of a process, in creation order."""
    return [
        r.process_instance_key
        for r in harness.history()
        if r.value_type == "PROCESS_INSTANCE"
        and r.element_id == process_id
        and r.intent == "ELEMENT_ACTIVATING"
    ]


def finish_job(harness: EngineHarness, instance_key: int) -> None:
    jobs = harness.engine.activate_jobs("handle-order", "w", MINUTE, 10)
    [job] = [j for j in jobs if j.process_instance_key == instance_key]
    harness.engine.complete_job(job.job_key)


def started_by_received() -> list[tuple[str, str]]:
    return [
        ("order_flow", "ELEMENT_ACTIVATING"),
        ("order_flow", "ELEMENT_ACTIVATED"),
        *lifecycle("received"),
        taken("f_received"),
        *lifecycle("handle", end="activated"),
    ]


def test_a_second_message_with_the_same_key_waits_until_the_active_instance_completes(
    harness: EngineHarness,
) -> None:
    # given an instance started by a message with key o-1, waiting at its job
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1}, time_to_live_ms=MINUTE)
    [first] = started(harness)
    # when a second message with the same key arrives (buffered)
    harness.engine.publish_message("order-received", "o-1", {"n": 2}, time_to_live_ms=MINUTE)
    # then no second instance starts
    assert started(harness) == [first]
    assert instance(harness, first).start_correlation_key == "o-1"
    # when the first instance completes
    finish_job(harness, first)
    # then the buffered message starts the next instance, with its variables
    [_, second] = started(harness)
    assert_trail(
        trail(harness, first),
        [
            *started_by_received(),
            ("handle", "ELEMENT_COMPLETING"),
            ("handle", "ELEMENT_COMPLETED"),
            taken("f_done"),
            *lifecycle("done"),
            ("order_flow", "ELEMENT_COMPLETING"),
            ("order_flow", "ELEMENT_COMPLETED"),
        ],
    )
    assert_trail(trail(harness, second), started_by_received())
    assert root_variables(harness, second) == {"n": 2}
    # and when that one completes too, nothing is left to start (each message started exactly once)
    finish_job(harness, second)
    assert instance(harness, second).status == "COMPLETED"
    assert started(harness) == [first, second]


def test_other_keys_and_the_empty_key_start_at_once(harness: EngineHarness) -> None:
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1})
    harness.engine.publish_message("order-received", "o-2", {"n": 2})
    harness.engine.publish_message("order-received", "", {"n": 3})
    harness.engine.publish_message("order-received", "", {"n": 4})
    keys = started(harness)
    assert [root_variables(harness, k)["n"] for k in keys] == [1, 2, 3, 4]
    assert [instance(harness, k).start_correlation_key for k in keys] == ["o-1", "o-2", None, None]
    for key in keys:
        assert_trail(trail(harness, key), started_by_received())


def test_a_blocked_message_without_time_to_live_is_dropped(harness: EngineHarness) -> None:
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1})
    [first] = started(harness)
    harness.engine.publish_message("order-received", "o-1", {"n": 2})  # TTL 0: nothing to wait with
    with pytest.raises(NotFound):
        harness.engine.correlate_message("order-received", "o-1", {"n": 3})
    finish_job(harness, first)
    assert instance(harness, first).status == "COMPLETED"
    assert started(harness) == [first]


def test_canceling_the_active_instance_starts_the_oldest_buffered_message(harness: EngineHarness) -> None:
    # given an active instance for o-1 and two buffered messages for it, through both start events
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1}, time_to_live_ms=MINUTE)
    [first] = started(harness)
    harness.engine.publish_message("order-reopened", "o-1", {"n": 2}, time_to_live_ms=MINUTE)
    harness.engine.publish_message("order-received", "o-1", {"n": 3}, time_to_live_ms=MINUTE)
    assert started(harness) == [first]
    # when the active instance is canceled
    harness.engine.cancel_process_instance(first)
    # then the oldest buffered message (the reopening) starts the next one at its own start event
    [_, second] = started(harness)
    assert_trail(
        trail(harness, first),
        [
            *started_by_received(),
            ("order_flow", "ELEMENT_TERMINATING"),
            ("handle", "ELEMENT_TERMINATING"),
            ("handle", "ELEMENT_TERMINATED"),
            ("order_flow", "ELEMENT_TERMINATED"),
        ],
    )
    assert_trail(
        trail(harness, second),
        [
            ("order_flow", "ELEMENT_ACTIVATING"),
            ("order_flow", "ELEMENT_ACTIVATED"),
            *lifecycle("reopened"),
            taken("f_reopened"),
            *lifecycle("handle", end="activated"),
        ],
    )
    assert root_variables(harness, second) == {"n": 2}
    # and the third follows the second
    finish_job(harness, second)
    [_, _, third] = started(harness)
    assert root_variables(harness, third) == {"n": 3}
    assert_trail(trail(harness, third), started_by_received())


def test_an_expired_buffered_message_does_not_start_later(harness: EngineHarness) -> None:
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1}, time_to_live_ms=MINUTE)
    [first] = started(harness)
    harness.engine.publish_message("order-received", "o-1", {"n": 2}, time_to_live_ms=1_000)
    harness.advance(seconds=2)
    finish_job(harness, first)
    assert started(harness) == [first]


def test_the_rule_holds_across_versions_and_the_next_instance_runs_the_latest(harness: EngineHarness) -> None:
    # given an instance of version 1 started with key o-1, and a message for o-1 buffered
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("order-received", "o-1", {"n": 1}, time_to_live_ms=MINUTE)
    [first] = started(harness)
    # when version 2 is deployed and another message for o-1 arrives
    xml = (HERE / "message_start_key.bpmn").read_bytes()
    v2 = harness.engine.deploy([("v2.bpmn", xml.replace(b'name="Order flow"', b'name="Order flow v2"'))])
    harness.engine.publish_message("order-received", "o-1", {"n": 2}, time_to_live_ms=MINUTE)
    # then it waits for the version 1 instance, and then starts on version 2
    assert started(harness) == [first]
    finish_job(harness, first)
    [_, second] = started(harness)
    assert instance(harness, first).version == 1
    assert instance(harness, second).version == 2
    assert instance(harness, second).process_definition_key == next(
        p.key for p in v2.processes if p.bpmn_process_id == "order_flow"
    )
    assert root_variables(harness, second) == {"n": 2}


def test_instances_that_end_at_once_start_one_after_the_other(harness: EngineHarness) -> None:
    # a process that completes in the unit that starts it: each buffered message starts exactly once
    deploy(harness, "message_start_key.bpmn")
    for n in range(3):
        harness.engine.publish_message("instant-ping", "p-1", {"n": n}, time_to_live_ms=MINUTE)
    keys = started(harness, "instant")
    assert [root_variables(harness, k)["n"] for k in keys] == [0, 1, 2]
    for key in keys:
        assert_trail(
            trail(harness, key),
            [
                ("instant", "ELEMENT_ACTIVATING"),
                ("instant", "ELEMENT_ACTIVATED"),
                *lifecycle("ping_start"),
                taken("f_ping"),
                *lifecycle("ping_done"),
                ("instant", "ELEMENT_COMPLETING"),
                ("instant", "ELEMENT_COMPLETED"),
            ],
        )


def test_the_starting_message_does_not_also_correlate_to_the_instance_it_started(
    harness: EngineHarness,
) -> None:
    # a process started by message "self" that then waits for message "self" with the same key
    deploy(harness, "message_start_key.bpmn")
    harness.engine.publish_message("self", "k-1", {"key": "k-1", "x": 1}, time_to_live_ms=MINUTE)
    [key] = started(harness, "self_catch")
    # the buffered starting message is not correlated again: the instance waits
    assert instance(harness, key).status == "ACTIVE"
    # the next message with the key goes to the waiting catch event, not to a new instance
    harness.engine.publish_message("self", "k-1", {"x": 2}, time_to_live_ms=MINUTE)
    assert started(harness, "self_catch") == [key]
    assert root_variables(harness, key) == {"key": "k-1", "x": 2}
    assert_trail(
        trail(harness, key),
        [
            ("self_catch", "ELEMENT_ACTIVATING"),
            ("self_catch", "ELEMENT_ACTIVATED"),
            *lifecycle("s_start"),
            taken("s_f1"),
            *lifecycle("again"),
            taken("s_f2"),
            *lifecycle("s_end"),
            ("self_catch", "ELEMENT_COMPLETING"),
            ("self_catch", "ELEMENT_COMPLETED"),
        ],
    )
