"""FEEL's now() and today() read the engine's clock, so expressions agree with timers and pinned test clocks."""

from __future__ import annotations

import datetime as dt

from bizdevops.engine.core.memory import InMemoryEngine
from bizdevops.feel import evaluate

NOW_PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="stamp" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s" />
    <bpmn:scriptTask id="s">
      <bpmn:extensionElements>
        <zeebe:script expression="=string(today()) + &quot;/&quot; + string(now().hour)" resultVariable="stamp" />
      </bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_now_and_today_follow_the_pinned_engine_clock() -> None:
    # given an engine whose clock is pinned to 2030-03-04 05:06 UTC
    pinned = dt.datetime(2030, 3, 4, 5, 6, tzinfo=dt.UTC)
    engine = InMemoryEngine(start_ms=int(pinned.timestamp() * 1000))
    engine.deploy([("stamp.bpmn", NOW_PROCESS)])
    # when an instance evaluates now() and today()
    key = engine.create_process_instance(bpmn_process_id="stamp").process_instance_key
    # then they saw the engine's time, not the wall clock
    state = engine.store.load_instance(key, for_update=False)
    assert state is not None
    assert state.variables[key]["stamp"] == "2030-03-04/5"


def test_outside_the_engine_now_is_the_wall_clock() -> None:
    year = evaluate("now().year")
    assert int(year) == dt.datetime.now(dt.UTC).year
