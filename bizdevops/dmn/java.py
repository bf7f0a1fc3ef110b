"""External Java functions (DMN ``kind="Java"``), emulated for a fixed list of JDK static methods.

A model may bind a function to ``{class: "java.lang.Math", method signature: "max(double, double)"}``. We run
no JVM and no user code: only the methods below exist, implemented in Python; any other class or method is
null plus a warning. Arguments are converted as the DMN spec's Java mapping says (number → double/int/...,
string → String or char).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bizdevops.feel.values import FeelError

_NUMERIC = {"double", "float", "int", "long", "short", "byte", "java.lang.Double", "java.lang.Float",
            "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte"}  # fmt: skip
_INTEGRAL = {"int", "long", "short", "byte", "java.lang.Integer", "java.lang.Long", "java.lang.Short",
             "java.lang.Byte"}  # fmt: skip
_RANGES = {"int": 2**31, "long": 2**63, "short": 2**15, "byte": 2**7}


def _math1(fn: Callable[[float], float]) -> Callable[..., Any]:
    return lambda x: fn(x)


_METHODS: dict[tuple[str, str], Callable[..., Any]] = {
    ("java.lang.Math", "max"): max,
    ("java.lang.Math", "min"): min,
    ("java.lang.Math", "abs"): abs,
    ("java.lang.Math", "cos"): _math1(math.cos),
    ("java.lang.Math", "sin"): _math1(math.sin),
    ("java.lang.Math", "tan"): _math1(math.tan),
    ("java.lang.Math", "acos"): _math1(math.acos),
    ("java.lang.Math", "asin"): _math1(math.asin),
    ("java.lang.Math", "atan"): _math1(math.atan),
    ("java.lang.Math", "sqrt"): _math1(math.sqrt),
    ("java.lang.Math", "exp"): _math1(math.exp),
    ("java.lang.Math", "log"): _math1(math.log),
    ("java.lang.Math", "log10"): _math1(math.log10),
    ("java.lang.Math", "pow"): lambda a, b: math.pow(a, b),
    ("java.lang.Math", "floor"): lambda x: float(math.floor(x)),
    ("java.lang.Math", "ceil"): lambda x: float(math.ceil(x)),
    ("java.lang.Math", "signum"): lambda x: math.copysign(1.0, x) if x else 0.0,
    ("java.lang.Short", "valueOf"): lambda x: x,
    ("java.lang.Byte", "valueOf"): lambda x: x,
    ("java.lang.Integer", "valueOf"): lambda x: x,
    ("java.lang.Long", "valueOf"): lambda x: x,
    ("java.lang.Float", "valueOf"): lambda x: x,
    ("java.lang.Double", "valueOf"): lambda x: x,
    ("java.lang.String", "valueOf"): lambda x: x if isinstance(x, str) else _java_string(x),
    ("java.lang.String", "format"): lambda fmt, *args: _format(fmt, args),
}

_SIGNATURE = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*\((.*)\)\s*")


def _java_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _format(fmt: str, args: tuple[Any, ...]) -> str:
    # Only %s and %d, the placeholders that mean the same in Java and Python.
    if re.search(r"%(?![sd%])", fmt):
        raise FeelError("only %s and %d are supported in String.format")
    flat: list[Any] = []
    for arg in args:
        flat.extend(arg if isinstance(arg, list) else [arg])
    try:
        return fmt % tuple(_java_string(a) if not isinstance(a, int) else a for a in flat)
    except (TypeError, ValueError) as error:
        raise FeelError(f"String.format failed: {error}") from None


def _convert_argument(value: Any, java_type: str) -> Any:
    java_type = java_type.strip()
    if java_type in _NUMERIC:
        if not isinstance(value, Decimal) or isinstance(value, bool):
            raise FeelError(f"{java_type} argument is not a number")
        if java_type in _INTEGRAL:
            if value != value.to_integral_value():
                raise FeelError(f"{java_type} argument is not integral")
            number = int(value)
            bound = _RANGES.get(java_type.rsplit(".", 1)[-1].lower().replace("integer", "int"))
            if bound is not None and not -bound <= number < bound:
                raise FeelError(f"{number} does not fit a Java {java_type}")
            return number
        return float(value)
    if java_type == "char":
        if not isinstance(value, str) or len(value) != 1:
            raise FeelError("char argument must be a one-character string")
        return value
    if java_type in ("java.lang.String", "String"):
        if not isinstance(value, str):
            raise FeelError("String argument is not a string")
        return value
    if java_type in ("[Ljava.lang.Object;", "java.lang.Object[]", "java.lang.Object..."):
        return value if isinstance(value, list) else [value]
    if java_type == "java.lang.Object":
        return value
    raise FeelError(f"Java parameter type {java_type!r} is not supported")


def _convert_result(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return Decimal(repr(value))
    raise FeelError("unsupported Java result")


def java_function(class_name: Any, signature: Any) -> Callable[[list[Any]], Any]:
    """A callable for a whitelisted static method; FeelError (→ null) for anything else."""
    if not isinstance(class_name, str) or not isinstance(signature, str):
        raise FeelError("a Java function needs 'class' and 'method signature' strings")
    match = _SIGNATURE.fullmatch(signature)
    if match is None:
        raise FeelError(f"invalid method signature {signature!r}")
    method = match.group(1)
    types = [t.strip() for t in match.group(2).split(",")] if match.group(2).strip() else []
    impl = _METHODS.get((class_name.strip(), method))
    if impl is None:
        raise FeelError(f"Java method {class_name}.{method} is not available")
    if class_name.strip() == "java.lang.Math" and any(t not in _NUMERIC for t in types):
        raise FeelError(f"no method {class_name}.{signature}")
    if (
        class_name.strip() == "java.lang.String"
        and method == "valueOf"
        and types not in (["char"], ["java.lang.Object"])
    ):
        raise FeelError(f"String.valueOf({', '.join(types)}) is not available")

    def call(arguments: list[Any]) -> Any:
        if len(arguments) != len(types):
            raise FeelError(f"{method} expects {len(types)} arguments")
        converted = [_convert_argument(a, t) for a, t in zip(arguments, types, strict=True)]
        try:
            result = impl(*converted)
        except (ValueError, OverflowError, ZeroDivisionError) as error:
            raise FeelError(f"{class_name}.{method} failed: {error}") from None
        if types and types[0] in ("float", "java.lang.Float") and isinstance(result, float):
            # Java float precision: the shortest text of the value as a float.
            return Decimal(repr(result))
        return _convert_result(result)

    return call
