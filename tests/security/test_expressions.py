"""Expression sandbox: FEEL payloads in gateway conditions, script tasks and forms yield null, an incident or
a validation error quickly; never Python objects, code execution or a hung worker."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest

from bizdevops import feel
from forms.validation import validate_submission

ESCAPES = [
    "().__class__",
    '"".__class__.__mro__',
    "x.__class__.__base__.__subclasses__()",
    '__import__("os").system("id")',
    "x.__dict__",
    "{}.__class__",
    'date("2020-01-01").__class__',
    "x.__globals__",
    'get value(x, "__class__")',
    'eval("1")',
]
BOMBS = {
    "deep parentheses": "(" * 5000 + "1" + ")" * 5000,
    "deep list": "[" * 3000 + "]" * 3000,
    "deep unary minus": "-" * 20000 + "1",
    "huge range loop": "for i in 1..100000000 return i",
    "nested loops": "for a in 1..10000, b in 1..10000 return a*b",
    "huge string": 'string join(for i in 1..10000000 return "aaaaaaaaaa")',
    "recursion": "{f: function(n) f(n + 1)}.f(1)",
    "catastrophic regex": 'matches("' + "a" * 40 + '!", "^(a+)+$")',
    "catastrophic replace": 'replace("' + "a" * 40 + '!", "^(a|aa)+$", "b")',
    "big count": "count(for i in 1..5000000 return [i, i, i])",
}
SAFE_TYPES = (type(None), bool, str, int, float, Decimal, list, dict, dt.date, dt.time, dt.timedelta)


def _plain(value: Any) -> bool:
    """Only data (no classes, functions, modules) may come out of an expression."""
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, SAFE_TYPES) or type(value).__module__.startswith("bizdevops.feel")


@pytest.mark.parametrize("text", ESCAPES)
def test_python_internals_are_unreachable(text: str) -> None:
    # when an expression reaches for Python's object model
    result = feel.evaluate(text, {"x": {"a": 1}})
    # then it is null (or plain data), never a Python class, function or module
    assert result is None or _plain(result), repr(result)
    assert not isinstance(result, type)
    assert not callable(result) or type(result).__module__.startswith("bizdevops.feel")


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_resource_bombs_end_quickly(name: str) -> None:
    started = time.monotonic()
    try:
        result = feel.evaluate(BOMBS[name], {})
    except RecursionError:  # pragma: no cover - would be a finding: the caller gets an uncaught error
        pytest.fail("RecursionError escaped the FEEL evaluator")
    elapsed = time.monotonic() - started
    # then the evaluator gives up (null) or answers, within a bounded time
    assert elapsed < 5, f"{name} took {elapsed:.1f}s"
    assert result is None or _plain(result)


def test_form_pattern_cannot_hang_the_worker() -> None:
    # given a form whose designer used a backtracking-prone pattern, and a hostile submission
    schema = {
        "components": [
            {"type": "textfield", "key": "code", "label": "Code", "validate": {"pattern": "^(a+)+$"}}
        ]
    }
    started = time.monotonic()
    # when the server validates it
    _cleaned, errors = validate_submission(schema, {"code": "a" * 40 + "!"})
    # then validation ends within a second with a field error (re.search would backtrack for hours)
    assert time.monotonic() - started < 2
    assert "code" in errors
    # and ordinary patterns still work
    assert validate_submission(schema, {"code": "aaa"})[1] == {}


def test_form_conditions_with_escapes_and_bombs_do_not_break_validation() -> None:
    # given conditions that try to escape or exhaust the evaluator
    components = [
        {"type": "textfield", "key": f"f{i}", "label": "F", "conditional": {"hide": "=" + text}}
        for i, text in enumerate([*ESCAPES, BOMBS["catastrophic regex"], BOMBS["deep parentheses"]])
    ]
    started = time.monotonic()
    cleaned, errors = validate_submission({"components": components}, {"f0": "v"})
    assert time.monotonic() - started < 10
    assert isinstance(cleaned, dict)
    assert isinstance(errors, dict)


ENGINE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_feel" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="feel_{n}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script" />
    <bpmn:scriptTask id="script">
      <bpmn:extensionElements><zeebe:script expression="={script}" resultVariable="out" /></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="fDefault" />
    <bpmn:sequenceFlow id="fCond" sourceRef="gw" targetRef="endA">
      <bpmn:conditionExpression>={condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fDefault" sourceRef="gw" targetRef="endB" />
    <bpmn:endEvent id="endA" />
    <bpmn:endEvent id="endB" />
  </bpmn:process>
</bpmn:definitions>
"""


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("script", "condition"),
    [
        ('__import__("os").system("touch /tmp/pwned-feel")', "().__class__"),
        (BOMBS["catastrophic regex"], BOMBS["catastrophic regex"]),
        (BOMBS["huge range loop"], BOMBS["recursion"]),
    ],
    ids=["escape", "regex", "loops"],
)
def test_engine_expressions_end_as_null_or_incident(script: str, condition: str) -> None:
    from bizdevops.engine import services as engine
    from bizdevops.engine.core.parser.validate import DeploymentRejected
    from bizdevops.engine.state import models as m

    n = abs(hash(script)) % 10_000
    xml = ENGINE_BPMN.format(n=n, script=_xml(script), condition=_xml(condition)).encode()
    refusal = ""
    try:
        engine.deploy_resources(resources=[(f"feel{n}.bpmn", xml)])
    except DeploymentRejected as rejected:
        refusal = str(rejected)
    if refusal:
        # refused at deployment with a clear message: nothing can run
        assert "FEEL" in refusal
        assert not m.ProcessDefinition.objects.filter(bpmn_process_id=f"feel_{n}").exists()
        return
    started = time.monotonic()
    # when an instance runs the hostile script task and gateway condition
    created = engine.create_process_instance(bpmn_process_id=f"feel_{n}", variables={})
    elapsed = time.monotonic() - started
    # then it ends quickly, as an incident or with a null result, and no code ran
    assert elapsed < 10, f"{elapsed:.1f}s"
    pi = m.ProcessInstance.objects.get(key=created.process_instance_key)
    incidents = m.Incident.objects.filter(process_instance_key=pi.key).count()
    out = (
        m.Variable.objects.filter(process_instance_key=pi.key, name="out")
        .values_list("value", flat=True)
        .first()
    )
    assert incidents > 0 or out is None or _plain(out), (pi.status, out)
    assert not isinstance(out, str) or "__" not in out
    import os

    assert not os.path.exists("/tmp/pwned-feel")


