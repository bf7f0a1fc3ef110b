"""Process instance migration (Zeebe's rules): mapped active elements keep their keys, jobs, user tasks and
subscriptions but follow the target definition; anything unmapped or changed is refused, nothing changed."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound
from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    assert_trail_ends,
    deploy,
    instance,
    lifecycle,
    taken,
    trail,
)

MAPPING = [("task_a", "task_a2"), ("sub", "sub2"), ("task_b", "task_b2"), ("sub_cancel", "sub_cancel2")]


def start(harness: EngineHarness) -> tuple[int, int, int]:
    """An instance of v1 waiting at task_a (a job) and task_b (a user task in `sub`, which has a message
    boundary event); returns (instance key, v1 key, v2 key)."""
    v1 = deploy(harness, "migration_v1.bpmn").processes[0].key
    key = harness.engine.create_process_instance(
        bpmn_process_id="migration", variables={"key": "k-1"}
    ).process_instance_key
    v2 = deploy(harness, "migration_v2.bpmn").processes[0].key
    return key, v1, v2


def snapshot(harness: EngineHarness, key: int) -> tuple[object, ...]:
    state = harness.engine.get_process_instance(key)
    assert state is not None
    return (
        state.to_dict(),
        len(harness.history()),
        harness.jobs(key),
        harness.user_tasks(key),
        harness.message_subscriptions(),
    )


def test_migrated_instance_keeps_its_work_and_follows_the_new_version(harness: EngineHarness) -> None:
    # given
    key, v1, v2 = start(harness)
    before = trail(harness, key)
    [job] = harness.jobs(key)
    [task] = harness.user_tasks(key)
    [subscription] = harness.message_subscriptions()
    assert (job.element_id, task.element_id, subscription.element_id) == ("task_a", "task_b", "sub_cancel")
    keys = {ei.element_id: ei.key for ei in instance(harness, key).elements.values()}
    # when
    harness.engine.migrate_process_instance(key, v2, MAPPING)
    # then: every element instance is migrated in place (same keys), nothing else happens
    assert_trail(
        trail(harness, key),
        [
            *before,
            ("migration", "ELEMENT_MIGRATED"),
            ("task_a2", "ELEMENT_MIGRATED"),
            ("sub2", "ELEMENT_MIGRATED"),
            ("task_b2", "ELEMENT_MIGRATED"),
        ],
    )
    state = instance(harness, key)
    assert (state.process_definition_key, state.version) == (v2, 2)
    assert {ei.element_id: ei.key for ei in state.elements.values()} == {
        "migration": keys["migration"],
        "task_a2": keys["task_a"],
        "sub2": keys["sub"],
        "task_b2": keys["task_b"],
    }
    [job_after] = harness.jobs(key)
    assert (job_after.key, job_after.element_id, job_after.process_definition_key) == (job.key, "task_a2", v2)
    assert job_after.process_definition_version == 2
    [task_after] = harness.user_tasks(key)
    assert (task_after.key, task_after.element_id, task_after.process_definition_key) == (
        task.key,
        "task_b2",
        v2,
    )
    [sub_after] = harness.message_subscriptions()
    assert (sub_after.key, sub_after.element_id, sub_after.process_definition_key) == (
        subscription.key,
        "sub_cancel2",
        v2,
    )
    records = [r for r in harness.history() if r.intent == "MIGRATED"]
    assert [r.data for r in records] == [
        {
            "sourceProcessDefinitionKey": v1,
            "targetProcessDefinitionKey": v2,
            "mappingInstructions": [{"sourceElementId": s, "targetElementId": t} for s, t in MAPPING],
        }
    ]
    # when the job completes, the flow of v2 continues (a review task v1 did not have)
    [activated] = harness.engine.activate_jobs("a", "w", 10_000, 1)
    assert (activated.element_id, activated.process_definition_key) == ("task_a2", v2)
    harness.engine.complete_job(activated.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_a2", "ELEMENT_COMPLETING"),
            ("task_a2", "ELEMENT_COMPLETED"),
            taken("f4"),
            *lifecycle("review", end="activated"),
        ],
    )
    # and the migrated boundary message interrupts the migrated subprocess, taking v2's flow
    harness.engine.publish_message("cancel", "k-1")
    assert_trail_ends(
        trail(harness, key),
        [
            ("sub2", "ELEMENT_TERMINATING"),
            ("task_b2", "ELEMENT_TERMINATING"),
            ("task_b2", "ELEMENT_TERMINATED"),
            ("sub2", "ELEMENT_TERMINATED"),
            *lifecycle("sub_cancel2"),
            taken("f6"),
            *lifecycle("canceled2"),
        ],
    )
    review = next(t for t in harness.user_tasks(key) if t.element_id == "review")
    harness.engine.complete_user_task(review.key)
    assert instance(harness, key).status == "COMPLETED"
    assert [t.state for t in harness.user_tasks(key) if t.key == task.key] == ["CANCELED"]


@pytest.mark.parametrize(
    ("mapping", "error", "message"),
    [
        (MAPPING[1:], Conflict, "no mapping instruction defined for active element with id 'task_a'"),
        (
            [("task_a", "task_a_user"), *MAPPING[1:]],
            Conflict,
            "active element with id 'task_a' and type 'SERVICE_TASK' is mapped to an element with id "
            "'task_a_user' and different type 'USER_TASK'",
        ),
        (
            [("task_a", "task_a2"), ("sub", "sub2"), ("task_b", "task_b2"), ("sub_cancel", "canceled2")],
            Conflict,
            "has a catch event with id 'sub_cancel' that is mapped to 'canceled2', which is not a catch event",
        ),
        (
            [("task_a", "task_a2"), ("sub", "sub2"), ("task_b", "deep_b"), ("sub_cancel", "sub_cancel2")],
            Conflict,
            "the flow scope of active element with id 'task_b' is changed",
        ),
        (
            [("task_a", "task_a2"), ("sub", "sub2"), ("task_b", "task_b_job"), ("sub_cancel", "sub_cancel2")],
            Conflict,
            "implementation 'zeebe user task' is mapped to an user task with id 'task_b_job' and different "
            "implementation 'job worker'",
        ),
        ([*MAPPING, ("task_a", "review")], InvalidArgument, "duplicate source element ids 'task_a'"),
        ([*MAPPING, ("ghost", "task_a2")], InvalidArgument, "non-existing source element id 'ghost'"),
        ([*MAPPING[:3], ("sub_cancel", "ghost")], InvalidArgument, "non-existing target element id 'ghost'"),
    ],
)
def test_invalid_migrations_change_nothing(
    harness: EngineHarness, mapping: list[tuple[str, str]], error: type[Exception], message: str
) -> None:
    key, _, v2 = start(harness)
    before = snapshot(harness, key)
    with pytest.raises(error, match=message):
        harness.engine.migrate_process_instance(key, v2, mapping)
    assert snapshot(harness, key) == before


def test_unknown_instance_or_target_is_not_found(harness: EngineHarness) -> None:
    key, _, v2 = start(harness)
    before = snapshot(harness, key)
    with pytest.raises(NotFound):
        harness.engine.migrate_process_instance(key + 100_000, v2, MAPPING)
    with pytest.raises(NotFound, match="no process definition found"):
        harness.engine.migrate_process_instance(key, v2 + 100_000, MAPPING)
    assert snapshot(harness, key) == before


def test_unmapped_catch_events_are_closed_and_new_ones_opened(harness: EngineHarness) -> None:
    # as Zeebe: the boundary message of v1 is not mapped, so its subscription closes; v2's boundary message
    # is not the target of any mapping, so it is subscribed to (a new subscription, evaluated now)
    key, _, v2 = start(harness)
    [old] = harness.message_subscriptions()
    harness.engine.migrate_process_instance(key, v2, MAPPING[:3])
    [new] = harness.message_subscriptions()
    assert new.key != old.key
    assert (new.element_id, new.message_name, new.correlation_key, new.process_definition_key) == (
        "sub_cancel2",
        "cancel",
        "k-1",
        v2,
    )
    sub2 = next(ei for ei in instance(harness, key).elements.values() if ei.element_id == "sub2")
    assert sub2.subscriptions == [["M", new.key, "sub_cancel2"]]
    assert new.element_instance_key == sub2.key
    # the new subscription works
    harness.engine.publish_message("cancel", "k-1")
    assert_trail_ends(
        trail(harness, key),
        [
            ("sub2", "ELEMENT_TERMINATING"),
            ("task_b2", "ELEMENT_TERMINATING"),
            ("task_b2", "ELEMENT_TERMINATED"),
            ("sub2", "ELEMENT_TERMINATED"),
            *lifecycle("sub_cancel2"),
            taken("f6"),
            *lifecycle("canceled2"),
        ],
    )


def test_incident_and_job_follow_the_migration(harness: EngineHarness) -> None:
    key, _, v2 = start(harness)
    [job] = harness.engine.activate_jobs("a", "w", 10_000, 1)
    harness.engine.fail_job(job.job_key, 0, "boom")
    [incident] = harness.engine.list_incidents(key)
    assert incident.element_id == "task_a"
    harness.engine.migrate_process_instance(key, v2, MAPPING)
    [migrated] = harness.engine.list_incidents(key)
    assert (migrated.key, migrated.element_id, migrated.process_definition_key) == (
        incident.key,
        "task_a2",
        v2,
    )
    # resolving works on the migrated element: the job is retried and completes on v2's path
    harness.engine.update_job_retries(job.job_key, 1)
    harness.engine.resolve_incident(incident.key)
    [again] = harness.engine.activate_jobs("a", "w", 10_000, 1)
    assert (again.job_key, again.element_id) == (job.job_key, "task_a2")
    harness.engine.complete_job(again.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_a2", "ELEMENT_COMPLETING"),
            ("task_a2", "ELEMENT_COMPLETED"),
            taken("f4"),
            *lifecycle("review", end="activated"),
        ],
    )


def test_multi_instance_body_and_its_boundary_timer_migrate(harness: EngineHarness) -> None:
    # migrating to the same definition (allowed, as in Zeebe) with the identity mapping
    definition = deploy(harness, "multi_instance.bpmn").processes
    target = next(p.key for p in definition if p.bpmn_process_id == "mi_subprocess")
    key = harness.engine.create_process_instance(bpmn_process_id="mi_subprocess").process_instance_key
    [timer] = harness.timers()
    before = trail(harness, key)
    mapping = [("p_sub", "p_sub"), ("p_sub_task", "p_sub_task"), ("p_timeout", "p_timeout")]
    harness.engine.migrate_process_instance(key, target, mapping)
    assert_trail(
        trail(harness, key),
        [
            *before,
            ("mi_subprocess", "ELEMENT_MIGRATED"),
            ("p_sub", "ELEMENT_MIGRATED"),
            ("p_sub", "ELEMENT_MIGRATED"),
            ("p_sub_task", "ELEMENT_MIGRATED"),
        ],
    )
    assert harness.timers() == [timer]
    # without the boundary event's mapping its timer is replaced by a new one, counting from now
    harness.advance(minutes=10)
    harness.engine.migrate_process_instance(key, target, mapping[:2])
    [replaced] = harness.timers()
    assert replaced.key != timer.key
    assert (replaced.element_id, replaced.due) == ("p_timeout", harness.now() + 3_600_000)
    # the migrated body goes on to its second item
    [task] = [t for t in harness.user_tasks(key) if t.state == "CREATED"]
    harness.engine.complete_user_task(task.key)
    assert_trail_ends(
        trail(harness, key),
        [
            *lifecycle("p_sub_task", end="activated"),
        ],
    )
    assert [t.state for t in harness.user_tasks(key)] == ["COMPLETED", "CREATED"]


def test_migration_to_another_process(harness: EngineHarness) -> None:
    deploy(harness, "modification.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="modification").process_instance_key
    target = deploy(harness, "migration_v2.bpmn").processes[0]
    harness.engine.migrate_process_instance(key, target.key, [("task_a", "task_a2")])
    state = instance(harness, key)
    assert (state.bpmn_process_id, state.process_definition_key) == ("migration", target.key)
    assert_trail_ends(
        trail(harness, key), [("migration", "ELEMENT_MIGRATED"), ("task_a2", "ELEMENT_MIGRATED")]
    )
    [job] = harness.jobs(key)
    assert (job.bpmn_process_id, job.element_id) == ("migration", "task_a2")
    [activated] = harness.engine.activate_jobs("a", "w", 10_000, 1)
    assert activated.process_definition_id == "migration"
    harness.engine.complete_job(activated.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_a2", "ELEMENT_COMPLETING"),
            ("task_a2", "ELEMENT_COMPLETED"),
            taken("f4"),
            *lifecycle("review", end="activated"),
        ],
    )
    [task] = [t for t in harness.user_tasks(key) if t.state == "CREATED"]
    harness.engine.complete_user_task(task.key)
    assert_trail_ends(
        trail(harness, key),
        [*lifecycle("end_a"), ("migration", "ELEMENT_COMPLETING"), ("migration", "ELEMENT_COMPLETED")],
    )


def test_event_subprocess_subscriptions_of_the_process(harness: EngineHarness) -> None:
    definition = deploy(harness, "event_subprocess.bpmn").processes[0]
    key = harness.engine.create_process_instance(
        bpmn_process_id="event_subprocess", variables={"caseId": "c-1"}
    ).process_instance_key
    root = instance(harness, key).elements[key]
    before = sorted(root.subscriptions or [])
    assert sorted(s[2] for s in before) == ["audit_start", "cancel_start", "reminder_start"]
    # mapped start events keep their subscriptions (same keys)
    starts = [
        ("reminder_start", "reminder_start"),
        ("cancel_start", "cancel_start"),
        ("audit_start", "audit_start"),
    ]
    harness.engine.migrate_process_instance(key, definition.key, [("work", "work"), *starts])
    assert sorted(instance(harness, key).elements[key].subscriptions or []) == before
    # unmapped ones are closed and subscribed to again (new keys, same catch events)
    harness.engine.migrate_process_instance(key, definition.key, [("work", "work")])
    after = sorted(instance(harness, key).elements[key].subscriptions or [])
    assert sorted(s[2] for s in after) == sorted(s[2] for s in before)
    assert not {s[1] for s in after} & {s[1] for s in before}
    assert [s.element_id for s in harness.message_subscriptions()] == ["cancel_start"]
    # and they still work: the message starts the interrupting event subprocess
    harness.engine.publish_message("cancel", "c-1")
    assert instance(harness, key).status == "COMPLETED"


def test_event_based_gateway_and_its_events(harness: EngineHarness) -> None:
    definition = deploy(harness, "event_based_gateway.bpmn").processes[0]
    key = harness.engine.create_process_instance(
        bpmn_process_id="event_based_gateway", variables={"orderId": "o-1"}
    ).process_instance_key
    [timer] = harness.timers()
    [message] = harness.message_subscriptions()
    # the events after the gateway mapped: both subscriptions kept
    harness.engine.migrate_process_instance(
        key, definition.key, [("gw", "gw"), ("paid", "paid"), ("too_late", "too_late")]
    )
    assert (harness.timers(), harness.message_subscriptions()) == ([timer], [message])
    # mapped onto each other's kind: refused
    with pytest.raises(Conflict, match="catch event with id 'paid' that is mapped to 'too_late'"):
        harness.engine.migrate_process_instance(key, definition.key, [("gw", "gw"), ("paid", "too_late")])
    # not mapped: renewed
    harness.engine.migrate_process_instance(key, definition.key, [("gw", "gw")])
    [new_timer] = harness.timers()
    [new_message] = harness.message_subscriptions()
    assert new_timer.key != timer.key
    assert new_message.key != message.key
    harness.engine.publish_message("paid", "o-1")
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
    assert harness.timers() == []


def _waiting_at_join(harness: EngineHarness) -> tuple[int, int]:
    """An instance of migration_join v1 whose token from `a` waits at the parallel join while `b` is active;
    returns (instance key, v2 key)."""
    deploy(harness, "migration_join_v1.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="migration_join").process_instance_key
    [job] = harness.engine.activate_jobs("join-a", "w", 10_000, 1)
    harness.engine.complete_job(job.job_key)
    v2 = deploy(harness, "migration_join_v2.bpmn").processes[0].key
    return key, v2


def test_a_token_waiting_at_a_joining_gateway_migrates_with_its_taken_flow(harness: EngineHarness) -> None:
    # given a token from a waiting at the join for b's
    key, v2 = _waiting_at_join(harness)
    assert instance(harness, key).elements[key].joins == {"join": {"a_join": 1}}
    # when b, the join and the taken flow a_join are mapped (v2 has c between a and the join)
    harness.engine.migrate_process_instance(key, v2, [("b", "b"), ("join", "join2"), ("a_join", "c_join")])
    # then the waiting token counts as arrived on c_join (Zeebe: the old flow deleted, the new one taken)
    assert instance(harness, key).elements[key].joins == {"join2": {"c_join": 1}}
    assert_trail_ends(
        trail(harness, key),
        [
            taken("a_join"),
            ("migration_join", "ELEMENT_MIGRATED"),
            ("a_join", "SEQUENCE_FLOW_DELETED"),
            taken("c_join"),
            ("b", "ELEMENT_MIGRATED"),
        ],
    )
    # and completing b is all v2's join still needs
    [job] = harness.engine.activate_jobs("join-b", "w", 10_000, 1)
    harness.engine.complete_job(job.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            taken("b_join"),
            *lifecycle("join2"),
            taken("f2"),
            *lifecycle("end2"),
            ("migration_join", "ELEMENT_COMPLETING"),
            ("migration_join", "ELEMENT_COMPLETED"),
        ],
    )


def test_a_taken_flow_of_the_same_id_needs_no_mapping(harness: EngineHarness) -> None:
    # given a token from b waiting at the join (a still active)
    deploy(harness, "migration_join_v1.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="migration_join").process_instance_key
    [job] = harness.engine.activate_jobs("join-b", "w", 10_000, 1)
    harness.engine.complete_job(job.job_key)
    v2 = deploy(harness, "migration_join_v2.bpmn").processes[0].key
    # when only a and the join are mapped: b_join exists in v2 as an incoming flow of join2
    harness.engine.migrate_process_instance(key, v2, [("a", "a"), ("join", "join2")])
    # then the token waits on v2's b_join; a and c complete the join
    assert instance(harness, key).elements[key].joins == {"join2": {"b_join": 1}}
    for job_type in ("join-a", "join-c"):
        [job] = harness.engine.activate_jobs(job_type, "w", 10_000, 1)
        harness.engine.complete_job(job.job_key)
    assert instance(harness, key).status == "COMPLETED"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            [("b", "b")],
            "no mapping instruction defined for the joining gateway with id 'join', which has taken incoming "
            "sequence flows ('a_join')",
        ),
        (
            [("b", "b"), ("join", "join2")],
            "the taken sequence flow with id 'a_join' of the joining gateway with id 'join' is not mapped to an "
            "incoming sequence flow of the target gateway 'join2'",
        ),
        (
            [("b", "b"), ("join", "join2"), ("a_join", "a_c")],
            "the taken sequence flow with id 'a_join' of the joining gateway with id 'join' is not mapped",
        ),
        (
            [("b", "b"), ("join", "fork"), ("a_join", "f1")],
            "the target gateway with id 'fork' has fewer incoming sequence flows (1) than the joining gateway "
            "with id 'join' (2)",
        ),
        (
            [("b", "b"), ("join", "other_join")],
            "joining gateway with id 'join' and type 'PARALLEL_GATEWAY' is mapped to an element with id "
            "'other_join' and different type 'INCLUSIVE_GATEWAY'",
        ),
    ],
)
def test_a_joining_gateway_that_cannot_migrate_changes_nothing(
    harness: EngineHarness, mapping: list[tuple[str, str]], message: str
) -> None:
    key, v2 = _waiting_at_join(harness)
    before = snapshot(harness, key)
    with pytest.raises(Conflict) as refused:
        harness.engine.migrate_process_instance(key, v2, mapping)
    assert message in str(refused.value)
    assert snapshot(harness, key) == before


def test_an_active_ad_hoc_subprocess_is_refused_as_zeebe_refuses_it(harness: EngineHarness) -> None:
    # given an instance working inside an ad-hoc subprocess (its service task S has a job)
    deployment = deploy(harness, "ad_hoc_subprocess.bpmn")
    definition = next(p for p in deployment.processes if p.bpmn_process_id == "ahsp_basic")
    key = harness.engine.create_process_instance(
        bpmn_process_id="ahsp_basic", variables={"activateElements": ["S"]}
    ).process_instance_key
    assert [j.element_id for j in harness.jobs(key)] == ["S"]
    before = snapshot(harness, key)

    # when it is migrated with every active element mapped
    with pytest.raises(Conflict) as refused:
        harness.engine.migrate_process_instance(key, definition.key, [("ad-hoc", "ad-hoc"), ("S", "S")])

    # then the migration is refused with Zeebe's reason (the ad-hoc subprocess is not among Zeebe's
    # migratable element types) and the instance is unchanged
    assert (
        "active element with id 'ad-hoc' has an unsupported type. The migration of a AD_HOC_SUB_PROCESS "
        "is not supported"
    ) in str(refused.value)
    assert snapshot(harness, key) == before
