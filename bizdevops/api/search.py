"""Camunda's search convention over Django querysets: `{filter, sort, page}` in, `{items, page}` out.

A resource declares its searchable fields once (`Field`): the ORM path, how API values convert to stored
values, and whether it sorts. Filters accept a plain value (equality) or an operator object with
`$eq $neq $exists $in $notIn $like` (`*` any run, `?` one character) and, for ordered kinds,
`$gt $gte $lt $lte`. Unknown fields or operators are a 400, never silently ignored.

Paging: `limit` (default 100, at most 10 000) with `from` (offset) or the opaque cursors `after`/`before`
taken from a previous page's `endCursor`/`startCursor`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from bizdevops.api.errors import ApiProblem

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

KEY = "key"  # int64 sent as a string
STRING = "string"
INT = "int"
BOOL = "bool"
DATE_MS = "date-ms"  # ISO 8601 in the API, epoch ms in the database
DATETIME = "datetime"  # ISO 8601 in the API, DateTimeField in the database
ORDERED = {KEY, INT, DATE_MS, DATETIME, STRING}


def parse_iso(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _convert(kind: str, value: Any) -> Any:
    if kind == KEY:
        if isinstance(value, bool):
            raise ValueError("expected a key")
        if isinstance(value, int) and 0 <= value < 2**63:
            return value
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,19}", value) and int(value) < 2**63:
            return int(value)
        raise ValueError("expected a key (digits)")
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected an integer")
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise ValueError("expected a boolean")
        return value
    if kind == DATE_MS:
        return int(parse_iso(value).timestamp() * 1000)
    if kind == DATETIME:
        return parse_iso(value)
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def like_regex(pattern: str) -> str:
    """Camunda's $like wildcards (`*`, `?`, backslash escapes) as an anchored regular expression."""
    out = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "^" + "".join(out) + "$"


@dataclass(frozen=True)
class Field:
    """One searchable API field. `path` is the ORM lookup path; `values` maps API enum values to stored ones;
    `custom` builds the Q itself (for fields that are not one column, e.g. variables)."""

    path: str
    kind: str = STRING
    sortable: bool = True
    values: Mapping[str, Any] | None = None
    custom: Callable[[Any], Q] | None = None
    blank_is_null: bool = False  # the column stores "" for "no value" (null / $exists in the API)


@dataclass(frozen=True)
class SearchSpec:
    fields: Mapping[str, Field]
    default_order: Sequence[str] = ("pk",)
    tie_breaker: str = "pk"
    extra_filters: Mapping[str, Callable[[Any], Q]] = field(default_factory=dict)


def _value(spec_field: Field, name: str, value: Any) -> Any:
    if spec_field.values is not None:
        if value not in spec_field.values:
            allowed = ", ".join(sorted(str(v) for v in spec_field.values))
            raise ApiProblem(400, f"filter.{name}: unknown value {value!r} (allowed: {allowed})")
        return spec_field.values[value]
    try:
        return _convert(spec_field.kind, value)
    except ValueError as exc:
        raise ApiProblem(400, f"filter.{name}: {exc}") from None


def _absent(spec_field: Field) -> Q:
    if spec_field.blank_is_null:
        return Q(**{spec_field.path: ""}) | Q(**{f"{spec_field.path}__isnull": True})
    return Q(**{f"{spec_field.path}__isnull": True})


def field_q(spec_field: Field, name: str, condition: Any) -> Q:
    """The Q for one filter entry: a plain value or an operator object."""
    if spec_field.custom is not None:
        return spec_field.custom(condition)
    path = spec_field.path
    if not isinstance(condition, dict):
        if condition is None:
            return _absent(spec_field)
        return Q(**{path: _value(spec_field, name, condition)})
    if not condition:
        raise ApiProblem(400, f"filter.{name}: empty operator object")
    q = Q()
    for op, operand in condition.items():
        if op == "$eq":
            q &= Q(**{path: _value(spec_field, name, operand)})
        elif op == "$neq":
            q &= ~Q(**{path: _value(spec_field, name, operand)})
        elif op == "$exists":
            if not isinstance(operand, bool):
                raise ApiProblem(400, f"filter.{name}.$exists: expected a boolean")
            q &= ~_absent(spec_field) if operand else _absent(spec_field)
        elif op in ("$in", "$notIn"):
            if not isinstance(operand, list):
                raise ApiProblem(400, f"filter.{name}.{op}: expected an array")
            values = [_value(spec_field, name, item) for item in operand]
            q &= Q(**{f"{path}__in": values}) if op == "$in" else ~Q(**{f"{path}__in": values})
        elif op == "$like":
            if spec_field.kind != STRING or spec_field.values is not None:
                raise ApiProblem(400, f"filter.{name}.$like: only for text fields")
            if not isinstance(operand, str):
                raise ApiProblem(400, f"filter.{name}.$like: expected a string")
            q &= Q(**{f"{path}__regex": like_regex(operand)})
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            if spec_field.kind not in ORDERED or spec_field.values is not None:
                raise ApiProblem(400, f"filter.{name}.{op}: only for numbers and dates")
            q &= Q(**{f"{path}__{op[1:]}": _value(spec_field, name, operand)})
        else:
            raise ApiProblem(400, f"filter.{name}: unknown operator {op!r}")
    return q


