"""Search convention: filter operators, sort, paging with cursors, and 400s for what we cannot do."""

from __future__ import annotations

import pytest

from tests.api import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def instances() -> list:  # type: ignore[type-arg]
    order = f.definition("order", 1, name="Order")
    invoice = f.definition("invoice", 2)
    return [
        f.instance(order, "ACTIVE", minutes=1),
        f.instance(order, "COMPLETED", minutes=2),
        f.instance(invoice, "INCIDENT", minutes=3),
        f.instance(invoice, "CANCELED", minutes=4),
    ]


def _keys(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [item["processInstanceKey"] for item in response.json()["items"]]


def test_search_without_body_lists_all_with_page_info(admin_api, instances) -> None:  # type: ignore[no-untyped-def]
    response = admin_api.post("/v2/process-instances/search", {}, format="json")
    data = response.json()
    assert data["page"]["totalItems"] == 4
    assert data["page"]["hasMoreTotalItems"] is False
    item = data["items"][0]
    assert isinstance(item["processInstanceKey"], str)
    assert {"processDefinitionName", "hasIncident", "rootProcessInstanceKey", "tags", "businessId"} <= set(
        item
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"processDefinitionId": "order"}, [0, 1]),
        ({"processDefinitionId": {"$eq": "invoice"}}, [2, 3]),
        ({"processDefinitionId": {"$neq": "invoice"}}, [0, 1]),
        ({"processDefinitionId": {"$in": ["order", "nope"]}}, [0, 1]),
        ({"processDefinitionId": {"$notIn": ["order"]}}, [2, 3]),
        ({"processDefinitionId": {"$like": "inv*"}}, [2, 3]),
        ({"processDefinitionId": {"$like": "ord?r"}}, [0, 1]),
        ({"state": "ACTIVE"}, [0, 2]),
        ({"state": "TERMINATED"}, [3]),
        ({"hasIncident": True}, [2]),
        ({"startDate": {"$gt": "2026-01-01T00:02:00Z"}}, [2, 3]),
        ({"startDate": {"$gte": "2026-01-01T00:02:00Z", "$lt": "2026-01-01T00:04:00Z"}}, [1, 2]),
        ({"endDate": {"$exists": False}}, [0, 1, 2, 3]),
        ({"processDefinitionVersion": {"$lte": 1}}, [0, 1]),
    ],
)
def test_filter_operators(admin_api, instances, condition, expected) -> None:  # type: ignore[no-untyped-def]
    body = {"filter": condition, "sort": [{"field": "startDate", "order": "ASC"}]}
    keys = _keys(admin_api.post("/v2/process-instances/search", body, format="json"))
    assert keys == [str(instances[i].key) for i in expected]


def test_sort_descending_and_cursor_paging(admin_api, instances) -> None:  # type: ignore[no-untyped-def]
    # given a first page of two, newest first
    sort = [{"field": "startDate", "order": "DESC"}]
    first = admin_api.post(
        "/v2/process-instances/search", {"sort": sort, "page": {"limit": 2}}, format="json"
    ).json()
    assert [i["processInstanceKey"] for i in first["items"]] == [str(instances[3].key), str(instances[2].key)]
    # when asking for the page after its end cursor
    body = {"sort": sort, "page": {"limit": 2, "after": first["page"]["endCursor"]}}
    second = admin_api.post("/v2/process-instances/search", body, format="json").json()
    # then the rest comes, and going back before it gives the first page again
    assert [i["processInstanceKey"] for i in second["items"]] == [
        str(instances[1].key),
        str(instances[0].key),
    ]
    body = {"sort": sort, "page": {"limit": 2, "before": second["page"]["startCursor"]}}
    back = admin_api.post("/v2/process-instances/search", body, format="json").json()
    assert back["items"] == first["items"]


def test_offset_paging_with_from(admin_api, instances) -> None:  # type: ignore[no-untyped-def]
    body = {"sort": [{"field": "startDate"}], "page": {"from": 3, "limit": 5}}
    assert _keys(admin_api.post("/v2/process-instances/search", body, format="json")) == [
        str(instances[3].key)
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"filter": {"noSuchField": 1}},
        {"filter": {"processDefinitionId": {"$regex": "x"}}},
        {"filter": {"processDefinitionVersion": {"$like": "1*"}}},
        {"filter": {"processInstanceKey": "abc"}},
        {"filter": {"startDate": {"$gt": "yesterday"}}},
        {"sort": [{"field": "variables"}]},
        {"sort": [{"field": "startDate", "order": "UP"}]},
        {"page": {"limit": -1}},
        {"page": {"after": "!!not-a-cursor"}},
        {"page": {"from": 1, "after": "eyJvIjogMH0="}},
        {"filter": []},
    ],
)
def test_bad_search_is_a_400_problem(admin_api, instances, body) -> None:  # type: ignore[no-untyped-def]
    response = admin_api.post("/v2/process-instances/search", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_variables_filter_matches_json_values(admin_api, instances) -> None:  # type: ignore[no-untyped-def]
    f.variable(instances[0], "approved", True)
    f.variable(instances[1], "approved", False)
    body = {"filter": {"variables": [{"name": "approved", "value": "true"}]}}
    assert _keys(admin_api.post("/v2/process-instances/search", body, format="json")) == [
        str(instances[0].key)
    ]


def test_get_instance_by_key_and_unknown_key(admin_api, instances) -> None:  # type: ignore[no-untyped-def]
    pi = instances[2]
    data = admin_api.get(f"/v2/process-instances/{pi.key}").json()
    assert data["processInstanceKey"] == str(pi.key)
    assert data["state"] == "ACTIVE"
    assert data["hasIncident"] is True
    assert admin_api.get("/v2/process-instances/123").status_code == 404
    assert admin_api.get("/v2/process-instances/xyz").status_code == 400


def test_process_definition_search_latest_and_xml(admin_api) -> None:  # type: ignore[no-untyped-def]
    f.definition("order", 1)
    latest = f.definition("order", 2)
    body = {"filter": {"isLatestVersion": True, "processDefinitionId": "order"}}
    items = admin_api.post("/v2/process-definitions/search", body, format="json").json()["items"]
    assert [i["processDefinitionKey"] for i in items] == [str(latest.key)]
    xml = admin_api.get(f"/v2/process-definitions/{latest.key}/xml")
    assert xml.status_code == 200
    assert xml.content == b"<definitions/>"


@pytest.mark.parametrize(
    ("role", "status"), [("Analyst", 200), ("Operator", 200), ("Employee", 403), ("Manager", 403)]
)
def test_operate_reads_need_the_read_capability(api, instances, role, status) -> None:  # type: ignore[no-untyped-def]
    assert api(role).post("/v2/process-instances/search", {}, format="json").status_code == status
