"""Public entry points: parse and evaluate expressions and unary tests, with caching by text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bizdevops.feel import ast
from bizdevops.feel.builtins import BUILTINS
from bizdevops.feel.errors import FeelEvaluationError, FeelSyntaxError
from bizdevops.feel.interpreter import Compiler, Env, State, TypeCheckers
from bizdevops.feel.parser import parse_expression, parse_unary_tests_tree
from bizdevops.feel.values import FeelError, Range, feel_compare, from_python

_COMPILER = Compiler(dict(BUILTINS))


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The value of an evaluation and the warnings it produced (errors are warnings too, see ``errors``)."""

    value: Any
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def _convert_context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    if not context:
        return {}
    return {str(k): from_python(v) for k, v in context.items()}


def _run(fn: Any, variables: dict[str, Any], types: TypeCheckers | None = None) -> EvaluationResult:
    state = State(types)
    try:
        value = fn(Env(variables, None, state))
    except RecursionError:
        state.error("evaluation nested too deeply")
        value = None
    except FeelError as error:  # the step budget, or an operation that did not catch its own error
        state.error(str(error))
        value = None
    except (ArithmeticError, ValueError) as error:  # defensive: evaluation never raises
        state.error(f"evaluation failed: {type(error).__name__}")
        value = None
    return EvaluationResult(value, tuple(state.warnings), tuple(state.errors))


class Expression:
    """A parsed and compiled FEEL expression. Immutable and safe to share between threads."""

    __slots__ = ("text", "tree", "uses_input", "_fn")

    def __init__(self, text: str, tree: ast.Node, uses_input: bool) -> None:
        self.text = text
        self.tree = tree
        self.uses_input = uses_input
        self._fn = _COMPILER.compile(tree)

    def evaluate(
        self, context: Mapping[str, Any] | None = None, types: TypeCheckers | None = None
    ) -> EvaluationResult:
        """Evaluate with variables from ``context`` (plain Python or FEEL values). Never raises.

        ``types`` maps extra type names (DMN item definitions) to predicates for ``instance of``.
        """
        return _run(self._fn, _convert_context(context), types)

    def evaluate_feel(self, variables: dict[str, Any], types: TypeCheckers | None = None) -> EvaluationResult:
        """Evaluate with variables that are already FEEL values (no conversion, no copy)."""
        return _run(self._fn, variables, types)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


class UnaryTests:
    """Parsed unary tests (a decision table input entry)."""

    __slots__ = ("text", "tree", "_fn")

    def __init__(self, text: str, tree: ast.UnaryTests, uses_input: bool) -> None:
        self.text = text
        self.tree = tree
        self._fn = _COMPILER.compile_tests(tree, uses_input)

    def evaluate(self, value: Any, context: Mapping[str, Any] | None = None) -> EvaluationResult:
        """Does ``value`` pass? The result value is True, False or None."""
        variables = _convert_context(context)
        return self._evaluate(from_python(value), variables)

    def evaluate_feel(self, value: Any, variables: dict[str, Any]) -> EvaluationResult:
        return self._evaluate(value, variables)

    def _evaluate(self, value: Any, variables: dict[str, Any]) -> EvaluationResult:
        state = State()
        env = Env({"?": value}, Env(variables, None, state), state)
        try:
            result = self._fn(env, value)
        except RecursionError:
            state.error("evaluation nested too deeply")
            result = None
        except FeelError as error:  # the step budget
            state.error(str(error))
            result = None
        return EvaluationResult(result, tuple(state.warnings), tuple(state.errors))

    def __repr__(self) -> str:
        return f"UnaryTests({self.text!r})"


def _names_key(names: Iterable[str]) -> tuple[str, ...]:
    # Only names that need joining (spaces or operator characters) matter to the parser.
    return tuple(sorted({n for n in names if not n.isidentifier()}))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str, names: tuple[str, ...]) -> Expression:
    tree, uses_input = parse_expression(text, names)
    try:
        return Expression(text, tree, uses_input)
    except RecursionError:
        raise FeelSyntaxError("expression nested too deeply", text, 0) from None


@functools.lru_cache(maxsize=4096)
def _parse_tests_cached(text: str, names: tuple[str, ...]) -> UnaryTests:
    tree, uses_input = parse_unary_tests_tree(text, names)
    try:
        return UnaryTests(text, tree, uses_input)
    except RecursionError:
        raise FeelSyntaxError("expression nested too deeply", text, 0) from None


# Texts longer than this are parsed afresh each time: 4,096 cached trees of 100,000-character texts would
# hold gigabytes.
MAX_CACHED_TEXT = 10_000


