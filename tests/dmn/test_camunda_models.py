"""Models as Camunda Modeler writes them: no inputData, variables referenced directly, DMN 1.1 and 1.3."""

from __future__ import annotations

from decimal import Decimal

from bizdevops.dmn import load

CAMUNDA_8 = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
    xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" xmlns:modeler="http://camunda.org/schema/modeler/1.0"
    id="dinnerDecisions" name="Dinner Decisions" namespace="http://camunda.org/schema/1.0/dmn"
    exporter="Camunda Modeler" exporterVersion="5.17.0" modeler:executionPlatform="Camunda Cloud">
  <decision id="dish" name="Dish">
    <informationRequirement id="req1"><requiredDecision href="#season" /></informationRequirement>
    <decisionTable id="dishTable" hitPolicy="UNIQUE">
      <input id="InputClause_guests" label="How many guests"><inputExpression id="e1" typeRef="number"><text>guestCount</text></inputExpression></input>
      <input id="InputClause_season" label="Season"><inputExpression id="e2" typeRef="string"><text>season</text></inputExpression></input>
      <output id="OutputClause_dish" label="Dish" name="dish" typeRef="string" />
      <rule id="rule_spareribs"><inputEntry id="a1"><text>&lt;= 8</text></inputEntry><inputEntry id="a2"><text>"Fall"</text></inputEntry><outputEntry id="a3"><text>"Spareribs"</text></outputEntry></rule>
      <rule id="rule_stew"><inputEntry id="b1"><text>&gt; 8</text></inputEntry><inputEntry id="b2"><text>"Fall", "Winter"</text></inputEntry><outputEntry id="b3"><text>"Stew"</text></outputEntry></rule>
      <rule id="rule_salad"><inputEntry id="c1"><text>-</text></inputEntry><inputEntry id="c2"><text>not("Fall", "Winter")</text></inputEntry><outputEntry id="c3"><text>"Light Salad"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="season" name="Season">
    <decisionTable id="seasonTable" hitPolicy="FIRST">
      <input id="i_month" label="Month"><inputExpression id="e3" typeRef="number"><text>month</text></inputExpression></input>
      <output id="o_season" name="season" typeRef="string" />
      <rule id="r_winter"><inputEntry id="d1"><text>[12, 1, 2]</text></inputEntry><outputEntry id="d2"><text>"Winter"</text></outputEntry></rule>
      <rule id="r_fall"><inputEntry id="f1"><text>[9..11]</text></inputEntry><outputEntry id="f2"><text>"Fall"</text></outputEntry></rule>
      <rule id="r_other"><inputEntry id="g1"><text></text></inputEntry><outputEntry id="g2"><text>"Summer"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""

CAMUNDA_7 = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
    id="definitions" name="definitions" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="fees" name="Fees">
    <decisionTable id="feesTable" hitPolicy="COLLECT" aggregation="SUM">
      <input id="amount" label="Amount" camunda:inputVariable="amt">
        <inputExpression id="ie" typeRef="double"><text>order.amount</text></inputExpression>
      </input>
      <output id="fee" name="fee" typeRef="double" />
      <rule id="base"><inputEntry id="x1"><text>-</text></inputEntry><outputEntry id="x2"><text>2.5</text></outputEntry></rule>
      <rule id="large"><inputEntry id="y1"><text>amt &gt; 100</text></inputEntry><outputEntry id="y2"><text>order.amount * 0.01</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_camunda_8_drd_uses_process_variables_and_the_required_decision_result() -> None:
    # given
    model = load(CAMUNDA_8)
    # when
    result = model.evaluate("dish", {"guestCount": 10, "month": 12})
    # then
    assert result.value == "Stew"
    assert [(d.id, d.value) for d in result.decisions] == [("season", "Winter"), ("dish", "Stew")]
    assert [m.id for m in result.decisions[1].matched_rules] == ["rule_stew"]
    assert [(i.id, i.label, i.value) for i in result.decisions[1].inputs] == [
        ("InputClause_guests", "How many guests", Decimal(10)),
        ("InputClause_season", "Season", "Winter"),
    ]


def test_camunda_8_empty_input_entry_matches_anything() -> None:
    assert load(CAMUNDA_8).evaluate("dish", {"guestCount": 2, "month": 6}).value == "Light Salad"


def test_camunda_7_input_variable_and_collect_sum() -> None:
    model = load(CAMUNDA_7)
    assert model.evaluate("fees", {"order": {"amount": 200}}).value == Decimal("4.5")
    assert model.evaluate("fees", {"order": {"amount": 50}}).value == Decimal("2.5")


def test_audit_trail_in_camunda_evaluated_decisions_shape() -> None:
    from bizdevops.dmn.audit import evaluation_summary

    # given
    result = load(CAMUNDA_8).evaluate("dish", {"guestCount": 10, "month": 12})
    # when
    summary = evaluation_summary(result)
    # then
    assert summary["output"] == '"Stew"'
    dish = summary["evaluatedDecisions"][1]
    assert dish["decisionDefinitionId"] == "dish"
    assert dish["decisionDefinitionType"] == "DECISION_TABLE"
    assert dish["evaluatedInputs"][0] == {
        "inputId": "InputClause_guests",
        "inputName": "How many guests",
        "inputValue": "10",
    }
    assert dish["matchedRules"] == [
        {
            "ruleId": "rule_stew",
            "ruleIndex": 2,
            "evaluatedOutputs": [
                {"outputId": "OutputClause_dish", "outputName": "dish", "outputValue": '"Stew"'}
            ],
        }
    ]
