"""Ad-hoc subprocess (BPMN implementation), as Zeebe 8.8 runs it: each activation in its own inner instance."""

from __future__ import annotations

from typing import Any

import pytest

from bizdevops.engine.core.parser.validate import DeploymentRejected
from tests.engine.core.harness import (
    EngineHarness,
    assert_trail,
    deploy,
    instance,
    lifecycle,
    open_incidents,
    root_variables,
    taken,
    trail,
)

INNER = "ad-hoc#innerInstance"


def _start(harness: EngineHarness, process_id: str, **variables: object) -> int:
    deploy(harness, "ad_hoc_subprocess.bpmn")
    return harness.engine.create_process_instance(
        bpmn_process_id=process_id, variables=dict(variables)
    ).process_instance_key


def _ad_hoc_key(harness: EngineHarness, key: int, element_id: str = "ad-hoc") -> int:
    return next(
        r.element_instance_key
        for r in harness.history()
        if r.process_instance_key == key and r.element_id == element_id and r.intent == "ELEMENT_ACTIVATED"
    )


def test_activates_the_listed_elements_each_in_its_own_inner_instance(harness: EngineHarness) -> None:
    # given / when
    key = _start(harness, "ahsp_basic", activateElements=["A", "S"])
    # then: two inner instances, then A and S inside them; A's flow completes its inner instance
    assert_trail(
        trail(harness, key),
        [
            *lifecycle("ahsp_basic", end="activated"),
            *lifecycle("start"),
            taken("f1"),
            ("ad-hoc", "ELEMENT_ACTIVATING"),
            ("ad-hoc", "ELEMENT_ACTIVATED"),
            (INNER, "ELEMENT_ACTIVATING"),
            (INNER, "ELEMENT_ACTIVATED"),
            (INNER, "ELEMENT_ACTIVATING"),
            (INNER, "ELEMENT_ACTIVATED"),
            *lifecycle("A", end="activated"),
            ("S", "ELEMENT_ACTIVATING"),
            ("S", "ELEMENT_ACTIVATED"),
            ("A", "ELEMENT_COMPLETING"),
            ("A", "ELEMENT_COMPLETED"),
            (INNER, "ELEMENT_COMPLETING"),
            (INNER, "ELEMENT_COMPLETED"),
        ],
    )
    records = [r for r in harness.history() if r.process_instance_key == key]
    ad_hoc = next(r for r in records if r.element_id == "ad-hoc")
    assert ad_hoc.element_type == "AD_HOC_SUB_PROCESS"
    inner = [r for r in records if r.element_id == INNER and r.intent == "ELEMENT_ACTIVATED"]
    assert {r.element_type for r in inner} == {"AD_HOC_SUB_PROCESS_INNER_INSTANCE"}
    assert {r.flow_scope_key for r in inner} == {ad_hoc.element_instance_key}
    task_scopes = {
        r.element_id: r.flow_scope_key
        for r in records
        if r.element_id in ("A", "S") and r.intent == "ELEMENT_ACTIVATED"
    }
    assert task_scopes == {"A": inner[0].element_instance_key, "S": inner[1].element_instance_key}
    # the local adHocSubProcessElements variable: the elements it can activate (not the follow-up F)
    local = instance(harness, key).variables[ad_hoc.element_instance_key]
    assert local["adHocSubProcessElements"] == [
        {
            "elementId": "A",
            "elementName": "Task A",
            "documentation": "Does A",
            "properties": {"kind": "simple", "empty": None},
            "parameters": None,
        },
        {
            "elementId": "B",
            "elementName": None,
            "documentation": None,
            "properties": None,
            "parameters": None,
        },
        {
            "elementId": "S",
            "elementName": "Service",
            "documentation": None,
            "properties": None,
            "parameters": None,
        },
    ]


def test_completes_when_every_activated_flow_completed_and_collects_the_output(
    harness: EngineHarness,
) -> None:
    # given
    key = _start(harness, "ahsp_basic", activateElements=["A", "S"])
    ad_hoc = _ad_hoc_key(harness, key)
    state = instance(harness, key)
    inner_keys = [k for k, ei in state.elements.items() if ei.element_id == INNER]
    # the output element's variable is local to each (remaining) inner instance, created null
    assert [state.variables[k] for k in inner_keys] == [{"result": None}]
    assert state.variables[ad_hoc]["results"] == [None]  # A's flow completed without a result
    # when: the worker completes S with a result; its flow goes on to F
    (job,) = harness.engine.activate_jobs("tool", "w", 1000, 10)
    harness.engine.complete_job(job.job_key, {"result": "s-done"})
    # then
    assert_trail(
        trail(harness, key)[-18:],
        [
            ("S", "ELEMENT_COMPLETING"),
            ("S", "ELEMENT_COMPLETED"),
            taken("fs"),
            *lifecycle("F"),
            (INNER, "ELEMENT_COMPLETING"),
            (INNER, "ELEMENT_COMPLETED"),
            ("ad-hoc", "ELEMENT_COMPLETING"),
            ("ad-hoc", "ELEMENT_COMPLETED"),
            taken("f2"),
            *lifecycle("end"),
            ("ahsp_basic", "ELEMENT_COMPLETING"),
            ("ahsp_basic", "ELEMENT_COMPLETED"),
        ],
    )
    variables = root_variables(harness, key)
    # the collection reaches the parent scope; the inner result stayed local to its inner instance
    assert variables["results"] == [None, "s-done"]
    assert "result" not in variables
    assert "adHocSubProcessElements" not in variables


