"""DMN 1.1–1.5 decision engine on the FEEL interpreter (pure Python, no Django).

    model = load(xml)                                   # DmnError for malformed models
    result = model.evaluate("Approval", {"age": 30})    # by decision id or name
    result.value, result.decisions, result.warnings
    model.evaluate_service("Service", {...})            # a decision service: context of its outputs
    models = load_many([xml_a, xml_b])                  # models importing each other (by namespace)

Every cell is parsed and compiled once, at load. Evaluation never raises for FEEL errors: like the spec,
a failing expression is null and the reason is in ``warnings``. A UNIQUE table with several matching rules
is null plus a warning (the spec's behaviour; Camunda raises instead).
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterable

from bizdevops.dmn.engine import DecisionModel, DecisionResult, EvaluatedDecision
from bizdevops.dmn.model import Definitions, DmnError
from bizdevops.dmn.reader import read_definitions
from bizdevops.dmn.tables import EvaluatedInput, EvaluatedOutput, MatchedRule

__all__ = [
    "link",
    "DecisionModel",
    "DecisionResult",
    "DmnError",
    "EvaluatedDecision",
    "EvaluatedInput",
    "EvaluatedOutput",
    "MatchedRule",
    "load",
    "load_cached",
    "load_many",
]


def load(xml: str | bytes) -> DecisionModel:
    """Load one DMN model (imports must be resolved with ``load_many``)."""
    definitions = read_definitions(xml)
    if definitions.imports:
        missing = ", ".join(i.namespace for i in definitions.imports if _is_dmn_import(i.import_type))
        if missing:
            raise DmnError(f"Model {definitions.name!r} imports {missing}; load it with load_many().")
    return DecisionModel(definitions)


@functools.lru_cache(maxsize=256)
def load_cached(xml: str | bytes) -> DecisionModel:
    """``load`` with a cache keyed by the XML text: a DecisionModel is immutable and safe to share
    between threads, so a deployed DMN resource is parsed and compiled once per process."""
    return load(xml)


def load_many(xmls: Iterable[str | bytes]) -> list[DecisionModel]:
    """Load several models that may import each other; returns them in the given order."""
    parsed = [read_definitions(x) for x in xmls]
    return link(parsed)


def _is_dmn_import(import_type: str | None) -> bool:
    return import_type is None or "DMN" in import_type.upper() or "dmn" in import_type


def link(
    parsed: list[Definitions],
    errors: list[str] | None = None,
    only: list[Definitions] | None = None,
    *,
    strict: bool = True,
) -> list[DecisionModel]:
    """Build models from parsed definitions, imported models first (imports resolve by namespace).

    With ``errors`` given, a model that fails to build is skipped (its message appended, its slot in the
    result left out) instead of failing all of them. With ``only``, just those are built (plus what they
    import); the others serve to resolve imports. The TCK runner loads whole folders this way.
    """
    by_namespace: dict[str, Definitions] = {}
    by_source: dict[str, Definitions] = {}
    for definitions in parsed:
        by_namespace.setdefault(definitions.namespace, definitions)
        if definitions.source:
            by_source[posixpath.normpath(definitions.source)] = definitions

    def imported_definitions(
        importer: Definitions, namespace: str, location: str | None
    ) -> Definitions | None:
        # A locationURI relative to the importing file wins: two files may share a namespace (TCK 0086).
        if location and importer.source and "://" not in location:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(importer.source), location))
            found = by_source.get(path)
            if found is not None and found.namespace == namespace:
                return found
        return by_namespace.get(namespace)

    built: dict[int, DecisionModel] = {}
    visiting: set[int] = set()

    def build(definitions: Definitions) -> DecisionModel:
        key = id(definitions)
        if key in built:
            return built[key]
        if key in visiting:
            raise DmnError(f"Models import each other in a cycle (at {definitions.name!r}).")
        visiting.add(key)
        try:
            imported: dict[str, DecisionModel] = {}
            for item in definitions.imports:
                if not _is_dmn_import(item.import_type):
                    continue
                target = imported_definitions(definitions, item.namespace, item.location)
                if target is None:
                    raise DmnError(
                        f"Model {definitions.name!r} imports {item.namespace!r}, which was not given."
                    )
                imported[item.name] = build(target)
            model = DecisionModel(definitions, imported, strict=strict)
        finally:
            visiting.discard(key)
        built[key] = model
        return model

    models = []
    for definitions in only if only is not None else parsed:
        if errors is None:
            models.append(build(definitions))
            continue
        try:
            models.append(build(definitions))
        except DmnError as error:
            errors.append(f"{definitions.name}: {error}")
    return models
