"""Run the TCK's literal-expression decisions through the FEEL evaluator (a self-check, not the TCK runner).

Only decisions whose logic is a literal expression or a boxed context of literal expressions are
evaluated; everything else is skipped. ``python -m tests.feel.tck_literal [folder]`` prints the failures.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bizdevops.feel import (
    evaluate_strict,
    feel_equal,
    parse,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    to_feel_string,
)
from bizdevops.feel.api import Expression
from bizdevops.feel.errors import FeelEvaluationError, FeelSyntaxError
from bizdevops.feel.values import FeelError
from bizdevops.xmlsafe import parse_xml

TCK = Path("/work/shared/conformance/dmn-tck")
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and _local(c.tag) == name]


def _child(el: Any, name: str) -> Any:
    found = _children(el, name)
    return found[0] if found else None


@dataclass
class Decision:
    name: str
    kind: str  # "literal", "context", "unsupported"
    text: str = ""
    entries: list[tuple[str | None, str]] | None = None


@dataclass
class Model:
    decisions: dict[str, Decision]
    inputs: list[str]
    bkms: dict[str, tuple[list[str], str]]


def load_model(path: Path) -> Model:
    root = parse_xml(path.read_bytes())
    decisions: dict[str, Decision] = {}
    bkms: dict[str, tuple[list[str], str]] = {}
    inputs: list[str] = []
    for el in root:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        name = el.get("name", "")
        if tag == "inputData":
            inputs.append(name)
        elif tag == "decision":
            lit = _child(el, "literalExpression")
            ctx = _child(el, "context")
            if lit is not None:
                text = _child(lit, "text")
                decisions[name] = Decision(name, "literal", (text.text or "") if text is not None else "")
            elif ctx is not None:
                entries: list[tuple[str | None, str]] = []
                ok = True
                for entry in _children(ctx, "contextEntry"):
                    var = _child(entry, "variable")
                    lit = _child(entry, "literalExpression")
                    if lit is None:
                        ok = False
                        break
                    text = _child(lit, "text")
                    entries.append((var.get("name") if var is not None else None, text.text or ""))
                decisions[name] = Decision(name, "context" if ok else "unsupported", entries=entries)
            else:
                decisions[name] = Decision(name, "unsupported")
        elif tag == "businessKnowledgeModel":
            logic = _child(el, "encapsulatedLogic")
            if logic is not None:
                lit = _child(logic, "literalExpression")
                if lit is not None:
                    params = [p.get("name", "") for p in _children(logic, "formalParameter")]
                    text = _child(lit, "text")
                    bkms[name] = (params, text.text or "" if text is not None else "")
    return Model(decisions, inputs, bkms)


def read_value(el: Any) -> Any:
    """A TCK <value>/<list>/<component> holder → FEEL value."""
    value = _child(el, "value")
    if value is not None:
        if value.get(XSI + "nil") == "true":
            return None
        kind = (value.get(XSI + "type") or "").split(":")[-1]
        text = value.text or ""
        try:
            if kind in ("decimal", "double", "integer", "int", "long", "float"):
                return Decimal(text.strip())
            if kind == "boolean":
                return text.strip() == "true"
            if kind == "date":
                return parse_date(text.strip())
            if kind == "dateTime":
                return parse_date_time(text.strip())
            if kind == "time":
                return parse_time(text.strip())
            if kind == "duration":
                return parse_duration(text.strip())
        except FeelError:
            return text.strip()
        if kind == "" and len(value) and _children(value, "component"):
            return {c.get("name"): read_value(c) for c in _children(value, "component")}
        if kind == "" and len(value) and _children(value, "item"):
            return [read_value(i) for i in _children(value, "item")]
        return text
    lst = _child(el, "list")
    if lst is not None:
        if lst.get(XSI + "nil") == "true":
            return None
        return [read_value(i) for i in _children(lst, "item")]
    components = _children(el, "component")
    if components:
        return {c.get("name"): read_value(c) for c in components}
    return None


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        return abs(expected - actual) < Decimal("1e-8")
    if isinstance(expected, str) and not isinstance(actual, str) and actual is not None:
        return to_feel_string(actual) == expected
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(expected[k], actual[k]) for k in expected)
    if expected is None:
        return actual is None
    return feel_equal(expected, actual) is True and type(expected) is type(actual)


class Evaluator:
    def __init__(self, model: Model, inputs: dict[str, Any]) -> None:
        self.model = model
        self.values: dict[str, Any] = dict(inputs)
        self.names = set(model.decisions) | set(model.inputs) | set(model.bkms) | set(inputs)
        for name, (params, body) in model.bkms.items():
            header = "function(" + ", ".join(params) + ") "
            self.values[name] = self._eval(header + body, {})

    def _eval(self, text: str, extra: dict[str, Any]) -> Any:
        expr: Expression = parse(text, names=self.names | set(extra))
        return expr.evaluate_feel({**self.values, **extra}).value

    def decision(self, name: str, depth: int = 0) -> Any:
        if name in self.values:
            return self.values[name]
        d = self.model.decisions.get(name)
        if d is None or d.kind == "unsupported" or depth > 50:
            raise LookupError(name)
        for other in self.model.decisions:
            if other != name and other not in self.values and _mentions(d, other):
                try:
                    self.decision(other, depth + 1)
                except LookupError:
                    pass
        if d.kind == "literal":
            value = self._eval(d.text, {})
        else:
            scope: dict[str, Any] = {}
            value = None
            assert d.entries is not None
            for var, text in d.entries:
                result = self._eval(text, scope)
                if var is None:
                    value = result
                    break
                scope[var] = result
            else:
                value = scope
        self.values[name] = value
        return value


def _mentions(d: Decision, name: str) -> bool:
    texts = [d.text] + [t for _, t in d.entries or []]
    return any(name in t for t in texts)


@dataclass
class Outcome:
    folder: str
    case: str
    ok: bool
    expected_null: bool
    message: str = ""


def run_folder(folder: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    dmns = list(folder.glob("*.dmn"))
    if not dmns:
        return outcomes
    model = load_model(dmns[0])
    for test_file in sorted(folder.glob("*-test-*.xml")):
        root = parse_xml(test_file.read_bytes())
        for case in _children(root, "testCase"):
            if case.get("type", "decision") != "decision":
                continue
            inputs = {n.get("name"): read_value(n) for n in _children(case, "inputNode")}
            evaluator = Evaluator(model, inputs)
            ok = True
            expected_null = True
            message = ""
            for node in _children(case, "resultNode"):
                expected_el = _child(node, "expected")
                expected = read_value(expected_el) if expected_el is not None else None
                if expected is not None:
                    expected_null = False
                try:
                    actual = evaluator.decision(node.get("name"))
                except LookupError:
                    ok = False
                    message = "unsupported decision"
                    break
                except (FeelSyntaxError, FeelEvaluationError) as error:
                    actual = None
                    message = str(error)
                if not same(expected, actual):
                    ok = False
                    message = (
                        f"{node.get('name')}: expected {to_feel_string(expected, True)}, "
                        f"got {to_feel_string(actual, True)} {message}"
                    )
                    break
            outcomes.append(Outcome(folder.name, case.get("id", ""), ok, expected_null, message))
    return outcomes


def all_folders() -> list[Path]:
    return sorted(p for p in TCK.glob("*/compliance-level-*/*") if p.is_dir())


def main(argv: list[str]) -> None:
    folders = [p for p in all_folders() if not argv or any(a in p.name for a in argv)]
    total = passed = nonnull = nonnull_passed = 0
    for folder in folders:
        for o in run_folder(folder):
            total += 1
            passed += o.ok
            if not o.expected_null:
                nonnull += 1
                nonnull_passed += o.ok
            if not o.ok:
                print(f"FAIL {o.folder} {o.case}: {o.message[:300]}")  # noqa: T201
    print(f"{passed}/{total} passed; non-null {nonnull_passed}/{nonnull}")  # noqa: T201


_ = evaluate_strict

if __name__ == "__main__":
    main(sys.argv[1:])