def apply_filter(queryset: QuerySet[Any], spec: SearchSpec, filters: Any) -> QuerySet[Any]:
    if filters is None:
        return queryset
    if not isinstance(filters, dict):
        raise ApiProblem(400, "filter: expected an object")
    q = Q()
    for name, condition in filters.items():
        if name in spec.extra_filters:
            q &= spec.extra_filters[name](condition)
            continue
        spec_field = spec.fields.get(name)
        if spec_field is None:
            raise ApiProblem(400, f"filter.{name}: unknown filter field")
        q &= field_q(spec_field, name, condition)
    return queryset.filter(q)


def order_by(spec: SearchSpec, sort: Any) -> list[str]:
    if sort is None:
        sort = []
    if not isinstance(sort, list):
        raise ApiProblem(400, "sort: expected an array")
    ordering: list[str] = []
    for entry in sort:
        if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
            raise ApiProblem(400, "sort: each entry needs a field")
        name = entry["field"]
        spec_field = spec.fields.get(name)
        if spec_field is None or not spec_field.sortable or spec_field.custom is not None:
            raise ApiProblem(400, f"sort: cannot sort by {name!r}")
        order = entry.get("order", "ASC")
        if order not in ("ASC", "DESC", "asc", "desc"):
            raise ApiProblem(400, f"sort.{name}: order must be ASC or DESC")
        ordering.append(("-" if order.upper() == "DESC" else "") + spec_field.path)
    ordering.extend(spec.default_order if not ordering else ())
    if spec.tie_breaker not in ordering and f"-{spec.tie_breaker}" not in ordering:
        ordering.append(spec.tie_breaker)
    return ordering


def _cursor(offset: int) -> str:
    # standard base64 with padding: the spec's cursor pattern (and the SDK) check exactly that alphabet
    return base64.b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(cursor: Any, name: str) -> int:
    if not isinstance(cursor, str):
        raise ApiProblem(400, f"page.{name}: expected a cursor string")
    try:
        data = json.loads(base64.b64decode(cursor, validate=True))
        offset = data["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiProblem(400, f"page.{name}: invalid cursor") from None


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    start_cursor: str | None
    end_cursor: str | None

    def body(self, serialize: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        return {
            "items": [serialize(item) for item in self.items],
            "page": {
                "totalItems": self.total,
                "hasMoreTotalItems": False,
                "startCursor": self.start_cursor,
                "endCursor": self.end_cursor,
            },
        }


def paginate(queryset: QuerySet[Any], page: Any) -> Page:
    page = page or {}
    if not isinstance(page, dict):
        raise ApiProblem(400, "page: expected an object")
    limit = page.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ApiProblem(400, f"page.limit: expected an integer from 0 to {MAX_LIMIT}")
    given = [name for name in ("from", "after", "before") if page.get(name) is not None]
    if len(given) > 1:
        raise ApiProblem(400, "page: use only one of from, after, before")
    if "from" in given:
        start = page["from"]
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise ApiProblem(400, "page.from: expected a non-negative integer")
    elif "after" in given:
        start = _offset(page["after"], "after") + 1
    elif "before" in given:
        start = max(0, _offset(page["before"], "before") - limit)
        limit = min(limit, _offset(page["before"], "before"))
    else:
        start = 0
    total = queryset.count()
    items = list(queryset[start : start + limit]) if limit else []
    if not items:
        return Page(items, total, None, None)
    return Page(items, total, _cursor(start), _cursor(start + len(items) - 1))


def search(queryset: QuerySet[Any], spec: SearchSpec, body: Any) -> Page:
    """Filter, sort and page `queryset` as the request body says."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiProblem(400, "Expected a JSON object body.")
    queryset = apply_filter(queryset, spec, body.get("filter"))
    queryset = queryset.order_by(*order_by(spec, body.get("sort")))
    return paginate(queryset, body.get("page"))


def paginate_list(items: list[dict[str, Any]], page: Any) -> dict[str, Any]:
    """The same paging over an already filtered and sorted list (for resources folded in Python)."""
    page = page or {}
    if not isinstance(page, dict):
        raise ApiProblem(400, "page: expected an object")
    limit = page.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ApiProblem(400, f"page.limit: expected an integer from 0 to {MAX_LIMIT}")
    start = 0
    if page.get("from") is not None:
        start = page["from"]
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise ApiProblem(400, "page.from: expected a non-negative integer")
    elif page.get("after") is not None:
        start = _offset(page["after"], "after") + 1
    elif page.get("before") is not None:
        end = _offset(page["before"], "before")
        start, limit = max(0, end - limit), min(limit, end)
    chosen = items[start : start + limit]
    return {
        "items": chosen,
        "page": {
            "totalItems": len(items),
            "hasMoreTotalItems": False,
            "startCursor": _cursor(start) if chosen else None,
            "endCursor": _cursor(start + len(chosen) - 1) if chosen else None,
        },
    }
