"""A small deployed process with a real job, a user task only `victim` may work on, and an incident row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from bizdevops.engine import services as engine
from bizdevops.engine.state import models as m

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_sec" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sec_proc" name="Security target" isExecutable="true">
    <bpmn:extensionElements>
      <zeebe:properties><zeebe:property name="candidateStarterGroups" value="Manager" /></zeebe:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="work" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="review" />
    <bpmn:serviceTask id="work" name="Work">
      <bpmn:extensionElements><zeebe:taskDefinition type="sec-job" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:userTask id="review" name="Review">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:assignmentDefinition candidateUsers="victim" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="sec_drd" name="Sec" namespace="sec">
  <decision id="sec_decision" name="Sec decision">
    <literalExpression><text>"ok"</text></literalExpression>
  </decision>
</definitions>
"""


@dataclass(frozen=True)
class Target:
    instance: m.ProcessInstance
    task: m.UserTask
    job: m.Job
    incident: m.Incident
    variable: m.Variable
    decision: m.DecisionDefinition


def deploy_target() -> Target:
    engine.deploy_resources(resources=[("sec.bpmn", BPMN.encode()), ("sec.dmn", DMN.encode())])
    created = engine.create_process_instance(
        bpmn_process_id="sec_proc", variables={"salary": 90000, "secretNote": "victim only"}
    )
    pi = m.ProcessInstance.objects.get(key=created.process_instance_key)
    job = m.Job.objects.get(process_instance_key=pi.key)
    task = m.UserTask.objects.get(process_instance_key=pi.key)
    incident = m.Incident.objects.create(
        key=job.key + 10_000_000,
        error_type="JOB_NO_RETRIES",
        error_message="boom",
        element_id="work",
        element_instance_key=job.element_instance_key,
        job_key=job.key,
        process_instance_key=pi.key,
        process_definition_key=pi.process_definition_id,
        bpmn_process_id="sec_proc",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    variable = m.Variable.objects.get(process_instance_key=pi.key, name="salary")
    decision = m.DecisionDefinition.objects.get(decision_id="sec_decision")
    return Target(pi, task, job, incident, variable, decision)


SNAPSHOT_MODELS: tuple[type[Model], ...] = (
    m.Deployment,
    m.ProcessDefinition,
    m.DecisionDefinition,
    m.ProcessInstance,
    m.Job,
    m.UserTask,
    m.UserTaskCandidate,
    m.Incident,
    m.Variable,
    m.Timer,
    m.MessageSubscription,
    m.BufferedMessage,
    m.ClockSetting,
)


def engine_snapshot() -> dict[str, Any]:
    """Every engine row that a command could change (history is append-only and not compared)."""
    return {
        model.__name__: sorted((tuple(sorted(row.items())) for row in model.objects.values()), key=repr)
        for model in SNAPSHOT_MODELS
    }
