"""DMN TCK runner: ``python -m bizdevops.dmn.tck PATH [PATH...] [--csv FILE] [--verbose]``.

Loads every ``*-test-*.xml`` under the paths with all models of its folder, evaluates each test case and
writes the TCK results CSV (``"folder","file","id","SUCCESS|ERROR|IGNORED","msg"``). A test case passes when
all its result nodes match (numbers as decimals, lists in order, contexts by key, ``errorResult`` on null).
It never stops on a broken model or an exception: those count as failures.
"""

from __future__ import annotations

import argparse
import csv
import io
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import FrameType
from typing import Any

from lxml import etree

from bizdevops.dmn import DecisionModel, DmnError, link
from bizdevops.dmn.model import Definitions
from bizdevops.dmn.reader import read_definitions
from bizdevops.feel.values import (
    FeelError,
    feel_equal,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    to_feel_string,
)
from bizdevops.xmlsafe import parse_xml

TC_NS = "http://www.omg.org/spec/DMN/20160719/testcase"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CASE_SECONDS = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    folder: str
    file: str
    case_id: str
    passed: bool
    expects_null: bool
    message: str


@dataclass(slots=True)
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    def non_null(self) -> tuple[int, int]:
        relevant = [o for o in self.outcomes if not o.expects_null]
        return sum(o.passed for o in relevant), len(relevant)


# ---------------------------------------------------------------------------------------------------------
# Values


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el: etree._Element, name: str | None = None) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and (name is None or _local(c) == name)]


def _scalar(el: etree._Element) -> Any:
    if el.get(f"{{{XSI_NS}}}nil") == "true":
        return None
    kind = (el.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]
    text = el.text or ""
    if kind == "" and _kids(el):
        return _value(el)  # a value element wrapping a structure
    try:
        if kind in ("decimal", "double", "float", "int", "integer", "long", "short"):
            if text.strip() in ("INF", "-INF", "NaN"):
                return None
            return Decimal(text.strip())
        if kind == "boolean":
            return text.strip() == "true"
        if kind == "date":
            return parse_date(text.strip())
        if kind == "time":
            return parse_time(text.strip())
        if kind == "dateTime":
            return parse_date_time(text.strip())
        if kind in ("duration", "dayTimeDuration", "yearMonthDuration"):
            return parse_duration(text.strip())
    except (FeelError, InvalidOperation, ValueError):
        return text  # not representable: compared as FEEL string() text
    return text


def _value(el: etree._Element) -> Any:
    """The value held by an inputNode / expected / item / component element."""
    kids = _kids(el)
    components = [k for k in kids if _local(k) == "component"]
    if components:
        return {c.get("name") or "": _value(c) for c in components}
    for kid in kids:
        local = _local(kid)
        if local == "value":
            return _scalar(kid)
        if local == "list":
            return [_value(item) for item in _kids(kid, "item")]
    if el.get(f"{{{XSI_NS}}}nil") == "true":
        return None
    return None


def _is_null_only(values: list[tuple[Any, bool]]) -> bool:
    return all(expected is None for expected, _ in values)


def matches(expected: Any, actual: Any) -> bool:
    """Compare as the Java TCK runners do."""
    if expected is None:
        return actual is None
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, Decimal):
        if not isinstance(actual, Decimal) or isinstance(actual, bool):
            return False
        return actual == expected or abs(actual - expected) < Decimal("1e-8")
    if isinstance(expected, str):
        if isinstance(actual, str):
            return actual == expected
        if actual is None:
            return False
        return to_feel_string(actual) == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(matches(v, actual[k]) for k, v in expected.items())
        )
    if feel_equal(expected, actual) is True:
        return to_feel_string(expected) == to_feel_string(actual) or type(expected) is type(actual)
    return False


# ---------------------------------------------------------------------------------------------------------
# Running


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


