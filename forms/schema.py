"""Reading form-js schemas: which components carry data, and which process variables a form refers to."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# Components that show something but never submit a value.
DISPLAY_TYPES = frozenset(
    {"text", "html", "image", "button", "separator", "spacer", "iframe", "table", "documentPreview"}
)
CONTAINER_TYPES = frozenset({"group", "dynamiclist"})
INPUT_TYPES = frozenset(
    {
        "textfield",
        "textarea",
        "number",
        "checkbox",
        "checklist",
        "radio",
        "select",
        "taglist",
        "datetime",
        "filepicker",
        "expression",
    }
)
OPTION_TYPES = frozenset({"checklist", "radio", "select", "taglist"})

# FEEL words that look like names but are not variables.
_FEEL_WORDS = frozenset(
    {
        "and", "or", "not", "if", "then", "else", "for", "in", "return", "some", "every", "satisfies",
        "between", "instance", "of", "function", "true", "false", "null", "item", "this", "parent", "external",
    }
)  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NAME = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")
_BOUND = re.compile(r"(?:\b(?:for|some|every)|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)


class SchemaError(ValueError):
    """The schema is not a form-js schema."""


def parse_schema(source: str | dict[str, Any]) -> dict[str, Any]:
    """A form-js schema from JSON text or a dict; raises SchemaError if it has no component list."""
    schema = json.loads(source) if isinstance(source, str) else source
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        raise SchemaError("A form schema is a JSON object with a `components` list.")
    return schema


def key_path(key: str) -> list[str]:
    """form-js binds `a.b` to the nested value data["a"]["b"]."""
    return [part for part in key.split(".") if part]


def field_path(component: dict[str, Any]) -> list[str]:
    """The data path a component binds (key for inputs, path for groups and lists)."""
    if component.get("type") in CONTAINER_TYPES:
        return key_path(str(component.get("path") or ""))
    return key_path(str(component.get("key") or ""))


def iter_components(components: list[Any]) -> Iterator[dict[str, Any]]:
    """Every component, depth first, including the ones nested in groups and dynamic lists."""
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        children = component.get("components")
        if isinstance(children, list):
            yield from iter_components(children)


def expression_names(expression: str) -> set[str]:
    """Names an expression reads (a generous guess: extra names only fetch variables that do not exist)."""
    text = _STRING.sub('""', expression[1:] if expression.startswith("=") else expression)
    bound = set(_BOUND.findall(text))  # loop variables are not process variables
    return {name for name in _NAME.findall(text) if name not in _FEEL_WORDS and name not in bound}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def referenced_variables(schema: dict[str, Any]) -> set[str]:
    """Top-level process variables the form reads or writes: keys, group/list paths, option sources and
    every name used in a FEEL expression or a `{{ }}` template, as form-js's getSchemaVariables does."""
    names: set[str] = set()

    def walk(components: list[Any], top_level: bool) -> None:
        for component in components:
            if not isinstance(component, dict):
                continue
            path = field_path(component)
            # Inside a dynamic list, keys name fields of each item, not process variables.
            if path and top_level:
                names.add(path[0])
            values_key = component.get("valuesKey")
            if isinstance(values_key, str) and key_path(values_key):
                names.add(key_path(values_key)[0])
            data_source = component.get("dataSource")
            if isinstance(data_source, str) and key_path(data_source) and not data_source.startswith("="):
                names.add(key_path(data_source)[0])
            for text in _strings({k: v for k, v in component.items() if k != "components"}):
                if text.startswith("="):
                    names.update(expression_names(text))
                for template in _TEMPLATE.findall(text):
                    names.update(expression_names(template))
            children = component.get("components")
            if isinstance(children, list):
                nested_group = component.get("type") == "group" and bool(path)
                walk(children, top_level and component.get("type") != "dynamiclist" and not nested_group)

    walk(schema.get("components") or [], True)
    return names


def form_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The data-carrying fields of a form at top level (children of path-less groups included)."""
    fields: list[dict[str, Any]] = []

    def walk(components: list[Any]) -> None:
        for component in components:
            if not isinstance(component, dict):
                continue
            kind = component.get("type")
            if kind == "group" and not component.get("path"):
                walk(component.get("components") or [])
            elif kind in INPUT_TYPES or kind in CONTAINER_TYPES:
                fields.append(component)

    walk(schema.get("components") or [])
    return fields
