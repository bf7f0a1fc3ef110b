"""Bad input: malformed XML, hostile XML, unknown decisions, invalid FEEL, broken structure."""

from __future__ import annotations

import pytest

from bizdevops.dmn import DmnError, load
from tests.dmn.helpers import definitions, table


def test_malformed_xml_is_refused_with_the_line() -> None:
    with pytest.raises(DmnError, match="not well-formed"):
        load("<definitions><decision></definitions>")


def test_doctype_and_entities_are_refused() -> None:
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/">&x;</definitions>'
    )
    with pytest.raises(DmnError, match="DOCTYPE"):
        load(hostile)


def test_a_bpmn_file_is_not_a_dmn_model() -> None:
    with pytest.raises(DmnError, match="not a DMN file"):
        load('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')


def test_unknown_decision_names_the_known_ones() -> None:
    model = load(table("UNIQUE", [(["-"], ["1"])]))
    with pytest.raises(DmnError, match=r"Unknown decision 'Nope'.*decisions: D"):
        model.evaluate("Nope", {})


def test_invalid_feel_in_a_cell_names_the_decision_and_the_rule() -> None:
    xml = table("UNIQUE", [(["-"], ["1"]), (["((( 3"], ["2"])])
    with pytest.raises(DmnError, match=r"decision 'D'.*rule 2.*input entry 1"):
        load(xml)


def test_invalid_feel_in_a_literal_expression_names_the_decision() -> None:
    xml = definitions(
        '<decision id="x" name="Broken"><literalExpression><text>1 +* 2</text></literalExpression></decision>'
    )
    with pytest.raises(DmnError, match="decision 'Broken'.*invalid FEEL"):
        load(xml)


def test_rule_with_missing_entries_is_refused() -> None:
    xml = table("UNIQUE", [(["-"], ["1"])]).replace("<inputEntry><text>-</text></inputEntry>", "")
    with pytest.raises(DmnError, match="rule r1 has 0 input entries for 1 inputs"):
        load(xml)


def test_unknown_hit_policy_is_refused() -> None:
    with pytest.raises(DmnError, match="unknown hit policy"):
        load(table("SOMETIMES", [(["-"], ["1"])]))


def test_non_feel_expression_language_is_refused() -> None:
    xml = definitions(
        '<decision id="x" name="Js"><literalExpression expressionLanguage="javascript"><text>1</text>'
        "</literalExpression></decision>"
    )
    with pytest.raises(DmnError, match="javascript.*not supported"):
        load(xml)


def test_unresolved_import_is_reported() -> None:
    xml = definitions(
        '<import namespace="urn:missing" name="m" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>'
    )
    with pytest.raises(DmnError, match="urn:missing"):
        load(xml)


def test_requirement_cycle_is_reported() -> None:
    xml = definitions(
        """<decision id="a" name="A"><informationRequirement><requiredDecision href="#b"/></informationRequirement>
             <literalExpression><text>B</text></literalExpression></decision>
           <decision id="b" name="B"><informationRequirement><requiredDecision href="#a"/></informationRequirement>
             <literalExpression><text>A</text></literalExpression></decision>"""
    )
    with pytest.raises(DmnError, match="cycle"):
        load(xml).evaluate("A")


def test_runtime_feel_errors_are_null_with_warnings_not_exceptions() -> None:
    xml = definitions(
        '<decision id="x" name="Div"><literalExpression><text>1 / 0</text></literalExpression></decision>'
    )
    result = load(xml).evaluate("Div")
    assert result.value is None
    assert result.warnings


def test_lenient_loading_turns_invalid_feel_into_a_null_decision_with_the_same_message() -> None:
    from bizdevops.dmn import link
    from bizdevops.dmn.reader import read_definitions

    xml = definitions(
        '<decision id="x" name="Broken"><literalExpression><text>1 +* 2</text></literalExpression></decision>'
        '<decision id="y" name="Fine"><literalExpression><text>1 + 2</text></literalExpression></decision>'
    )
    model = link([read_definitions(xml)], strict=False)[0]
    broken = model.evaluate("Broken")
    assert broken.value is None
    assert any("decision 'Broken'" in e and "invalid FEEL" in e for e in broken.errors)
    assert model.evaluate("Fine").value == 3
