"""Compile FEEL syntax trees to Python closures and run them.

Each node becomes a function ``(env) -> value``. Errors never escape: an operation that fails records a
warning on the evaluation state and yields null, as the spec asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bizdevops.feel import arith
from bizdevops.feel import ast as a
from bizdevops.feel.values import (
    MAX_STRING,
    DaysTimeDuration,
    FeelError,
    FeelFunction,
    Range,
    YearsMonthsDuration,
    equal_counted,
    feel_compare,
    feel_equal,
    real_year,
    time_offset,
    type_name,
)

MAX_LIST = 1_000_000
MAX_CALL_DEPTH = 120
# Work one evaluation may do, counted in steps: a loop round, a filtered item, a user function call, and
# every 4 list elements or context entries or 64 string characters handed to a built-in. Each of those is
# bounded on its own; the sum is what keeps nested loops and exponential recursion from pinning a worker.
# A step is about 0.5-1 us, so a refused evaluation stops after about a second; `count(for i in 1..1000000
# return i)` (a list of MAX_LIST) still fits.
MAX_STEPS = 1_500_000
# A user function call or the start of a loop costs several rounds of a loop body (measured: 5 to 13 us
# against 0.5 us), and so does a built-in call (2 to 4 us), so they count as more steps.
HEAVY_STEPS = 10
BUILTIN_STEPS = 4
MAX_MESSAGE = 500

__all__ = ["MAX_CALL_DEPTH", "MAX_LIST", "MAX_STEPS", "MAX_STRING"]


# Caller-defined types for `instance of` (DMN item definitions): type name → predicate on a FEEL value.
TypeCheckers = Mapping[str, Callable[[Any], bool]]


class State:
    """Per-evaluation bookkeeping: warnings, errors (a subset of warnings) and the call depth."""

    __slots__ = ("warnings", "errors", "depth", "steps", "types")

    def __init__(self, types: TypeCheckers | None = None) -> None:
        self.types = types
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.depth = 0
        self.steps = 0

    def warn(self, message: str) -> None:
        if len(self.warnings) < 100:
            self.warnings.append(_shorten(message))

    def error(self, message: str) -> None:
        self.warn(message)
        if len(self.errors) < 100:
            self.errors.append(_shorten(message))

    def tick(self, steps: int = 1) -> None:
        """Count work; FeelError once the evaluation has done more than MAX_STEPS steps.

        The count never goes down, so after the first refusal every later step fails at once too.
        """
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise FeelError(f"evaluation took more than {MAX_STEPS} steps")


def _shorten(message: str) -> str:
    # Messages quote values (`cannot convert '...' to a number`): keep a megabyte input out of the log.
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2
    return f"{message[:half]}...{message[-half:]}"


class Env:
    """A scope: variables, the enclosing scope, and the shared evaluation state."""

    __slots__ = ("vars", "parent", "state")

    def __init__(self, variables: dict[str, Any], parent: Env | None, state: State) -> None:
        self.vars = variables
        self.parent = parent
        self.state = state

    def child(self, variables: dict[str, Any]) -> Env:
        return Env(variables, self, self.state)


_MISSING = object()


def lookup(env: Env, name: str) -> Any:
    e: Env | None = env
    while e is not None:
        value = e.vars.get(name, _MISSING)
        if value is not _MISSING:
            return value
        e = e.parent
    return _MISSING


Compiled = Callable[[Env], Any]


# ---------------------------------------------------------------------------------------------------------
# Functions


class Builtin(FeelFunction):
    """A built-in function with one or more signatures.

    A signature is a tuple of parameter names; a name ending in ``?`` is optional and ``...`` as the last
    name makes the rest variadic. ``impl`` receives positional arguments in signature order.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.signatures: list[tuple[tuple[str, ...], tuple[str, ...], Callable[..., Any], bool]] = []
        self.params = ()

    def add(self, params: tuple[str, ...], impl: Callable[..., Any], needs_env: bool) -> None:
        """Add a signature; ``needs_env`` passes the Env first (for functions that call functions)."""
        self.signatures.append((tuple(p.rstrip("?") for p in params), params, impl, needs_env))
        self.params = self.signatures[0][0]

    def call(self, env: Env, args: list[Any], named: dict[str, Any] | None) -> Any:
        state = env.state
        state.tick(BUILTIN_STEPS + _size(args) + (_size(named.values()) if named else 0))
        result = self._dispatch(env, args, named)
        # What a built-in builds counts too (string join, replace, string()), so a loop cannot pile up
        # gigabytes of results that each stayed under the size limits.
        if isinstance(result, str | list):
            state.tick(_size((result,)))
        return result

    def _dispatch(self, env: Env, args: list[Any], named: dict[str, Any] | None) -> Any:
        if named is None:
            for _plain, params, impl, needs_env in self.signatures:
                required = sum(1 for p in params if not p.endswith("?") and p != "...")
                variadic = params and params[-1] == "..."
                maximum = len(params) if not variadic else 10**9
                if variadic:
                    required -= 0
                if required <= len(args) <= maximum:
                    if variadic:
                        fixed = len(params) - 1
                        values = [*args[:fixed], args[fixed:]] if fixed else [args]
                        return impl(env, *values) if needs_env else impl(*values)
                    return impl(env, *args) if needs_env else impl(*args)
            raise FeelError(f"{self.name}() does not take {len(args)} arguments")
        for plain, params, impl, needs_env in self.signatures:
            if params and params[-1] == "...":
                continue
            if not set(named) <= set(plain):
                continue
            if any(p not in named for p, full in zip(plain, params, strict=True) if not full.endswith("?")):
                continue
            values = [named.get(p) for p in plain]
            while values and plain[len(values) - 1] not in named:
                values.pop()
            return impl(env, *values) if needs_env else impl(*values)
        raise FeelError(f"{self.name}() has no parameters named {', '.join(named)}")


