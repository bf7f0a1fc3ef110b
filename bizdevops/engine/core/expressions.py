"""The engine's only door to FEEL. Zeebe's rule: a value starting with `=` is a FEEL expression, anything
else is a static string. Variables are JSON values; FEEL sees them through `from_json` and results go back
through `to_json`, so state stays JSON-compatible."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from bizdevops.feel import FeelSyntaxError, from_json, parse, to_json
from bizdevops.feel import ast as feel_ast

__all__ = [
    "ExpressionError",
    "check_expression",
    "condition_variables",
    "evaluate",
    "evaluate_condition",
    "evaluate_value",
]


class ExpressionError(Exception):
    """An expression failed (syntax or evaluation); the engine turns it into an incident."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_PARSED: dict[str, Any] = {}


def _feel_text(text: str) -> str:
    return text[1:] if text.startswith("=") else text


def _parsed(text: str) -> Any:
    expr = _PARSED.get(text)
    if expr is None:
        try:
            expr = parse(_feel_text(text))
        except FeelSyntaxError as exc:
            raise ExpressionError(f"failed to parse expression '{text}': {exc.message}") from None
        if len(_PARSED) < 10_000:  # definitions are few; the bound only protects against a pathological model
            _PARSED[text] = expr
    return expr


def check_expression(text: str) -> tuple[str, int | None] | None:
    """Syntax check at deploy time: None if fine, else (message, position)."""
    try:
        parse(_feel_text(text))
    except FeelSyntaxError as exc:
        return exc.message, getattr(exc, "position", None)
    return None


def condition_variables(text: str) -> tuple[str, ...]:
    """The variables an expression reads, as Zeebe derives them for a conditional event: the first name of
    every path (`x.y.z > 1` reads `x`), function names left out. () if it does not parse."""
    try:
        tree = parse(_feel_text(text)).tree
    except FeelSyntaxError:
        return ()
    names: dict[str, None] = {}
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, feel_ast.Name):
            names[node.name] = None
            continue
        if isinstance(node, feel_ast.Call) and isinstance(node.function, feel_ast.Name):
            stack.extend(node.args)
            stack.extend(value for _, value in node.named or ())
            continue
        if isinstance(node, tuple | list):
            stack.extend(node)
        elif hasattr(node, "__dataclass_fields__"):
            stack.extend(getattr(node, f) for f in node.__dataclass_fields__ if f != "pos")
    return tuple(sorted(names))


class FeelContext(Mapping[str, Any]):
    """Variables visible from a scope (nearest scope wins), converted to FEEL values only when read:
    most expressions read one or two names, so converting everything up front would waste the hot path."""

    __slots__ = ("_scopes", "_cache")

    def __init__(self, scopes: list[Mapping[str, Any]]) -> None:
        self._scopes = scopes  # nearest first
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        cache = self._cache
        if name in cache:
            return cache[name]
        for scope in self._scopes:
            if name in scope:
                value = from_json(scope[name])
                cache[name] = value
                return value
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(name in scope for scope in self._scopes)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for scope in self._scopes:
            for name in scope:
                if name not in seen:
                    seen.add(name)
                    yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    """Evaluate a FEEL expression (with or without the leading `=`); return a JSON-compatible value.

    A missing variable is null (not an error); an evaluation error (e.g. `"a" + 1`) raises."""
    expr = _parsed(text)
    if not isinstance(context, FeelContext):
        context = FeelContext([context])
    # evaluate_feel: no conversion or copy of the context; FeelContext converts the names actually read
    result = expr.evaluate_feel(context)
    if result.errors:
        raise ExpressionError(f"failed to evaluate expression '{text}': {result.errors[0]}")
    return to_json(result.value)


def evaluate_value(text: str, context: Mapping[str, Any]) -> Any:
    """A zeebe attribute: `=expr` is evaluated, anything else is the static string itself."""
    if text.startswith("="):
        return evaluate(text, context)
    return text


def evaluate_condition(text: str, context: Mapping[str, Any]) -> bool:
    """A condition must yield a boolean; null or another type is an error (an incident), as in Zeebe."""
    value = evaluate(text, context)
    if value is True or value is False:
        return value
    kind = "NULL" if value is None else type(value).__name__.upper()
    raise ExpressionError(f"Expected result of the expression '{text}' to be 'BOOLEAN', but was '{kind}'.")


def evaluate_string(text: str, context: Mapping[str, Any], what: str) -> str:
    value = evaluate_value(text, context)
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        raise ExpressionError(f"Expected {what} '{text}' to be a string, but was '{value!r}'.")
    if isinstance(value, int | float):
        return str(value)
    raise ExpressionError(f"Expected {what} '{text}' to be a string, but was '{value!r}'.")


