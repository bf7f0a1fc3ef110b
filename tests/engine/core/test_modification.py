"""Process instance modification (Zeebe's rules): activate elements (creating flow scopes), set variables,
terminate element instances (empty scopes end with them), validation that changes nothing."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.commands import (
    ActivateInstruction,
    MoveInstruction,
    TerminateInstruction,
    VariableInstruction,
)
from bizdevops.engine.core.errors import InvalidArgument, NotFound
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

STARTED = [
    ("modification", "ELEMENT_ACTIVATING"),
    ("modification", "ELEMENT_ACTIVATED"),
    *lifecycle("start"),
    taken("f1"),
    *lifecycle("task_a", end="activated"),
]


def start(harness: EngineHarness) -> int:
    deploy(harness, "modification.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="modification").process_instance_key
    assert_trail(trail(harness, key), STARTED)
    return key


def element_key(harness: EngineHarness, key: int, element_id: str) -> int:
    [found] = [ei.key for ei in instance(harness, key).elements.values() if ei.element_id == element_id]
    return found


def snapshot(harness: EngineHarness, key: int) -> tuple[object, ...]:
    """Everything a refused modification must leave alone."""
    state = harness.engine.get_process_instance(key)
    assert state is not None
    return (
        state.to_dict(),
        len(harness.history()),
        sorted((j.key, j.state) for j in harness.jobs(key)),
        sorted(t.key for t in harness.timers()),
        sorted((t.key, t.state) for t in harness.user_tasks(key)),
    )


def test_move_the_token_from_a_task_to_a_later_one(harness: EngineHarness) -> None:
    # given: the instance waits at task_a
    key = start(harness)
    task_a = element_key(harness, key, "task_a")
    # when: terminate task_a, activate task_d with a global variable
    harness.engine.modify_process_instance(
        key,
        activate=[ActivateInstruction("task_d", None, (VariableInstruction({"approved": True}),))],
        terminate=[TerminateInstruction(task_a)],
    )
    # then: terminations first, then the activation (Zeebe's order); no sequence flow is taken
    assert_trail(
        trail(harness, key),
        [
            *STARTED,
            ("task_a", "ELEMENT_TERMINATING"),
            ("task_a", "ELEMENT_TERMINATED"),
            *lifecycle("task_d", end="activated"),
        ],
    )
    assert [j.state for j in harness.jobs(key)] == ["CANCELED"]
    assert root_variables(harness, key) == {"approved": True}
    [task] = [t for t in harness.user_tasks(key) if t.state == "CREATED"]
    assert task.element_id == "task_d"
    # and the instance continues from there
    harness.engine.complete_user_task(task.key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_d", "ELEMENT_COMPLETING"),
            ("task_d", "ELEMENT_COMPLETED"),
            taken("f4"),
            *lifecycle("end"),
            ("modification", "ELEMENT_COMPLETING"),
            ("modification", "ELEMENT_COMPLETED"),
        ],
    )
    assert instance(harness, key).status == "COMPLETED"
    modified = [r for r in harness.history() if r.intent == "MODIFIED"]
    assert [r.data for r in modified] == [
        {
            "activateInstructions": [{"elementId": "task_d", "ancestorScopeKeys": [key]}],
            "terminateInstructions": [{"elementInstanceKey": task_a}],
        }
    ]


def test_move_instruction_by_element_id(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, move=[MoveInstruction("task_d", source_element_id="task_a")])
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_a", "ELEMENT_TERMINATING"),
            ("task_a", "ELEMENT_TERMINATED"),
            *lifecycle("task_d", end="activated"),
        ],
    )
    assert [ei.element_id for ei in instance(harness, key).elements.values()] == ["modification", "task_d"]


def test_activate_inside_a_subprocess_creates_its_scope_with_variables(harness: EngineHarness) -> None:
    # given
    key = start(harness)
    task_a = element_key(harness, key, "task_a")
    # when: activate task_c inside the subprocess (not active yet), variables on three scopes
    harness.engine.modify_process_instance(
        key,
        activate=[
            ActivateInstruction(
                "task_c",
                None,
                (
                    VariableInstruction({"global": 1}),
                    VariableInstruction({"in_sub": 2}, "sub"),
                    VariableInstruction({"local": 3}, "task_c"),
                ),
            )
        ],
        terminate=[TerminateInstruction(task_a)],
    )
    # then: the subprocess is created without its start event and without its input mappings
    assert_trail(
        trail(harness, key),
        [
            *STARTED,
            ("sub", "ELEMENT_ACTIVATING"),
            ("sub", "ELEMENT_ACTIVATED"),
            ("task_a", "ELEMENT_TERMINATING"),
            ("task_a", "ELEMENT_TERMINATED"),
            *lifecycle("task_c", end="activated"),
        ],
    )
    sub = element_key(harness, key, "sub")
    task_c = element_key(harness, key, "task_c")
    state = instance(harness, key)
    assert state.variables[key] == {"global": 1}
    assert state.variables[sub] == {"in_sub": 2}
    assert state.variables[task_c] == {"local": 3}
    # the subprocess's boundary timer is open
    assert [(t.element_id, t.element_instance_key) for t in harness.timers()] == [("sub_timeout", sub)]
    [job] = harness.engine.activate_jobs("c", "w", 10_000, 1)
    assert job.variables == {"global": 1, "in_sub": 2, "local": 3}
    # when the task completes, the created scope completes normally and the process goes on
    harness.engine.complete_job(job.job_key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_c", "ELEMENT_COMPLETING"),
            ("task_c", "ELEMENT_COMPLETED"),
            taken("sub_f2"),
            *lifecycle("sub_end"),
            ("sub", "ELEMENT_COMPLETING"),
            ("sub", "ELEMENT_COMPLETED"),
            taken("f3"),
            *lifecycle("task_d", end="activated"),
        ],
    )
    assert harness.timers() == []


def test_terminating_the_last_element_terminates_the_instance(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, terminate=[TerminateInstruction(element_id="task_a")])
    assert_trail(
        trail(harness, key),
        [
            *STARTED,
            ("task_a", "ELEMENT_TERMINATING"),
            ("task_a", "ELEMENT_TERMINATED"),
            ("modification", "ELEMENT_TERMINATING"),
            ("modification", "ELEMENT_TERMINATED"),
        ],
    )
    assert instance(harness, key).status == "TERMINATED"
    assert [j.state for j in harness.jobs(key)] == ["CANCELED"]
    # a second modification finds no active instance
    with pytest.raises(NotFound):
        harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_d")])


def test_terminating_the_last_child_terminates_its_subprocess_only(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c")])
    task_c = element_key(harness, key, "task_c")
    harness.engine.modify_process_instance(key, terminate=[TerminateInstruction(task_c)])
    assert_trail_ends(
        trail(harness, key),
        [
            *lifecycle("task_c", end="activated"),
            ("task_c", "ELEMENT_TERMINATING"),
            ("task_c", "ELEMENT_TERMINATED"),
            ("sub", "ELEMENT_TERMINATING"),
            ("sub", "ELEMENT_TERMINATED"),
        ],
    )
    # task_a still runs, the subprocess's timer is gone
    assert [ei.element_id for ei in instance(harness, key).elements.values()] == ["modification", "task_a"]
    assert harness.timers() == []


def test_ancestor_selection_between_subprocess_instances(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c")])
    first_sub = element_key(harness, key, "sub")
    # without an ancestor the single subprocess instance is reused
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c")])
    assert [ei.element_id for ei in instance(harness, key).elements.values()].count("sub") == 1
    # the process instance as ancestor: a new subprocess instance
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c", key)])
    subs = sorted(ei.key for ei in instance(harness, key).elements.values() if ei.element_id == "sub")
    assert len(subs) == 2
    assert subs[0] == first_sub
    assert_trail_ends(
        trail(harness, key),
        [
            ("sub", "ELEMENT_ACTIVATING"),
            ("sub", "ELEMENT_ACTIVATED"),
            *lifecycle("task_c", end="activated"),
        ],
    )
    # now two instances: the engine cannot choose
    before = snapshot(harness, key)
    with pytest.raises(InvalidArgument, match="more than one active instance: 'sub'"):
        harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c")])
    assert snapshot(harness, key) == before
    # the ancestor picks one
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c", subs[1])])
    in_second = [ei for ei in instance(harness, key).elements.values() if ei.flow_scope_key == subs[1]]
    assert [ei.element_id for ei in in_second] == ["task_c", "task_c"]


@pytest.mark.parametrize(
    ("instructions", "message"),
    [
        ({"activate": [ActivateInstruction("nope")]}, "element that could not be found: 'nope'"),
        ({"activate": [ActivateInstruction("f1")]}, "element that could not be found: 'f1'"),
        ({"activate": [ActivateInstruction("start")]}, "'START_EVENT' is not supported"),
        ({"activate": [ActivateInstruction("sub_timeout")]}, "'BOUNDARY_EVENT' is not supported"),
        ({"terminate": [TerminateInstruction(123)]}, "element instance that could not be found: '123'"),
        (
            {"activate": [ActivateInstruction("task_d", None, (VariableInstruction({"x": 1}, "nope"),))]},
            "scope element id that could not be found: 'nope'",
        ),
        (
            {"activate": [ActivateInstruction("task_d", None, (VariableInstruction({"x": 1}, "sub"),))]},
            "doesn't belong to the activating element's",
        ),
        ({"activate": [ActivateInstruction("task_c", 999)]}, "does not exist, or is not in an active state"),
        ({"activate": [ActivateInstruction("mi_task")]}, "multi-instance element 'mi_sub'"),
        ({"activate": []}, "no instructions"),
    ],
)
def test_invalid_modifications_change_nothing(
    harness: EngineHarness, instructions: dict[str, list[object]], message: str
) -> None:
    key = start(harness)
    before = snapshot(harness, key)
    with pytest.raises(InvalidArgument, match=message):
        harness.engine.modify_process_instance(key, **instructions)  # type: ignore[arg-type]
    assert snapshot(harness, key) == before


def test_ancestor_that_is_not_a_flow_scope_and_terminated_scope_conflicts(harness: EngineHarness) -> None:
    key = start(harness)
    task_a = element_key(harness, key, "task_a")
    before = snapshot(harness, key)
    with pytest.raises(InvalidArgument, match=f"instance '{task_a}' of element 'task_a' is not an ancestor"):
        harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c", task_a)])
    with pytest.raises(InvalidArgument, match="flow scope instance is also being terminated"):
        harness.engine.modify_process_instance(
            key, activate=[ActivateInstruction("task_d")], terminate=[TerminateInstruction(key)]
        )
    # a variable problem is refused before anything runs
    with pytest.raises(InvalidArgument):
        harness.engine.modify_process_instance(
            key,
            activate=[ActivateInstruction("task_d", None, (VariableInstruction({"bad": float("nan")}),))],
        )
    assert snapshot(harness, key) == before
    with pytest.raises(NotFound):
        harness.engine.modify_process_instance(key + 10_000, activate=[ActivateInstruction("task_d")])


def test_events_after_an_event_based_gateway_cannot_be_activated(harness: EngineHarness) -> None:
    deploy(harness, "event_based_gateway.bpmn")
    key = harness.engine.create_process_instance(
        bpmn_process_id="event_based_gateway", variables={"orderId": "o-1"}
    ).process_instance_key
    with pytest.raises(InvalidArgument, match="events belonging to an event-based gateway"):
        harness.engine.modify_process_instance(key, activate=[ActivateInstruction("paid")])


def test_a_called_instance_cannot_be_terminated_by_modification(harness: EngineHarness) -> None:
    deploy(harness, "call_activity.bpmn")
    parent = harness.engine.create_process_instance(bpmn_process_id="parent").process_instance_key
    [call] = [ei for ei in instance(harness, parent).elements.values() if ei.element_id == "call"]
    assert call.child_instance_key is not None
    child = call.child_instance_key
    c_task = element_key(harness, child, "c_task")
    before = snapshot(harness, child)
    with pytest.raises(InvalidArgument, match="created by a call activity"):
        harness.engine.modify_process_instance(child, terminate=[TerminateInstruction(c_task)])
    assert snapshot(harness, child) == before
    # terminating the call activity in the parent ends the child with it
    harness.engine.modify_process_instance(parent, terminate=[TerminateInstruction(call.key)])
    assert instance(harness, parent).status == "TERMINATED"
    assert instance(harness, child).status == "TERMINATED"


def test_activating_a_multi_instance_element_runs_its_body(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("mi_sub")])
    assert_trail_ends(
        trail(harness, key),
        [
            ("mi_sub", "ELEMENT_ACTIVATING"),
            ("mi_sub", "ELEMENT_ACTIVATED"),
            ("mi_sub", "ELEMENT_ACTIVATING"),
            ("mi_sub", "ELEMENT_ACTIVATED"),
            ("mi_sub", "ELEMENT_ACTIVATING"),
            ("mi_sub", "ELEMENT_ACTIVATED"),
            # the two inner instances interleave as the engine's FIFO steps do
            *lifecycle("mi_start", end="activated"),
            *lifecycle("mi_start", end="activated"),
            ("mi_start", "ELEMENT_COMPLETING"),
            ("mi_start", "ELEMENT_COMPLETED"),
            taken("mi_f1"),
            ("mi_start", "ELEMENT_COMPLETING"),
            ("mi_start", "ELEMENT_COMPLETED"),
            taken("mi_f1"),
            *lifecycle("mi_task", end="activated"),
            *lifecycle("mi_task", end="activated"),
        ],
    )
    open_jobs = sorted(j.element_id for j in harness.jobs(key) if j.state == "ACTIVATABLE")
    assert open_jobs == ["mi_task", "mi_task", "task_a"]


def test_terminating_inside_a_sequential_multi_instance_ends_the_body(harness: EngineHarness) -> None:
    deploy(harness, "multi_instance.bpmn")
    key = harness.engine.create_process_instance(bpmn_process_id="mi_subprocess").process_instance_key
    task = element_key(harness, key, "p_sub_task")
    # a second token in the (single) running inner instance: body and inner instance are reused
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("p_sub_task")])
    assert_trail_ends(trail(harness, key), lifecycle("p_sub_task", end="activated"))
    second = next(
        ei.key
        for ei in instance(harness, key).elements.values()
        if ei.element_id == "p_sub_task" and ei.key != task
    )
    # terminating both: the inner instance, then the body end (no next item starts), then the process
    harness.engine.modify_process_instance(
        key, terminate=[TerminateInstruction(task), TerminateInstruction(second)]
    )
    assert_trail_ends(
        trail(harness, key),
        [
            ("p_sub_task", "ELEMENT_TERMINATING"),
            ("p_sub_task", "ELEMENT_TERMINATED"),
            ("p_sub_task", "ELEMENT_TERMINATING"),
            ("p_sub_task", "ELEMENT_TERMINATED"),
            ("p_sub", "ELEMENT_TERMINATING"),
            ("p_sub", "ELEMENT_TERMINATED"),
            ("p_sub", "ELEMENT_TERMINATING"),
            ("p_sub", "ELEMENT_TERMINATED"),
            ("mi_subprocess", "ELEMENT_TERMINATING"),
            ("mi_subprocess", "ELEMENT_TERMINATED"),
        ],
    )
    assert instance(harness, key).status == "TERMINATED"
    assert harness.timers() == []


def test_move_with_an_inferred_ancestor_stays_in_the_source_subprocess(harness: EngineHarness) -> None:
    key = start(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c", key)])
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("task_c", key)])
    subs = sorted(ei.key for ei in instance(harness, key).elements.values() if ei.element_id == "sub")
    source = next(ei.key for ei in instance(harness, key).elements.values() if ei.flow_scope_key == subs[1])
    # task_c again, next to the moved one: "inferred" finds the second subprocess instance
    harness.engine.modify_process_instance(
        key, move=[MoveInstruction("task_c", source_element_instance_key=source, ancestor="inferred")]
    )
    by_scope = [
        ei.flow_scope_key for ei in instance(harness, key).elements.values() if ei.element_id == "task_c"
    ]
    assert sorted(by_scope) == subs
    assert_trail_ends(
        trail(harness, key),
        [
            ("task_c", "ELEMENT_TERMINATING"),
            ("task_c", "ELEMENT_TERMINATED"),
            *lifecycle("task_c", end="activated"),
        ],
    )


def start_event_subprocess(harness: EngineHarness) -> int:
    deploy(harness, "event_subprocess.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id="event_subprocess", variables={"caseId": "c-1"}
    ).process_instance_key


def test_activate_inside_an_event_subprocess(harness: EngineHarness) -> None:
    key = start_event_subprocess(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("audit_task")])
    # the event subprocess is created as a flow scope: no start event, nothing interrupted
    assert_trail_ends(
        trail(harness, key),
        [
            ("audit", "ELEMENT_ACTIVATING"),
            ("audit", "ELEMENT_ACTIVATED"),
            *lifecycle("audit_task", end="activated"),
        ],
    )
    audit_task = next(t for t in harness.user_tasks(key) if t.element_id == "audit_task")
    harness.engine.complete_user_task(audit_task.key)
    assert_trail_ends(
        trail(harness, key),
        [
            ("audit_task", "ELEMENT_COMPLETING"),
            ("audit_task", "ELEMENT_COMPLETED"),
            taken("a_f2"),
            *lifecycle("audit_end"),
            ("audit", "ELEMENT_COMPLETING"),
            ("audit", "ELEMENT_COMPLETED"),
        ],
    )
    assert sorted(ei.element_id for ei in instance(harness, key).elements.values()) == [
        "event_subprocess",
        "work",
    ]


def test_activating_an_event_subprocess_starts_it_at_its_start_event(harness: EngineHarness) -> None:
    key = start_event_subprocess(harness)
    harness.engine.modify_process_instance(key, activate=[ActivateInstruction("audit")])
    assert_trail_ends(
        trail(harness, key),
        [
            *lifecycle("audit", end="activated"),
            *lifecycle("audit_start"),
            taken("a_f1"),
            *lifecycle("audit_task", end="activated"),
        ],
    )
    # the process's own event subprocess subscriptions are untouched
    assert sorted(ei.element_id for ei in instance(harness, key).elements.values()) == [
        "audit",
        "audit_task",
        "event_subprocess",
        "work",
    ]