DMN_BOMB = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bomb_drd" name="Bomb" namespace="bomb">
  <decision id="bomb_decision" name="Bomb">
    <literalExpression><text>{text}</text></literalExpression>
  </decision>
  <decision id="bomb_table" name="Bomb table">
    <decisionTable id="t" hitPolicy="COLLECT">
      <input id="i1"><inputExpression typeRef="string"><text>code</text></inputExpression></input>
      <output id="o1" name="out" typeRef="string" />
      <rule id="r1"><inputEntry><text>matches(?, "^(a+)+$")</text></inputEntry><outputEntry><text>"hit"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["bomb_decision", "bomb_table"])
def test_decision_evaluation_of_bombs_is_bounded(role_user, decision: str) -> None:
    import base64

    from rest_framework.test import APIClient

    from bizdevops.engine import services as engine
    from tests.security.conftest import PASSWORD

    # given deployed decisions holding a loop bomb and a catastrophic pattern
    text = _xml(BOMBS["huge range loop"])
    engine.deploy_resources(resources=[("bomb.dmn", DMN_BOMB.format(text=text).encode())])
    user = role_user("Analyst")
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    )
    started = time.monotonic()
    # when an analyst evaluates them with hostile input
    response = api.post(
        "/v2/decision-definitions/evaluation",
        {"decisionDefinitionId": decision, "variables": {"code": "a" * 40 + "!", "__class__": 1}},
        format="json",
    )
    # then the answer comes within seconds, as a result (null/empty) or a clear 400
    assert time.monotonic() - started < 10
    assert response.status_code in (200, 400), response.content[:300]
    assert b"Traceback" not in response.content