class FolderModels:
    """All models of one folder, loaded together so imports resolve by namespace."""

    def __init__(self, folder: Path) -> None:
        self.by_file: dict[str, DecisionModel] = {}
        self.errors: dict[str, str] = {}
        parsed: list[tuple[str, Definitions]] = []
        pool: list[Definitions] = []
        # Imported models may sit in subfolders (TCK 0086-imports: locationURI="01/import1.dmn").
        for path in sorted(folder.rglob("*.dmn")):
            relative = path.relative_to(folder).as_posix()
            try:
                definitions = read_definitions(path.read_bytes(), source=relative)
            except DmnError as error:
                self.errors[relative] = str(error)
                continue
            except Exception as error:  # noqa: BLE001 - a broken model must not stop the run
                self.errors[relative] = f"{type(error).__name__}: {error}"
                continue
            pool.append(definitions)
            if path.parent == folder:
                parsed.append((path.name, definitions))
        for name, definitions in parsed:
            # Each file is built on its own (the folder's other models only resolve its imports), so one
            # broken model fails only its own tests.
            try:
                # Not strict: a cell with invalid FEEL fails its own decision (null), not the whole model.
                self.by_file[name] = link(pool, only=[definitions], strict=False)[0]
            except DmnError as error:
                self.errors[name] = str(error)
            except Exception as error:  # noqa: BLE001
                self.errors[name] = f"{type(error).__name__}: {error}"

    @property
    def error(self) -> str | None:
        return "; ".join(f"{k}: {v}" for k, v in self.errors.items()) or None


def _evaluate(
    model: DecisionModel,
    case: etree._Element,
    node: etree._Element,
    inputs: dict[str, Any],
    namespaced: dict[str, dict[str, Any]],
) -> tuple[Any, tuple[str, ...]]:
    """The actual value for a result node, and the errors met on the way (for the failure message)."""
    case_type = case.get("type") or "decision"
    name = node.get("name") or ""
    if case_type == "decisionService":
        service = case.get("invocableName") or name
        result = model.evaluate_service(service, inputs, by_namespace=namespaced)
        if name == service:
            return result.value, result.errors
        # A result node naming an output (or encapsulated) decision of the service.
        for decision in reversed(result.decisions):
            if decision.name == name:
                return decision.value, result.errors
        value = result.value.get(name) if isinstance(result.value, dict) else None
        return value, result.errors
    if case_type == "bkm":
        result = model.evaluate_bkm(case.get("invocableName") or name, inputs)
    elif node.get("type") == "decisionService":
        result = model.evaluate_service(name, inputs, by_namespace=namespaced)
    else:
        result = model.evaluate(name, inputs, by_namespace=namespaced)
    return result.value, result.errors


_TEMPORAL_PARSERS = {
    "date": parse_date,
    "time": parse_time,
    "dateTime": parse_date_time,
    "date and time": parse_date_time,
    "dayTimeDuration": parse_duration,
    "days and time duration": parse_duration,
    "yearMonthDuration": parse_duration,
    "years and months duration": parse_duration,
    "duration": parse_duration,
}


def _typed_inputs(model: DecisionModel, inputs: dict[str, Any]) -> dict[str, Any]:
    """Values FEEL holds but XML Schema cannot (a date-time with a zone id, a year beyond 9999) come as
    xsd:string; read them as the temporal their input data is declared as."""
    out = dict(inputs)
    for element in model.inputs.values():
        value = out.get(element.name)
        type_ref = (element.type_ref or "").removeprefix("feel:")
        parser = _TEMPORAL_PARSERS.get(type_ref)
        if isinstance(value, str) and parser is not None:
            try:
                out[element.name] = parser(value)
            except FeelError:
                pass
    return out


