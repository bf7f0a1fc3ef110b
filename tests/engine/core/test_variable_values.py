"""Variables PostgreSQL's JSONB cannot hold (NUL, lone surrogates) or JSON cannot express (NaN, infinity) are
refused up front with InvalidArgument, at every entry point, and nothing is created."""

from __future__ import annotations

import math

import pytest

from bizdevops.engine.core.errors import InvalidArgument
from bizdevops.engine.core.memory import InMemoryEngine

PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="work" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="work" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""

BAD = [
    {"nul\x00key": 1},
    {"text": "a\x00b"},
    {"nested": {"deep": ["ok", {"k": "\ud800"}]}},
    {"n": math.nan},
    {"n": [1.0, math.inf]},
]


@pytest.fixture
def engine() -> InMemoryEngine:
    engine = InMemoryEngine()
    engine.deploy([("work.bpmn", PROCESS)])
    return engine


@pytest.mark.parametrize("variables", BAD)
def test_bad_variables_are_refused_everywhere(engine: InMemoryEngine, variables: dict) -> None:
    # given an instance waiting at a job
    key = engine.create_process_instance(bpmn_process_id="work").process_instance_key
    [job] = engine.activate_jobs("work", "w", 60_000, 1)
    # when bad variables come through each entry point, then each is refused
    with pytest.raises(InvalidArgument):
        engine.create_process_instance(bpmn_process_id="work", variables=variables)
    with pytest.raises(InvalidArgument):
        engine.complete_job(job.job_key, variables)
    with pytest.raises(InvalidArgument):
        engine.publish_message(name="m", correlation_key="k", variables=variables)
    with pytest.raises(InvalidArgument):
        engine.broadcast_signal(name="s", variables=variables)
    # and nothing changed: the job is still there to complete, and no second instance exists
    engine.complete_job(job.job_key, {"fine": "values", "unicode": "한국어 ✓"})
    state = engine.get_process_instance(key)
    assert state is not None
    assert state.variables[key]["unicode"] == "한국어 ✓"


@pytest.mark.parametrize("ttl", [-1, 10**15])
def test_message_time_to_live_out_of_range_is_refused(engine: InMemoryEngine, ttl: int) -> None:
    # schemathesis found a huge timeToLive overflowing the stored expiry date (a 500); it is a 400 now
    with pytest.raises(InvalidArgument):
        engine.publish_message(name="m", correlation_key="k", time_to_live_ms=ttl)
    engine.publish_message(name="m", correlation_key="k", time_to_live_ms=60_000)
