"""Timers: intermediate catch (duration, date), boundary (interrupting, cycle non-interrupting), start."""

from __future__ import annotations

from bizdevops.engine.core.timers import ms_to_iso
from tests.engine.core.harness import EngineHarness, deploy, instance, lifecycle, taken, trail


def start(harness: EngineHarness, process_id: str, variables: dict | None = None) -> int:
    deploy(harness, "timer_events.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id=process_id, variables=variables
    ).process_instance_key


def test_duration_timer_fires_when_the_clock_reaches_it_and_not_before(harness: EngineHarness) -> None:
    # given
    key = start(harness, "timer_catch")
    [timer] = [t for t in harness.timers() if t.process_instance_key == key]
    assert timer.due == harness.now() + 10_000
    # when
    assert harness.advance(seconds=9) == 0
    assert instance(harness, key).status == "ACTIVE"
    assert harness.advance(seconds=1) == 1
    # then
    assert trail(harness, key)[-9:] == [
        ("wait", "ELEMENT_COMPLETING"),
        ("wait", "ELEMENT_COMPLETED"),
        taken("f2"),
        *lifecycle("end"),
        ("timer_catch", "ELEMENT_COMPLETING"),
        ("timer_catch", "ELEMENT_COMPLETED"),
    ]
    assert [t for t in harness.timers() if t.process_instance_key == key] == []


def test_date_timer_from_a_feel_expression(harness: EngineHarness) -> None:
    deadline = ms_to_iso(1767225600000 + 3_600_000)
    key = start(harness, "timer_date", {"deadline": deadline})
    harness.advance(minutes=59)
    assert instance(harness, key).status == "ACTIVE"
    harness.advance(minutes=1)
    assert instance(harness, key).status == "COMPLETED"


def test_interrupting_timer_boundary_cancels_the_task(harness: EngineHarness) -> None:
    key = start(harness, "timer_boundary")
    harness.advance(minutes=1)
    assert ("slow", "ELEMENT_TERMINATED") in trail(harness, key)
    assert trail(harness, key)[-4:] == [
        ("timeout_end", "ELEMENT_COMPLETING"),
        ("timeout_end", "ELEMENT_COMPLETED"),
        ("timer_boundary", "ELEMENT_COMPLETING"),
        ("timer_boundary", "ELEMENT_COMPLETED"),
    ]
    assert harness.user_tasks(key)[0].state == "CANCELED"
    assert [t for t in harness.timers() if t.process_instance_key == key] == []


def test_cycle_boundary_fires_its_repetitions_without_interrupting(harness: EngineHarness) -> None:
    key = start(harness, "timer_boundary")
    harness.advance(seconds=10)
    harness.advance(seconds=10)
    harness.advance(seconds=10)  # R2: no third reminder
    reminders = [e for e, i in trail(harness, key) if (e, i) == ("remind_end", "ELEMENT_COMPLETED")]
    assert len(reminders) == 2
    [task] = harness.user_tasks(key)
    harness.engine.complete_user_task(task.key)
    assert instance(harness, key).status == "COMPLETED"
    assert [t for t in harness.timers() if t.process_instance_key == key] == []


def test_timer_start_event_creates_instances_on_its_cycle(harness: EngineHarness) -> None:
    deploy(harness, "timer_events.bpmn")
    for _ in range(4):
        harness.advance(hours=1)
    roots = [r for r in harness.history() if (r.element_id, r.intent) == ("timer_start", "ELEMENT_COMPLETED")]
    assert len(roots) == 3


def test_redeploying_replaces_the_timer_start_of_the_old_version(harness: EngineHarness) -> None:
    deploy(harness, "timer_events.bpmn")
    data = (harness_dir() / "timer_events.bpmn").read_bytes().replace(b"R3/PT1H", b"R1/PT2H")
    harness.engine.deploy([("timer_events.bpmn", data)])
    starts = [t for t in harness.timers() if t.process_instance_key is None and t.element_id == "t_start"]
    assert [(t.repetitions, t.interval) for t in starts] == [(1, 7_200_000)]


def harness_dir():  # type: ignore[no-untyped-def]
    from tests.engine.core.harness import HERE

    return HERE


def test_cron_timer_start_event_fires_on_weekday_mornings(harness: EngineHarness) -> None:
    # given: the clock starts on Thursday 2026-01-01 00:00 UTC
    deploy(harness, "timer_events.bpmn")
    # when: four days pass (Thu, Fri, Sat, Sun)
    for _ in range(4 * 24):
        harness.advance(hours=1)
    # then: Thursday and Friday only
    roots = [r for r in harness.history() if (r.element_id, r.intent) == ("cron_start", "ELEMENT_COMPLETED")]
    assert [ms_to_iso(r.timestamp) for r in roots] == ["2026-01-01T09:00:00.000Z", "2026-01-02T09:00:00.000Z"]
