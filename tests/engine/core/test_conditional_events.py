"""Conditional events (Zeebe 8.9): intermediate catch, boundary (interrupting and not), event subprocess
starts, variable filters; conditions evaluated on entering and on variable changes in scope."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import DeploymentRejected
from tests.engine.core.harness import (
    HERE,
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    taken,
    trail,
)


def _start(harness: EngineHarness, process_id: str, variables: dict[str, object] | None = None) -> int:
    deploy(harness, "conditional_events.bpmn")
    created = harness.engine.create_process_instance(bpmn_process_id=process_id, variables=variables or {})
    return created.process_instance_key


def _count(harness: EngineHarness, key: int, element_id: str, intent: str = "ELEMENT_COMPLETED") -> int:
    return trail(harness, key).count((element_id, intent))


def test_catch_event_waits_until_a_variable_change_makes_the_condition_true(harness: EngineHarness) -> None:
    # given an instance waiting at the conditional catch event
    key = _start(harness, "cond_catch", {"reserved": False})
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_catch", end="activated"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("wait", end="activated"),
        ],
    )
    # when an unrelated variable and then the condition's variable change
    harness.engine.set_variables(key, {"other": 1})
    assert instance(harness, key).status == "ACTIVE"
    harness.engine.set_variables(key, {"reserved": True})
    # then it passes
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key)[9:],
        [
            ("wait", "ELEMENT_COMPLETING"),
            ("wait", "ELEMENT_COMPLETED"),
            taken("f2"),
            *lifecycle("end"),
            ("cond_catch", "ELEMENT_COMPLETING"),
            ("cond_catch", "ELEMENT_COMPLETED"),
        ],
    )


def test_catch_event_passes_at_once_when_the_condition_is_true_on_entry(harness: EngineHarness) -> None:
    # when
    key = _start(harness, "cond_catch", {"reserved": True})
    # then
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_catch", end="activated"),
            *lifecycle("start"),
            taken("f1"),
            *lifecycle("wait"),
            taken("f2"),
            *lifecycle("end"),
            ("cond_catch", "ELEMENT_COMPLETING"),
            ("cond_catch", "ELEMENT_COMPLETED"),
        ],
    )


def test_a_failing_condition_is_false_and_raises_no_incident(harness: EngineHarness) -> None:
    # given `reserved = true` with reserved a string: false, not an error
    key = _start(harness, "cond_catch", {"reserved": "yes"})
    # when
    harness.engine.set_variables(key, {"reserved": None})
    # then
    assert instance(harness, key).status == "ACTIVE"
    assert harness.engine.list_incidents(key) == []


def test_interrupting_boundary_event_triggers_on_entering_the_activity(harness: EngineHarness) -> None:
    # when the condition is already true as the task is entered
    key = _start(harness, "cond_boundary", {"address": "new"})
    # then the task is interrupted at once and its job canceled
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_boundary", end="activated"),
            *lifecycle("b_start"),
            taken("b_f1"),
            *lifecycle("review", end="terminated"),
            *lifecycle("changed"),
            taken("b_f3"),
            *lifecycle("apply"),
            taken("b_f4"),
            *lifecycle("b_changed_end"),
            ("cond_boundary", "ELEMENT_COMPLETING"),
            ("cond_boundary", "ELEMENT_COMPLETED"),
        ],
    )
    assert harness.engine.activate_jobs("review", "w", 1000, 10) == []


def test_interrupting_boundary_event_triggers_when_a_variable_changes(harness: EngineHarness) -> None:
    # given
    key = _start(harness, "cond_boundary", {"address": "old"})
    assert ("review", "ELEMENT_ACTIVATED") in trail(harness, key)
    # when the process-level variable is updated
    harness.engine.set_variables(key, {"address": "new"})
    # then
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key)[9:],
        [
            ("review", "ELEMENT_TERMINATING"),
            ("review", "ELEMENT_TERMINATED"),
            *lifecycle("changed"),
            taken("b_f3"),
            *lifecycle("apply"),
            taken("b_f4"),
            *lifecycle("b_changed_end"),
            ("cond_boundary", "ELEMENT_COMPLETING"),
            ("cond_boundary", "ELEMENT_COMPLETED"),
        ],
    )


def test_variables_of_the_completing_task_do_not_trigger_its_boundary_events(harness: EngineHarness) -> None:
    # given
    key = _start(harness, "cond_boundary")
    [job] = harness.engine.activate_jobs("review", "w", 1000, 1)
    # when the job completes with variables that satisfy both conditions
    harness.engine.complete_job(job.job_key, {"address": "new", "risk": 9})
    # then the subscriptions were closed first: the task completes normally
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key)[9:],
        [
            ("review", "ELEMENT_COMPLETING"),
            ("review", "ELEMENT_COMPLETED"),
            taken("b_f2"),
            *lifecycle("b_end"),
            ("cond_boundary", "ELEMENT_COMPLETING"),
            ("cond_boundary", "ELEMENT_COMPLETED"),
        ],
    )


def test_non_interrupting_boundary_event_triggers_on_each_change_that_leaves_the_condition_true(
    harness: EngineHarness,
) -> None:
    # given
    key = _start(harness, "cond_boundary", {"risk": 1})
    # when risk changes: true, true again, the same value (no change), false, true
    harness.engine.set_variables(key, {"risk": 6})
    harness.engine.set_variables(key, {"risk": 7})
    harness.engine.set_variables(key, {"risk": 7})
    harness.engine.set_variables(key, {"risk": 2})
    harness.engine.set_variables(key, {"risk": 8, "address": "old"})
    # then it triggered three times, the task still waits
    assert _count(harness, key, "remind") == 3
    assert _count(harness, key, "b_remind_end") == 3
    assert instance(harness, key).status == "ACTIVE"
    assert ("review", "ELEMENT_TERMINATED") not in trail(harness, key)
    assert_trail(
        trail(harness, key)[9:],
        [*lifecycle("remind"), taken("b_f5"), *lifecycle("b_remind_end")] * 3,
    )


def test_interrupting_event_subprocess_starts_when_the_condition_becomes_true(harness: EngineHarness) -> None:
    # given
    key = _start(harness, "cond_event_sub", {"cancel": False})
    # when
    harness.engine.set_variables(key, {"cancel": True})
    # then the main flow is interrupted
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_event_sub", end="activated"),
            *lifecycle("e_start"),
            taken("e_f1"),
            *lifecycle("prepare", end="terminated"),
            ("cancel_sub", "ELEMENT_ACTIVATING"),
            ("cancel_sub", "ELEMENT_ACTIVATED"),
            *lifecycle("cancelled"),
            taken("e_f3"),
            *lifecycle("cancel_end"),
            ("cancel_sub", "ELEMENT_COMPLETING"),
            ("cancel_sub", "ELEMENT_COMPLETED"),
            ("cond_event_sub", "ELEMENT_COMPLETING"),
            ("cond_event_sub", "ELEMENT_COMPLETED"),
        ],
    )
    assert harness.engine.activate_jobs("prepare", "w", 1000, 10) == []


def test_event_subprocess_condition_true_when_the_process_starts_interrupts_at_once(
    harness: EngineHarness,
) -> None:
    # when
    key = _start(harness, "cond_event_sub", {"cancel": True})
    # then the subscription is evaluated as the process is entered: its start event never runs
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key)[:6],
        [
            *lifecycle("cond_event_sub", end="activated"),
            ("cancel_sub", "ELEMENT_ACTIVATING"),
            ("cancel_sub", "ELEMENT_ACTIVATED"),
            ("cancelled", "ELEMENT_ACTIVATING"),
            ("cancelled", "ELEMENT_ACTIVATED"),
        ],
    )
    assert ("prepare", "ELEMENT_ACTIVATING") not in trail(harness, key)


def test_non_interrupting_event_subprocess_with_an_update_filter_ignores_creation(
    harness: EngineHarness,
) -> None:
    # given
    key = _start(harness, "cond_event_sub")
    # when `delay` is created (filtered out), then updated twice while the condition holds
    harness.engine.set_variables(key, {"delay": 20})
    assert _count(harness, key, "notify_sub") == 0
    harness.engine.set_variables(key, {"delay": 30})
    harness.engine.set_variables(key, {"delay": 40})
    # then the event subprocess ran twice beside the waiting task
    assert _count(harness, key, "notify_sub") == 2
    assert instance(harness, key).status == "ACTIVE"
    assert_trail(
        trail(harness, key)[9:],
        [
            ("notify_sub", "ELEMENT_ACTIVATING"),
            ("notify_sub", "ELEMENT_ACTIVATED"),
            *lifecycle("late"),
            taken("e_f4"),
            *lifecycle("notify_end"),
            ("notify_sub", "ELEMENT_COMPLETING"),
            ("notify_sub", "ELEMENT_COMPLETED"),
        ]
        * 2,
    )
    # and the main flow goes on
    [job] = harness.engine.activate_jobs("prepare", "w", 1000, 1)
    harness.engine.complete_job(job.job_key, {})
    assert instance(harness, key).status == "COMPLETED"


def test_job_completion_variables_trigger_the_event_subprocess(harness: EngineHarness) -> None:
    # given
    key = _start(harness, "cond_event_sub", {"delay": 0})
    [job] = harness.engine.activate_jobs("prepare", "w", 1000, 1)
    # when the job's variables are merged into the process scope (an update of `delay`)
    harness.engine.complete_job(job.job_key, {"delay": 15})
    # then the non-interrupting event subprocess starts after the task completed
    assert _count(harness, key, "notify_sub") == 1
    assert instance(harness, key).status == "COMPLETED"


def test_root_level_conditional_start_events_start_one_instance_per_true_condition(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "conditional_events.bpmn")
    # when both conditions hold
    created = harness.engine.evaluate_conditionals({"amount": 150, "region": "EU"})
    # then two instances of the one process start, one at each start event, with the variables
    assert [c.bpmn_process_id for c in created] == ["cond_start", "cond_start"]
    first, second = (c.process_instance_key for c in created)
    assert_trail(
        trail(harness, first),
        [
            *lifecycle("cond_start", end="activated"),
            *lifecycle("big_order"),
            taken("s_f1"),
            *lifecycle("s_end"),
            ("cond_start", "ELEMENT_COMPLETING"),
            ("cond_start", "ELEMENT_COMPLETED"),
        ],
    )
    assert trail(harness, second)[2:4] == [
        ("eu_order", "ELEMENT_ACTIVATING"),
        ("eu_order", "ELEMENT_ACTIVATED"),
    ]
    assert instance(harness, first).variables[first] == {"amount": 150, "region": "EU"}


def test_root_level_conditions_that_are_false_or_read_no_given_variable_start_nothing(
    harness: EngineHarness,
) -> None:
    # given
    deploy(harness, "conditional_events.bpmn")
    definition_key = harness.engine.store.latest_process_definition("cond_start").key  # type: ignore[union-attr]
    # when / then
    assert harness.engine.evaluate_conditionals({"amount": 5}) == []
    assert harness.engine.evaluate_conditionals({"other": 1}) == []
    [one] = harness.engine.evaluate_conditionals({"amount": 500}, process_definition_key=definition_key)
    assert one.process_definition_key == definition_key


def test_root_level_evaluation_uses_the_latest_version_only(harness: EngineHarness) -> None:
    # given version 1, then version 2 of cond_start without the EU start event
    deploy(harness, "conditional_events.bpmn")
    v2 = (HERE / "conditional_events.bpmn").read_bytes().replace(b'= region = "EU"', b'= region = "US"')
    harness.engine.deploy([("conditional_events.bpmn", v2)])
    # when
    created = harness.engine.evaluate_conditionals({"region": "EU"})
    # then
    assert created == []
    [us] = harness.engine.evaluate_conditionals({"region": "US"})
    assert us.version == 2


def test_deploy_refuses_missing_invalid_and_duplicate_conditions(harness: EngineHarness) -> None:
    # when
    with pytest.raises(DeploymentRejected) as caught:
        deploy(harness, "invalid/conditional_events.bpmn")
    # then every reason is given
    problems = [(p.element_id, p.message) for p in caught.value.problems]
    assert problems[:2] == [
        ("wait", "The conditional event has no condition (bpmn:condition)."),
        (
            "broken",
            "The conditional filter's variableEvents 'create, delete' may only contain 'create' and 'update'.",
        ),
    ]
    assert problems[2][0] == "broken"
    assert problems[2][1].startswith("The condition '= x >' is not valid FEEL at position 4:")
    assert problems[3:] == [
        (
            "second",
            "The conditional start event has the same condition '=amount > 100' as 'first'; the conditions of a "
            "process's conditional start events must be unique.",
        )
    ]


def _element_key(harness: EngineHarness, key: int, element_id: str) -> int:
    return next(ei.key for ei in instance(harness, key).elements.values() if ei.element_id == element_id)


def test_a_local_variable_of_the_activity_triggers_its_boundary_event(harness: EngineHarness) -> None:
    # given
    key = _start(harness, "cond_boundary")
    review = _element_key(harness, key, "review")
    # when a variable is set locally in the task's scope
    harness.engine.set_variables(review, {"risk": 9}, local=True, process_instance_key=key)
    # then the non-interrupting boundary event, evaluated in that scope, triggers
    assert _count(harness, key, "remind") == 1
    assert instance(harness, key).variables.get(key, {}) == {}


def test_a_variable_set_below_the_scope_of_a_subscription_does_not_trigger_it(harness: EngineHarness) -> None:
    # given the event subprocess subscription lives in the process scope
    key = _start(harness, "cond_event_sub")
    prepare = _element_key(harness, key, "prepare")
    # when `cancel` is set locally in the task's scope (evaluation goes down from there, not up)
    harness.engine.set_variables(prepare, {"cancel": True}, local=True, process_instance_key=key)
    # then nothing triggers
    assert ("cancel_sub", "ELEMENT_ACTIVATING") not in trail(harness, key)
    # and when it is set in the process scope, it does
    harness.engine.set_variables(key, {"cancel": True})
    assert _count(harness, key, "cancel_sub") == 1
    assert ("prepare", "ELEMENT_TERMINATED") in trail(harness, key)


def test_several_changes_at_once_trigger_a_subscription_once(harness: EngineHarness) -> None:
    # given a non-interrupting boundary event reading `risk` and an interrupting one reading `address`
    key = _start(harness, "cond_boundary", {"risk": 0})
    review = _element_key(harness, key, "review")
    # when one command changes `risk` in the process scope and in the task's scope
    harness.engine.set_variables(key, {"risk": 6})
    harness.engine.set_variables(review, {"risk": 7, "level": 1}, local=True, process_instance_key=key)
    # then each command triggered the non-interrupting one once
    assert _count(harness, key, "remind") == 2
    # and when one command satisfies both, the interrupting one (opened first) wins: evaluation of the
    # task's subscriptions stops there
    harness.engine.set_variables(review, {"risk": 8, "address": "new"}, local=True, process_instance_key=key)
    assert _count(harness, key, "remind") == 2
    assert _count(harness, key, "changed") == 1
    assert ("review", "ELEMENT_TERMINATED") in trail(harness, key)
    assert instance(harness, key).status == "COMPLETED"


def _gateway_subscriptions(harness: EngineHarness, key: int) -> tuple[list[str], list[str], list[str]]:
    timers = [t.element_id for t in harness.timers() if t.process_instance_key == key]
    messages = [s.element_id for s in harness.message_subscriptions() if s.process_instance_key == key]
    conditions = [
        sub[2]
        for ei in instance(harness, key).elements.values()
        for sub in ei.subscriptions or ()
        if sub[0] == "C"
    ]
    return timers, messages, conditions


def test_event_based_gateway_takes_the_conditional_branch_when_the_condition_becomes_true(
    harness: EngineHarness,
) -> None:
    # given an instance waiting at the event-based gateway (condition, message and timer branches)
    key = _start(harness, "cond_gateway", {"approved": False, "orderId": "o-1"})
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_gateway", end="activated"),
            *lifecycle("start"),
            taken("g0"),
            *lifecycle("gw", end="activated"),
        ],
    )
    assert _gateway_subscriptions(harness, key) == (["timeout"], ["cancel"], ["approved"])
    # when an unrelated variable, then the condition's variable changes
    harness.engine.set_variables(key, {"orderId": "o-2"})
    assert instance(harness, key).status == "ACTIVE"
    harness.engine.set_variables(key, {"approved": True})
    # then the conditional branch is taken and the other subscriptions are closed
    assert instance(harness, key).status == "COMPLETED"
    assert_trail(
        trail(harness, key)[9:],
        [
            ("gw", "ELEMENT_COMPLETING"),
            ("gw", "ELEMENT_COMPLETED"),
            taken("g1"),
            *lifecycle("approved"),
            taken("g4"),
            *lifecycle("approvedEnd"),
            ("cond_gateway", "ELEMENT_COMPLETING"),
            ("cond_gateway", "ELEMENT_COMPLETED"),
        ],
    )
    assert _gateway_subscriptions(harness, key) == ([], [], [])
    assert harness.advance(hours=2) == 0


def test_event_based_gateway_takes_the_conditional_branch_at_once_when_true_on_entry(
    harness: EngineHarness,
) -> None:
    # when the instance reaches the gateway with the condition already true
    key = _start(harness, "cond_gateway", {"approved": True, "orderId": "o-1"})
    # then the conditional branch is taken at once; no timer or message subscription is left
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("cond_gateway", end="activated"),
            *lifecycle("start"),
            taken("g0"),
            *lifecycle("gw"),
            taken("g1"),
            *lifecycle("approved"),
            taken("g4"),
            *lifecycle("approvedEnd"),
            ("cond_gateway", "ELEMENT_COMPLETING"),
            ("cond_gateway", "ELEMENT_COMPLETED"),
        ],
    )
    assert _gateway_subscriptions(harness, key) == ([], [], [])


def test_event_based_gateway_closes_the_conditional_subscription_when_another_branch_wins(
    harness: EngineHarness,
) -> None:
    # given an instance waiting at the event-based gateway
    key = _start(harness, "cond_gateway", {"approved": False, "orderId": "o-1"})
    # when the message branch wins
    harness.engine.publish_message("cancelOrder", "o-1")
    # then the conditional subscription is closed: a later change of its variable does nothing
    assert _gateway_subscriptions(harness, key) == ([], [], [])
    assert_trail(
        trail(harness, key)[9:],
        [
            ("gw", "ELEMENT_COMPLETING"),
            ("gw", "ELEMENT_COMPLETED"),
            taken("g2"),
            *lifecycle("cancel"),
            taken("g5"),
            *lifecycle("canceledEnd"),
            ("cond_gateway", "ELEMENT_COMPLETING"),
            ("cond_gateway", "ELEMENT_COMPLETED"),
        ],
    )
    assert _count(harness, key, "approved") == 0
