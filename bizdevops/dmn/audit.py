"""The audit trail of an evaluation in the shape of Camunda 8's ``evaluatedDecisions``.

Keys, versions and tenant ids belong to the deployment, so the caller adds them; values are JSON text, as
Camunda's API returns them (``"output": "\\"Stew\\""``).
"""

from __future__ import annotations

import json
from typing import Any

from bizdevops.dmn.engine import DecisionResult, EvaluatedDecision
from bizdevops.feel import to_json

_TYPES = {
    "decisionTable": "DECISION_TABLE",
    "literalExpression": "LITERAL_EXPRESSION",
    "context": "CONTEXT",
    "list": "LIST",
    "relation": "RELATION",
    "invocation": "INVOCATION",
    "functionDefinition": "FUNCTION_DEFINITION",
    "conditional": "CONDITIONAL",
    "filter": "FILTER",
    "iterator": "ITERATOR",
}


def json_text(value: Any) -> str:
    """A FEEL value as JSON text (numbers without a fraction become integers, temporals ISO strings)."""
    return json.dumps(to_json(value), ensure_ascii=False, separators=(",", ":"))


def evaluated_decision(decision: EvaluatedDecision) -> dict[str, Any]:
    """One ``evaluatedDecisions`` entry."""
    return {
        "decisionDefinitionId": decision.id,
        "decisionDefinitionName": decision.name,
        "decisionDefinitionType": _TYPES.get(decision.kind, "UNSPECIFIED"),
        "output": json_text(decision.value),
        "evaluatedInputs": [
            {"inputId": i.id, "inputName": i.label, "inputValue": json_text(i.value)} for i in decision.inputs
        ],
        "matchedRules": [
            {
                "ruleId": rule.id,
                "ruleIndex": rule.index,
                "evaluatedOutputs": [
                    {"outputId": o.id, "outputName": o.name, "outputValue": json_text(o.value)}
                    for o in rule.evaluated_outputs
                ],
            }
            for rule in decision.matched_rules
        ],
    }


def evaluation_summary(result: DecisionResult) -> dict[str, Any]:
    """``output`` and ``evaluatedDecisions`` of a result, plus our warnings (not a Camunda field)."""
    return {
        "output": json_text(result.value),
        "evaluatedDecisions": [evaluated_decision(d) for d in result.decisions],
        "warnings": list(result.warnings),
    }
