"""Event-based gateway: the first event wins, the other subscriptions close."""

from __future__ import annotations

from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    assert_trail_ends,
    deploy,
    instance,
    lifecycle,
    root_variables,
    taken,
    trail,
)


def start(harness: EngineHarness) -> int:
    deploy(harness, "event_based_gateway.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="event_based_gateway", variables={"orderId": "o-1"}
    ).process_instance_key


def test_gateway_waits_on_both_events(harness: EngineHarness) -> None:
    key = start(harness)
    assert_trail(
        trail(harness, key),
        [
            ("event_based_gateway", "ELEMENT_ACTIVATING"),
            ("event_based_gateway", "ELEMENT_ACTIVATED"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("gw", end="activated"),
        ],
    )
    assert [t.element_id for t in harness.timers() if t.process_instance_key == key] == ["too_late"]
    assert [s.element_id for s in harness.message_subscriptions() if s.process_instance_key == key] == [
        "paid"
    ]


def test_message_first_takes_its_path_and_closes_the_timer(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.publish_message("paid", "o-1", {"amount": 3})
    assert_trail_ends(
        trail(harness, key),
        [
            ("gw", "ELEMENT_COMPLETING"),
            ("gw", "ELEMENT_COMPLETED"),
            taken("to_msg"),
            *lifecycle("paid"),
            taken("f_paid"),
            *lifecycle("end_paid"),
            ("event_based_gateway", "ELEMENT_COMPLETING"),
            ("event_based_gateway", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key)["amount"] == 3
    assert [t for t in harness.timers() if t.process_instance_key == key] == []
    assert harness.advance(hours=2) == 0


def test_timer_first_takes_its_path_and_closes_the_message_subscription(harness: EngineHarness) -> None:
    key = start(harness)
    harness.advance(hours=1)
    assert ("end_late", "ELEMENT_COMPLETED") in trail(harness, key)
    assert [s for s in harness.message_subscriptions() if s.process_instance_key == key] == []
    harness.engine.publish_message("paid", "o-1")
    assert ("paid", "ELEMENT_ACTIVATING") not in trail(harness, key)
    assert instance(harness, key).status == "COMPLETED"
