"""DMN types: built-in FEEL types and item definitions, conformance and coercion.

Coercion follows DMN 1.5 §10.3.2.9 (and TCK 0082): a value that conforms is kept; a singleton list is
unwrapped when the type is not a collection and its element conforms; a single value is wrapped when the
type is a collection and the value conforms to the element type; anything else becomes null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bizdevops.dmn.feelbridge import Env, FeelFunction, FeelSyntaxError, compile_tests, new_state
from bizdevops.dmn.model import DmnError, ItemDefinition
from bizdevops.feel import parse
from bizdevops.feel.interpreter import is_instance
from bizdevops.feel.values import DaysTimeDuration, Range, YearsMonthsDuration


def _is_number(v: Any) -> bool:
    return isinstance(v, Decimal)


BUILTIN_CHECKS: dict[str, Callable[[Any], bool]] = {
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    "time": lambda v: isinstance(v, dt.time),
    "date and time": lambda v: isinstance(v, dt.datetime),
    "dateTime": lambda v: isinstance(v, dt.datetime),
    "days and time duration": lambda v: isinstance(v, DaysTimeDuration),
    "dayTimeDuration": lambda v: isinstance(v, DaysTimeDuration),
    "years and months duration": lambda v: isinstance(v, YearsMonthsDuration),
    "yearMonthDuration": lambda v: isinstance(v, YearsMonthsDuration),
    "duration": lambda v: isinstance(v, DaysTimeDuration | YearsMonthsDuration),
    "context": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "range": lambda v: isinstance(v, Range),
    "function": lambda v: isinstance(v, FeelFunction),
    # Camunda 7 type names, all numbers in FEEL.
    "integer": _is_number,
    "long": _is_number,
    "double": _is_number,
    "int": _is_number,
}


class DmnType:
    """A type a value can be checked against."""

    name: str = "Any"
    is_collection: bool = False

    def conforms(self, value: Any) -> bool:
        return True

    def element(self) -> DmnType:
        return ANY


ANY = DmnType()


class BuiltinType(DmnType):
    def __init__(self, name: str, check: Callable[[Any], bool]) -> None:
        self.name = name
        self.check = check
        self.is_collection = name == "list"

    def conforms(self, value: Any) -> bool:
        return value is None or self.check(value)


class ListOf(DmnType):
    """``list<T>`` written as a FEEL type in a typeRef."""

    def __init__(self, element: DmnType) -> None:
        self.name = f"list<{element.name}>"
        self._element = element
        self.is_collection = True

    def conforms(self, value: Any) -> bool:
        return value is None or (isinstance(value, list) and all(self._element.conforms(v) for v in value))

    def element(self) -> DmnType:
        return self._element


class ItemType(DmnType):
    """An item definition. Built in two steps (``fill``) so definitions may refer to each other."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.base: DmnType | None = None
        self.is_collection = False
        # allowedValues project onto collection elements; typeConstraint (DMN 1.5) tests the value itself.
        self.allowed: Callable[[Env, Any], bool | None] | None = None
        self.constraint: Callable[[Env, Any], bool | None] | None = None
        self.components: dict[str, DmnType] = {}
        self.is_function = False
        self.function_output: DmnType | None = None
        self._element: ItemType | None = None
        self.alias = False  # a plain alias of a collection type (see TypeRegistry)

    def element(self) -> DmnType:
        if not self.is_collection:
            return self
        if self.alias and self.base is not None:
            return self.base.element()
        if self._element is None:
            single = ItemType(self.name)
            single.base, single.allowed, single.components = self.base, self.allowed, self.components
            single.is_function, single.function_output = self.is_function, self.function_output
            self._element = single
        return self._element

    def conforms(self, value: Any) -> bool:
        if value is None:
            return True
        if self.alias and self.base is not None:
            return self.base.conforms(value) and (self.constraint is None or _passes(self.constraint, value))
        if self.is_collection:
            if not isinstance(value, list):
                return False
            element = self.element()
            if not all(element.conforms(v) for v in value):
                return False
            return self.constraint is None or _passes(self.constraint, value)
        if self.is_function:
            return isinstance(value, FeelFunction)
        if self.components:
            if not isinstance(value, dict):
                return False
            for key, component in self.components.items():
                if key not in value or not component.conforms(value[key]):
                    return False
        elif self.base is not None and not self.base.conforms(value):
            return False
        if self.allowed is not None and not _passes(self.allowed, value):
            return False
        return self.constraint is None or _passes(self.constraint, value)


def _passes(tests: Callable[[Env, Any], bool | None], value: Any) -> bool:
    return tests(Env({"?": value}, None, new_state(None)), value) is True