def test_an_empty_list_activates_nothing_and_leaves_it_active(harness: EngineHarness) -> None:
    key = _start(harness, "ahsp_basic", activateElements=[])
    assert trail(harness, key)[-2:] == [("ad-hoc", "ELEMENT_ACTIVATING"), ("ad-hoc", "ELEMENT_ACTIVATED")]
    assert instance(harness, key).status == "ACTIVE"
    assert not open_incidents(harness, key)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "A",
            "Failed to activate ad-hoc elements. Expected result of the expression '=activateElements' to be "
            "'ARRAY', but was 'STRING'.",
        ),
        (
            ["A", 1],
            "Failed to activate ad-hoc elements. Expected result of the expression '=activateElements' to be "
            "'ARRAY' containing 'STRING' items, but was 'ARRAY' containing at least one non-'STRING' item.",
        ),
        (
            ["A", "F", "nope"],
            "Expected to activate activities for ad-hoc sub-process with key '{key}', but the given elements "
            "[F, nope] do not exist.",
        ),
    ],
)
def test_a_bad_active_elements_collection_is_an_incident_until_fixed(
    harness: EngineHarness, value: object, message: str
) -> None:
    # given: F has an incoming flow, so it cannot be activated on its own
    key = _start(harness, "ahsp_basic", activateElements=value)
    # then
    (incident,) = open_incidents(harness, key)
    ad_hoc = incident.element_instance_key
    assert incident.element_id == "ad-hoc"
    assert incident.error_type == "EXTRACT_VALUE_ERROR"
    assert incident.error_message == message.format(key=ad_hoc)
    assert trail(harness, key)[-1] == ("ad-hoc", "ELEMENT_ACTIVATING")
    # when
    harness.engine.set_variables(key, {"activateElements": ["B"]})
    harness.engine.resolve_incident(incident.key)
    # then: B runs and the ad-hoc subprocess completes
    assert instance(harness, key).status == "COMPLETED"
    assert ("B", "ELEMENT_COMPLETED") in trail(harness, key)


def test_completion_condition_met_terminates_the_remaining_inner_instances(harness: EngineHarness) -> None:
    # given / when: A completes at once and the condition holds
    key = _start(harness, "ahsp_condition", activateElements=["c_A", "c_S"], condition=True)
    # then: S (and its inner instance) are terminated, C never runs
    inner = "c_ad-hoc#innerInstance"
    assert_trail(
        trail(harness, key)[7:],
        [
            ("c_ad-hoc", "ELEMENT_ACTIVATING"),
            ("c_ad-hoc", "ELEMENT_ACTIVATED"),
            (inner, "ELEMENT_ACTIVATING"),
            (inner, "ELEMENT_ACTIVATED"),
            (inner, "ELEMENT_ACTIVATING"),
            (inner, "ELEMENT_ACTIVATED"),
            *lifecycle("c_A", end="activated"),
            ("c_S", "ELEMENT_ACTIVATING"),
            ("c_S", "ELEMENT_ACTIVATED"),
            ("c_A", "ELEMENT_COMPLETING"),
            ("c_A", "ELEMENT_COMPLETED"),
            (inner, "ELEMENT_COMPLETING"),
            (inner, "ELEMENT_COMPLETED"),
            (inner, "ELEMENT_TERMINATING"),
            ("c_S", "ELEMENT_TERMINATING"),
            ("c_S", "ELEMENT_TERMINATED"),
            (inner, "ELEMENT_TERMINATED"),
            ("c_ad-hoc", "ELEMENT_COMPLETING"),
            ("c_ad-hoc", "ELEMENT_COMPLETED"),
            taken("c_f2"),
            *lifecycle("c_end"),
            ("ahsp_condition", "ELEMENT_COMPLETING"),
            ("ahsp_condition", "ELEMENT_COMPLETED"),
        ],
    )
    assert [j.state for j in harness.jobs(key)] == ["CANCELED"]


def test_completion_condition_not_met_keeps_it_active_after_everything_completed(
    harness: EngineHarness,
) -> None:
    # given
    key = _start(harness, "ahsp_condition", activateElements=["c_A", "c_S"], condition=False)
    assert ("c_ad-hoc#innerInstance", "ELEMENT_COMPLETED") in trail(harness, key)
    # when: S and C complete, the condition still false
    (job,) = harness.engine.activate_jobs("work", "w", 1000, 10)
    harness.engine.complete_job(job.job_key, {})
    # then
    assert trail(harness, key, flows=False)[-2:] == [
        ("c_ad-hoc#innerInstance", "ELEMENT_COMPLETING"),
        ("c_ad-hoc#innerInstance", "ELEMENT_COMPLETED"),
    ]
    assert instance(harness, key).status == "ACTIVE"


