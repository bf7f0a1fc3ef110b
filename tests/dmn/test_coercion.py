"""Type conformance and coercion of decision, BKM, invocation and literal results (DMN 1.5 10.3.2.9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bizdevops.dmn import load
from tests.dmn.helpers import definitions

TYPES = """
<itemDefinition name="tNumberList" isCollection="true"><typeRef>number</typeRef></itemDefinition>
<itemDefinition name="tStringList" isCollection="true"><typeRef>string</typeRef></itemDefinition>
<itemDefinition name="tNameAndAge">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
</itemDefinition>
<itemDefinition name="tFn"><functionItem outputTypeRef="string"/></itemDefinition>
<businessKnowledgeModel id="bkm_1" name="bkm_1"><variable name="bkm_1"/>
  <encapsulatedLogic><formalParameter name="p" typeRef="tNameAndAge"/>
    <literalExpression><text>p != null</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>
<businessKnowledgeModel id="bkm_list" name="bkm_list"><variable name="bkm_list"/>
  <encapsulatedLogic><formalParameter name="arg"/>
    <literalExpression typeRef="tNumberList"><text>arg</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>
<businessKnowledgeModel id="bkm_num" name="bkm_num"><variable name="bkm_num"/>
  <encapsulatedLogic><formalParameter name="arg"/>
    <literalExpression typeRef="number"><text>[arg]</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>
<inputData id="ds_in" name="ds_in"><variable name="ds_in" typeRef="string"/></inputData>
<decision id="ds_out" name="ds_out"><variable name="ds_out"/>
  <informationRequirement><requiredInput href="#ds_in"/></informationRequirement>
  <literalExpression><text>ds_in</text></literalExpression></decision>
