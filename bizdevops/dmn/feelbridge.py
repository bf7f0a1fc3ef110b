"""The few FEEL interpreter internals DMN needs, in one place.

DMN evaluates thousands of cells per second and shares one evaluation state (warnings, call depth, item
definition types) across a whole decision: going through ``Expression.evaluate`` would copy the context
and create a new state for every cell. If the interpreter changes shape, only this module changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from bizdevops.feel import FeelSyntaxError, ast, parse, parse_unary_tests
from bizdevops.feel.builtins import BUILTINS
from bizdevops.feel.interpreter import Compiler, Env, State, UserFunction, compare_op, invoke, test_value
from bizdevops.feel.values import FeelError, FeelFunction, Range

__all__ = [
    "Env",
    "FeelError",
    "FeelFunction",
    "FeelSyntaxError",
    "State",
    "UserFunction",
    "compile_expression",
    "compile_tests",
    "invoke",
    "new_state",
]

# Compiles constant cell operands once at load (see _constant_tests).
_COMPILER = Compiler(dict(BUILTINS))

ExprFn = Callable[[Env], Any]
TestFn = Callable[[Env, Any], "bool | None"]


def new_state(types: Mapping[str, Callable[[Any], bool]] | None) -> State:
    return State(types)


def compile_expression(text: str, names: Iterable[str]) -> ExprFn:
    """Parse (cached) and return the compiled closure ``env -> value``. Raises FeelSyntaxError."""
    expression = parse(text, names)
    fn = getattr(expression, "_fn", None)
    if fn is not None:
        return fn  # type: ignore[no-any-return]

    def run(env: Env) -> Any:  # pragma: no cover - only if the interpreter drops ``_fn``
        variables: dict[str, Any] = {}
        e: Env | None = env
        while e is not None:
            for key, value in e.vars.items():
                variables.setdefault(key, value)
            e = e.parent
        result = expression.evaluate_feel(variables, env.state.types)
        for warning in result.warnings:
            env.state.warn(warning)
        return result.value

    return run


_VARIABLE_NODES = (ast.Name, ast.InputValue, ast.Call, ast.FunctionDefinition)


def _is_constant(node: Any, depth: int = 0) -> bool:
    """True when a syntax subtree reads no variable and calls no function: its value never changes."""
    if depth > 50:
        return False
    if isinstance(node, _VARIABLE_NODES):
        return False
    if isinstance(node, tuple | list):
        return all(_is_constant(item, depth + 1) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return all(_is_constant(getattr(node, f.name), depth + 1) for f in dataclasses.fields(node))
    return True


def _constant_tests(tree: Any) -> TestFn | None:
    """Decision table cells are mostly literals (`"gold"`, `[1..10)`, `< 5`): evaluate their operands once
    at load and match with plain comparisons, instead of rebuilding ranges for every rule on every call."""
    if not isinstance(tree, ast.UnaryTests):
        return None
    prepared: list[tuple[bool, str | None, Any]] = []
    for test in tree.tests:
        if isinstance(test, ast.AnyTest):
            prepared.append((True, None, None))
            continue
        if not isinstance(test, ast.UnaryTest) or not _is_constant(test.operand):
            return None
        state = State()
        try:
            value = _COMPILER.compile(test.operand)(Env({}, None, state))
        except Exception:  # noqa: BLE001 - fall back to the general path
            return None
        if state.warnings:
            return None
        prepared.append((False, test.op, value))
    negated = tree.negated
    if len(prepared) == 1 and not negated:
        is_any, op, const = prepared[0]
        if is_any:
            return lambda env, value: True
        if op is not None:
            return lambda env, value: compare_op(op, value, const)
        return _single_constant_test(const)

    def run(env: Env, value: Any) -> bool | None:
        seen_null = False
        result: bool | None = False
        for is_any, op, const in prepared:
            if is_any:
                result = True
                break
            r = compare_op(op, value, const) if op is not None else test_value(value, const, False)
            if r is True:
                result = True
                break
            if r is None:
                seen_null = True
        else:
            result = None if seen_null else False
        if negated:
            return None if result is None else not result
        return result

    return run


def _single_constant_test(const: Any) -> TestFn:
    if type(const) is str:
        # Most common cell of all: a string literal.
        return lambda env, value: (value == const) if type(value) is str else test_value(value, const, False)
    if (
        isinstance(const, Range)
        and const.operator is None
        and type(const.start) is Decimal
        and type(const.end) is Decimal
    ):
        low, high, low_in, high_in = const.start, const.end, const.start_included, const.end_included

        def in_range(env: Env, value: Any) -> bool | None:
            if type(value) is Decimal:
                if value < low or (value == low and not low_in):
                    return False
                return value < high or (value == high and high_in)
            return test_value(value, const, False)

        return in_range
    return lambda env, value: test_value(value, const, False)


def compile_tests(text: str, names: Iterable[str]) -> TestFn:
    """Parse (cached) unary tests; the closure takes an env binding ``?`` and the input value."""
    tests = parse_unary_tests(text, names)
    fast = _constant_tests(getattr(tests, "tree", None))
    if fast is not None:
        return fast
    fn = getattr(tests, "_fn", None)
    if fn is not None:
        return fn  # type: ignore[no-any-return]

    def run(env: Env, value: Any) -> bool | None:  # pragma: no cover - see compile_expression
        variables: dict[str, Any] = {}
        e: Env | None = env
        while e is not None:
            for key, item in e.vars.items():
                variables.setdefault(key, item)
            e = e.parent
        result = tests.evaluate_feel(value, variables)
        return result.value if isinstance(result.value, bool) else None

    return run