def test_completion_condition_is_evaluated_after_each_inner_flow(harness: EngineHarness) -> None:
    # given: A completed with the condition false, S still active
    key = _start(harness, "ahsp_condition", activateElements=["c_A", "c_S"], condition=False)
    # when: the worker makes the condition true
    (job,) = harness.engine.activate_jobs("work", "w", 1000, 10)
    harness.engine.complete_job(job.job_key, {"condition": True})
    # then: S's flow (S, C) completes, then the ad-hoc subprocess
    steps = trail(harness, key, flows=False)
    assert steps[-16:-8] == [
        ("c_S", "ELEMENT_COMPLETING"),
        ("c_S", "ELEMENT_COMPLETED"),
        *lifecycle("c_C"),
        ("c_ad-hoc#innerInstance", "ELEMENT_COMPLETING"),
        ("c_ad-hoc#innerInstance", "ELEMENT_COMPLETED"),
    ]
    assert steps[-8:-6] == [("c_ad-hoc", "ELEMENT_COMPLETING"), ("c_ad-hoc", "ELEMENT_COMPLETED")]
    assert instance(harness, key).status == "COMPLETED"


def test_a_completion_condition_that_is_not_boolean_is_an_incident_on_the_inner_instance(
    harness: EngineHarness,
) -> None:
    key = _start(harness, "ahsp_condition", activateElements=["c_A"], condition="yes")
    (incident,) = open_incidents(harness, key)
    assert incident.element_id == "c_ad-hoc#innerInstance"
    assert incident.error_message == (
        "Failed to evaluate completion condition. Expected result of the expression '=condition' to be "
        "'BOOLEAN', but was 'STR'."
    )
    harness.engine.set_variables(key, {"condition": True})
    harness.engine.resolve_incident(incident.key)
    assert instance(harness, key).status == "COMPLETED"


def test_cancel_remaining_instances_false_waits_for_the_active_ones(harness: EngineHarness) -> None:
    # given: the condition holds when A completes, but S is still active
    key = _start(harness, "ahsp_keep", activateElements=["k_A", "k_S"], condition=True)
    steps = trail(harness, key, flows=False)
    assert ("k_S", "ELEMENT_TERMINATED") not in steps
    assert ("k_ad-hoc", "ELEMENT_COMPLETING") not in steps
    # when
    (job,) = harness.engine.activate_jobs("keep", "w", 1000, 10)
    harness.engine.complete_job(job.job_key, {})
    # then
    assert trail(harness, key, flows=False)[-12:-6] == [
        ("k_S", "ELEMENT_COMPLETING"),
        ("k_S", "ELEMENT_COMPLETED"),
        ("k_ad-hoc#innerInstance", "ELEMENT_COMPLETING"),
        ("k_ad-hoc#innerInstance", "ELEMENT_COMPLETED"),
        ("k_ad-hoc", "ELEMENT_COMPLETING"),
        ("k_ad-hoc", "ELEMENT_COMPLETED"),
    ]
    assert instance(harness, key).status == "COMPLETED"


def test_input_mappings_before_the_collection_and_output_mappings_at_completion(
    harness: EngineHarness,
) -> None:
    # given: the input mapping adds io_B to the (local) list of elements to activate
    key = _start(harness, "ahsp_io", activateElements=["io_A"])
    ad_hoc = _ad_hoc_key(harness, key, "io_ad-hoc")
    local = instance(harness, key).variables[ad_hoc]
    assert local["activateElements"] == ["io_A", "io_B"]
    assert root_variables(harness, key)["activateElements"] == ["io_A"]
    # when
    for job_type in ("io_A", "io_B"):
        (job,) = harness.engine.activate_jobs(job_type, "w", 1000, 10)
        harness.engine.complete_job(job.job_key, {})
    # then: only the output mapping reaches the process scope
    variables = root_variables(harness, key)
    assert variables["adHocResult"] == [1, 2]
    assert "collected" not in variables
    assert instance(harness, key).status == "COMPLETED"


def test_an_interrupting_boundary_event_terminates_it_with_its_inner_instances(
    harness: EngineHarness,
) -> None:
    # given
    key = _start(harness, "ahsp_boundary")
    # when
    assert harness.advance(hours=1) == 1
    # then
    inner = "b_ad-hoc#innerInstance"
    steps = trail(harness, key, flows=False)
    assert steps[-16:-2] == [
        ("b_ad-hoc", "ELEMENT_TERMINATING"),
        (inner, "ELEMENT_TERMINATING"),
        ("b_S", "ELEMENT_TERMINATING"),
        ("b_S", "ELEMENT_TERMINATED"),
        (inner, "ELEMENT_TERMINATED"),
        ("b_ad-hoc", "ELEMENT_TERMINATED"),
        *lifecycle("b_timeout"),
        *lifecycle("b_timed_out"),
    ]
    assert [j.state for j in harness.jobs(key)] == ["CANCELED"]


