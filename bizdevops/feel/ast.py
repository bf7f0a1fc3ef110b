"""FEEL syntax tree. Every node keeps ``pos``, the 0-based offset where it starts in the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class InputValue(Node):
    """``?``: the value under test in a unary test."""


@dataclass(frozen=True, slots=True)
class Path(Node):
    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Filter(Node):
    target: Node
    condition: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: Node
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...] | None


@dataclass(frozen=True, slots=True)
class Negation(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conjunction(Node):
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Disjunction(Node):
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class UnaryTest(Node):
    """One positive unary test: ``op`` is a comparison operator, or None for 'equals / in list / in range'."""

    op: str | None
    operand: Node


@dataclass(frozen=True, slots=True)
class AnyTest(Node):
    """``-``: matches anything."""


@dataclass(frozen=True, slots=True)
class UnaryTests(Node):
    tests: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class In(Node):
    value: Node
    tests: UnaryTests


@dataclass(frozen=True, slots=True)
class TypeRef(Node):
    """A type in ``instance of``: ``name`` plus parameters for list/context/function/range."""

    name: str
    element: TypeRef | None = None
    fields: tuple[tuple[str, TypeRef], ...] = ()
    params: tuple[TypeRef, ...] = ()
    result: TypeRef | None = None


@dataclass(frozen=True, slots=True)
class InstanceOf(Node):
    value: Node
    type: TypeRef


@dataclass(frozen=True, slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Iteration:
    name: str
    start: Node
    end: Node | None = None  # for `for i in 1..3`


@dataclass(frozen=True, slots=True)
class For(Node):
    iterations: tuple[Iteration, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Quantified(Node):
    every: bool
    iterations: tuple[Iteration, ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class FunctionDefinition(Node):
    params: tuple[tuple[str, TypeRef | None], ...]
    body: Node
    external: bool = False


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ContextLiteral(Node):
    entries: tuple[tuple[str, Node], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RangeLiteral(Node):
    start: Node | None
    end: Node | None
    start_included: bool
    end_included: bool
