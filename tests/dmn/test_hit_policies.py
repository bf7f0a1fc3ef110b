"""Decision tables: every hit policy and aggregation, multiple outputs, defaults, audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bizdevops.dmn import load
from tests.dmn.helpers import table

RULES = [
    (["&gt; 10"], ['"big"']),
    (["&gt; 5"], ['"medium"']),
    (["-"], ['"any"']),
]


def test_unique_returns_the_single_matching_rule_and_records_it() -> None:
    # given
    model = load(table("UNIQUE", [(["&lt; 0"], ['"negative"']), (["&gt;= 0"], ['"positive"'])]))
    # when
    result = model.evaluate("D", {"x": 3})
    # then
    assert result.value == "positive"
    assert [(d.name, d.hit_policy) for d in result.decisions] == [("D", "UNIQUE")]
    assert [(m.id, m.index) for m in result.decisions[0].matched_rules] == [("r2", 2)]
    assert result.decisions[0].inputs[0].value == Decimal(3)
    assert [(o.id, o.value) for o in result.decisions[0].matched_rules[0].evaluated_outputs] == [
        ("o0", "positive")
    ]


def test_unique_with_two_matches_is_null_with_a_warning_as_the_spec_says() -> None:
    # given: both rules match 20 (Camunda would raise; we follow DMN: null plus a warning)
    model = load(table("UNIQUE", [(["&gt; 10"], ['"a"']), (["&gt; 5"], ['"b"'])]))
    # when
    result = model.evaluate("D", {"x": 20})
    # then
    assert result.value is None
    assert any("UNIQUE" in w and "1, 2" in w for w in result.warnings)
    assert any("UNIQUE" in e for e in result.errors)  # an engine may raise an incident on errors


def test_unique_without_match_is_null() -> None:
    model = load(table("UNIQUE", [(["&gt; 10"], ['"a"'])]))
    assert model.evaluate("D", {"x": 1}).value is None


def test_first_stops_at_the_first_match() -> None:
    model = load(table("FIRST", RULES))
    result = model.evaluate("D", {"x": 20})
    assert result.value == "big"
    assert [m.index for m in result.decisions[0].matched_rules] == [1]


def test_any_accepts_equal_outputs_and_rejects_different_ones() -> None:
    same = load(table("ANY", [(["&gt; 10"], ['"yes"']), (["&gt; 5"], ['"yes"']), (["&lt; 5"], ['"no"'])]))
    different = load(table("ANY", RULES))
    assert same.evaluate("D", {"x": 20}).value == "yes"
    result = different.evaluate("D", {"x": 20})
    assert result.value is None
    assert any("ANY" in w for w in result.warnings)


def test_priority_picks_the_output_listed_first_in_output_values() -> None:
    model = load(table("PRIORITY", RULES, output_values=['"any", "medium", "big"']))
    assert model.evaluate("D", {"x": 20}).value == "any"
    model = load(table("PRIORITY", RULES, output_values=['"big", "medium", "any"']))
    assert model.evaluate("D", {"x": 7}).value == "medium"


def test_rule_order_lists_outputs_in_rule_order() -> None:
    model = load(table("RULE ORDER", RULES))
    assert model.evaluate("D", {"x": 20}).value == ["big", "medium", "any"]


def test_output_order_sorts_by_output_values_priority() -> None:
    model = load(table("OUTPUT ORDER", RULES, output_values=['"any", "medium", "big"']))
    assert model.evaluate("D", {"x": 20}).value == ["any", "medium", "big"]


def test_collect_without_aggregation_lists_every_match() -> None:
    model = load(table("COLLECT", RULES))
    assert model.evaluate("D", {"x": 7}).value == ["medium", "any"]


@pytest.mark.parametrize(
    ("aggregation", "x", "expected"),
    [
        ("SUM", 20, Decimal(111)),
        ("SUM", 7, Decimal(11)),
        ("MIN", 20, Decimal(1)),
        ("MAX", 20, Decimal(100)),
        ("COUNT", 20, Decimal(3)),
        ("COUNT", 7, Decimal(2)),
    ],
)
def test_collect_aggregations(aggregation: str, x: int, expected: Decimal) -> None:
    # given
    rules = [(["&gt; 10"], ["100"]), (["&gt; 5"], ["10"]), (["-"], ["1"])]
    model = load(table("COLLECT", rules, aggregation=aggregation))
    # when / then
    assert model.evaluate("D", {"x": x}).value == expected


def test_collect_count_counts_every_match_and_no_match_aggregates_nothing() -> None:
    rules = [(["&gt; 10"], ["5"]), (["&gt; 5"], ["5"])]
    assert load(table("COLLECT", rules, aggregation="COUNT")).evaluate("D", {"x": 20}).value == Decimal(2)
    assert load(table("COLLECT", rules, aggregation="SUM")).evaluate("D", {"x": 1}).value is None
    assert load(table("COLLECT", rules, aggregation="COUNT")).evaluate("D", {"x": 1}).value == Decimal(0)
    assert load(table("COLLECT", rules)).evaluate("D", {"x": 1}).value == []
    assert load(table("RULE ORDER", rules)).evaluate("D", {"x": 1}).value is None


def test_multiple_outputs_give_a_context_and_default_outputs_apply_when_nothing_matches() -> None:
    # given
    model = load(
        table(
            "UNIQUE",
            [(["&gt; 10"], ['"high"', "0.5"])],
            outputs=["level", "rate"],
            defaults=['"none"', "0"],
        )
    )
    # when / then
    assert model.evaluate("D", {"x": 11}).value == {"level": "high", "rate": Decimal("0.5")}
    assert model.evaluate("D", {"x": 1}).value == {"level": "none", "rate": Decimal(0)}


def test_multiple_inputs_all_must_match() -> None:
    model = load(
        table(
            "FIRST",
            [
                (["&gt; 10", '"gold"'], ['"vip"']),
                (["-", '"gold","silver"'], ['"member"']),
                (["-", "-"], ['"guest"']),
            ],
            inputs=["amount", "tier"],
        )
    )
    assert model.evaluate("D", {"amount": 20, "tier": "gold"}).value == "vip"
    assert model.evaluate("D", {"amount": 5, "tier": "silver"}).value == "member"
    assert model.evaluate("D", {"amount": 5, "tier": None}).value == "guest"


def test_input_outside_its_input_values_makes_the_result_null() -> None:
    model = load(table("FIRST", [(["-"], ['"ok"'])], inputs=["tier"], input_values=['"gold","silver"']))
    assert model.evaluate("D", {"tier": "gold"}).value == "ok"
    result = model.evaluate("D", {"tier": "bronze"})
    assert result.value is None
    assert any("input values" in w for w in result.warnings)


def test_input_entries_can_use_the_question_mark_and_camunda_cell_input() -> None:
    model = load(table("COLLECT", [(["? &gt; 3"], ['"q"']), (["cellInput &lt; 10"], ['"c"'])]))
    assert model.evaluate("D", {"x": 5}).value == ["q", "c"]


def test_aggregation_over_several_outputs_is_null_with_an_error() -> None:
    model = load(table("COLLECT", [(["-"], ["1", "2"])], outputs=["a", "b"], aggregation="SUM"))
    result = model.evaluate("D", {"x": 1})
    assert result.value is None
    assert any("single output" in e for e in result.errors)