def test_cancelling_the_instance_terminates_the_inner_instances(harness: EngineHarness) -> None:
    key = _start(harness, "ahsp_boundary")
    harness.engine.cancel_process_instance(key)
    inner = "b_ad-hoc#innerInstance"
    assert trail(harness, key, flows=False)[-8:] == [
        ("ahsp_boundary", "ELEMENT_TERMINATING"),
        ("b_ad-hoc", "ELEMENT_TERMINATING"),
        (inner, "ELEMENT_TERMINATING"),
        ("b_S", "ELEMENT_TERMINATING"),
        ("b_S", "ELEMENT_TERMINATED"),
        (inner, "ELEMENT_TERMINATED"),
        ("b_ad-hoc", "ELEMENT_TERMINATED"),
        ("ahsp_boundary", "ELEMENT_TERMINATED"),
    ]
    assert not harness.timers()


def test_multi_instance_ad_hoc_subprocess(harness: EngineHarness) -> None:
    key = _start(harness, "ahsp_mi", activateElements=["m_A", "m_B"])
    records = [r for r in harness.history() if r.process_instance_key == key]
    ad_hoc = [
        (r.element_type, r.intent)
        for r in records
        if r.element_id == "m_ad-hoc" and r.intent in ("ELEMENT_ACTIVATED", "ELEMENT_COMPLETED")
    ]
    assert ad_hoc == [
        ("MULTI_INSTANCE_BODY", "ELEMENT_ACTIVATED"),
        ("AD_HOC_SUB_PROCESS", "ELEMENT_ACTIVATED"),
        ("AD_HOC_SUB_PROCESS", "ELEMENT_ACTIVATED"),
        ("AD_HOC_SUB_PROCESS", "ELEMENT_COMPLETED"),
        ("AD_HOC_SUB_PROCESS", "ELEMENT_COMPLETED"),
        ("MULTI_INSTANCE_BODY", "ELEMENT_COMPLETED"),
    ]
    activated = [r for r in records if r.intent == "ELEMENT_ACTIVATED"]
    inner = [r.element_instance_key for r in activated if r.element_id == "m_ad-hoc#innerInstance"]
    tasks = [(r.element_id, r.flow_scope_key) for r in activated if r.element_type == "TASK"]
    assert tasks == [("m_A", inner[0]), ("m_B", inner[1])]
    assert instance(harness, key).status == "COMPLETED"


_AD_HOC = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ah" />
    <bpmn:adHocSubProcess id="ah">{body}</bpmn:adHocSubProcess>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "ah: Must have at least one activity."),
        ('<bpmn:startEvent id="in" /><bpmn:task id="t" />', "ah: Must not contain a start event."),
        ('<bpmn:task id="t" /><bpmn:endEvent id="e" />', "ah: Must not contain an end event."),
        (
            '<bpmn:extensionElements><zeebe:taskDefinition type="agent" /></bpmn:extensionElements>'
            '<bpmn:task id="t" /><bpmn:completionCondition>=done</bpmn:completionCondition>',
            "ah: Must not set completionCondition in combination with zeebe:taskDefinition",
        ),
        (
            '<bpmn:extensionElements><zeebe:adHoc activeElementsCollection="=[" /></bpmn:extensionElements>'
            '<bpmn:task id="t" />',
            "ah: The active elements collection '=[' is not valid FEEL",
        ),
    ],
)
def test_deployment_is_refused_as_zeebe_refuses_it(harness: EngineHarness, body: str, message: str) -> None:
    with pytest.raises(DeploymentRejected) as refused:
        harness.engine.deploy([("ah.bpmn", _AD_HOC.format(body=body).encode())])
    assert any(str(p).startswith(message) for p in refused.value.problems), refused.value.problems


def test_activation_command_activates_elements_later_with_local_variables(harness: EngineHarness) -> None:
    # given: nothing activated on entry
    key = _start(harness, "ahsp_basic", activateElements=[])
    ad_hoc = _ad_hoc_key(harness, key)
    # when
    harness.engine.activate_ad_hoc_elements(
        ad_hoc, [("S", {"tool": "x"}), ("A", {})], process_instance_key=key
    )
    # then: one inner instance each, the variables local to S's
    state = instance(harness, key)
    inner = {ei.key for ei in state.elements.values() if ei.element_id == INNER}
    assert [state.variables[k] for k in inner] == [{"result": None, "tool": "x"}]
    assert "tool" not in root_variables(harness, key)
    (job,) = harness.engine.activate_jobs("tool", "w", 1000, 10)
    assert job.variables["tool"] == "x"
    harness.engine.complete_job(job.job_key, {"result": 7})
    assert instance(harness, key).status == "COMPLETED"
    assert root_variables(harness, key)["results"] == [None, 7]