<decisionService id="ds" name="ds"><variable name="ds"/><outputDecision href="#ds_out"/><inputData href="#ds_in"/></decisionService>
<decision id="ds_typed_out" name="ds_typed_out"><variable name="ds_typed_out"/><literalExpression><text>1000</text></literalExpression></decision>
<decisionService id="ds_typed" name="ds_typed"><variable name="ds_typed" typeRef="tFn"/><outputDecision href="#ds_typed_out"/></decisionService>
"""


def _decision(name: str, type_ref: str | None, text: str, literal_type: str | None = None) -> str:
    variable_type = f' typeRef="{type_ref}"' if type_ref else ""
    literal = f' typeRef="{literal_type}"' if literal_type else ""
    return (
        f'<decision id="{name}" name="{name}"><variable name="{name}"{variable_type}/>'
        f"<literalExpression{literal}><text>{text}</text></literalExpression></decision>"
    )


CASES = [
    ("string", "1+1", None, None),
    ("tNumberList", '[1,2,"foo"]', None, None),
    (
        "tNameAndAge",
        '{name: "foo", surname: "bar", age: 10}',
        None,
        {"name": "foo", "surname": "bar", "age": Decimal(10)},
    ),
    ("tNameAndAge", '{name: "foo"}', None, None),
    ("tStringList", '"foo"', None, ["foo"]),
    ("tNumberList", '"foo"', None, None),
    ("string", '["foo"]', None, "foo"),
    ("string", "[1]", None, None),
    ("tStringList", "null", None, None),
    (None, 'bkm_1({name: "foo", age: 10})', None, True),
    (None, 'bkm_1({name: "foo"})', None, False),  # non-conforming argument is passed as null
    (None, "bkm_list(10)", None, [Decimal(10)]),
    (None, 'bkm_list("foo")', None, None),
    (None, "bkm_num(10)", None, Decimal(10)),
    (None, 'bkm_num("foo")', None, None),
    ("number", "5+5", "number", Decimal(10)),
    ("number", '"foo"', "number", None),
    ("tNumberList", "10", "tNumberList", [Decimal(10)]),
    ("number", "[10]", "number", Decimal(10)),
    ("number", '["foo"]', "number", None),
    (None, "ds(10)", None, None),  # a number for a string input: the input is null
    (None, 'ds(["foo"])', None, "foo"),
    (None, "ds_typed()", None, None),  # the service's function type says string
]


@pytest.mark.parametrize(("type_ref", "text", "literal_type", "expected"), CASES)
def test_results_are_coerced_to_declared_types(
    type_ref: str | None, text: str, literal_type: str | None, expected: object
) -> None:
    # given
    model = load(definitions(TYPES + _decision("d", type_ref, text, literal_type)))
    # when
    value = model.evaluate("d").value
    # then
    assert value == expected


def test_function_definition_with_typed_parameter_gives_null_for_other_types() -> None:
    body = """<decision id="fd" name="fd"><variable name="fd"/><context>
      <contextEntry><variable name="fn"/><literalExpression><text>function(arg: number) arg</text></literalExpression></contextEntry>
      <contextEntry><literalExpression><text>[fn(10), fn("foo")]</text></literalExpression></contextEntry>
    </context></decision>"""
    assert load(definitions(body)).evaluate("fd").value == [Decimal(10), None]


def test_invocation_type_coerces_the_result() -> None:
    body = (
        TYPES
        + """<decision id="inv" name="inv"><variable name="inv" typeRef="tNumberList"/>
      <invocation typeRef="tNumberList"><literalExpression><text>bkm_num</text></literalExpression>
        <binding><parameter name="arg"/><literalExpression><text>10</text></literalExpression></binding>
      </invocation></decision>"""
    )
    assert load(definitions(body)).evaluate("inv").value == [Decimal(10)]


def test_decision_service_with_function_type_coerces_direct_results_too() -> None:
    model = load(definitions(TYPES))
    assert model.evaluate_service("ds_typed").value is None
    assert model.evaluate_service("ds", {"ds_in": "x"}).value == "x"


def test_a_date_becomes_utc_midnight_where_a_date_and_time_is_expected() -> None:
    import datetime as dt

    model = load(definitions(_decision("d", "date and time", "date(2000, 1, 2)")))
    assert model.evaluate("d").value == dt.datetime(2000, 1, 2, tzinfo=dt.UTC)


def test_type_refs_in_feel_type_syntax() -> None:
    body = TYPES + _decision("ctx", "context&lt;name: string, age: number&gt;", '{name: "a", age: 1}')
    body += _decision("bad", "context&lt;name: string, age: number&gt;", '{name: "a"}')
    body += _decision("people", "list&lt;tNameAndAge&gt;", '{name: "a", age: 1}')
    model = load(definitions(body))
    assert model.evaluate("ctx").value == {"name": "a", "age": Decimal(1)}
    assert model.evaluate("bad").value is None
    assert model.evaluate("people").value == [{"name": "a", "age": Decimal(1)}]


def test_allowed_values_apply_to_elements_type_constraint_to_the_collection() -> None:
    types = """
    <itemDefinition name="tGrades" isCollection="true"><typeRef>string</typeRef>
      <allowedValues><text>"A", "B"</text></allowedValues></itemDefinition>
    <itemDefinition name="tPair" isCollection="true"><typeRef>string</typeRef>
      <typeConstraint><text>count(?) = 2</text></typeConstraint></itemDefinition>
    """
    body = types + _decision("g1", "tGrades", '["A", "B", "A"]') + _decision("g2", "tGrades", '["A", "C"]')
    body += _decision("p1", "tPair", '["x", "y"]') + _decision("p2", "tPair", '["x"]')
    model = load(definitions(body))
    assert model.evaluate("g1").value == ["A", "B", "A"]
    assert model.evaluate("g2").value is None
    assert model.evaluate("p1").value == ["x", "y"]
    assert model.evaluate("p2").value is None


def test_an_alias_of_a_collection_type_is_a_collection_type() -> None:
    types = """
    <itemDefinition name="tAlias"><typeRef>tStrings</typeRef></itemDefinition>
    <itemDefinition name="tStrings" isCollection="true"><typeRef>string</typeRef></itemDefinition>
    """
    model = load(definitions(types + _decision("a", "tAlias", '"foo"') + _decision("b", "tAlias", "1")))
    assert model.evaluate("a").value == ["foo"]
    assert model.evaluate("b").value is None
