"""The parsed shape of a DMN model: DRG elements and boxed expressions, as read from the XML.

These records hold text and structure only; ``compiler`` turns them into evaluators.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class DmnError(Exception):
    """A DMN model is malformed or cannot be evaluated as asked; the message is safe to show."""


# ---------------------------------------------------------------------------------------------------------
# Boxed expressions


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of every boxed expression; ``type_ref`` is the optional typeRef attribute."""

    id: str | None
    type_ref: str | None


@dataclass(frozen=True, slots=True)
class LiteralExpr(Expr):
    text: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class InputClause:
    id: str | None
    label: str | None
    text: str
    type_ref: str | None
    input_values: str | None
    # Camunda's inputVariable: the name of the cell input inside input entries (default ``cellInput``).
    input_variable: str | None = None


@dataclass(frozen=True, slots=True)
class OutputClause:
    id: str | None
    name: str | None
    label: str | None
    type_ref: str | None
    output_values: str | None
    default: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str | None
    index: int  # 1-based, as dmn-js and Camunda number rules
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionTableExpr(Expr):
    hit_policy: str
    aggregation: str | None
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]
    output_label: str | None = None


@dataclass(frozen=True, slots=True)
class ContextEntry:
    name: str | None  # None: the context's result entry
    type_ref: str | None
    expression: Expr | None


@dataclass(frozen=True, slots=True)
class ContextExpr(Expr):
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True, slots=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class RelationExpr(Expr):
    columns: tuple[tuple[str, str | None], ...]
    rows: tuple[tuple[Expr | None, ...], ...]


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    type_ref: str | None
    expression: Expr | None


@dataclass(frozen=True, slots=True)
class InvocationExpr(Expr):
    callee: Expr
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type_ref: str | None


@dataclass(frozen=True, slots=True)
class FunctionDefExpr(Expr):
    kind: str  # FEEL, Java, PMML
    params: tuple[Parameter, ...]
    body: Expr | None


@dataclass(frozen=True, slots=True)
class ConditionalExpr(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class FilterExpr(Expr):
    source: Expr
    match: Expr


@dataclass(frozen=True, slots=True)
class IteratorExpr(Expr):
    kind: str  # for, some, every
    variable: str
    source: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class UnsupportedExpr(Expr):
    """An expression kind we read but cannot evaluate; evaluating it yields null plus a warning."""

    kind: str


# ---------------------------------------------------------------------------------------------------------
# Item definitions and DRG elements


@dataclass(frozen=True, slots=True)
class ItemDefinition:
    name: str
    type_ref: str | None
    is_collection: bool
    allowed_values: str | None
    type_constraint: str | None
    components: tuple[ItemDefinition, ...]
    function_output: str | None = None
    function_params: tuple[Parameter, ...] = ()
    is_function: bool = False


@dataclass(frozen=True, slots=True)
class Reference:
    """An href: ``#id`` in this model or ``namespace#id`` in an imported one."""

    namespace: str | None
    id: str


@dataclass(frozen=True, slots=True)
class InputData:
    id: str
    name: str
    type_ref: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    name: str
    type_ref: str | None
    expression: Expr | None
    required_decisions: tuple[Reference, ...]
    required_inputs: tuple[Reference, ...]
    required_knowledge: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class BusinessKnowledgeModel:
    id: str
    name: str
    type_ref: str | None
    logic: FunctionDefExpr | None
    required_knowledge: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class DecisionServiceDef:
    id: str
    name: str
    type_ref: str | None
    output_decisions: tuple[Reference, ...]
    encapsulated_decisions: tuple[Reference, ...]
    input_decisions: tuple[Reference, ...]
    input_data: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class Import:
    namespace: str
    name: str
    import_type: str | None
    location: str | None


@dataclass(frozen=True, slots=True)
class Definitions:
    """One DMN file: the ``definitions`` element and everything in it."""

    id: str | None
    name: str
    namespace: str
    dmn_version: str
    imports: tuple[Import, ...]
    item_definitions: tuple[ItemDefinition, ...]
    input_data: tuple[InputData, ...]
    decisions: tuple[Decision, ...]
    bkms: tuple[BusinessKnowledgeModel, ...]
    services: tuple[DecisionServiceDef, ...]
    expression_language: str | None = None
    warnings: tuple[str, ...] = field(default=())
    # Where the file came from (a path), so imports with a locationURI resolve relative to it.
    source: str | None = None
