"""Read DMN 1.1–1.5 XML into ``model`` records (hardened parsing through ``bizdevops.xmlsafe``)."""

from __future__ import annotations

import dataclasses

from lxml import etree

from bizdevops.dmn.model import (
    Binding,
    BusinessKnowledgeModel,
    ConditionalExpr,
    ContextEntry,
    ContextExpr,
    Decision,
    DecisionServiceDef,
    DecisionTableExpr,
    Definitions,
    DmnError,
    Expr,
    FilterExpr,
    FunctionDefExpr,
    Import,
    InputClause,
    InputData,
    InvocationExpr,
    ItemDefinition,
    IteratorExpr,
    ListExpr,
    LiteralExpr,
    OutputClause,
    Parameter,
    Reference,
    RelationExpr,
    Rule,
    UnsupportedExpr,
)
from bizdevops.xmlsafe import XmlProblem, parse_xml

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}

EXPRESSION_TAGS = frozenset(
    {
        "literalExpression",
        "decisionTable",
        "context",
        "list",
        "relation",
        "invocation",
        "functionDefinition",
        "conditional",
        "filter",
        "for",
        "some",
        "every",
    }
)

HIT_POLICIES = frozenset(
    {
        "UNIQUE",
        "FIRST",
        "PRIORITY",
        "ANY",
        "COLLECT",
        "RULE ORDER",
        "OUTPUT ORDER",
        "RULE_ORDER",
        "OUTPUT_ORDER",
    }
)
AGGREGATIONS = frozenset({"SUM", "COUNT", "MIN", "MAX"})
# Languages Camunda 7 allowed in cells; we evaluate FEEL only and say so instead of guessing.
NON_FEEL_LANGUAGES = ("juel", "javascript", "groovy", "python", "jruby", "ecmascript", "js")


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.ns = etree.QName(root).namespace or ""
        self.root = root
        self.warnings: list[str] = []
        self.where = "the model"

    # -- helpers -------------------------------------------------------------------------------------

    def local(self, el: etree._Element) -> str | None:
        if not isinstance(el.tag, str):
            return None  # comments
        qname = etree.QName(el)
        if (qname.namespace or "") != self.ns:
            return None  # extension elements (triso:, camunda:, dmndi:) are not part of the semantics
        return qname.localname

    def children(self, el: etree._Element, name: str | None = None) -> list[etree._Element]:
        out = []
        for child in el:
            local = self.local(child)
            if local is not None and (name is None or local == name):
                out.append(child)
        return out

    def child(self, el: etree._Element, name: str) -> etree._Element | None:
        for child in el:
            if self.local(child) == name:
                return child
        return None

    def text_of(self, el: etree._Element | None, name: str = "text") -> str | None:
        if el is None:
            return None
        node = self.child(el, name)
        if node is None:
            return None
        return node.text or ""

    @staticmethod
    def attr(el: etree._Element, name: str) -> str | None:
        value = el.get(name)
        if value is not None:
            return value
        for key, val in el.attrib.items():  # namespaced vendor attributes (camunda:inputVariable)
            if isinstance(key, str) and key.endswith("}" + name):
                return str(val)
        return None

    def required_attr(self, el: etree._Element, name: str) -> str:
        value = el.get(name)
        if not value:
            local = self.local(el) or "element"
            raise DmnError(f"{self.where}: <{local}> has no {name!r} attribute (line {el.sourceline})")
        return value

    def reference(self, el: etree._Element) -> Reference:
        href = el.get("href") or ""
        namespace, _, ident = href.rpartition("#")
        if not ident:
            raise DmnError(f"{self.where}: a reference has an empty href (line {el.sourceline})")
        return Reference(namespace or None, ident)

    def variable_type(self, el: etree._Element) -> str | None:
        variable = self.child(el, "variable")
        return variable.get("typeRef") if variable is not None else None

    # -- expressions ---------------------------------------------------------------------------------

    def expression_in(self, el: etree._Element) -> Expr | None:
        for child in el:
            local = self.local(child)
            if local in EXPRESSION_TAGS:
                return self.expression(child)
        return None

    def expression(self, el: etree._Element) -> Expr:
        local = self.local(el)
        ident = el.get("id")
        type_ref = el.get("typeRef")
        if local == "literalExpression":
            language = el.get("expressionLanguage")
            self.check_language(language, el)
            text = self.text_of(el)
            return LiteralExpr(ident, type_ref, text if text is not None else "", language)
        if local == "decisionTable":
            return self.decision_table(el)
        if local == "context":
            entries = []
            for entry in self.children(el, "contextEntry"):
                variable = self.child(entry, "variable")
                name = variable.get("name") if variable is not None else None
                entry_type = variable.get("typeRef") if variable is not None else None
                entries.append(ContextEntry(name, entry_type, self.expression_in(entry)))
            return ContextExpr(ident, type_ref, tuple(entries))
        if local == "list":
            items = tuple(self.expression(c) for c in self.children(el) if self.local(c) in EXPRESSION_TAGS)
            return ListExpr(ident, type_ref, items)
        if local == "relation":
            columns = tuple(
                (self.required_attr(c, "name"), c.get("typeRef")) for c in self.children(el, "column")
            )
            rows = []
            for row in self.children(el, "row"):
                cells = [self.expression(c) for c in self.children(row) if self.local(c) in EXPRESSION_TAGS]
                if len(cells) != len(columns):
                    raise DmnError(
                        f"{self.where}: a relation row has {len(cells)} cells for {len(columns)} columns "
                        f"(line {row.sourceline})"
                    )
                rows.append(tuple(cells))
            return RelationExpr(ident, type_ref, columns, tuple(rows))
        if local == "invocation":
            callee = self.expression_in(el)
            if callee is None:
                raise DmnError(f"{self.where}: an invocation names no function (line {el.sourceline})")
            bindings = []
            for binding in self.children(el, "binding"):
                parameter = self.child(binding, "parameter")
                if parameter is None:
                    raise DmnError(f"{self.where}: a binding has no parameter (line {binding.sourceline})")
                bindings.append(
                    Binding(
                        self.required_attr(parameter, "name"),
                        parameter.get("typeRef"),
                        self.expression_in(binding),
                    )
                )
            return InvocationExpr(ident, type_ref, callee, tuple(bindings))
        if local == "functionDefinition":
            return self.function_definition(el)
        if local == "conditional":
            parts = {}
            for part in ("if", "then", "else"):
                holder = self.child(el, part)
                inner = self.expression_in(holder) if holder is not None else None
                if inner is None:
                    raise DmnError(
                        f"{self.where}: a conditional lacks its {part!r} part (line {el.sourceline})"
                    )
                parts[part] = inner
            return ConditionalExpr(ident, type_ref, parts["if"], parts["then"], parts["else"])
        if local == "filter":
            source_el, match_el = self.child(el, "in"), self.child(el, "match")
            source = self.expression_in(source_el) if source_el is not None else None
            match = self.expression_in(match_el) if match_el is not None else None
            if source is None or match is None:
                raise DmnError(f"{self.where}: a filter needs 'in' and 'match' (line {el.sourceline})")
            return FilterExpr(ident, type_ref, source, match)
        if local in ("for", "some", "every"):
            variable = self.required_attr(el, "iteratorVariable")
            source_el = self.child(el, "in")
            body_el = self.child(el, "return" if local == "for" else "satisfies")
            source = self.expression_in(source_el) if source_el is not None else None
            body = self.expression_in(body_el) if body_el is not None else None
            if source is None or body is None:
                raise DmnError(f"{self.where}: a {local!r} expression is incomplete (line {el.sourceline})")
            return IteratorExpr(ident, type_ref, local, variable, source, body)
        return UnsupportedExpr(ident, type_ref, str(local))

    def check_language(self, language: str | None, el: etree._Element) -> None:
        if language and language.lower().rstrip("/").rsplit("/", 1)[-1] in NON_FEEL_LANGUAGES:
            raise DmnError(
                f"{self.where}: expression language {language!r} is not supported; only FEEL is "
                f"(line {el.sourceline})"
            )

    def function_definition(self, el: etree._Element) -> FunctionDefExpr:
        params = tuple(
            Parameter(self.required_attr(p, "name"), p.get("typeRef"))
            for p in self.children(el, "formalParameter")
        )
        kind = el.get("kind") or "FEEL"
        return FunctionDefExpr(el.get("id"), el.get("typeRef"), kind, params, self.expression_in(el))

    def decision_table(self, el: etree._Element) -> DecisionTableExpr:
        hit_policy = (el.get("hitPolicy") or "UNIQUE").strip().upper().replace("_", " ")
        if hit_policy not in HIT_POLICIES:
            raise DmnError(f"{self.where}: unknown hit policy {hit_policy!r} (line {el.sourceline})")
        aggregation = el.get("aggregation")
        if aggregation is not None:
            aggregation = aggregation.strip().upper()
            if aggregation not in AGGREGATIONS:
                raise DmnError(f"{self.where}: unknown aggregation {aggregation!r} (line {el.sourceline})")
        inputs = []
        for clause in self.children(el, "input"):
            expression = self.child(clause, "inputExpression")
            if expression is None:
                raise DmnError(f"{self.where}: a decision table input has no inputExpression")
            self.check_language(expression.get("expressionLanguage"), expression)
            inputs.append(
                InputClause(
                    clause.get("id"),
                    clause.get("label"),
                    (self.text_of(expression) or "").strip(),
                    expression.get("typeRef"),
                    self.text_of(self.child(clause, "inputValues")),
                    self.attr(clause, "inputVariable"),
                )
            )
        outputs = []
        for clause in self.children(el, "output"):
            outputs.append(
                OutputClause(
                    clause.get("id"),
                    clause.get("name"),
                    clause.get("label"),
                    clause.get("typeRef"),
                    self.text_of(self.child(clause, "outputValues")),
                    self.text_of(self.child(clause, "defaultOutputEntry")),
                )
            )
        if not outputs:
            raise DmnError(f"{self.where}: the decision table has no output (line {el.sourceline})")
        if len(outputs) > 1 and any(not o.name for o in outputs):
            raise DmnError(f"{self.where}: a decision table with several outputs must name each output")
        rules = []
        for index, rule in enumerate(self.children(el, "rule"), start=1):
            entries = [self.text_of(e) or "" for e in self.children(rule, "inputEntry")]
            results = [self.text_of(e) or "" for e in self.children(rule, "outputEntry")]
            notes = [self.text_of(e) or "" for e in self.children(rule, "annotationEntry")]
            label = rule.get("id") or f"#{index}"
            if len(entries) != len(inputs):
                raise DmnError(
                    f"{self.where}: rule {label} has {len(entries)} input entries for {len(inputs)} inputs"
                )
            if len(results) != len(outputs):
                raise DmnError(
                    f"{self.where}: rule {label} has {len(results)} output entries for {len(outputs)} outputs"
                )
            rules.append(Rule(rule.get("id"), index, tuple(entries), tuple(results), tuple(notes)))
        return DecisionTableExpr(
            el.get("id"),
            el.get("typeRef"),
            hit_policy,
            aggregation,
            tuple(inputs),
            tuple(outputs),
            tuple(rules),
            el.get("outputLabel"),
        )

    # -- DRG -----------------------------------------------------------------------------------------

    def item_definition(self, el: etree._Element) -> ItemDefinition:
        name = self.required_attr(el, "name")
        type_ref = self.text_of(el, "typeRef")
        function = self.child(el, "functionItem")
        return ItemDefinition(
            name=name,
            type_ref=type_ref.strip() if type_ref else None,
            is_collection=(el.get("isCollection") or "false").strip() == "true",
            allowed_values=self.text_of(self.child(el, "allowedValues")),
            type_constraint=self.text_of(self.child(el, "typeConstraint")),
            components=tuple(self.item_definition(c) for c in self.children(el, "itemComponent")),
            function_output=function.get("outputTypeRef") if function is not None else None,
            function_params=tuple(
                Parameter(self.required_attr(p, "name"), p.get("typeRef"))
                for p in (self.children(function, "parameters") if function is not None else [])
            ),
            is_function=function is not None,
        )

    def definitions(self) -> Definitions:
        root = self.root
        version = DMN_NAMESPACES.get(self.ns)
        if etree.QName(root).localname != "definitions" or "BPMN" in self.ns.upper():
            raise DmnError(
                "This is not a DMN file: the root element must be <definitions> in a DMN 1.1–1.5 namespace."
            )
        if version is None:
            # Some exporters put DMN elements in the model's own namespace; read them all the same.
            self.warnings.append(f"unknown DMN namespace {self.ns!r}; reading it as DMN 1.5")
            version = "1.5"
        name = root.get("name") or ""
        namespace = root.get("namespace") or ""
        language = root.get("expressionLanguage")
        self.check_language(language, root)
        imports = tuple(
            Import(
                self.required_attr(i, "namespace"),
                i.get("name") or "",
                i.get("importType"),
                i.get("locationURI"),
            )
            for i in self.children(root, "import")
        )
        items = tuple(self.item_definition(i) for i in self.children(root, "itemDefinition"))
        inputs: list[InputData] = []
        decisions: list[Decision] = []
        bkms: list[BusinessKnowledgeModel] = []
        services: list[DecisionServiceDef] = []
        seen: set[str] = set()
        for el in root:
            local = self.local(el)
            if local not in ("inputData", "decision", "businessKnowledgeModel", "decisionService"):
                continue
            ident = self.required_attr(el, "id")
            element_name = self.required_attr(el, "name")
            if ident in seen:
                raise DmnError(f"The model has two elements with id {ident!r}.")
            seen.add(ident)
            self.where = f"{local} {element_name!r}"
            if local == "inputData":
                inputs.append(InputData(ident, element_name, self.variable_type(el)))
            elif local == "decision":
                decisions.append(self.decision(el, ident, element_name))
            elif local == "businessKnowledgeModel":
                logic_el = self.child(el, "encapsulatedLogic")
                logic = self.function_definition(logic_el) if logic_el is not None else None
                bkms.append(
                    BusinessKnowledgeModel(
                        ident,
                        element_name,
                        self.variable_type(el),
                        logic,
                        self.requirements(el, "knowledgeRequirement", "requiredKnowledge"),
                    )
                )
            else:
                services.append(
                    DecisionServiceDef(
                        ident,
                        element_name,
                        self.variable_type(el),
                        tuple(self.reference(r) for r in self.children(el, "outputDecision")),
                        tuple(self.reference(r) for r in self.children(el, "encapsulatedDecision")),
                        tuple(self.reference(r) for r in self.children(el, "inputDecision")),
                        tuple(self.reference(r) for r in self.children(el, "inputData")),
                    )
                )
        return Definitions(
            id=root.get("id"),
            name=name,
            namespace=namespace,
            dmn_version=version,
            imports=imports,
            item_definitions=items,
            input_data=tuple(inputs),
            decisions=tuple(decisions),
            bkms=tuple(bkms),
            services=tuple(services),
            expression_language=language,
            warnings=tuple(self.warnings),
        )

    def requirements(self, el: etree._Element, requirement: str, target: str) -> tuple[Reference, ...]:
        refs = []
        for req in self.children(el, requirement):
            for ref in self.children(req, target):
                refs.append(self.reference(ref))
        return tuple(refs)

    def decision(self, el: etree._Element, ident: str, name: str) -> Decision:
        return Decision(
            id=ident,
            name=name,
            type_ref=self.variable_type(el),
            expression=self.expression_in(el),
            required_decisions=self.requirements(el, "informationRequirement", "requiredDecision"),
            required_inputs=self.requirements(el, "informationRequirement", "requiredInput"),
            required_knowledge=self.requirements(el, "knowledgeRequirement", "requiredKnowledge"),
        )


def read_definitions(xml: str | bytes, source: str | None = None) -> Definitions:
    """Parse DMN XML into ``Definitions``; DmnError for malformed XML or models. ``source`` is the file's
    path, used to resolve imports that give a locationURI."""
    try:
        root = parse_xml(xml)
    except XmlProblem as problem:
        raise DmnError(str(problem)) from None
    definitions = _Reader(root).definitions()
    return dataclasses.replace(definitions, source=source) if source else definitions
