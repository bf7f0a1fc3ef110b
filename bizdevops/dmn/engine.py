"""Compile a DMN model once and evaluate its decisions: boxed expressions, BKMs, decision services, DRG."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bizdevops.dmn.feelbridge import (
    Env,
    FeelError,
    FeelFunction,
    FeelSyntaxError,
    State,
    UserFunction,
    compile_expression,
    invoke,
    new_state,
)
from bizdevops.dmn.java import java_function
from bizdevops.dmn.model import (
    BusinessKnowledgeModel,
    ConditionalExpr,
    ContextExpr,
    Decision,
    DecisionServiceDef,
    DecisionTableExpr,
    Definitions,
    DmnError,
    Expr,
    FilterExpr,
    FunctionDefExpr,
    InputData,
    InvocationExpr,
    ItemDefinition,
    IteratorExpr,
    ListExpr,
    LiteralExpr,
    Reference,
    RelationExpr,
    UnsupportedExpr,
)
from bizdevops.dmn.tables import CompiledTable, EvaluatedInput, MatchedRule, TableTrace
from bizdevops.dmn.types import ANY, FAILED, DmnType, ItemType, TypeRegistry, coerce
from bizdevops.feel.values import from_python

Evaluator = Callable[[Env], Any]

# Decision tables report what they matched to the decision being evaluated (for the audit trail).
_TRACES: contextvars.ContextVar[list[TableTrace] | None] = contextvars.ContextVar("dmn_traces", default=None)


@dataclass(frozen=True, slots=True)
class EvaluatedDecision:
    """One decision evaluated on the way to the result (Camunda's ``evaluatedDecisions`` entry)."""

    id: str
    name: str
    value: Any
    kind: str  # decisionTable, literalExpression, context, ...
    hit_policy: str | None = None
    aggregation: str | None = None
    inputs: tuple[EvaluatedInput, ...] = ()
    matched_rules: tuple[MatchedRule, ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """The result of evaluating a decision (or a decision service) with its audit trail."""

    value: Any
    decisions: tuple[EvaluatedDecision, ...]
    warnings: tuple[str, ...]
    # The warnings that are errors (a FEEL error, a UNIQUE table with several hits, a value that does not
    # conform to its type): the spec makes them null, a process engine may rather raise an incident.
    errors: tuple[str, ...] = ()


_KINDS = {
    LiteralExpr: "literalExpression",
    DecisionTableExpr: "decisionTable",
    ContextExpr: "context",
    ListExpr: "list",
    RelationExpr: "relation",
    InvocationExpr: "invocation",
    FunctionDefExpr: "functionDefinition",
    ConditionalExpr: "conditional",
    FilterExpr: "filter",
    IteratorExpr: "iterator",
}


def _collect_names(expr: Expr | None, out: set[str]) -> None:
    """Context entry names inside boxed expressions: other decisions reach them by path (``A.monthly
    payment``), so the FEEL parser must know them to join multi-word keys. Parameters, iterator variables
    and bindings are not collected: they are in scope only inside their own expression (and a parameter
    named ``Person.Gender`` must not turn the path ``Person.Gender`` outside it into one name)."""
    if expr is None:
        return
    if isinstance(expr, ContextExpr):
        for entry in expr.entries:
            if entry.name:
                out.add(entry.name)
            _collect_names(entry.expression, out)
    elif isinstance(expr, ListExpr):
        for item in expr.items:
            _collect_names(item, out)
    elif isinstance(expr, RelationExpr):
        out.update(name for name, _ in expr.columns)
        for row in expr.rows:
            for cell in row:
                _collect_names(cell, out)
    elif isinstance(expr, InvocationExpr):
        _collect_names(expr.callee, out)
        for binding in expr.bindings:
            _collect_names(binding.expression, out)
    elif isinstance(expr, FunctionDefExpr):
        _collect_names(expr.body, out)
    elif isinstance(expr, ConditionalExpr):
        for part in (expr.condition, expr.then, expr.otherwise):
            _collect_names(part, out)
    elif isinstance(expr, FilterExpr):
        _collect_names(expr.source, out)
        _collect_names(expr.match, out)
    elif isinstance(expr, IteratorExpr):
        _collect_names(expr.source, out)
        _collect_names(expr.body, out)
    elif isinstance(expr, DecisionTableExpr):
        out.update(o.name for o in expr.outputs if o.name)


def _component_names(items: Iterable[ItemDefinition], out: set[str]) -> None:
    for item in items:
        for component in item.components:
            out.add(component.name)
        _component_names(item.components, out)


class DecisionModel:
    """A loaded DMN model: evaluate decisions by id or name, or decision services."""

    def __init__(
        self,
        definitions: Definitions,
        imported: Mapping[str, DecisionModel] | None = None,
        *,
        strict: bool = True,
    ) -> None:
        # strict: invalid FEEL anywhere refuses the model (DmnError at load). Not strict (the TCK runner):
        # only the expressions concerned evaluate to null with the same message as an error.
        self.strict = strict
        self.definitions = definitions
        self.name = definitions.name
        self.namespace = definitions.namespace
        self.warnings = definitions.warnings
        # Imports by their name in this model (the prefix in `myimport.Say Hello`).
        self.imports: dict[str, DecisionModel] = dict(imported or {})
        self.by_namespace: dict[str, DecisionModel] = {m.namespace: m for m in self.imports.values()}
        self.types: TypeRegistry = TypeRegistry(
            definitions.item_definitions, {k: m.types for k, m in self.imports.items()}
        )
        self.type_checkers = self.types.checkers()
        self.decisions = {d.id: d for d in definitions.decisions}
        self.inputs = {i.id: i for i in definitions.input_data}
        self.bkms = {b.id: b for b in definitions.bkms}
        self.services = {s.id: s for s in definitions.services}
        self.names = self._names()
        # BKMs and decision services as FEEL functions; one dict shared by every closure, so BKMs may call
        # each other (and themselves) whatever the order they were declared in.
        self.functions: dict[str, Any] = {}
        self._function_env = Env(self.functions, None, State())
        for import_name, model in self.imports.items():
            if import_name:
                self.functions[import_name] = dict(model.functions)
            else:  # an unnamed import (DMN 1.4+) puts the imported names directly in scope
                for key, value in model.functions.items():
                    self.functions.setdefault(key, value)
        for bkm in definitions.bkms:
            self.functions[bkm.name] = self._compile_bkm(bkm)
        for service in definitions.services:
            self.functions[service.name] = self._service_function(service)
        self._decision_fns: dict[str, Evaluator] = {}
        for decision in definitions.decisions:
            self._decision_fns[decision.id] = self._compile_decision(decision)

    # -- names and lookups ---------------------------------------------------------------------------

    def _names(self) -> frozenset[str]:
        names: set[str] = {"item"}
        d = self.definitions
        for group in (d.input_data, d.decisions, d.bkms, d.services):
            names.update(e.name for e in group)
        for decision in d.decisions:
            _collect_names(decision.expression, names)
        for bkm in d.bkms:
            _collect_names(bkm.logic, names)
        _component_names(d.item_definitions, names)
        for import_name, model in self.imports.items():
            if import_name:
                names.add(import_name)
            names.update(model.names)
        for service in d.services:
            # Parameters for imported input data / decisions are named `import.element` (TCK 0086).
            for ref, table in self._service_parameter_refs(service):
                try:
                    names.add(self._parameter_name(ref, table))
                except DmnError:
                    continue
        return frozenset(names)

    @staticmethod
    def _service_parameter_refs(service: DecisionServiceDef) -> list[tuple[Reference, str]]:
        # DMN: the function's parameters are the input data, then the input decisions.
        return [(r, "inputs") for r in service.input_data] + [
            (r, "decisions") for r in service.input_decisions
        ]

    def _parameter_name(self, ref: Reference, table: str) -> str:
        _, element, import_name = self._resolve_ref(ref, table)
        return f"{import_name}.{element.name}" if import_name else str(element.name)

    def _find(self, table: Mapping[str, Any], key: str) -> Any:
        if key in table:
            return table[key]
        for element in table.values():
            if element.name == key:
                return element
        return None

    def decision(self, key: str) -> Decision:
        """A decision by id or name; DmnError if there is none."""
        found = self._find(self.decisions, key)
        if found is None:
            known = ", ".join(sorted(d.name for d in self.decisions.values())) or "none"
            raise DmnError(f"Unknown decision {key!r} in model {self.name!r} (decisions: {known}).")
        return found  # type: ignore[no-any-return]

    def service(self, key: str) -> DecisionServiceDef:
        found = self._find(self.services, key)
        if found is None:
            known = ", ".join(sorted(s.name for s in self.services.values())) or "none"
            raise DmnError(f"Unknown decision service {key!r} in model {self.name!r} (services: {known}).")
        return found  # type: ignore[no-any-return]

    def _resolve_ref(self, ref: Reference, table: str) -> tuple[DecisionModel, Any, str | None]:
        """(model, element, import name) for an href; the import name is None for local elements."""
        model: DecisionModel = self
        import_name: str | None = None
        local = getattr(self, table).get(ref.id)
        if (
            ref.namespace
            and ref.namespace != self.namespace
            and not (local is not None and ref.namespace not in self.by_namespace)
        ):
            found = self.by_namespace.get(ref.namespace)
            if found is None:
                raise DmnError(
                    f"Model {self.name!r} refers to {ref.namespace}#{ref.id}, which is not imported."
                )
            model = found
            import_name = next(k for k, m in self.imports.items() if m is found)
        element = getattr(model, table).get(ref.id)
        if element is None:
            raise DmnError(f"Model {self.name!r} refers to unknown element {ref.id!r}.")
        return model, element, import_name

    def _type(self, type_ref: str | None) -> DmnType:
        return self.types.resolve(type_ref)

    # -- compilation ---------------------------------------------------------------------------------

    def _coerced(self, fn: Evaluator, type_ref: str | None, where: str) -> Evaluator:
        target = self._type(type_ref)
        if target is ANY:
            return fn

        def run(env: Env) -> Any:
            value = fn(env)
            result = coerce(value, target)
            if result is FAILED:
                env.state.error(f"{where}: the value does not conform to type {target.name!r}; it is null")
                return None
            return result

        return run

    def _compile(self, expr: Expr | None, names: frozenset[str], where: str) -> Evaluator:
        fn = self._compile_raw(expr, names, where)
        # A function definition's typeRef is the type of what the function returns (see _compile_function).
        if expr is None or not expr.type_ref or isinstance(expr, FunctionDefExpr):
            return fn
        return self._coerced(fn, expr.type_ref, where)

    def _result_type(self, type_ref: str | None) -> DmnType:
        """The return type named by a function's typeRef: a function item's output type, or the type."""
        declared = self._type(type_ref)
        if isinstance(declared, ItemType) and declared.is_function:
            return declared.function_output or ANY
        if declared.name == "function":
            return ANY
        return declared

    def _compile_raw(self, expr: Expr | None, names: frozenset[str], where: str) -> Evaluator:
        if expr is None:

            def empty(env: Env) -> Any:
                env.state.warn(f"{where}: no expression")
                return None

            return empty
        if isinstance(expr, LiteralExpr):
            text = expr.text.strip()
            if not text:
                return lambda env: None
            try:
                return compile_expression(text, names)
            except FeelSyntaxError as error:
                message = f"{where}: invalid FEEL {text!r}: {error}"
                if self.strict:
                    raise DmnError(message) from None

                def invalid(env: Env) -> Any:
                    env.state.error(message)
                    return None

                return invalid
        if isinstance(expr, DecisionTableExpr):
            return self._compile_table(expr, names, where)
        if isinstance(expr, ContextExpr):
            return self._compile_context(expr, names, where)
        if isinstance(expr, ListExpr):
            items = [self._compile(i, names, f"{where}, list item {n}") for n, i in enumerate(expr.items, 1)]
            return lambda env: [fn(env) for fn in items]
        if isinstance(expr, RelationExpr):
            return self._compile_relation(expr, names, where)
        if isinstance(expr, InvocationExpr):
            return self._compile_invocation(expr, names, where)
        if isinstance(expr, FunctionDefExpr):
            return self._compile_function(expr, names, where, None, self._result_type(expr.type_ref))
        if isinstance(expr, ConditionalExpr):
            cond = self._compile(expr.condition, names, f"{where}, if")
            then = self._compile(expr.then, names, f"{where}, then")
            otherwise = self._compile(expr.otherwise, names, f"{where}, else")
            return lambda env: then(env) if cond(env) is True else otherwise(env)
        if isinstance(expr, FilterExpr):
            return self._compile_filter(expr, names, where)
        if isinstance(expr, IteratorExpr):
            return self._compile_iterator(expr, names, where)
        assert isinstance(expr, UnsupportedExpr)
        kind = expr.kind

        def unsupported(env: Env) -> Any:
            env.state.error(f"{where}: {kind} expressions are not supported")
            return None

        return unsupported

    def _compile_table(self, expr: DecisionTableExpr, names: frozenset[str], where: str) -> Evaluator:
        table = CompiledTable(expr, names, where, self._type, self.strict)

        def run(env: Env) -> Any:
            value, trace = table.evaluate(env)
            traces = _TRACES.get()
            if traces is not None:
                traces.append(trace)
            return value

        return run

    def _compile_context(self, expr: ContextExpr, names: frozenset[str], where: str) -> Evaluator:
        entries: list[tuple[str | None, Evaluator]] = []
        scope = set(names)
        for n, entry in enumerate(expr.entries, 1):
            label = f"{where}, context entry {entry.name or n}"
            fn = self._compile(entry.expression, frozenset(scope), label)
            if entry.type_ref:
                fn = self._coerced(fn, entry.type_ref, label)
            entries.append((entry.name, fn))
            if entry.name:
                scope.add(entry.name)
        has_result = bool(entries) and entries[-1][0] is None

        def run(env: Env) -> Any:
            local: dict[str, Any] = {}
            child = Env(local, env, env.state)
            result = None
            for name, fn in entries:
                value = fn(child)
                if name is None:
                    result = value
                else:
                    local[name] = value
            return result if has_result else dict(local)

        return run

    def _compile_relation(self, expr: RelationExpr, names: frozenset[str], where: str) -> Evaluator:
        columns = [name for name, _ in expr.columns]
        rows = []
        for r, row in enumerate(expr.rows, 1):
            cells = []
            for (name, type_ref), cell in zip(expr.columns, row, strict=True):
                label = f"{where}, row {r}, column {name!r}"
                fn = self._compile(cell, names, label)
                cells.append(self._coerced(fn, type_ref, label) if type_ref else fn)
            rows.append(cells)
        return lambda env: [{c: fn(env) for c, fn in zip(columns, row, strict=True)} for row in rows]

    def _compile_invocation(self, expr: InvocationExpr, names: frozenset[str], where: str) -> Evaluator:
        callee = self._compile(expr.callee, names, f"{where}, invoked function")
        bindings = []
        for binding in expr.bindings:
            fn = self._compile(binding.expression, names, f"{where}, parameter {binding.name!r}")
            if binding.expression is None:
                fn = _null
            bindings.append((binding.name, fn))

        def run(env: Env) -> Any:
            function = callee(env)
            if not isinstance(function, FeelFunction):
                env.state.error(f"{where}: the invoked name is not a function")
                return None
            named = {name: fn(env) for name, fn in bindings}
            try:
                return invoke(env, function, [], named)
            except FeelError as error:
                env.state.error(f"{where}: {error}")
                return None

        return run

    def _compile_function(
        self,
        expr: FunctionDefExpr,
        names: frozenset[str],
        where: str,
        closure: Env | None,
        result_type: DmnType = ANY,
        function_name: str = "anonymous",
    ) -> Evaluator:
        params = tuple((p.name, self._type(p.type_ref)) for p in expr.params)
        param_names = tuple(p.name for p in expr.params)
        body: Evaluator
        if expr.kind.upper() == "JAVA":
            body = self._java_body(expr, names, where, param_names)
        elif expr.kind.upper() != "FEEL":
            kind = expr.kind

            def external(env: Env) -> Any:
                env.state.error(f"{where}: {kind} functions are not supported")
                return None

            body = external
        else:
            body = self._compile(expr.body, names | frozenset(param_names), where)

        def call(env: Env) -> Any:
            arguments = env.vars
            for name, target in params:
                if target is ANY:
                    continue
                value = coerce(arguments.get(name), target)
                if value is FAILED:
                    # DMN: an argument that does not conform to the parameter type is passed as null.
                    env.state.warn(
                        f"{where}: argument {name!r} does not conform to {target.name!r}; it is null"
                    )
                    value = None
                arguments[name] = value
            value = body(env)
            if result_type is not ANY:
                coerced = coerce(value, result_type)
                if coerced is FAILED:
                    env.state.error(
                        f"{where}: the result does not conform to {result_type.name!r}; it is null"
                    )
                    return None
                return coerced
            return value

        signature = tuple((p, None) for p in param_names)
        if closure is not None:
            fixed = closure
            return lambda env: UserFunction(signature, call, fixed, function_name)
        return lambda env: UserFunction(signature, call, env, function_name)

    def _java_body(
        self, expr: FunctionDefExpr, names: frozenset[str], where: str, param_names: tuple[str, ...]
    ) -> Evaluator:
        """kind="Java": the body is a context naming a class and a method signature (see ``java``)."""
        mapping_fn = self._compile(expr.body, names, f"{where}, Java mapping")

        def run(env: Env) -> Any:
            mapping = mapping_fn(env)
            if isinstance(mapping, dict) and isinstance(mapping.get("java"), dict):
                mapping = mapping["java"]
            if not isinstance(mapping, dict):
                env.state.error(
                    f"{where}: a Java function needs a context with 'class' and 'method signature'"
                )
                return None
            try:
                function = java_function(mapping.get("class"), mapping.get("method signature"))
                return function([env.vars.get(p) for p in param_names])
            except FeelError as error:
                env.state.error(f"{where}: {error}")
                return None

        return run

    def _compile_filter(self, expr: FilterExpr, names: frozenset[str], where: str) -> Evaluator:
        source = self._compile(expr.source, names, f"{where}, in")
        match = self._compile(expr.match, names | {"item"}, f"{where}, match")

        def run(env: Env) -> Any:
            items = source(env)
            if items is None:
                return None
            if not isinstance(items, list):
                items = [items]
            out = []
            for item in items:
                variables = dict(item) if isinstance(item, dict) else {}
                variables["item"] = item
                if match(Env(variables, env, env.state)) is True:
                    out.append(item)
            return out

        return run

    def _compile_iterator(self, expr: IteratorExpr, names: frozenset[str], where: str) -> Evaluator:
        source = self._compile(expr.source, names, f"{where}, in")
        body = self._compile(expr.body, names | {expr.variable}, f"{where}, {expr.kind}")
        variable, kind = expr.variable, expr.kind

        def run(env: Env) -> Any:
            items = source(env)
            if items is None:
                return None
            if not isinstance(items, list):
                items = [items]
            results = [body(Env({variable: item}, env, env.state)) for item in items]
            if kind == "for":
                return results
            if kind == "some":
                return any(r is True for r in results)
            return all(r is True for r in results)

        return run

    def _compile_decision(self, decision: Decision) -> Evaluator:
        where = f"decision {decision.name!r}"
        fn = self._compile(decision.expression, self.names, where)
        return self._coerced(fn, decision.type_ref, where) if decision.type_ref else fn

    def _compile_bkm(self, bkm: BusinessKnowledgeModel) -> FeelFunction:
        where = f"business knowledge model {bkm.name!r}"
        result_type = self._result_type(bkm.type_ref)
        if bkm.logic is None:
            logic = FunctionDefExpr(None, None, "FEEL", (), None)
        else:
            logic = bkm.logic
        if result_type is ANY:
            result_type = self._result_type(logic.type_ref)
        make = self._compile_function(logic, self.names, where, self._function_env, result_type, bkm.name)
        function = make(self._function_env)
        assert isinstance(function, FeelFunction)
        return function

    def _service_function(self, service: DecisionServiceDef) -> FeelFunction:
        params = [self._parameter_name(ref, table) for ref, table in self._service_parameter_refs(service)]
        declared = self._type(service.type_ref)
        result_type = (
            declared.function_output if isinstance(declared, ItemType) and declared.is_function else None
        )
        model_ref = self

        def call(env: Env) -> Any:
            given = dict(env.vars)
            outputs = model_ref._run_service(service, given, env.state, None)
            value = next(iter(outputs.values())) if len(outputs) == 1 else outputs
            if result_type is not None and result_type is not ANY:
                coerced = coerce(value, result_type)
                return None if coerced is FAILED else coerced
            return value

        return UserFunction(tuple((p, None) for p in params), call, self._function_env, service.name)

    # -- evaluation ----------------------------------------------------------------------------------

    def _run_service(
        self,
        service: DecisionServiceDef,
        given: dict[str, Any],
        state: State,
        audit: list[EvaluatedDecision] | None,
        by_namespace: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        for ref, table in self._service_parameter_refs(service):
            _, element, import_name = self._resolve_ref(ref, table)
            holder = given
            if import_name:
                nested = given.get(import_name)
                holder = dict(nested) if isinstance(nested, dict) else {}
                given[import_name] = holder
                qualified = f"{import_name}.{element.name}"
                if qualified in given:
                    holder[element.name] = given.pop(qualified)
            if table == "decisions":
                # Input decisions are parameters: a missing one is null, it is never evaluated.
                holder.setdefault(element.name, None)
        session = _Session(self, given, state, audit, supplied_decisions=True, by_namespace=by_namespace)
        outputs: dict[str, Any] = {}
        for ref in service.output_decisions:
            model, element, _ = self._resolve_ref(ref, "decisions")
            target = session if model is self else session.imported(model)
            outputs[element.name] = target.decision_value(element)
        return outputs

    def evaluate(
        self,
        decision: str,
        variables: Mapping[str, Any] | None = None,
        *,
        by_namespace: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> DecisionResult:
        """Evaluate a decision (by id or name) and the decisions it requires.

        ``variables`` are the inputs (plain JSON or FEEL values); inputs of imported models may be nested
        under the import name or given per model namespace in ``by_namespace``.
        """
        target = self.decision(decision)
        state = new_state(self.type_checkers)
        audit: list[EvaluatedDecision] = []
        session = _Session(
            self,
            _convert(variables),
            state,
            audit,
            supplied_decisions=True,
            target=target.id,
            by_namespace=_convert_namespaced(by_namespace),
        )
        value = session.decision_value(target)
        return DecisionResult(value, tuple(audit), tuple(state.warnings), tuple(state.errors))

    def evaluate_service(
        self,
        service: str,
        variables: Mapping[str, Any] | None = None,
        *,
        by_namespace: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> DecisionResult:
        """Invoke a decision service directly, as if called as a function with ``variables`` as named
        arguments: inputs are its input data and input decisions (missing ones are null; input decisions are
        never evaluated). The value is the single output decision's value, or a context of them by name.
        Output decisions and encapsulated ones are in ``decisions``."""
        definition = self.service(service)
        state = new_state(self.type_checkers)
        audit: list[EvaluatedDecision] = []
        given = _convert(variables)
        extra = _convert_namespaced(by_namespace)
        given.update(extra.get(self.namespace, {}))
        outputs = self._run_service(definition, given, state, audit, extra)
        value: Any = next(iter(outputs.values())) if len(outputs) == 1 else outputs
        declared = self._type(definition.type_ref)
        if isinstance(declared, ItemType) and declared.is_function and declared.function_output is not None:
            coerced = coerce(value, declared.function_output)
            if coerced is FAILED:
                state.error(f"decision service {definition.name!r}: the result does not conform to its type")
                value = None
            else:
                value = coerced
        return DecisionResult(value, tuple(audit), tuple(state.warnings), tuple(state.errors))

    def evaluate_bkm(self, bkm: str, arguments: Mapping[str, Any] | None = None) -> DecisionResult:
        """Invoke a business knowledge model with named arguments (missing parameters are null)."""
        found = self._find(self.bkms, bkm)
        if found is None:
            known = ", ".join(sorted(b.name for b in self.bkms.values())) or "none"
            raise DmnError(
                f"Unknown business knowledge model {bkm!r} in model {self.name!r} (BKMs: {known})."
            )
        function = self.functions[found.name]
        state = new_state(self.type_checkers)
        params = set(getattr(function, "params", ()))
        named = {k: v for k, v in _convert(arguments).items() if k in params}
        try:
            value = invoke(Env({}, None, state), function, [], named)
        except FeelError as error:
            state.error(f"business knowledge model {found.name!r}: {error}")
            value = None
        return DecisionResult(value, (), tuple(state.warnings), tuple(state.errors))


def _null(env: Env) -> Any:
    return None


def _convert(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    if not variables:
        return {}
    return {str(k): from_python(v) for k, v in variables.items()}


def _convert_namespaced(values: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    if not values:
        return {}
    return {str(ns): _convert(v) for ns, v in values.items()}


def _camunda_aliases(decision: Decision, value: Any, out: dict[str, Any]) -> None:
    """Names under which Camunda exposes a required decision's result, besides the decision name:
    its id (Camunda 8) and, for a single-hit decision table, its output names (Camunda 7)."""
    out.setdefault(decision.id, value)
    table = decision.expression
    if not isinstance(table, DecisionTableExpr) or table.hit_policy not in (
        "UNIQUE",
        "FIRST",
        "ANY",
        "PRIORITY",
    ):
        return
    if len(table.outputs) == 1:
        if table.outputs[0].name:
            out.setdefault(table.outputs[0].name, value)
        return
    if isinstance(value, dict):
        for output in table.outputs:
            if output.name and output.name in value:
                out.setdefault(output.name, value[output.name])


def _coerce_input(model: DecisionModel, element: InputData, value: Any, state: State) -> Any:
    target = model._type(element.type_ref)
    coerced = coerce(value, target)
    if coerced is FAILED:
        state.warn(f"input {element.name!r} does not conform to type {target.name!r}; it is null")
        return None
    return coerced


class _Session:
    """One evaluation over one model: given inputs, computed decisions (memo) and the audit trail."""

    def __init__(
        self,
        model: DecisionModel,
        given: dict[str, Any],
        state: State,
        audit: list[EvaluatedDecision] | None,
        supplied_decisions: bool,
        target: str | None = None,
        by_namespace: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.model = model
        self.by_namespace = by_namespace or {}
        own = self.by_namespace.get(model.namespace)
        self.given = {**given, **own} if own else given
        self.state = state
        self.audit = audit
        self.supplied_decisions = supplied_decisions
        self.target = target
        self.memo: dict[str, Any] = {}
        self.active: set[str] = set()
        self.sub: dict[int, _Session] = {}
        self.import_contexts: dict[str, dict[str, Any]] = {}

    def imported(self, model: DecisionModel) -> _Session:
        session = self.sub.get(id(model))
        if session is None:
            name = next((k for k, m in self.model.imports.items() if m is model), None)
            nested = self.given.get(name) if name else None
            given = dict(nested) if isinstance(nested, dict) else {}
            # Inputs given flat (not under the import name) still reach imported models.
            for key, value in self.given.items():
                given.setdefault(key, value)
            session = _Session(
                model, given, self.state, self.audit, self.supplied_decisions, by_namespace=self.by_namespace
            )
            self.sub[id(model)] = session
        return session

    def import_context(self, name: str) -> dict[str, Any]:
        context = self.import_contexts.get(name)
        if context is None:
            base = self.model.functions.get(name)
            context = dict(base) if isinstance(base, dict) else {}
            self.import_contexts[name] = context
        return context

    def input_value(self, element: InputData) -> Any:
        value = self.given.get(element.name)
        return _coerce_input(self.model, element, value, self.state) if value is not None else None

    def decision_value(self, decision: Decision) -> Any:
        if decision.id in self.memo:
            return self.memo[decision.id]
        model = self.model
        if self.supplied_decisions and decision.id != self.target and decision.name in self.given:
            value = coerce(self.given[decision.name], model._type(decision.type_ref))
            value = None if value is FAILED else value
            self.memo[decision.id] = value
            return value
        if decision.id in self.active:
            raise DmnError(f"Decision {decision.name!r} requires itself (a cycle in the requirements graph).")
        self.active.add(decision.id)
        try:
            scope: dict[str, Any] = dict(self.given)
            scope.update(model.functions)
            for name in model.imports:
                if name:
                    scope[name] = self.import_context(name)
            for ref in decision.required_inputs:
                try:
                    owner, element, import_name = model._resolve_ref(ref, "inputs")
                except DmnError as error:
                    self.state.error(f"decision {decision.name!r}: {error}")
                    continue
                session = self if owner is model else self.imported(owner)
                value = session.input_value(element)
                if not import_name:
                    scope[element.name] = value
                else:
                    self.import_context(import_name)[element.name] = value
                    scope[f"{import_name}.{element.name}"] = value
            aliases: dict[str, Any] = {}
            for ref in decision.required_decisions:
                try:
                    owner, element, import_name = model._resolve_ref(ref, "decisions")
                except DmnError as error:
                    self.state.error(f"decision {decision.name!r}: {error}")
                    continue
                session = self if owner is model else self.imported(owner)
                value = session.decision_value(element)
                if not import_name:
                    scope[element.name] = value
                    _camunda_aliases(element, value, aliases)
                else:
                    self.import_context(import_name)[element.name] = value
                    scope[f"{import_name}.{element.name}"] = value
            for alias, value in aliases.items():
                scope.setdefault(alias, value)
            traces: list[TableTrace] = []
            token = _TRACES.set(traces)
            try:
                value = model._decision_fns[decision.id](Env(scope, None, self.state))
            except RecursionError:
                self.state.error(f"decision {decision.name!r}: evaluation nested too deeply")
                value = None
            except DmnError:
                raise
            except Exception as error:  # noqa: BLE001 - as in FEEL, a failing evaluation is null plus a reason
                self.state.error(
                    f"decision {decision.name!r}: internal error {type(error).__name__}: {error}"
                )
                value = None
            finally:
                _TRACES.reset(token)
        finally:
            self.active.discard(decision.id)
        self.memo[decision.id] = value
        if self.audit is not None:
            expr = decision.expression
            table = expr if isinstance(expr, DecisionTableExpr) else None
            trace = traces[0] if traces and table is not None else None
            self.audit.append(
                EvaluatedDecision(
                    id=decision.id,
                    name=decision.name,
                    value=value,
                    kind=_KINDS.get(type(expr), "none") if expr is not None else "none",
                    hit_policy=table.hit_policy if table else None,
                    aggregation=table.aggregation if table else None,
                    inputs=trace.inputs if trace else (),
                    matched_rules=trace.matched if trace else (),
                )
            )
        return value