def test_activation_command_refusals_change_nothing(harness: EngineHarness) -> None:
    from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound

    key = _start(harness, "ahsp_basic", activateElements=[])
    ad_hoc = _ad_hoc_key(harness, key)
    before = len(harness.history())
    with pytest.raises(InvalidArgument, match="duplicate activities were given"):
        harness.engine.activate_ad_hoc_elements(ad_hoc, [("A", {}), ("A", {})], process_instance_key=key)
    with pytest.raises(NotFound, match=r"the given elements \[F\] do not exist"):
        harness.engine.activate_ad_hoc_elements(ad_hoc, [("A", {}), ("F", {})], process_instance_key=key)
    with pytest.raises(NotFound, match="no ad-hoc sub-process instance found"):
        harness.engine.activate_ad_hoc_elements(key, [("A", {})], process_instance_key=key)
    assert len(harness.history()) == before
    # an ad-hoc subprocess waiting with an incident is not active
    other = _start(harness, "ahsp_basic", activateElements="A")
    (incident,) = open_incidents(harness, other)
    with pytest.raises(Conflict, match="but it is not active"):
        harness.engine.activate_ad_hoc_elements(
            incident.element_instance_key, [("A", {})], process_instance_key=other
        )


def test_modification_cannot_activate_elements_inside_an_ad_hoc_subprocess(harness: EngineHarness) -> None:
    from bizdevops.engine.core.commands import ActivateInstruction
    from bizdevops.engine.core.errors import InvalidArgument

    key = _start(harness, "ahsp_basic", activateElements=[])
    for element_id in ("A", "F", INNER):
        with pytest.raises(InvalidArgument, match="inside an ad-hoc sub-process"):
            harness.engine.modify_process_instance(key, activate=[ActivateInstruction(element_id)])


def _agent_job(harness: EngineHarness) -> Any:
    (job,) = harness.engine.activate_jobs("agent", "w", 1000, 10)
    return job


def _agent_jobs(harness: EngineHarness, key: int) -> list[str]:
    """The lifecycle of the ad-hoc subprocess's jobs (activations left out)."""
    return [
        r.intent
        for r in harness.history()
        if r.value_type == "JOB"
        and r.element_id == "agent"
        and r.process_instance_key == key
        and r.intent in ("CREATED", "COMPLETED", "CANCELED")
    ]


def test_job_worker_implementation_creates_a_job_that_activates_elements(harness: EngineHarness) -> None:
    # given: a job on activation, which sees the elements it may activate
    key = _start(harness, "ahsp_job", goal="book")
    job = _agent_job(harness)
    assert job.retries == 2
    assert job.custom_headers == {"model": "small"}
    assert [e["elementId"] for e in job.variables["adHocSubProcessElements"]] == ["j_A", "j_S", "j_U"]
    # when: the worker activates A and S, S with a variable of its own
    harness.engine.complete_job(
        job.job_key,
        {"agentContext": {"turn": 1}},
        {
            "type": "adHocSubProcess",
            "activateElements": [{"elementId": "j_A"}, {"elementId": "j_S", "variables": {"query": "q"}}],
        },
    )
    # then: A's flow completed, so the job was created again (one job at a time)
    assert _agent_jobs(harness, key) == ["CREATED", "COMPLETED", "CREATED"]
    ad_hoc = _ad_hoc_key(harness, key, "agent")
    assert instance(harness, key).variables[ad_hoc]["agentContext"] == {"turn": 1}
    assert "agentContext" not in root_variables(harness, key)
    (tool,) = harness.engine.activate_jobs("j_tool", "w", 1000, 10)
    assert tool.variables["query"] == "q"
    # when: S completes: the open job is canceled and created again
    harness.engine.complete_job(tool.job_key, {"toolResult": "found"})
    assert _agent_jobs(harness, key)[3:] == ["CANCELED", "CREATED"]
    assert instance(harness, key).variables[ad_hoc]["toolResults"] == [None, "found"]
    # when: the worker fulfils the completion condition
    job = _agent_job(harness)
    harness.engine.complete_job(
        job.job_key, {}, {"type": "adHocSubProcess", "isCompletionConditionFulfilled": True}
    )
    # then
    assert trail(harness, key, flows=False)[-8:-6] == [
        ("agent", "ELEMENT_COMPLETING"),
        ("agent", "ELEMENT_COMPLETED"),
    ]
    assert instance(harness, key).status == "COMPLETED"
    assert root_variables(harness, key)["toolResults"] == [None, "found"]