def parse(text: str, names: Iterable[str] = ()) -> Expression:
    """Parse a FEEL expression (cached by text and names). Raises FeelSyntaxError."""
    if not isinstance(text, str):
        raise TypeError("FEEL text must be a string")
    if len(text) > MAX_CACHED_TEXT:
        return _parse_cached.__wrapped__(text, _names_key(names))
    return _parse_cached(text, _names_key(names))


def parse_unary_tests(text: str, names: Iterable[str] = ()) -> UnaryTests:
    """Parse unary tests (``< 10, > 20``, ``-``, ``not(...)``); cached. Raises FeelSyntaxError."""
    if not isinstance(text, str):
        raise TypeError("FEEL text must be a string")
    if len(text) > MAX_CACHED_TEXT:
        return _parse_tests_cached.__wrapped__(text, _names_key(names))
    return _parse_tests_cached(text, _names_key(names))


def context_names(context: Mapping[str, Any] | None, _depth: int = 0) -> set[str]:
    """Every key in a (nested) context, so multi-word names in the expression resolve."""
    out: set[str] = set()
    if not context or _depth > 8:
        return out
    for key, value in context.items():
        out.add(str(key))
        if isinstance(value, Mapping):
            out |= context_names(value, _depth + 1)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            out |= context_names(value[0], _depth + 1)
    return out


def evaluate(text: str, context: Mapping[str, Any] | None = None) -> Any:
    """Evaluate FEEL text; returns the value, or None when the text is invalid or evaluation failed."""
    try:
        expression = parse(text, context_names(context))
    except FeelSyntaxError:
        return None
    return expression.evaluate(context).value


def evaluate_strict(text: str, context: Mapping[str, Any] | None = None) -> Any:
    """Evaluate FEEL text; raise FeelSyntaxError / FeelEvaluationError instead of returning null on errors."""
    result = parse(text, context_names(context)).evaluate(context)
    if result.errors:
        raise FeelEvaluationError(result.errors[0], result.warnings)
    return result.value


def evaluate_unary_tests(text: str, value: Any, context: Mapping[str, Any] | None = None) -> bool | None:
    """Does ``value`` pass the unary tests ``text``? True, False or None (None also for invalid text)."""
    try:
        tests = parse_unary_tests(text, context_names(context))
    except FeelSyntaxError:
        return None
    result = tests.evaluate(value, context).value
    return result if isinstance(result, bool) else None


_RANGE_TEXT = re.compile(r"^\s*([\[(\]])(.*)\.\.(.*)([\])\[])\s*$", re.S)


def _range_endpoint(text: str) -> Any:
    """A literal endpoint of range(): None when empty, FeelError when not a literal."""
    if not text.strip():
        return None
    try:
        tree, _ = parse_expression(text)
    except FeelSyntaxError as error:
        raise FeelError(f"invalid range endpoint {text!r}") from error
    if not _is_literal(tree):
        raise FeelError(f"range endpoints must be literals, not {text!r}")
    value = _run(_COMPILER.compile(tree), {}).value
    if value is None:
        raise FeelError(f"invalid range endpoint {text!r}")
    return value


# Longest text range() reads: a range of two literals is short, and the pattern below backtracks.
MAX_RANGE_TEXT = 1000


def evaluate_range_literal(text: str) -> Range:
    """range("[1..10]"): a range from its FEEL text; endpoints are literals, an open end may be empty."""
    if len(text) > MAX_RANGE_TEXT:
        raise FeelError(f"range text longer than {MAX_RANGE_TEXT} characters")
    m = _RANGE_TEXT.match(text)
    if m:
        opening, low_text, high_text, closing = m.groups()
        start_included, end_included = opening == "[", closing == "]"
        low, high = _range_endpoint(low_text), _range_endpoint(high_text)
        if low is None and (start_included or high is None) or high is None and end_included:
            raise FeelError(f"invalid range {text!r}")
        if low is not None and high is not None and feel_compare(low, high) is None:
            raise FeelError(f"range endpoints are not comparable in {text!r}")
        return Range(low, high, start_included, end_included)
    try:
        tree, _ = parse_expression(text)
    except FeelSyntaxError as error:
        raise FeelError(f"invalid range {text!r}") from error
    if not isinstance(tree, ast.UnaryTest) or tree.op is None or not _is_literal(tree.operand):
        raise FeelError(f"invalid range {text!r}")
    result = _run(_COMPILER.compile(tree), {})
    if not isinstance(result.value, Range) or result.errors:
        raise FeelError(f"invalid range {text!r}")
    return result.value


def _is_literal(node: ast.Node) -> bool:
    if isinstance(node, ast.Literal):
        return True
    if isinstance(node, ast.Negation):
        return _is_literal(node.operand)
    if isinstance(node, ast.Call) and isinstance(node.function, ast.Name):
        return node.function.name in ("date", "time", "date and time", "duration") and all(
            isinstance(x, ast.Literal) for x in node.args
        )
    return False