def evaluate_int(text: str, context: Mapping[str, Any], what: str) -> int:
    value = evaluate_value(text, context)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    elif isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raise ExpressionError(f"Expected {what} '{text}' to be a number, but was '{value!r}'.")


# -- fromAi() tool parameters (Zeebe's TaggedParameterExtractor / FromAiTaggedParameterExtractor) ------------


class FromAiError(ValueError):
    """A fromAi() call whose arguments are not what Zeebe can extract."""


_FROM_AI_ARGS = ("value", "description", "type", "schema", "options")


def from_ai_parameters(texts: Iterable[str]) -> list[dict[str, Any]]:
    """The parameters of the `fromAi(value, description, type, schema, options)` calls in these FEEL
    expressions (an ad-hoc subprocess element's input mapping sources), in order, each once: `name` is
    the path of the `value` reference (`toolCall.userId`), `description`/`type` string literals,
    `schema`/`options` context literals of constants; an argument left out is null (a `null` literal
    too, as the documentation allows). A call's own arguments are not searched further. Text that is no
    FEEL expression (no leading `=`) or does not parse has none. Raises FromAiError."""
    found: list[dict[str, Any]] = []
    for text in texts:
        if not text.lstrip().startswith("="):
            continue
        try:
            tree = parse(_feel_text(text)).tree
        except FeelSyntaxError:
            continue
        _find_from_ai(tree, found)
    return found


def _find_from_ai(node: Any, found: list[dict[str, Any]]) -> None:
    if isinstance(node, feel_ast.Call) and isinstance(node.function, feel_ast.Name):
        if node.function.name == "fromAi":
            parameter = _from_ai_parameter(node)
            if parameter not in found:
                found.append(parameter)
            return
    if isinstance(node, tuple | list):
        for item in node:
            _find_from_ai(item, found)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            if name != "pos":
                _find_from_ai(getattr(node, name), found)


def _from_ai_parameter(call: Any) -> dict[str, Any]:
    if call.named is not None:
        args = dict(call.named)
    else:
        args = dict(zip(_FROM_AI_ARGS, call.args, strict=False))
    value = args.get("value")
    return {
        "name": _reference(value),
        "description": _string_argument(args.get("description"), "description"),
        "type": _string_argument(args.get("type"), "type"),
        "schema": _context_argument(args.get("schema"), "schema"),
        "options": _context_argument(args.get("options"), "options"),
    }


def _reference(node: Any) -> str:
    names: list[str] = []
    current = node
    while isinstance(current, feel_ast.Path):
        names.append(current.name)
        current = current.target
    if isinstance(current, feel_ast.Name):
        names.append(current.name)
        return ".".join(reversed(names))
    if isinstance(node, feel_ast.Literal) and isinstance(node.value, str):
        received = f"string '{node.value}'"
    else:
        received = _describe(node)
    raise FromAiError(
        "Expected fromAi() parameter 'value' to be a reference (e.g. 'toolCall.customParameter'), but "
        f"received {received}."
    )


def _describe(node: Any) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, feel_ast.Literal):
        return str(_constant(node))
    return type(node).__name__


def _string_argument(node: Any, what: str) -> str | None:
    if node is None or (isinstance(node, feel_ast.Literal) and node.value is None):
        return None
    if isinstance(node, feel_ast.Literal) and isinstance(node.value, str):
        return node.value
    raise FromAiError(
        f"Expected fromAi() parameter '{what}' to be a string, but received '{_describe(node)}'."
    )


def _context_argument(node: Any, what: str) -> dict[str, Any] | None:
    if node is None or (isinstance(node, feel_ast.Literal) and node.value is None):
        return None
    if isinstance(node, feel_ast.ContextLiteral):
        return {key: _constant(value) for key, value in node.entries}
    raise FromAiError(
        f"Expected fromAi() parameter '{what}' to be a context (map), but received '{_describe(node)}'."
    )


def _constant(node: Any) -> Any:
    if isinstance(node, feel_ast.Literal):
        value = node.value
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if value is None or isinstance(value, bool | str | int | float):
            return value
    if isinstance(node, feel_ast.Negation) and isinstance(node.operand, feel_ast.Literal):
        number = _constant(node.operand)
        if isinstance(number, int | float) and not isinstance(number, bool):
            return -number
    if isinstance(node, feel_ast.ListLiteral):
        return [_constant(item) for item in node.items]
    if isinstance(node, feel_ast.ContextLiteral):
        return {key: _constant(value) for key, value in node.entries}
    raise FromAiError(f"Unsupported expression value in fromAi() function invocation: {type(node).__name__}")