def test_job_result_can_cancel_the_remaining_instances(harness: EngineHarness) -> None:
    # given: the user task is active; A completed, so the worker decides again
    key = _start(harness, "ahsp_job")
    harness.engine.complete_job(
        _agent_job(harness).job_key,
        {},
        {"type": "adHocSubProcess", "activateElements": [{"elementId": "j_U"}, {"elementId": "j_A"}]},
    )
    # when: the worker activates S and cancels the rest
    harness.engine.complete_job(
        _agent_job(harness).job_key,
        {},
        {
            "type": "adHocSubProcess",
            "activateElements": [{"elementId": "j_S"}],
            "isCancelRemainingInstances": True,
        },
    )
    # then: S is activated first, then the user task and its inner instance are terminated
    inner = "agent#innerInstance"
    assert trail(harness, key, flows=False)[-8:] == [
        (inner, "ELEMENT_ACTIVATING"),
        (inner, "ELEMENT_ACTIVATED"),
        ("j_S", "ELEMENT_ACTIVATING"),
        ("j_S", "ELEMENT_ACTIVATED"),
        (inner, "ELEMENT_TERMINATING"),
        ("j_U", "ELEMENT_TERMINATING"),
        ("j_U", "ELEMENT_TERMINATED"),
        (inner, "ELEMENT_TERMINATED"),
    ]
    assert [t.state for t in harness.user_tasks(key)] == ["CANCELED"]
    assert instance(harness, key).status == "ACTIVE"


def test_completion_fulfilled_waits_for_nothing_with_cancel_and_terminates_the_rest(
    harness: EngineHarness,
) -> None:
    key = _start(harness, "ahsp_job")
    harness.engine.complete_job(
        _agent_job(harness).job_key,
        {},
        {"type": "adHocSubProcess", "activateElements": [{"elementId": "j_U"}, {"elementId": "j_A"}]},
    )
    harness.engine.complete_job(
        _agent_job(harness).job_key,
        {},
        {
            "type": "adHocSubProcess",
            "isCompletionConditionFulfilled": True,
            "isCancelRemainingInstances": True,
        },
    )
    steps = trail(harness, key, flows=False)
    assert ("j_U", "ELEMENT_TERMINATED") in steps
    assert steps[-8:-6] == [("agent", "ELEMENT_COMPLETING"), ("agent", "ELEMENT_COMPLETED")]
    assert instance(harness, key).status == "COMPLETED"


def test_job_result_with_unknown_elements_is_refused_and_changes_nothing(harness: EngineHarness) -> None:
    from bizdevops.engine.core.errors import NotFound

    key = _start(harness, "ahsp_job")
    job = _agent_job(harness)
    before = len(harness.history())
    with pytest.raises(NotFound, match=r"the given elements \[nope\] do not exist"):
        harness.engine.complete_job(
            job.job_key, {}, {"type": "adHocSubProcess", "activateElements": [{"elementId": "nope"}]}
        )
    assert len(harness.history()) == before
    assert [j.state for j in harness.jobs(key)] == ["ACTIVATED"]


def test_terminating_it_cancels_its_job(harness: EngineHarness) -> None:
    key = _start(harness, "ahsp_job")
    harness.engine.cancel_process_instance(key)
    assert _agent_jobs(harness, key) == ["CREATED", "CANCELED"]


def test_a_failed_job_without_retries_is_an_ad_hoc_incident_until_retried(harness: EngineHarness) -> None:
    key = _start(harness, "ahsp_job")
    job = _agent_job(harness)
    harness.engine.fail_job(job.job_key, 0, "model unavailable")
    (incident,) = open_incidents(harness, key)
    assert (incident.element_id, incident.error_type, incident.error_message) == (
        "agent",
        "AD_HOC_SUB_PROCESS_NO_RETRIES",
        "model unavailable",
    )
    harness.engine.update_job_retries(job.job_key, 1)
    harness.engine.resolve_incident(incident.key)
    job = _agent_job(harness)
    harness.engine.complete_job(
        job.job_key, {}, {"type": "adHocSubProcess", "isCompletionConditionFulfilled": True}
    )
    assert instance(harness, key).status == "COMPLETED"


def test_migration_refuses_an_active_ad_hoc_subprocess(harness: EngineHarness) -> None:
    from bizdevops.engine.core.errors import Conflict, InvalidArgument

    key = _start(harness, "ahsp_boundary")
    definition = instance(harness, key).process_definition_key
    before = len(harness.history())
    with pytest.raises((Conflict, InvalidArgument)):
        harness.engine.migrate_process_instance(key, definition, [("b_ad-hoc", "b_ad-hoc"), ("b_S", "b_S")])
    assert len(harness.history()) == before


def test_an_interrupting_event_subprocess_inside_ends_it(harness: EngineHarness) -> None:
    # given: S waits; the completion condition never holds
    key = _start(harness, "ahsp_event_sub")
    # when
    assert harness.advance(minutes=5) == 1
    # then: S's inner instance is terminated, the event subprocess runs in the ad-hoc subprocess, which
    # then completes
    steps = trail(harness, key, flows=False)
    inner = "e_ad-hoc#innerInstance"
    assert steps[-24:-6] == [
        (inner, "ELEMENT_TERMINATING"),
        ("e_S", "ELEMENT_TERMINATING"),
        ("e_S", "ELEMENT_TERMINATED"),
        (inner, "ELEMENT_TERMINATED"),
        ("e_timeout", "ELEMENT_ACTIVATING"),
        ("e_timeout", "ELEMENT_ACTIVATED"),
        *lifecycle("e_timer"),
        *lifecycle("e_timeout_end"),
        ("e_timeout", "ELEMENT_COMPLETING"),
        ("e_timeout", "ELEMENT_COMPLETED"),
        ("e_ad-hoc", "ELEMENT_COMPLETING"),
        ("e_ad-hoc", "ELEMENT_COMPLETED"),
    ]
    timeout = next(r for r in harness.history() if r.element_id == "e_timeout")
    assert timeout.flow_scope_key == _ad_hoc_key(harness, key, "e_ad-hoc")
    assert instance(harness, key).status == "COMPLETED"


