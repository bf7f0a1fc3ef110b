"""Compensation events (Camunda 8.5+): boundary event + handler, throw and end events, activityRef, embedded
subprocesses, multi-instance, event subprocesses; Zeebe's trail (the boundary event activates and completes
at once, the throw event waits for every handler it invoked)."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import DeploymentRejected
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


def start(harness: EngineHarness, process_id: str) -> int:
    deploy(harness, "compensation.bpmn")
    return harness.engine.create_process_instance(bpmn_process_id=process_id).process_instance_key


def test_throw_event_invokes_the_handler_of_a_completed_activity_and_waits_for_it(
    harness: EngineHarness,
) -> None:
    # when A completed and the compensation throw event is reached
    key = start(harness, "comp_basic")
    # then the handler runs between the throw event's activation and its completion
    assert_trail(
        trail(harness, key)[7:],
        [
            *lifecycle("A"),
            taken("f2"),
            ("throw", "ELEMENT_ACTIVATING"),
            ("throw", "ELEMENT_ACTIVATED"),
            *lifecycle("A_comp"),
            *lifecycle("undo_a"),
            ("throw", "ELEMENT_COMPLETING"),
            ("throw", "ELEMENT_COMPLETED"),
            taken("f3"),
            *lifecycle("end"),
            ("comp_basic", "ELEMENT_COMPLETING"),
            ("comp_basic", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key)["undoneA"] is True
    assert instance(harness, key).compensations is None  # subscriptions end with the instance


def test_throw_event_with_nothing_to_compensate_completes_at_once(harness: EngineHarness) -> None:
    # when the throw event comes before the compensable activity
    key = start(harness, "comp_nothing")
    steps = trail(harness, key, flows=False)
    # then it passes through and the handler never runs
    assert lifecycle("n_throw") == [s for s in steps if s[0] == "n_throw"]
    assert not [s for s in steps if s[0] in ("n_undo", "nA_comp")]
    assert instance(harness, key).status == "COMPLETED"


def test_activity_ref_compensates_one_activity_and_each_handler_runs_once(harness: EngineHarness) -> None:
    # when B is compensated by reference, then an end event compensates the rest
    key = start(harness, "comp_ref")
    steps = trail(harness, key, flows=False)
    # then undo B runs inside the first throw event and undo A only inside the end event
    assert_trail(
        steps[steps.index(("r_throw_b", "ELEMENT_ACTIVATING")) :],
        [
            ("r_throw_b", "ELEMENT_ACTIVATING"),
            ("r_throw_b", "ELEMENT_ACTIVATED"),
            *lifecycle("rB_comp"),
            *lifecycle("r_undo_b"),
            ("r_throw_b", "ELEMENT_COMPLETING"),
            ("r_throw_b", "ELEMENT_COMPLETED"),
            ("r_end", "ELEMENT_ACTIVATING"),
            ("r_end", "ELEMENT_ACTIVATED"),
            *lifecycle("rA_comp"),
            *lifecycle("r_undo_a"),
            ("r_end", "ELEMENT_COMPLETING"),
            ("r_end", "ELEMENT_COMPLETED"),
            ("comp_ref", "ELEMENT_COMPLETING"),
            ("comp_ref", "ELEMENT_COMPLETED"),
        ],
    )


def test_compensation_reaches_into_completed_subprocesses_and_a_throw_inside_stays_inside(
    harness: EngineHarness,
) -> None:
    key = start(harness, "comp_sub")
    steps = trail(harness, key, flows=False)
    # then the end event inside sub2 compensated only sB, before sub2 completed
    inside = steps[steps.index(("sub2_end", "ELEMENT_ACTIVATING")) :]
    assert inside[:8] == [
        ("sub2_end", "ELEMENT_ACTIVATING"),
        ("sub2_end", "ELEMENT_ACTIVATED"),
        *lifecycle("sB_comp"),
        ("s_undo_b", "ELEMENT_ACTIVATING"),
        ("s_undo_b", "ELEMENT_ACTIVATED"),
    ]
    # and the throw event outside compensated s_before and, inside the completed subprocess, sA (not sB again)
    outside = steps[steps.index(("s_throw", "ELEMENT_ACTIVATING")) :]
    assert_trail(
        outside,
        [
            ("s_throw", "ELEMENT_ACTIVATING"),
            ("s_throw", "ELEMENT_ACTIVATED"),
            *lifecycle("s_before_comp"),
            *lifecycle("sA_comp"),
            ("s_undo_before", "ELEMENT_ACTIVATING"),
            ("s_undo_before", "ELEMENT_ACTIVATED"),
            ("s_undo_a", "ELEMENT_ACTIVATING"),
            ("s_undo_a", "ELEMENT_ACTIVATED"),
            ("s_undo_before", "ELEMENT_COMPLETING"),
            ("s_undo_before", "ELEMENT_COMPLETED"),
            ("s_undo_a", "ELEMENT_COMPLETING"),
            ("s_undo_a", "ELEMENT_COMPLETED"),
            ("s_throw", "ELEMENT_COMPLETING"),
            ("s_throw", "ELEMENT_COMPLETED"),
            *lifecycle("s_end"),
            ("comp_sub", "ELEMENT_COMPLETING"),
            ("comp_sub", "ELEMENT_COMPLETED"),
        ],
    )
    assert [s for s in steps if s[0] == "s_undo_b"] == lifecycle("s_undo_b")


def test_active_activity_is_not_compensated_and_the_throw_waits_for_a_job_handler(
    harness: EngineHarness,
) -> None:
    # given a_wait still active (a job) and a_done completed
    key = start(harness, "comp_active")
    # when the throw event invoked a_done's handler, which is a job
    steps = trail(harness, key, flows=False)
    assert steps[-8:] == [
        ("a_throw", "ELEMENT_ACTIVATING"),
        ("a_throw", "ELEMENT_ACTIVATED"),
        *lifecycle("a_done_comp"),
        ("a_undo_done", "ELEMENT_ACTIVATING"),
        ("a_undo_done", "ELEMENT_ACTIVATED"),
    ]
    assert not [s for s in steps if s[0] in ("a_undo_wait", "a_wait_comp")]
    # then completing the handler's job completes the throw event
    [job] = harness.engine.activate_jobs("comp-undo", "w", 30_000, 10)
    harness.engine.complete_job(job.job_key, {})
    steps = trail(harness, key, flows=False)
    assert ("a_throw", "ELEMENT_COMPLETED") in steps
    assert ("a_end1", "ELEMENT_COMPLETED") in steps
    assert instance(harness, key).status == "ACTIVE"
    # and the activity that was active is never compensated
    [wait] = harness.engine.activate_jobs("comp-wait", "w", 30_000, 10)
    harness.engine.complete_job(wait.job_key, {})
    steps = trail(harness, key, flows=False)
    assert not [s for s in steps if s[0] in ("a_undo_wait", "a_wait_comp")]
    assert instance(harness, key).status == "COMPLETED"


def test_multi_instance_activity_is_compensated_once(harness: EngineHarness) -> None:
    key = start(harness, "comp_mi")
    steps = trail(harness, key, flows=False)
    assert [s for s in steps if s[0] == "m_undo"] == lifecycle("m_undo")
    assert root_variables(harness, key)["undoCount"] == 1
    assert instance(harness, key).status == "COMPLETED"


def test_event_subprocess_compensates_the_scope_around_it(harness: EngineHarness) -> None:
    # when an error ends the main flow after eA completed
    key = start(harness, "comp_event_sub")
    steps = trail(harness, key, flows=False)
    # then the error event subprocess's throw event invokes eA's handler
    assert_trail(
        steps[steps.index(("e_throw", "ELEMENT_ACTIVATING")) :],
        [
            ("e_throw", "ELEMENT_ACTIVATING"),
            ("e_throw", "ELEMENT_ACTIVATED"),
            *lifecycle("eA_comp"),
            *lifecycle("e_undo_a"),
            ("e_throw", "ELEMENT_COMPLETING"),
            ("e_throw", "ELEMENT_COMPLETED"),
            *lifecycle("e_end"),
            ("e_handler", "ELEMENT_COMPLETING"),
            ("e_handler", "ELEMENT_COMPLETED"),
            ("comp_event_sub", "ELEMENT_COMPLETING"),
            ("comp_event_sub", "ELEMENT_COMPLETED"),
        ],
    )
    assert root_variables(harness, key)["undoneA"] is True


_HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">'
    '<bpmn:process id="bad_comp" isExecutable="true"><bpmn:startEvent id="s" />'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="A" />'
    '<bpmn:manualTask id="A" /><bpmn:sequenceFlow id="f2" sourceRef="A" targetRef="e" />'
)


@pytest.mark.parametrize(
    ("body", "element_id", "message"),
    [
        (
            '<bpmn:endEvent id="e" /><bpmn:boundaryEvent id="b" attachedToRef="A">'
            "<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>",
            "b",
            "A compensation boundary event needs an association to its compensation handler.",
        ),
        (
            '<bpmn:endEvent id="e" /><bpmn:boundaryEvent id="b" attachedToRef="A">'
            '<bpmn:compensateEventDefinition /></bpmn:boundaryEvent><bpmn:manualTask id="h" />'
            '<bpmn:association id="a" sourceRef="b" targetRef="h" />',
            "b",
            "The compensation handler 'h' must be marked isForCompensation.",
        ),
        (
            '<bpmn:endEvent id="e" /><bpmn:boundaryEvent id="b" attachedToRef="A">'
            '<bpmn:compensateEventDefinition /></bpmn:boundaryEvent><bpmn:manualTask id="h" isForCompensation="true" />'
            '<bpmn:association id="a" sourceRef="b" targetRef="h" />'
            '<bpmn:sequenceFlow id="f3" sourceRef="h" targetRef="e2" /><bpmn:endEvent id="e2" />',
            "h",
            "A compensation handler has no incoming or outgoing sequence flows.",
        ),
        (
            '<bpmn:endEvent id="e"><bpmn:compensateEventDefinition activityRef="A" /></bpmn:endEvent>',
            "e",
            "The activity 'A' has no compensation boundary event.",
        ),
        (
            '<bpmn:endEvent id="e"><bpmn:compensateEventDefinition activityRef="nope" /></bpmn:endEvent>',
            "e",
            "The compensation activityRef 'nope' is not an activity.",
        ),
    ],
)
def test_malformed_compensation_is_refused_with_its_reason(
    harness: EngineHarness, body: str, element_id: str, message: str
) -> None:
    xml = (_HEAD + body + "</bpmn:process></bpmn:definitions>").encode()
    with pytest.raises(DeploymentRejected) as caught:
        harness.engine.deploy([("bad.bpmn", xml)])
    assert (element_id, message) in [(p.element_id, p.message) for p in caught.value.problems]


def test_cancelling_during_compensation_ends_the_handler_and_the_subscriptions(
    harness: EngineHarness,
) -> None:
    # given the throw event waits for a handler that is a job
    key = start(harness, "comp_active")
    [job] = harness.engine.activate_jobs("comp-undo", "w", 30_000, 10)
    # when the instance is cancelled
    harness.engine.cancel_process_instance(key)
    # then the handler and the throw event are terminated with it and nothing is left to compensate
    steps = trail(harness, key, flows=False)
    assert ("a_undo_done", "ELEMENT_TERMINATED") in steps
    assert ("a_throw", "ELEMENT_TERMINATED") in steps
    state = instance(harness, key)
    assert state.status == "TERMINATED"
    assert state.compensations is None
    assert [j.state for j in harness.jobs(key) if j.key == job.job_key] == ["CANCELED"]
