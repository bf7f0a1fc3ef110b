"""A user task with an embedded form (zeebe:userTaskForm, the Camunda 8.0-8.2 style) is validated too."""

from __future__ import annotations

import json

from django.test import Client

from bizdevops.engine import services as engine
from bizdevops.engine.state.models import UserTask, Variable

FORM = {
    "id": "embedded",
    "type": "default",
    "components": [
        {"type": "number", "key": "amount", "label": "Amount", "validate": {"required": True, "max": 100}}
    ],
}
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="embedded_form_process" name="Embedded" isExecutable="true">
    <bpmn:extensionElements>
      <zeebe:userTaskForm id="UserTaskForm_1">{json.dumps(FORM).replace("&", "&amp;").replace("<", "&lt;")}</zeebe:userTaskForm>
    </bpmn:extensionElements>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="Enter amount">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:formDefinition formKey="camunda-forms:bpmn:UserTaskForm_1" />
        <zeebe:assignmentDefinition candidateUsers="solo" />
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_embedded_form_is_rendered_and_enforced(db, make_user) -> None:  # type: ignore[no-untyped-def]
    engine.deploy_resources(resources=[("embedded.bpmn", BPMN.encode())])
    created = engine.create_process_instance(bpmn_process_id="embedded_form_process", variables={})
    task = UserTask.objects.get(process_instance_key=created.process_instance_key)
    client = Client()
    client.force_login(make_user("solo"))
    assert client.get(f"/tasks/api/tasks/{task.key}").json()["schema"]["id"] == "embedded"
    client.post(f"/tasks/api/tasks/{task.key}/claim")
    url = f"/tasks/api/tasks/{task.key}/complete"
    bad = client.post(url, data=json.dumps({"data": {"amount": 500}}), content_type="application/json")
    assert bad.json()["fieldErrors"] == {"amount": "Field must have maximum value of 100."}
    good = client.post(url, data=json.dumps({"data": {"amount": 50}}), content_type="application/json")
    assert good.status_code == 200
    assert Variable.objects.get(process_instance_key=created.process_instance_key, name="amount").value == 50