def _jobs_of(harness: EngineHarness, key: int, element_id: str) -> list[str]:
    return [
        r.intent
        for r in harness.history()
        if r.value_type == "JOB"
        and r.element_id == element_id
        and r.process_instance_key == key
        and r.intent in ("CREATED", "COMPLETED", "CANCELED")
    ]


def test_job_worker_job_is_created_again_when_an_event_subprocess_inside_completes(
    harness: EngineHarness,
) -> None:
    # given: the worker activated the user task; its job is completed, no job is open
    key = _start(harness, "ahsp_job_event_sub")
    (job,) = harness.engine.activate_jobs("k_agent", "w", 1000, 10)
    harness.engine.complete_job(
        job.job_key, {}, {"type": "adHocSubProcess", "activateElements": [{"elementId": "k_U"}]}
    )
    assert _jobs_of(harness, key, "k_agent") == ["CREATED", "COMPLETED"]
    # when the non-interrupting event subprocess runs to its end
    harness.engine.publish_message("k_note", "k", {"toolResult": "noted"})
    # then its output element is collected and the worker gets a new job; the user task keeps waiting
    assert_trail(
        trail(harness, key, flows=False)[-12:],
        [
            ("k_note", "ELEMENT_ACTIVATING"),
            ("k_note", "ELEMENT_ACTIVATED"),
            *lifecycle("k_note_start"),
            *lifecycle("k_note_end"),
            ("k_note", "ELEMENT_COMPLETING"),
            ("k_note", "ELEMENT_COMPLETED"),
        ],
    )
    assert _jobs_of(harness, key, "k_agent") == ["CREATED", "COMPLETED", "CREATED"]
    ad_hoc = _ad_hoc_key(harness, key, "k_agent")
    assert instance(harness, key).variables[ad_hoc]["toolResults"] == ["noted"]
    assert [t.state for t in harness.user_tasks(key)] == ["CREATED"]
    # when it runs again while that job is open: the open job is canceled and another one created
    harness.engine.publish_message("k_note", "k", {"toolResult": "again"})
    assert _jobs_of(harness, key, "k_agent") == ["CREATED", "COMPLETED", "CREATED", "CANCELED", "CREATED"]
    assert instance(harness, key).variables[ad_hoc]["toolResults"] == ["noted", "again"]
    # and the worker still decides: fulfilling the completion condition ends it
    (job,) = harness.engine.activate_jobs("k_agent", "w", 1000, 10)
    harness.engine.complete_job(
        job.job_key,
        {},
        {
            "type": "adHocSubProcess",
            "isCompletionConditionFulfilled": True,
            "isCancelRemainingInstances": True,
        },
    )
    assert instance(harness, key).status == "COMPLETED"
    assert root_variables(harness, key)["toolResults"] == ["noted", "again"]


def test_job_worker_interrupting_event_subprocess_completes_it_without_the_worker(
    harness: EngineHarness,
) -> None:
    # given: the worker activated the user task and has not been asked again
    key = _start(harness, "ahsp_job_event_sub")
    (job,) = harness.engine.activate_jobs("k_agent", "w", 1000, 10)
    harness.engine.complete_job(
        job.job_key, {}, {"type": "adHocSubProcess", "activateElements": [{"elementId": "k_U"}]}
    )
    # when the interrupting event subprocess triggers
    assert harness.advance(minutes=10) == 1
    # then the user task is terminated, the event subprocess runs, and the ad-hoc subprocess completes; the
    # worker gets no new job
    inner = "k_agent#innerInstance"
    assert_trail(
        trail(harness, key, flows=False)[-24:],
        [
            (inner, "ELEMENT_TERMINATING"),
            ("k_U", "ELEMENT_TERMINATING"),
            ("k_U", "ELEMENT_TERMINATED"),
            (inner, "ELEMENT_TERMINATED"),
            ("k_timeout", "ELEMENT_ACTIVATING"),
            ("k_timeout", "ELEMENT_ACTIVATED"),
            *lifecycle("k_timer"),
            *lifecycle("k_timeout_end"),
            ("k_timeout", "ELEMENT_COMPLETING"),
            ("k_timeout", "ELEMENT_COMPLETED"),
            ("k_agent", "ELEMENT_COMPLETING"),
            ("k_agent", "ELEMENT_COMPLETED"),
            *lifecycle("k_end"),
            ("ahsp_job_event_sub", "ELEMENT_COMPLETING"),
            ("ahsp_job_event_sub", "ELEMENT_COMPLETED"),
        ],
    )
    assert _jobs_of(harness, key, "k_agent") == ["CREATED", "COMPLETED"]
    assert [t.state for t in harness.user_tasks(key)] == ["CANCELED"]