class TypeRegistry:
    """Resolves typeRef strings of one model (and, through ``imports``, of the models it imports)."""

    def __init__(
        self, items: tuple[ItemDefinition, ...], imports: dict[str, TypeRegistry] | None = None
    ) -> None:
        self.imports = imports or {}
        self._checkers: dict[str, Callable[[Any], bool]] | None = None
        self.items: dict[str, ItemType] = {}
        for item in items:
            self.items[item.name] = ItemType(item.name)
        for item in items:
            self._fill(self.items[item.name], item)
        # A non-collection item whose base type is a collection is an alias of that collection type
        # (``fooType`` → ``i.tStringList``); bases may be declared later, so settle this after filling.
        changed = True
        while changed:
            changed = False
            for target in self.items.values():
                if not target.is_collection and target.base is not None and target.base.is_collection:
                    target.is_collection = True
                    target.alias = True
                    changed = True

    def _fill(self, target: ItemType, item: ItemDefinition) -> None:
        target.is_collection = item.is_collection
        target.base = self.resolve(item.type_ref) if item.type_ref else None
        for component in item.components:
            sub = ItemType(f"{item.name}.{component.name}")
            self._fill(sub, component)
            target.components[component.name] = sub
        for attribute, text in (("allowed", item.allowed_values), ("constraint", item.type_constraint)):
            if text is None or not text.strip():
                continue
            try:
                setattr(target, attribute, compile_tests(text, ()))
            except FeelSyntaxError as error:
                raise DmnError(
                    f"item definition {item.name!r}: invalid constraint {text!r}: {error}"
                ) from None
        if item.is_function:
            target.is_function = True
            target.function_output = self.resolve(item.function_output) if item.function_output else None

    def resolve(self, type_ref: str | None) -> DmnType:
        """The type for a typeRef; unknown names are Any (a model may use types from other languages)."""
        if not type_ref:
            return ANY
        name = type_ref.strip()
        for prefix in ("feel:", "FEEL:"):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if name in self.items:
            return self.items[name]
        if name == "Any":
            return ANY
        check = BUILTIN_CHECKS.get(name)
        if check is not None:
            return BuiltinType(name, check)
        if name.startswith("list<") and name.endswith(">"):
            return ListOf(self.resolve(name[5:-1]))
        if "<" in name and name.endswith(">") or "->" in name:
            feel_type = _feel_type(name, self)
            if feel_type is not None:
                return feel_type
        if "." in name:
            prefix, _, rest = name.partition(".")
            if prefix in self.imports:
                return self.imports[prefix].resolve(rest)
        if ":" in name:
            return self.resolve(name.split(":", 1)[1])
        if "" in self.imports:  # unnamed import: its types are used without a prefix
            return self.imports[""].resolve(name)
        return ANY

    def checkers_cached(self) -> dict[str, Callable[[Any], bool]]:
        if self._checkers is None:
            self._checkers = self.checkers()
        return self._checkers

    def checkers(self) -> dict[str, Callable[[Any], bool]]:
        """Predicates for ``instance of`` on item definition names (null is not an instance)."""
        out: dict[str, Callable[[Any], bool]] = {}
        for name, item in self.items.items():
            out[name] = _non_null(item)
        for prefix, registry in self.imports.items():
            for name, item in registry.items.items():
                if prefix:
                    out[f"{prefix}.{name}"] = _non_null(item)
                else:
                    out.setdefault(name, _non_null(item))
        return out


class FeelType(DmnType):
    """A typeRef written in FEEL type syntax (``context<a: number>``, ``range<date>``, ``function<...>``)."""

    def __init__(self, name: str, tree: Any, registry: TypeRegistry) -> None:
        self.name = name
        self.tree = tree
        self.registry = registry
        self.is_collection = tree.name == "list"

    def conforms(self, value: Any) -> bool:
        return value is None or is_instance(value, self.tree, self.registry.checkers_cached()) is True

    def element(self) -> DmnType:
        if self.is_collection and self.tree.element is not None:
            return FeelType(self.name, self.tree.element, self.registry)
        return ANY


def _feel_type(text: str, registry: TypeRegistry) -> DmnType | None:
    try:
        tree = parse("x instance of " + text).tree
    except FeelSyntaxError:
        return None
    type_ref = getattr(tree, "type", None)
    return FeelType(text, type_ref, registry) if type_ref is not None else None


def _non_null(item: DmnType) -> Callable[[Any], bool]:
    return lambda v: v is not None and item.conforms(v)


_FAILED = object()


def _date_to_date_time(value: Any) -> Any:
    # DMN 1.5 10.3.2.9.4: a date where a date and time is expected becomes UTC midnight of that day.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def coerce(value: Any, target: DmnType) -> Any:
    """Coerce ``value`` to ``target`` (see module doc); returns ``FAILED`` when it does not conform."""
    if value is None or target is ANY:
        return value
    if target.conforms(value):
        return value
    converted = _date_to_date_time(value)
    if converted is not None and target.conforms(converted):
        return converted
    if target.is_collection and not isinstance(value, list):
        element = target.element()
        if element.conforms(value):
            return [value]
        if converted is not None and element.conforms(converted):
            return [converted]
    elif not target.is_collection and isinstance(value, list) and len(value) == 1 and value[0] is not None:
        if target.conforms(value[0]):
            return value[0]
        converted = _date_to_date_time(value[0])
        if converted is not None and target.conforms(converted):
            return converted
    return FAILED


FAILED = _FAILED