def run_file(path: Path, folders: dict[Path, FolderModels]) -> Iterator[Outcome]:
    folder_name, file_name = path.parent.name, path.name
    try:
        root = parse_xml(path.read_bytes())
    except Exception as error:  # noqa: BLE001
        yield Outcome(folder_name, file_name, "*", False, False, f"unreadable test file: {error}")
        return
    models = folders.get(path.parent)
    if models is None:
        models = folders[path.parent] = FolderModels(path.parent)
    model_name = next((c.text or "" for c in _kids(root, "modelName")), "").strip()
    model = models.by_file.get(model_name) or (
        next(iter(models.by_file.values()), None) if not model_name else None
    )
    for case in _kids(root, "testCase"):
        case_id = case.get("id") or "?"
        results = _kids(case, "resultNode")
        expectations = [
            (_value(_kids(r, "expected")[0]) if _kids(r, "expected") else None, r) for r in results
        ]
        expects_null = all(e is None for e, _ in expectations)
        if model is None:
            message = models.errors.get(model_name) or models.error or f"model {model_name!r} not found"
            yield Outcome(folder_name, file_name, case_id, False, expects_null, message)
            continue
        inputs: dict[str, Any] = {}
        namespaced: dict[str, dict[str, Any]] = defaultdict(dict)
        for input_node in _kids(case, "inputNode"):
            namespace = input_node.get("namespace")
            target = namespaced[namespace] if namespace else inputs
            target[input_node.get("name") or ""] = _value(input_node)
        inputs = _typed_inputs(model, inputs)
        failures = []
        for expected, node in expectations:
            error_result = node.get("errorResult") == "true"
            try:
                actual, errors = _evaluate(model, case, node, inputs, dict(namespaced))
            except _Timeout:
                failures.append(f"{node.get('name')}: timed out")
                continue
            except Exception as error:  # noqa: BLE001 - counted as a failure, never a crash
                if error_result and expected is None:
                    continue
                failures.append(f"{node.get('name')}: {type(error).__name__}: {error}")
                continue
            if error_result and actual is None:
                continue
            if not matches(expected, actual):
                reason = f" [{errors[0]}]" if errors else ""
                failures.append(
                    f"{node.get('name')}: expected {_show(expected)} but got {_show(actual)}{reason}"
                )
        yield Outcome(folder_name, file_name, case_id, not failures, expects_null, "; ".join(failures))


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    try:
        return f"{to_feel_string(value, True)} ({type(value).__name__})"
    except Exception:  # noqa: BLE001
        return repr(value)


def find_tests(paths: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*-test-*.xml")))
        elif path.is_file():
            out.append(path)
    return out


def run(paths: Sequence[str], per_case_seconds: int = CASE_SECONDS) -> Summary:
    """Run every test file under ``paths``; the summary holds one outcome per test case."""
    summary = Summary()
    folders: dict[Path, FolderModels] = {}
    use_alarm = hasattr(signal, "SIGALRM")
    previous = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    try:
        for path in find_tests(paths):
            iterator = run_file(path, folders)
            while True:
                if use_alarm:
                    signal.alarm(per_case_seconds)
                try:
                    outcome = next(iterator)
                except StopIteration:
                    break
                except _Timeout:
                    summary.outcomes.append(
                        Outcome(path.parent.name, path.name, "?", False, False, "timed out")
                    )
                    break
                finally:
                    if use_alarm:
                        signal.alarm(0)
                summary.outcomes.append(outcome)
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous)
    return summary


def write_csv(summary: Summary, out: io.TextIOBase | Any) -> None:
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for o in summary.outcomes:
        writer.writerow([o.folder, o.file, o.case_id, "SUCCESS" if o.passed else "ERROR", o.message])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bizdevops.dmn.tck", description=__doc__)
    parser.add_argument("paths", nargs="+", help="TCK folders or test files")
    parser.add_argument("--csv", help="write the results CSV here instead of stdout")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every failure to stderr")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = run(args.paths)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as handle:
            write_csv(summary, handle)
    else:
        write_csv(summary, sys.stdout)
    by_folder: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in summary.outcomes:
        if not outcome.passed:
            by_folder[outcome.folder].append(outcome)
    if by_folder:
        print("Failures by folder:", file=sys.stderr)
        for folder, failed in sorted(by_folder.items()):
            total = sum(1 for o in summary.outcomes if o.folder == folder)
            print(f"  {folder}: {len(failed)}/{total} failed", file=sys.stderr)
            if args.verbose:
                for o in failed:
                    print(f"    {o.case_id}: {o.message[:300]}", file=sys.stderr)
    print(f"elapsed {time.perf_counter() - started:.1f}s", file=sys.stderr)
    good, relevant = summary.non_null()
    rate = 100.0 * good / relevant if relevant else 100.0
    print(f"{summary.passed} passed, {summary.failed} failed")
    print(f"non-null: {good}/{relevant} ({rate:.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