def test_job_worker_interrupting_event_subprocess_cancels_the_open_job(harness: EngineHarness) -> None:
    # given: the ad-hoc subprocess waits for its worker's first job
    key = _start(harness, "ahsp_job_event_sub")
    # when the interrupting event subprocess triggers
    assert harness.advance(minutes=10) == 1
    # then the job is canceled and the ad-hoc subprocess completed
    assert _jobs_of(harness, key, "k_agent") == ["CREATED", "CANCELED"]
    assert instance(harness, key).status == "COMPLETED"


def test_job_result_may_not_activate_elements_when_it_fulfils_the_completion_condition(
    harness: EngineHarness,
) -> None:
    from bizdevops.engine.core.errors import InvalidArgument

    key = _start(harness, "ahsp_job")
    job = _agent_job(harness)
    before = len(harness.history())
    ad_hoc = _ad_hoc_key(harness, key, "agent")
    with pytest.raises(
        InvalidArgument,
        match=rf"No elements can be activated for ad-hoc sub-process with key '{ad_hoc}' because the "
        "completion condition is fulfilled.",
    ):
        harness.engine.complete_job(
            job.job_key,
            {},
            {
                "type": "adHocSubProcess",
                "activateElements": [{"elementId": "j_A"}],
                "isCompletionConditionFulfilled": True,
            },
        )
    assert len(harness.history()) == before
    assert instance(harness, key).status == "ACTIVE"


def test_elements_variable_lists_the_from_ai_parameters_of_the_input_mappings(harness: EngineHarness) -> None:
    # when the ad-hoc subprocess with tool-like elements is activated
    key = _start(harness, "ahsp_tools")
    # then each element lists the fromAi() calls of its input mappings, in order, each once
    ad_hoc = _ad_hoc_key(harness, key, "t_agent")
    elements = instance(harness, key).variables[ad_hoc]["adHocSubProcessElements"]
    assert elements == [
        {
            "elementId": "t_search",
            "elementName": "Search",
            "documentation": "Searches the catalogue",
            "properties": None,
            "parameters": [
                {
                    "name": "toolCall.query",
                    "description": "The search query",
                    "type": "string",
                    "schema": None,
                    "options": None,
                },
                {
                    "name": "toolCall.limit",
                    "description": None,
                    "type": "number",
                    "schema": None,
                    "options": {"required": False},
                },
                {
                    "name": "toolCall.tags",
                    "description": "Tags",
                    "type": "array",
                    "schema": {"items": {"type": "string", "enum": ["new", "sale"]}},
                    "options": None,
                },
            ],
        },
        {
            "elementId": "t_plain",
            "elementName": None,
            "documentation": None,
            "properties": None,
            "parameters": None,
        },
    ]
    # and the worker sees them in its job's variables
    (job,) = harness.engine.activate_jobs("t_agent", "w", 1000, 10)
    assert job.variables["adHocSubProcessElements"] == elements


def test_from_ai_returns_the_value_the_worker_gave_the_activated_element(harness: EngineHarness) -> None:
    # given the worker's job
    key = _start(harness, "ahsp_tools")
    (job,) = harness.engine.activate_jobs("t_agent", "w", 1000, 10)
    # when it activates the search tool with a tool call
    harness.engine.complete_job(
        job.job_key,
        {},
        {
            "type": "adHocSubProcess",
            "activateElements": [
                {
                    "elementId": "t_search",
                    "variables": {"toolCall": {"query": "lamp", "limit": 3, "tags": "sale"}},
                }
            ],
        },
    )
    # then the input mappings evaluate fromAi() to the values of the tool call
    (task,) = harness.engine.activate_jobs("t_search", "w", 1000, 10)
    assert {name: task.variables[name] for name in ("query", "limit", "url", "filter", "mode")} == {
        "query": "lamp",
        "limit": 3,
        "url": "https://shop.example/?q=lamp",
        "filter": {"tags": ["sale"]},
        "mode": "static",
    }
    assert open_incidents(harness, key) == []


def test_deploy_refuses_from_ai_calls_it_cannot_extract(harness: EngineHarness) -> None:
    # when
    with pytest.raises(DeploymentRejected) as caught:
        deploy(harness, "invalid/ad_hoc_from_ai.bpmn")
    # then every element is named with Zeebe's reason
    assert [(p.element_id, p.message) for p in caught.value.problems] == [
        (
            "literal",
            "Failed to extract ad-hoc activity parameters for element 'literal'. Expected fromAi() parameter "
            "'value' to be a reference (e.g. 'toolCall.customParameter'), but received string 'query'.",
        ),
        (
            "computed",
            "Failed to extract ad-hoc activity parameters for element 'computed'. Expected fromAi() parameter "
            "'description' to be a string, but received '10'.",
        ),
        (
            "schema",
            "Failed to extract ad-hoc activity parameters for element 'schema'. Expected fromAi() parameter "
            "'schema' to be a context (map), but received 'dummy'.",
        ),
    ]
