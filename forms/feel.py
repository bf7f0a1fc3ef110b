"""The forms app's one door to FEEL: form-js writes expressions as strings starting with `=`.

A broken expression never breaks a submission: form-js treats a failing condition as "not hidden", and the
server must agree with the browser, otherwise a field the user saw would silently be dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Evaluator = Callable[[str, Mapping[str, Any]], Any]


def is_expression(value: object) -> bool:
    """form-js marks FEEL expressions with a leading `=`; anything else is a literal."""
    return isinstance(value, str) and value.startswith("=")


def feel_evaluate(expression: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate `=expr` (or `expr`) against JSON-like variables; the result is JSON-like again."""
    from bizdevops import feel

    text = expression[1:] if expression.startswith("=") else expression
    evaluate = feel.evaluate  # type: ignore[attr-defined]
    result = evaluate(text, dict(variables))
    to_json = getattr(feel, "to_json", None)
    if to_json is not None:
        try:
            return to_json(result)
        except Exception:  # noqa: BLE001 - an exotic FEEL value (function, range) is not data
            return None
    return result


def evaluate_or(default: Any, value: Any, variables: Mapping[str, Any], evaluator: Evaluator) -> Any:
    """The value of a property that may be a literal or an expression; `default` when evaluation fails."""
    if not is_expression(value):
        return value
    try:
        return evaluator(value, variables)
    except Exception:  # noqa: BLE001 - see module docstring
        return default
