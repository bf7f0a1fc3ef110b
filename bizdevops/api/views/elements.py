"""Element instances (`POST /v2/element-instances/search`, `GET /v2/element-instances/{key}`).

The engine keeps finished element instances only in its history, so they are folded from it per process
instance (`selectors.list_element_instances`). A search therefore needs `processInstanceKey` (or
`elementInstanceKey`, which is resolved to its instance); filters and sorting then run on that one
instance's element instances, which are few.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from bizdevops.api import results
from bizdevops.api.errors import ApiProblem
from bizdevops.api.permissions import Can, may_see_instance, require, require_visible_instance
from bizdevops.api.resources import iso
from bizdevops.api.search import like_regex, paginate_list
from bizdevops.api.views.base import ApiView, body, parse_key
from bizdevops.api.views.read import SearchQuery, _result
from bizdevops.engine import selectors
from bizdevops.engine.state import models as m

KEY_FIELDS = {"elementInstanceKey", "processInstanceKey", "processDefinitionKey", "incidentKey"}
TEXT_FIELDS = {"elementId", "elementName", "processDefinitionId", "tenantId", "type", "state"}
DATE_FIELDS = {"startDate", "endDate"}
FIELDS = KEY_FIELDS | TEXT_FIELDS | DATE_FIELDS | {"hasIncident", "elementInstanceScopeKey"}


def element_instance(ei: Any, tenant_id: str = "<default>") -> dict[str, Any]:
    return {
        "elementInstanceKey": str(ei.key),
        "processInstanceKey": str(ei.process_instance_key),
        "rootProcessInstanceKey": str(ei.process_instance_key),
        "processDefinitionKey": str(ei.process_definition_key or 0),
        "processDefinitionId": ei.bpmn_process_id,
        "elementId": ei.element_id,
        "elementName": ei.element_id,
        "type": ei.element_type,
        "state": ei.state,
        "startDate": iso(ei.start_date),
        "endDate": iso(ei.end_date),
        "hasIncident": ei.incident_key is not None,
        "incidentKey": None if ei.incident_key is None else str(ei.incident_key),
        "tenantId": tenant_id,
        "flowScopeKey": None if ei.flow_scope_key is None else str(ei.flow_scope_key),
    }


def process_instance_of(element_instance_key: int) -> int | None:
    """The process instance an element instance belongs to, from the rows that name it."""
    if m.ProcessInstance.objects.filter(key=element_instance_key).exists():
        return element_instance_key
    for model in (m.Job, m.UserTask, m.Incident):
        found = (
            model.objects.filter(element_instance_key=element_instance_key)
            .values_list("process_instance_key", flat=True)
            .first()
        )
        if found is not None:
            return int(found)
    variable = (
        m.Variable.objects.filter(scope_key=element_instance_key)
        .values_list("process_instance_key", flat=True)
        .first()
    )
    return None if variable is None else int(variable)


def _matches(value: Any, condition: Any, name: str) -> bool:
    if not isinstance(condition, dict):
        return value == condition
    for op, operand in condition.items():
        if op == "$eq" and value != operand:
            return False
        if op == "$neq" and value == operand:
            return False
        if op == "$exists" and (value is not None) != bool(operand):
            return False
        if op in ("$in", "$notIn"):
            if not isinstance(operand, list):
                raise ApiProblem(400, f"filter.{name}.{op}: expected an array")
            if (value in operand) != (op == "$in"):
                return False
        if op == "$like":
            if not isinstance(operand, str) or not isinstance(value, str):
                return False
            if not re.match(like_regex(operand), value):
                return False
        if op in ("$gt", "$gte", "$lt", "$lte"):
            if value is None:
                return False
            ok = {
                "$gt": value > operand,
                "$gte": value >= operand,
                "$lt": value < operand,
                "$lte": value <= operand,
            }
            if not ok[op]:
                return False
        if op not in ("$eq", "$neq", "$exists", "$in", "$notIn", "$like", "$gt", "$gte", "$lt", "$lte"):
            raise ApiProblem(400, f"filter.{name}: unknown operator {op!r}")
    return True


def _normalize(name: str, condition: Any) -> Any:
    """Keys compare as strings (as they appear in items)."""
    if name in KEY_FIELDS or name == "elementInstanceScopeKey":
        if isinstance(condition, dict):
            return {
                op: [str(v) for v in val] if isinstance(val, list) else (str(val) if op != "$exists" else val)
                for op, val in condition.items()
            }
        return str(condition)
    return condition


class ElementInstanceSearchView(ApiView):
    @extend_schema(
        operation_id="searchElementInstances",
        request=SearchQuery,
        responses=_result("ElementInstances", results.ElementInstanceResult),
    )
    def post(self, request: Request) -> Response:
        require(request.user, Can.READ)
        query = body(request)
        filters = query.get("filter") or {}
        if not isinstance(filters, dict):
            raise ApiProblem(400, "filter: expected an object")
        unknown = sorted(set(filters) - FIELDS)
        if unknown:
            raise ApiProblem(400, f"filter.{unknown[0]}: unknown filter field")
        instance_key: int | None = None
        if isinstance(filters.get("processInstanceKey"), (str, int)):
            instance_key = parse_key(filters["processInstanceKey"], "filter.processInstanceKey")
        elif isinstance(filters.get("elementInstanceKey"), (str, int)):
            instance_key = process_instance_of(
                parse_key(filters["elementInstanceKey"], "filter.elementInstanceKey")
            )
        if instance_key is None and not filters.get("elementInstanceKey"):
            raise ApiProblem(
                400,
                "Element instance search needs filter.processInstanceKey (or elementInstanceKey) as a key.",
            )
        items: list[dict[str, Any]] = []
        if instance_key is not None and may_see_instance(request.user, instance_key):
            tenant = (
                m.ProcessInstance.objects.filter(key=instance_key).values_list("tenant_id", flat=True).first()
            )
            items = [
                element_instance(ei, tenant or "<default>")
                for ei in selectors.list_element_instances(process_instance_key=instance_key)
            ]
        for name, condition in filters.items():
            field = "flowScopeKey" if name == "elementInstanceScopeKey" else name
            wanted = _normalize(name, condition)
            items = [item for item in items if _matches(item.get(field), wanted, name)]
        sort = query.get("sort") or []
        if not isinstance(sort, list):
            raise ApiProblem(400, "sort: expected an array")
        for entry in reversed(sort):
            if not isinstance(entry, dict) or entry.get("field") not in FIELDS - {"elementInstanceScopeKey"}:
                raise ApiProblem(400, f"sort: cannot sort by {entry!r}")
            field = entry["field"]
            descending = str(entry.get("order", "ASC")).upper() == "DESC"
            items.sort(key=lambda item: (item.get(field) is None, item.get(field) or ""), reverse=descending)
        return Response(paginate_list(items, query.get("page")))


class ElementInstanceGetView(ApiView):
    @extend_schema(operation_id="getElementInstance", responses=results.ElementInstanceResult)
    def get(self, request: Request, key: str) -> Response:
        require(request.user, Can.READ)
        element_key = parse_key(key, "elementInstanceKey")
        instance_key = process_instance_of(element_key)
        require_visible_instance(request.user, instance_key, key, "Element instance with key")
        if instance_key is not None:
            tenant = (
                m.ProcessInstance.objects.filter(key=instance_key).values_list("tenant_id", flat=True).first()
            )
            for ei in selectors.list_element_instances(process_instance_key=instance_key):
                if ei.key == element_key:
                    return Response(element_instance(ei, tenant or "<default>"))
        raise ApiProblem(404, f"Element instance with key '{key}' not found.")
