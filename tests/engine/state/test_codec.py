"""The engine's rows are encoded with orjson and read back exactly as the standard library would read them
(bizdevops.engine.state.codec): integers beyond 64 bits, floats, non-ASCII text and nesting survive a
command that loads the instance's document and writes it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bizdevops.engine import services
from bizdevops.engine.state import codec
from bizdevops.engine.state import models as m

HERE = Path(__file__).parent

VALUES = {
    "big": 2**70,
    "negative_big": -(10**25),
    "edge": 2**63,
    "digits": 123456789012345678901234567891,  # no float has this value or its repr
    "pi": 3.141592653589793,
    "tiny": 5e-324,
    "name": "결재 – ✓",
    "nested": {"list": [1, None, True, {"deep": "x"}], "empty": {}},
}


@pytest.mark.django_db(transaction=True)
def test_variables_survive_a_command_that_reloads_the_document() -> None:
    # given an instance waiting at its user task, started with awkward values
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])
    key = services.create_process_instance(
        bpmn_process_id="approval", variables={"amount": 1, **VALUES}
    ).process_instance_key

    # when its task is completed (the document is read under the lock, changed and written back)
    services.complete_user_task_at(
        process_instance_key=key, element_id="approve", variables={"approved": True}
    )

    # then every value reads back exactly, from the document and from the variable table
    state = m.ProcessInstance.objects.get(key=key).state
    [scope] = [v for v in state["variables"].values() if "big" in v]
    assert {name: scope[name] for name in VALUES} == VALUES
    stored = {
        v.name: v.value for v in m.Variable.objects.filter(process_instance_key=key, name__in=list(VALUES))
    }
    assert stored == VALUES


@pytest.mark.parametrize(
    "value",
    [
        VALUES,
        {1: "int key", 2.5: "float key", None: "none key", False: "bool key"},
        [0.1, 1e100, -0.0, 2**64 - 1],
        "\u00e9\ud800",  # a lone surrogate: orjson refuses it, the standard library escapes it
        type("Text", (str,), {})("a str subclass"),
    ],
)
def test_encoding_reads_back_as_the_standard_library_encodes(value: object) -> None:
    assert json.loads(codec.dumps(value)) == json.loads(json.dumps(value))


def test_long_integers_decode_exactly() -> None:
    text = '{"n": 123456789012345678901234567890, "m": -9223372036854775809, "k": "2251799813685249"}'
    assert codec.loads(text) == json.loads(text)
    assert codec.loads(text.encode()) == json.loads(text)
    assert isinstance(codec.loads(text)["n"], int)


def test_what_neither_encodes_fails_as_before() -> None:
    with pytest.raises(TypeError):
        codec.dumps({"when": object()})


def test_non_finite_floats_become_null() -> None:
    # JSON has no NaN or Infinity; PostgreSQL refused the standard library's `NaN` token
    assert json.loads(codec.dumps({"a": float("nan"), "b": float("inf")})) == {"a": None, "b": None}