class UserFunction(FeelFunction):
    def __init__(
        self,
        params: tuple[tuple[str, a.TypeRef | None], ...],
        body: Compiled,
        closure: Env,
        name: str = "anonymous",
        result_type: a.TypeRef | None = None,
    ) -> None:
        self.params = tuple(p for p, _ in params)
        self.types = tuple(t for _, t in params)
        self.body = body
        self.closure = closure
        self.name = name
        self.result_type = result_type  # inferred from the body when it is a literal shape; None = unknown

    def call(self, env: Env, args: list[Any], named: dict[str, Any] | None) -> Any:
        if named is not None:
            unknown = set(named) - set(self.params)
            if unknown:
                raise FeelError(f"unknown parameter {sorted(unknown)[0]!r}")
            args = [named.get(p) for p in self.params]
        elif len(args) != len(self.params):
            raise FeelError(f"function expects {len(self.params)} arguments, got {len(args)}")
        variables: dict[str, Any] = {}
        for name, type_ref, value in zip(self.params, self.types, args, strict=True):
            if (
                type_ref is not None
                and value is not None
                and is_instance(value, type_ref, env.state.types) is False
            ):
                coerced = _singleton_coerce(value, type_ref)
                if coerced is _MISSING:
                    raise FeelError(f"argument {name!r} is not a {type_ref.name}")
                value = coerced
            variables[name] = value
        state = env.state
        state.tick(HEAVY_STEPS)
        if state.depth >= MAX_CALL_DEPTH:
            raise FeelError("function calls nested too deeply")
        state.depth += 1
        try:
            return self.body(Env(variables, self.closure, state))
        finally:
            state.depth -= 1


def _size(values: Any) -> int:
    """Steps a built-in's arguments are worth: built-ins run in time about linear in them."""
    total = 0
    for value in values:
        if isinstance(value, list | dict):
            total += len(value) >> 2  # built-ins walk their lists faster than a loop runs its body
        elif isinstance(value, str):
            total += len(value) >> 4
    return total


def _singleton_coerce(value: Any, type_ref: a.TypeRef) -> Any:
    if isinstance(value, list) and len(value) == 1 and is_instance(value[0], type_ref) is True:
        return value[0]
    if type_ref.name == "list" and is_instance([value], type_ref) is True:
        return [value]
    return _MISSING


def invoke(env: Env, fn: Any, args: list[Any], named: dict[str, Any] | None = None) -> Any:
    """Call a FEEL function; errors propagate as FeelError."""
    if isinstance(fn, Builtin | UserFunction):
        return fn.call(env, args, named)
    raise FeelError(f"{type_name(fn)} is not a function")


# ---------------------------------------------------------------------------------------------------------
# Type checks (instance of)

_SIMPLE_TYPES: dict[str, Callable[[Any], bool]] = {
    "number": lambda v: isinstance(v, Decimal),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    "time": lambda v: isinstance(v, dt.time),
    "date and time": lambda v: isinstance(v, dt.datetime),
    "dateTime": lambda v: isinstance(v, dt.datetime),
    "years and months duration": lambda v: isinstance(v, YearsMonthsDuration),
    "yearMonthDuration": lambda v: isinstance(v, YearsMonthsDuration),
    "days and time duration": lambda v: isinstance(v, DaysTimeDuration),
    "dayTimeDuration": lambda v: isinstance(v, DaysTimeDuration),
    "duration": lambda v: isinstance(v, YearsMonthsDuration | DaysTimeDuration),
    "list": lambda v: isinstance(v, list),
    "context": lambda v: isinstance(v, dict),
    "range": lambda v: isinstance(v, Range),
    "function": lambda v: isinstance(v, FeelFunction),
    "Any": lambda v: v is not None,
    "Null": lambda v: v is None,
}


