"""Deployment: validation (every refusal reason), versioning, several processes and resources at once."""

from __future__ import annotations

import pytest

from bizdevops.engine.core.errors import DeploymentRejected, NotFound
from tests.engine.core.harness import HERE, EngineHarness, deploy, instance


def refuse(harness: EngineHarness, name: str) -> list[tuple[str, str]]:
    with pytest.raises(DeploymentRejected) as caught:
        deploy(harness, name)
    return [(p.element_id, p.message) for p in caught.value.problems]


def test_unsupported_element_is_refused_by_name(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/unsupported_element.bpmn")
    assert ("complex", "Unsupported element: complexGateway.") in problems


def test_missing_task_type_is_refused(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/missing_task_type.bpmn")
    assert problems == [("task", "Missing task type: add zeebe:taskDefinition with a type.")]


def test_dangling_references_are_refused(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/dangling_reference.bpmn")
    ids = [element_id for element_id, _ in problems]
    assert "f1" in ids  # sequence flow to a missing node
    assert "wait" in ids  # messageRef to a missing message
    assert any("nowhere" in message for _, message in problems)


def test_gateway_without_outgoing_flow_is_refused(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/gateway_without_outgoing.bpmn")
    assert problems == [("xor", "The exclusive gateway has no outgoing sequence flow.")]


def test_unparsable_feel_is_refused_with_its_position(harness: EngineHarness) -> None:
    [(element_id, message)] = refuse(harness, "invalid/bad_feel.bpmn")
    assert element_id == "f2"
    assert "is not valid FEEL at position" in message


def test_no_executable_process_is_refused(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/not_executable.bpmn")
    assert problems == [("", 'The file contains no executable process (isExecutable="true").')]


def test_not_xml_and_unknown_resources_are_refused(harness: EngineHarness) -> None:
    with pytest.raises(DeploymentRejected) as caught:
        harness.engine.deploy([("a.bpmn", b"<not xml"), ("b.txt", b"hello")])
    messages = [p.message for p in caught.value.problems]
    assert any(m.startswith("a.bpmn: The file is not well-formed XML") for m in messages)
    assert any(m.startswith("b.txt: Unsupported resource type") for m in messages)


def test_a_refused_deployment_stores_nothing(harness: EngineHarness) -> None:
    # given
    good = (HERE / "none_events.bpmn").read_bytes()
    bad = (HERE / "invalid/missing_task_type.bpmn").read_bytes()
    # when
    with pytest.raises(DeploymentRejected):
        harness.engine.deploy([("good.bpmn", good), ("bad.bpmn", bad)])
    # then
    with pytest.raises(NotFound):
        harness.engine.create_process_instance(bpmn_process_id="none_events")


def test_same_bytes_keep_the_version_and_changed_bytes_make_a_new_one(harness: EngineHarness) -> None:
    # given
    data = (HERE / "none_events.bpmn").read_bytes()
    first = harness.engine.deploy([("p.bpmn", data)])
    # when
    same = harness.engine.deploy([("p.bpmn", data)])
    changed = harness.engine.deploy(
        [("p.bpmn", data.replace(b'name="None events"', b'name="None events v2"'))]
    )
    # then
    assert same.processes[0].key == first.processes[0].key
    assert same.processes[0].version == 1
    assert changed.processes[0].version == 2
    assert changed.processes[0].key != first.processes[0].key
    created = harness.engine.create_process_instance(bpmn_process_id="none_events")
    assert created.version == 2
    old = harness.engine.create_process_instance(bpmn_process_id="none_events", version=1)
    assert old.process_definition_key == first.processes[0].key


def test_instances_keep_running_on_the_version_they_started_on(harness: EngineHarness) -> None:
    # given
    data = (HERE / "service_task.bpmn").read_bytes()
    harness.engine.deploy([("s.bpmn", data)])
    key = harness.engine.create_process_instance(bpmn_process_id="service_task").process_instance_key
    # when
    harness.engine.deploy([("s.bpmn", data.replace(b'type="payment"', b'type="payment-v2"'))])
    # then
    [job] = harness.engine.activate_jobs("payment", "w", 1000, 1)
    harness.engine.complete_job(job.job_key)
    assert instance(harness, key).version == 1
    assert instance(harness, key).status == "COMPLETED"


def test_collaboration_lanes_and_annotations_are_ignored_and_every_process_deploys(
    harness: EngineHarness,
) -> None:
    deployment = deploy(harness, "collaboration.bpmn")
    assert sorted(p.bpmn_process_id for p in deployment.processes) == ["shop", "warehouse"]
    created = harness.engine.create_process_instance(bpmn_process_id="warehouse")
    assert instance(harness, created.process_instance_key).status == "COMPLETED"


def test_listeners_are_refused_rather_than_ignored(harness: EngineHarness) -> None:
    problems = refuse(harness, "invalid/listeners.bpmn")
    assert problems == [("task", "Unsupported element: execution listeners (zeebe:executionListeners).")]


def test_a_start_event_that_cannot_be_scheduled_is_refused(harness: EngineHarness) -> None:
    [(element_id, message)] = refuse(harness, "invalid/bad_timer_start.bpmn")
    assert element_id == "start"
    assert message.startswith("The start event cannot be scheduled")


def test_version_tag_is_kept_on_the_definition(harness: EngineHarness) -> None:
    deployment = deploy(harness, "loop.bpmn")
    assert deployment.processes[0].version_tag == "v1.2"


def test_dmn_and_form_resources_deploy_with_versions_and_bad_ones_are_refused(harness: EngineHarness) -> None:
    # given
    form = b'{"id": "review-form", "type": "default", "components": []}'
    dmn = (HERE / "approval.dmn").read_bytes()
    # when
    deployment = harness.engine.deploy([("approval.dmn", dmn), ("review.form", form)])
    changed = harness.engine.deploy(
        [("review.form", form.replace(b"[]", b'[{"type": "text", "text": "hi"}]'))]
    )
    # then
    assert [(d.decision_id, d.version) for d in deployment.decisions] == [("approval", 1)]
    assert [(f.form_id, f.version) for f in deployment.forms] == [("review-form", 1)]
    assert [(f.form_id, f.version) for f in changed.forms] == [("review-form", 2)]
    with pytest.raises(DeploymentRejected) as caught:
        harness.engine.deploy([("broken.dmn", b"<definitions/>"), ("broken.form", b"not json")])
    messages = [p.message for p in caught.value.problems]
    assert any(m.startswith("broken.dmn: The DMN resource is invalid") for m in messages)
    assert any(m.startswith("broken.form: The form has no 'id'") for m in messages)
