"""Decision tables: cells compiled once, hit policies and aggregation applied per evaluation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bizdevops.dmn.feelbridge import (
    Env,
    ExprFn,
    FeelSyntaxError,
    State,
    TestFn,
    compile_expression,
    compile_tests,
)
from bizdevops.dmn.model import DecisionTableExpr, DmnError
from bizdevops.dmn.types import FAILED, DmnType, coerce
from bizdevops.feel.values import feel_compare, feel_equal


@dataclass(frozen=True, slots=True)
class EvaluatedOutput:
    id: str | None
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class MatchedRule:
    """A rule that matched: its id, 1-based index and output values (name → value, and with ids)."""

    id: str | None
    index: int
    outputs: dict[str, Any]
    evaluated_outputs: tuple[EvaluatedOutput, ...] = ()


@dataclass(frozen=True, slots=True)
class EvaluatedInput:
    id: str | None
    label: str
    value: Any


@dataclass(frozen=True, slots=True)
class TableTrace:
    """What a decision table saw and matched: for audit and Camunda's ``evaluatedDecisions``."""

    inputs: tuple[EvaluatedInput, ...]
    matched: tuple[MatchedRule, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str | None
    index: int
    tests: tuple[tuple[int, TestFn], ...]  # (input index, test); "-" cells are left out
    outputs: tuple[ExprFn | None, ...]


def _priorities(text: str | None, names: Iterable[str], where: str) -> list[Any] | None:
    """The values listed in outputValues, in priority order (first = highest)."""
    if not text or not text.strip():
        return None
    try:
        fn = compile_expression("[" + text + "]", names)
    except FeelSyntaxError:
        return None  # output values that are not plain literals (ranges, tests) give no priority
    value = fn(Env({}, None, State()))
    return value if isinstance(value, list) else None


def _failing_expression(message: str) -> ExprFn:
    def fail(env: Env) -> Any:
        env.state.error(message)
        return None

    return fail


def _failing_tests(message: str) -> TestFn:
    def fail(env: Env, value: Any) -> bool | None:
        env.state.error(message)
        return None

    return fail


class CompiledTable:
    """A decision table ready to run: ``evaluate(env)`` returns (value, trace)."""

    def __init__(
        self,
        table: DecisionTableExpr,
        names: frozenset[str],
        where: str,
        resolve: Callable[[str | None], DmnType],
        strict: bool = True,
    ) -> None:
        self.where = where
        self.hit_policy = table.hit_policy
        self.aggregation = table.aggregation
        self.single = len(table.outputs) == 1
        self.output_names = tuple(o.name or table.output_label or "" for o in table.outputs)
        self.output_ids = tuple(o.id for o in table.outputs)
        self.output_types = tuple(resolve(o.type_ref) for o in table.outputs)
        self.input_labels = tuple(i.label or i.text for i in table.inputs)
        self.input_ids = tuple(i.id for i in table.inputs)
        self.input_variables = tuple(i.input_variable or "cellInput" for i in table.inputs)
        cell_names = names | frozenset(self.input_variables)

        def expr(text: str, cell: str) -> ExprFn:
            try:
                return compile_expression(text, cell_names)
            except FeelSyntaxError as error:
                message = f"{where}: {cell}: invalid FEEL {text!r}: {error}"
                if strict:
                    raise DmnError(message) from None
                return _failing_expression(message)

        def tests(text: str, cell: str) -> TestFn:
            try:
                return compile_tests(text, cell_names)
            except FeelSyntaxError as error:
                message = f"{where}: {cell}: invalid unary tests {text!r}: {error}"
                if strict:
                    raise DmnError(message) from None
                return _failing_tests(message)

        self.inputs = tuple(expr(i.text, f"input {n}") for n, i in enumerate(table.inputs, 1))
        self.input_values = tuple(
            tests(i.input_values, f"input values of input {n}")
            if i.input_values and i.input_values.strip()
            else None
            for n, i in enumerate(table.inputs, 1)
        )
        self.output_values = tuple(
            tests(o.output_values, f"output values of output {n}")
            if o.output_values and o.output_values.strip()
            else None
            for n, o in enumerate(table.outputs, 1)
        )
        self.priorities = tuple(_priorities(o.output_values, names, where) for o in table.outputs)
        self.defaults = tuple(
            expr(o.default, f"default output {n}") if o.default and o.default.strip() else None
            for n, o in enumerate(table.outputs, 1)
        )
        rules = []
        for rule in table.rules:
            label = f"rule {rule.index}" + (f" ({rule.id})" if rule.id else "")
            cell_tests = []
            for position, text in enumerate(rule.inputs):
                stripped = text.strip()
                if stripped in ("", "-"):
                    continue
                cell_tests.append((position, tests(stripped, f"{label}, input entry {position + 1}")))
            outputs = tuple(
                expr(text, f"{label}, output entry {n}") if text.strip() else None
                for n, text in enumerate(rule.outputs, 1)
            )
            rules.append(_Rule(rule.id, rule.index, tuple(cell_tests), outputs))
        self.rules = tuple(rules)

    # -- evaluation ----------------------------------------------------------------------------------

    def evaluate(self, env: Env) -> tuple[Any, TableTrace]:
        state = env.state
        values = [fn(env) for fn in self.inputs]
        inputs = tuple(
            EvaluatedInput(i, label, v)
            for i, label, v in zip(self.input_ids, self.input_labels, values, strict=True)
        )
        cell_envs = [
            Env({"?": v, var: v}, env, state) for v, var in zip(values, self.input_variables, strict=True)
        ]
        for position, check in enumerate(self.input_values):
            if check is not None and values[position] is not None:
                if check(cell_envs[position], values[position]) is not True:
                    state.error(
                        f"{self.where}: input {self.input_labels[position]!r} = {values[position]!r} "
                        "is not one of its input values"
                    )
                    return None, TableTrace(inputs, ())
        matched: list[_Rule] = []
        for rule in self.rules:
            for position, check in rule.tests:
                if check(cell_envs[position], values[position]) is not True:
                    break
            else:
                matched.append(rule)
                if self.hit_policy == "FIRST":
                    break
        hits = []
        for rule in matched:
            outputs = self._outputs(rule, env)
            evaluated = tuple(
                EvaluatedOutput(i, name, outputs[name])
                for i, name in zip(self.output_ids, self.output_names, strict=True)
            )
            hits.append(MatchedRule(rule.id, rule.index, outputs, evaluated))
        trace = TableTrace(inputs, tuple(hits))
        return self._apply(hits, env), trace

    def _outputs(self, rule: _Rule, env: Env) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for position, fn in enumerate(rule.outputs):
            value = fn(env) if fn is not None else None
            value = self._check_output(position, value, env)
            out[self.output_names[position]] = value
        return out

    def _check_output(self, position: int, value: Any, env: Env) -> Any:
        coerced = coerce(value, self.output_types[position])
        if coerced is FAILED:
            env.state.error(
                f"{self.where}: output {self.output_names[position]!r} does not conform to its type"
            )
            return None
        return coerced

    def _value(self, outputs: dict[str, Any]) -> Any:
        return next(iter(outputs.values())) if self.single else dict(outputs)

    def _default(self, env: Env) -> Any:
        if all(d is None for d in self.defaults):
            return None
        outputs = {
            name: (self._check_output(n, d(env), env) if d is not None else None)
            for n, (name, d) in enumerate(zip(self.output_names, self.defaults, strict=True))
        }
        return self._value(outputs)

    def _priority_key(self, hit: MatchedRule) -> tuple[int, ...]:
        key = []
        for position, name in enumerate(self.output_names):
            order = self.priorities[position]
            if not order:
                key.append(0)
                continue
            value = hit.outputs[name]
            rank = len(order)
            for index, candidate in enumerate(order):
                if feel_equal(value, candidate) is True:
                    rank = index
                    break
            key.append(rank)
        return tuple(key)

    def _apply(self, hits: list[MatchedRule], env: Env) -> Any:
        policy = self.hit_policy
        state = env.state
        if not hits:
            # No match: the default outputs if any; else COLLECT gives an empty list and C# zero (they
            # aggregate nothing), every other policy null. This is what the reference engine (Drools) does.
            if any(d is not None for d in self.defaults):
                return self._default(env)
            if policy == "COLLECT" and self.aggregation is None:
                return []
            if policy == "COLLECT" and self.aggregation == "COUNT":
                return Decimal(0)
            return None
        if policy == "UNIQUE":
            if len(hits) > 1:
                # DMN: more than one match in a UNIQUE table is an error; the result is null.
                rules = ", ".join(str(h.index) for h in hits)
                state.error(f"{self.where}: UNIQUE hit policy but rules {rules} all matched")
                return None
            return self._value(hits[0].outputs)
        if policy == "FIRST":
            return self._value(hits[0].outputs)
        if policy == "ANY":
            first = hits[0].outputs
            for hit in hits[1:]:
                if feel_equal(hit.outputs, first) is not True:
                    state.error(f"{self.where}: ANY hit policy but matched rules give different outputs")
                    return None
            return self._value(first)
        if policy == "PRIORITY":
            best = min(hits, key=self._priority_key)
            return self._value(best.outputs)
        if policy == "OUTPUT ORDER":
            ordered = sorted(hits, key=self._priority_key)
            return [self._value(h.outputs) for h in ordered]
        values = [self._value(h.outputs) for h in hits]
        if policy == "RULE ORDER" or self.aggregation is None:
            return values
        if not self.single:
            # DMN: aggregation is undefined over compound outputs; the table is invalid, its result null.
            state.error(f"{self.where}: aggregation {self.aggregation} needs a single output column")
            return None
        return self._aggregate(values, env)

    def _aggregate(self, values: list[Any], env: Env) -> Any:
        aggregation = self.aggregation
        if aggregation == "COUNT":
            # DMN 1.2+ defines C# with the built-in count(): every matched output counts (1.1 said distinct).
            return Decimal(len(values))
        present = [v for v in values if v is not None]
        if not present:
            return None
        if aggregation == "SUM":
            total = Decimal(0)
            for value in present:
                if not isinstance(value, Decimal):
                    env.state.error(f"{self.where}: SUM over a non-number output")
                    return None
                total += value
            return total
        best = present[0]
        for value in present[1:]:
            order = feel_compare(value, best)
            if order is None:
                env.state.error(f"{self.where}: {aggregation} over outputs that cannot be compared")
                return None
            if (order < 0) if aggregation == "MIN" else (order > 0):
                best = value
        return best
