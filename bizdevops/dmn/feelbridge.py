"""The few FEEL interpreter internals DMN needs, in one place.

DMN evaluates thousands of cells per second and shares one evaluation state (warnings, call depth, item
definition types) across a whole decision: going through ``Expression.evaluate`` would copy the context
and create a new state for every cell. If the interpreter changes shape, only this module changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bizdevops.feel import FeelSyntaxError, parse, parse_unary_tests
from bizdevops.feel.interpreter import Env, State, UserFunction, invoke
from bizdevops.feel.values import FeelError, FeelFunction

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


def compile_tests(text: str, names: Iterable[str]) -> TestFn:
    """Parse (cached) unary tests; the closure takes an env binding ``?`` and the input value."""
    tests = parse_unary_tests(text, names)
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