def is_instance(value: Any, type_ref: a.TypeRef, types: TypeCheckers | None = None) -> bool | None:
    """Is ``value`` an instance of ``type_ref``? None for a type name nobody knows."""
    return _is_instance(value, type_ref, types, set())


def _is_instance(
    value: Any, type_ref: a.TypeRef, types: TypeCheckers | None, checked: set[tuple[int, int]]
) -> bool | None:
    name = type_ref.name
    for prefix in ("feel:", "FEEL:"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name == "Null":
        return value is None
    if value is None:
        return False
    if name == "list" and type_ref.element is not None:
        if not isinstance(value, list):
            return False
        # A list that shares sub-lists is checked once per (sub-list, type), not once per path to it.
        key = (id(value), id(type_ref))
        if key in checked:
            return True
        ok = all(v is None or _is_instance(v, type_ref.element, types, checked) is True for v in value)
        if ok:
            checked.add(key)
        return ok
    if name == "range" and type_ref.element is not None:
        if not isinstance(value, Range):
            return False
        return all(
            v is None or _is_instance(v, type_ref.element, types, checked) is True
            for v in (value.start, value.end)
        )
    if name == "context" and type_ref.fields:
        if not isinstance(value, dict):
            return False
        return all(
            key in value and (value[key] is None or _is_instance(value[key], t, types, checked) is True)
            for key, t in type_ref.fields
        )
    if name == "function" and type_ref.result is not None:
        if not isinstance(value, FeelFunction):
            return False
        if isinstance(value, UserFunction):
            if len(value.params) != len(type_ref.params):
                return False
            # Parameter types are contravariant: an untyped (Any) parameter accepts everything.
            for declared, wanted in zip(value.types, type_ref.params, strict=True):
                if declared is not None and not conforms(wanted, declared):
                    return False
            # The result type is covariant; a body whose type we cannot tell is given the benefit.
            if value.result_type is not None and not conforms(value.result_type, type_ref.result):
                return False
        return True
    check = _SIMPLE_TYPES.get(name)
    if check is None:
        custom = types.get(name) if types else None
        return custom(value) if custom is not None else None  # None: a type we do not know
    return check(value)


_ALIASES = {
    "dateTime": "date and time",
    "yearMonthDuration": "years and months duration",
    "dayTimeDuration": "days and time duration",
}


def conforms(sub: a.TypeRef, sup: a.TypeRef) -> bool:
    """Type conformance (DMN 1.5 §10.3.2.9.1): can a value of type ``sub`` be used where ``sup`` is wanted?"""
    sub_name, sup_name = _ALIASES.get(sub.name, sub.name), _ALIASES.get(sup.name, sup.name)
    if sup_name == "Any" or sub_name == "Null":
        return True
    if sup_name != sub_name:
        return False
    if sup_name in ("list", "range"):
        if sup.element is None:
            return True
        return sub.element is not None and conforms(sub.element, sup.element)
    if sup_name == "context":
        if not sup.fields:
            return True
        own = dict(sub.fields)
        return all(key in own and conforms(own[key], wanted) for key, wanted in sup.fields)
    if sup_name == "function":
        if sup.result is None:
            return True
        if sub.result is None or len(sub.params) != len(sup.params):
            return False
        return all(conforms(w, d) for d, w in zip(sub.params, sup.params, strict=True)) and conforms(
            sub.result, sup.result
        )
    return True


def infer_type(node: a.Node) -> a.TypeRef | None:
    """The static type of a literal-shaped expression, or None when it depends on evaluation."""
    if isinstance(node, a.Literal):
        name = type_name(node.value)
        return a.TypeRef(node.pos, name) if name not in ("Any", "list", "context", "range") else None
    if isinstance(node, a.ContextLiteral):
        fields = []
        for key, value in node.entries:
            inner = infer_type(value)
            fields.append((key, inner if inner is not None else a.TypeRef(node.pos, "Any")))
        return a.TypeRef(node.pos, "context", fields=tuple(fields))
    if isinstance(node, a.FunctionDefinition):
        result = infer_type(node.body)
        params = tuple(t if t is not None else a.TypeRef(node.pos, "Any") for _, t in node.params)
        return a.TypeRef(node.pos, "function", params=params, result=result or a.TypeRef(node.pos, "Any"))
    return None


# ---------------------------------------------------------------------------------------------------------
# Ranges and unary tests


def range_contains(r: Range, value: Any) -> bool | None:
    if value is None:
        return None
    if r.operator is not None:
        eq = feel_equal(value, r.end)
        if eq is None:
            return None
        return eq if r.operator == "=" else not eq
    if r.start is not None or r.start_included:
        c = feel_compare(value, r.start)
        if c is None:
            return None
        if c < 0 or c == 0 and not r.start_included:
            return False
    if r.end is not None or r.end_included:
        c = feel_compare(value, r.end)
        if c is None:
            return None
        if c > 0 or c == 0 and not r.end_included:
            return False
    return True


def comparison_range(op: str, operand: Any) -> Range:
    if op == "<":
        return Range(None, operand, False, False)
    if op == "<=":
        return Range(None, operand, False, True)
    if op == ">":
        return Range(operand, None, False, False)
    if op == ">=":
        return Range(operand, None, True, False)
    return Range(None, operand, False, False, operator=op)


def _tick_membership(env: Env, value: Any, result: Any) -> None:
    """Count a membership test (`x in list`): an equality test per item, each as large as ``value``."""
    if isinstance(result, list):
        width = len(value) if isinstance(value, list | dict) else 0
        env.state.tick((len(result) >> 2) + len(result) * width)


def equal_ticked(env: Env, left: Any, right: Any) -> bool | None:
    """FEEL ``=`` that counts the elements it compares against the evaluation's step budget."""
    if isinstance(left, list | dict) and isinstance(right, list | dict):
        result, count = equal_counted(left, right)
        env.state.tick(count)  # each element compared is a Python call, about a step
        return result
    return feel_equal(left, right)


def compare_op(op: str, left: Any, right: Any) -> bool | None:
    if op == "=":
        return feel_equal(left, right)
    if op == "!=":
        eq = feel_equal(left, right)
        return None if eq is None else not eq
    c = feel_compare(left, right)
    if c is None:
        return None
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    return c >= 0


def test_value(input_value: Any, result: Any, uses_input: bool) -> bool | None:
    """Does a positive unary test whose expression produced ``result`` match ``input_value``?"""
    if isinstance(result, Range):
        return range_contains(result, input_value)
    if isinstance(result, bool) and (uses_input or not isinstance(input_value, bool)):
        return result
    if isinstance(result, list) and isinstance(input_value, list):
        # Membership only: [1,2,3] in [1,2,3] is false (TCK 0072), [1,2] in [[1,2]] true.
        return any(feel_equal(input_value, item) is True for item in result)
    if isinstance(result, list):
        for item in result:
            if isinstance(item, Range):
                r = range_contains(item, input_value)
            else:
                r = feel_equal(input_value, item)
            if r is True:
                return True
        return False
    return feel_equal(input_value, result)


# ---------------------------------------------------------------------------------------------------------
# Properties (path expressions on non-context values)


def _offset(value: dt.time | dt.datetime) -> Any:
    if value.tzinfo is None:
        return None
    if isinstance(value, dt.datetime):
        off = value.utcoffset()
    else:
        off = time_offset(value)
    return None if off is None else DaysTimeDuration.from_timedelta(off)


def _zone(value: dt.time | dt.datetime) -> Any:
    tz = value.tzinfo
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else None


def _dtd_parts(value: DaysTimeDuration) -> tuple[int, int, int, Decimal]:
    sign = -1 if value.seconds < 0 else 1
    total = abs(value.seconds)
    whole = int(total)
    days, rem = divmod(whole, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    return sign * days, sign * hours, sign * minutes, sign * (Decimal(secs) + (total - whole))


def get_property(value: Any, name: str) -> Any:
    """A path step on a non-context value; _MISSING when the property does not exist."""
    if isinstance(value, dt.date):
        if name == "year":
            return Decimal(real_year(value))
        if name == "month":
            return Decimal(value.month)
        if name == "day":
            return Decimal(value.day)
        if name == "weekday":
            return Decimal(value.isoweekday())
        if isinstance(value, dt.datetime):
            if name == "hour":
                return Decimal(value.hour)
            if name == "minute":
                return Decimal(value.minute)
            if name == "second":
                return Decimal(value.second)
            if name == "time offset":
                return _offset(value)
            if name == "timezone":
                return _zone(value)
        return _MISSING
    if isinstance(value, dt.time):
        if name == "hour":
            return Decimal(value.hour)
        if name == "minute":
            return Decimal(value.minute)
        if name == "second":
            return Decimal(value.second)
        if name == "time offset":
            return _offset(value)
        if name == "timezone":
            return _zone(value)
        return _MISSING
    if isinstance(value, YearsMonthsDuration):
        if name == "years":
            return Decimal(value.years)
        if name == "months":
            return Decimal(value.months - value.years * 12)
        return _MISSING
    if isinstance(value, DaysTimeDuration):
        days, hours, minutes, seconds = _dtd_parts(value)
        parts: dict[str, int | Decimal] = {
            "days": days,
            "hours": hours,
            "minutes": minutes,
            "seconds": seconds,
        }
        return Decimal(parts[name]) if name in parts else _MISSING
    if isinstance(value, Range):
        if name == "start":
            return value.start
        if name == "end":
            return value.end
        if name == "start included":
            return value.start_included
        if name == "end included":
            return value.end_included
        return _MISSING
    return _MISSING


# ---------------------------------------------------------------------------------------------------------
# The compiler


def _guard(env: Env, node: a.Node, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except FeelError as error:
        env.state.error(f"{error} (at offset {node.pos})")
        return None


class Compiler:
    """Turns a syntax tree into closures. ``builtins`` maps names to built-in functions."""

    def __init__(self, builtins: dict[str, Any]) -> None:
        self.builtins = builtins

    def compile(self, node: a.Node) -> Compiled:
        method = getattr(self, "c_" + type(node).__name__)
        result: Compiled = method(node)
        return result

    # -- leaves --------------------------------------------------------------------------------------

    def c_Literal(self, node: a.Literal) -> Compiled:
        value = node.value
        return lambda env: value

    def c_Name(self, node: a.Name) -> Compiled:
        name = node.name
        builtin = self.builtins.get(name, _MISSING)

        def run(env: Env) -> Any:
            value = env.vars.get(name, _MISSING)
            if value is not _MISSING:
                return value
            value = lookup(env, name)
            if value is not _MISSING:
                return value
            if builtin is not _MISSING:
                return builtin
            env.state.warn(f"no variable found for name {name!r}")
            return None

        return run

    def c_InputValue(self, node: a.InputValue) -> Compiled:
        def run(env: Env) -> Any:
            value = lookup(env, "?")
            return None if value is _MISSING else value

        return run

    # -- operators -----------------------------------------------------------------------------------

    def c_Arithmetic(self, node: a.Arithmetic) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        fn = {
            "+": arith.add,
            "-": arith.subtract,
            "*": arith.multiply,
            "/": arith.divide,
            "**": arith.power,
        }[node.op]
        pos = node.pos

        def run(env: Env) -> Any:
            x = left(env)
            y = right(env)
            try:
                result = fn(x, y)
            except FeelError as error:
                env.state.error(f"{error} (at offset {pos})")
                return None
            if type(result) is str:
                env.state.tick(len(result) >> 4)  # `s + "x"` in a loop copies s every round
            return result

        return run

    def c_Negation(self, node: a.Negation) -> Compiled:
        operand = self.compile(node.operand)
        return lambda env: _guard(env, node, lambda: arith.negate(operand(env)))

    def c_Comparison(self, node: a.Comparison) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op == ">":

            def gt(env: Env) -> Any:
                x = left(env)
                y = right(env)
                if type(x) is Decimal and type(y) is Decimal:
                    return x > y
                c = feel_compare(x, y)
                return None if c is None else c > 0

            return gt
        if op == "=":

            def eq(env: Env) -> Any:
                x = left(env)
                y = right(env)
                if type(x) is type(y) and type(x) in (Decimal, str):
                    return x == y
                return equal_ticked(env, x, y)

            return eq
        if op == "!=":

            def ne(env: Env) -> Any:
                eq = equal_ticked(env, left(env), right(env))
                return None if eq is None else not eq

            return ne
        return lambda env: compare_op(op, left(env), right(env))

    def c_Conjunction(self, node: a.Conjunction) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)

        def run(env: Env) -> Any:
            x = left(env)
            if x is False:
                return False
            y = right(env)
            if y is False:
                return False
            if x is True and y is True:
                return True
            return None

        return run

    def c_Disjunction(self, node: a.Disjunction) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)

        def run(env: Env) -> Any:
            x = left(env)
            if x is True:
                return True
            y = right(env)
            if y is True:
                return True
            if x is False and y is False:
                return False
            return None

        return run

    def c_Between(self, node: a.Between) -> Compiled:
        value, low, high = self.compile(node.value), self.compile(node.low), self.compile(node.high)

        def run(env: Env) -> Any:
            v, lo, hi = value(env), low(env), high(env)
            c1 = compare_op(">=", v, lo)
            c2 = compare_op("<=", v, hi)
            if c1 is False or c2 is False:
                return False
            if c1 is True and c2 is True:
                return True
            return None

        return run

    def c_InstanceOf(self, node: a.InstanceOf) -> Compiled:
        value = self.compile(node.value)
        type_ref = node.type
        return lambda env: is_instance(value(env), type_ref, env.state.types) is True

    def c_If(self, node: a.If) -> Compiled:
        cond, then, otherwise = (
            self.compile(node.condition),
            self.compile(node.then),
            self.compile(node.otherwise),
        )
        return lambda env: then(env) if cond(env) is True else otherwise(env)

    # -- unary tests ---------------------------------------------------------------------------------

    def compile_tests(self, node: a.UnaryTests, uses_input: bool) -> Callable[[Env, Any], bool | None]:
        tests = [self.compile_test(t, uses_input) for t in node.tests]
        negated = node.negated

        def run(env: Env, value: Any) -> bool | None:
            seen_null = False
            result: bool | None = False
            for test in tests:
                r = test(env, value)
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

    def compile_test(self, node: a.Node, uses_input: bool) -> Callable[[Env, Any], bool | None]:
        if isinstance(node, a.AnyTest):
            return lambda env, value: True
        assert isinstance(node, a.UnaryTest)
        operand = self.compile(node.operand)
        op = node.op
        if op is not None:

            def compare(env: Env, value: Any) -> bool | None:
                other = operand(env)
                if op in ("=", "!=") and isinstance(value, list | dict):
                    eq = equal_ticked(env, value, other)
                    return eq if op == "=" or eq is None else not eq
                return compare_op(op, value, other)

            return compare

        if isinstance(node.operand, a.Literal):
            constant = node.operand.value
            return lambda env, value: test_value(value, constant, False)
        if not uses_input:

            def against(env: Env, value: Any) -> bool | None:
                result = operand(env)
                _tick_membership(env, value, result)
                return test_value(value, result, False)

            return against

        def generic(env: Env, value: Any) -> bool | None:
            inner = env.child({"?": value})
            result = operand(inner)
            _tick_membership(env, value, result)
            return test_value(value, result, uses_input)

        return generic

    def c_UnaryTest(self, node: a.UnaryTest) -> Compiled:
        # A comparison used as a value (`< 10`) is a range in DMN 1.5.
        operand = self.compile(node.operand)
        op = node.op or "="
        return lambda env: comparison_range(op, operand(env))

    def c_In(self, node: a.In) -> Compiled:
        value = self.compile(node.value)
        tests = self.compile_tests(node.tests, True)

        def run(env: Env) -> Any:
            return tests(env, value(env))

        # `x in list` with a list operand means membership, which test_value handles for non-list x.
        return run

    # -- paths, filters, calls -----------------------------------------------------------------------

    def c_Path(self, node: a.Path) -> Compiled:
        target = self.compile(node.target)
        name = node.name

        def step(env: Env, value: Any) -> Any:
            if isinstance(value, dict):
                if name in value:
                    return value[name]
                env.state.warn(f"no context entry {name!r}")
                return None
            if value is None:
                return None
            prop = get_property(value, name)
            if prop is _MISSING:
                env.state.error(f"{type_name(value)} has no property {name!r}")
                return None
            return prop

        def run(env: Env) -> Any:
            value = target(env)
            if isinstance(value, list):
                env.state.tick(len(value))
                return [step(env, v) for v in value]
            return step(env, value)

        return run

    def c_Filter(self, node: a.Filter) -> Compiled:
        target = self.compile(node.target)
        condition = self.compile(node.condition)

        def run(env: Env) -> Any:
            value = target(env)
            if value is None:
                return None
            items = value if isinstance(value, list) else [value]
            state = env.state
            state.tick(HEAVY_STEPS)
            out: list[Any] = []
            for index, item in enumerate(items):
                state.tick()  # per item tried: `partial[-1]` stops at the first and costs one step
                # A context element's own entries shadow `item` (TCK 0069: [{item: 1}][item >= 1]).
                scope: dict[str, Any] = {"item": item}
                if isinstance(item, dict):
                    scope.update(item)
                result = condition(env.child(scope))
                if index == 0 and isinstance(result, Decimal) and not isinstance(result, bool):
                    return _index(env, items, result)
                if result is True:
                    out.append(item)
            if not items:
                # An empty list filtered by a number is null (no element), by a boolean empty.
                probe = condition(env.child({"item": None}))
                if isinstance(probe, Decimal):
                    return None
            return out

        return run

    def c_Call(self, node: a.Call) -> Compiled:
        function = self.compile(node.function)
        args = [self.compile(x) for x in node.args]
        named = None if node.named is None else [(k, self.compile(x)) for k, x in node.named]
        pos = node.pos
        fname = node.function.name if isinstance(node.function, a.Name) else "function"

        def run(env: Env) -> Any:
            fn = function(env)
            if fn is None and isinstance(node.function, a.Name):
                env.state.error(f"no function found for name {fname!r} (at offset {pos})")
                return None
            values = [x(env) for x in args]
            named_values = None if named is None else {k: x(env) for k, x in named}
            try:
                return invoke(env, fn, values, named_values)
            except FeelError as error:
                message = f"{fname}: {error} (at offset {pos})"
                if any(v is None for v in values) or named_values and None in named_values.values():
                    env.state.warn(message)
                else:
                    env.state.error(message)
                return None
            except RecursionError:
                env.state.error(f"{fname}: recursion too deep (at offset {pos})")
                return None
            except (ArithmeticError, ValueError) as error:
                # A case a built-in did not foresee (a decimal overflow, a date out of range): still null.
                env.state.error(f"{fname}: {type(error).__name__} (at offset {pos})")
                return None

        return run

    # -- structures ----------------------------------------------------------------------------------

    def c_ListLiteral(self, node: a.ListLiteral) -> Compiled:
        items = [self.compile(x) for x in node.items]
        return lambda env: [x(env) for x in items]

    def c_ContextLiteral(self, node: a.ContextLiteral) -> Compiled:
        entries = [(k, self.compile(x)) for k, x in node.entries]

        def run(env: Env) -> Any:
            result: dict[str, Any] = {}
            inner = env.child(result)
            for key, x in entries:
                value = x(inner)
                if isinstance(value, UserFunction) and value.name == "anonymous":
                    value.name = key
                result[key] = value
            return result

        return run

    def c_RangeLiteral(self, node: a.RangeLiteral) -> Compiled:
        start = self.compile(node.start) if node.start is not None else None
        end = self.compile(node.end) if node.end is not None else None
        si, ei = node.start_included, node.end_included

        def run(env: Env) -> Any:
            low = start(env) if start is not None else None
            high = end(env) if end is not None else None
            if low is not None and high is not None and feel_compare(low, high) is None:
                env.state.error(f"range endpoints {type_name(low)} and {type_name(high)} are not comparable")
                return None
            if low is None or high is None:
                env.state.error("a range endpoint is null")
                return None
            for endpoint in (low, high):
                if endpoint is not None and not isinstance(
                    endpoint, Decimal | str | dt.date | dt.time | YearsMonthsDuration | DaysTimeDuration
                ):
                    env.state.error(f"a range cannot have {type_name(endpoint)} endpoints")
                    return None
            return Range(low, high, si, ei)

        return run

    def c_FunctionDefinition(self, node: a.FunctionDefinition) -> Compiled:
        if node.external:

            def external(env: Env) -> Any:
                env.state.error("external functions are not supported")
                return None

            return external
        body = self.compile(node.body)
        params = node.params
        result_type = infer_type(node.body)
        return lambda env: UserFunction(params, body, env, result_type=result_type)

    # -- iteration -----------------------------------------------------------------------------------

    def _iteration_values(self, env: Env, start: Any, end: Any, ranged: bool) -> Sequence[Any] | None:
        if not ranged:
            if isinstance(start, list):
                return start
            if isinstance(start, Range):
                return self._range_values(env, start)
            if start is None:
                return None
            return [start]
        return self._range_values(env, Range(start, end, True, True))

    def _range_values(self, env: Env, r: Range) -> Sequence[Any] | None:
        low, high = r.start, r.end
        if isinstance(low, Decimal) and isinstance(high, Decimal):
            if low != low.to_integral_value() or high != high.to_integral_value():
                env.state.error("iteration range endpoints must be integers")
                return None
            lo, hi = int(low), int(high)
            step = 1 if hi >= lo else -1
            if not r.start_included:
                lo += step
            if not r.end_included:
                hi -= step
            if abs(hi - lo) + 1 > MAX_LIST:
                env.state.error(f"iteration over more than {MAX_LIST} values")
                return None
            # Lazy: `some i in 1..1000000 satisfies i > 0` should not build a million numbers first.
            return _NumberRange(range(lo, hi + step, step))
        if (
            isinstance(low, dt.date)
            and isinstance(high, dt.date)
            and not isinstance(low, dt.datetime)
            and not isinstance(high, dt.datetime)
        ):
            days = (high - low).days
            if abs(days) + 1 > MAX_LIST:
                env.state.error(f"iteration over more than {MAX_LIST} values")
                return None
            env.state.tick(abs(days) + 1)
            step = 1 if days >= 0 else -1
            values = [low + dt.timedelta(days=i) for i in range(0, days + step, step)]
            if not r.start_included:
                values = values[1:]
            if not r.end_included:
                values = values[:-1]
            return values
        env.state.error("cannot iterate over this range")
        return None

    def c_For(self, node: a.For) -> Compiled:
        iterations = [
            (it.name, self.compile(it.start), self.compile(it.end) if it.end else None)
            for it in node.iterations
        ]
        body = self.compile(node.body)
        # When no domain mentions an earlier variable (or `partial`), every round has the same domains:
        # evaluate each once, and refuse a product over MAX_LIST before running the body at all.
        independent = _independent_domains(node.iterations, {"partial"})
        last = len(iterations) - 1

        def run(env: Env) -> Any:
            results: list[Any] = []
            scope: dict[str, Any] = {"partial": results}
            inner = env.child(scope)
            state = env.state
            state.tick(HEAVY_STEPS)
            domains: list[Sequence[Any] | None] = [None] * len(iterations)

            def loop(level: int) -> bool:
                values = domains[level]
                if values is None:
                    name, start, end = iterations[level]
                    values = self._iteration_values(
                        inner, start(inner), end(inner) if end else None, end is not None
                    )
                    if values is None:
                        return False
                    if independent:
                        domains[level] = values
                        if level == last and _product(domains) > MAX_LIST:
                            state.error(f"for would produce more than {MAX_LIST} values")
                            return False
                name = iterations[level][0]
                for v in values:
                    scope[name] = v
                    if level < last:
                        if not loop(level + 1):
                            return False
                    else:
                        if len(results) >= MAX_LIST:
                            state.error(f"for produced more than {MAX_LIST} values")
                            return False
                        state.tick()
                        results.append(body(inner))
                return True

            if not loop(0):
                return None
            return results

        return run

    def c_Quantified(self, node: a.Quantified) -> Compiled:
        iterations = [
            (it.name, self.compile(it.start), self.compile(it.end) if it.end else None)
            for it in node.iterations
        ]
        condition = self.compile(node.condition)
        every = node.every

        def run(env: Env) -> Any:
            env.state.tick(HEAVY_STEPS)
            scope: dict[str, Any] = {}
            inner = env.child(scope)
            outcomes: list[Any] = []
            count = [0]

            def loop(level: int) -> bool | None:
                name, start, end = iterations[level]
                values = self._iteration_values(
                    inner, start(inner), end(inner) if end else None, end is not None
                )
                if values is None:
                    return None
                for v in values:
                    scope[name] = v
                    if level + 1 < len(iterations):
                        r = loop(level + 1)
                        if r is not None:
                            return r
                    else:
                        count[0] += 1
                        env.state.tick()
                        if count[0] > MAX_LIST:
                            env.state.error("quantified expression over too many values")
                            return None
                        ok = condition(inner)
                        if every and ok is not True:
                            return False
                        if not every and ok is True:
                            return True
                        outcomes.append(ok)
                return None

            r = loop(0)
            if r is not None:
                return r
            return bool(every)

        return run


class _NumberRange(Sequence[Decimal]):
    """The integers of an iteration range as FEEL numbers, made one at a time."""

    __slots__ = ("_range",)

    def __init__(self, numbers: range) -> None:
        self._range = numbers

    def __len__(self) -> int:
        return len(self._range)

    def __iter__(self) -> Iterator[Decimal]:
        return map(Decimal, self._range)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [Decimal(i) for i in self._range[index]]
        return Decimal(self._range[index])


def _product(domains: Sequence[Sequence[Any] | None]) -> int:
    total = 1
    for values in domains:
        total *= len(values) if values is not None else 1
    return total


def _names_in(node: Any) -> set[str]:
    """Every name a syntax subtree mentions."""
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, a.Name):
            names.add(item.name)
        elif isinstance(item, tuple | list):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, field) for field in item.__dataclass_fields__)
    return names


def _independent_domains(iterations: Sequence[a.Iteration], extra: set[str]) -> bool:
    """Does no iteration domain mention an earlier iteration variable (or a name in ``extra``)?"""
    earlier = set(extra)
    for it in iterations:
        if _names_in((it.start, it.end)) & earlier:
            return False
        earlier.add(it.name)
    return True


def _index(env: Env, items: list[Any], index: Decimal) -> Any:
    if index != index.to_integral_value():
        env.state.error("list index must be an integer")
        return None
    i = int(index)
    n = len(items)
    if 1 <= i <= n:
        return items[i - 1]
    if -n <= i <= -1:
        return items[n + i]
    env.state.warn(f"index {i} out of range for a list of {n}")
    return None
