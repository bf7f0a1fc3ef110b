"""POST /v2/process-instances/{key}/modification and /migration end to end (DRF client, real engine and
PostgreSQL): Camunda's request shapes, problem+json for refusals, permissions, and nothing changed when
refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.state import models as m

pytestmark = pytest.mark.django_db(transaction=True)

CORE = Path(__file__).parent.parent / "engine" / "core"


def deploy(client: Any, name: str) -> str:
    files = [SimpleUploadedFile(name, (CORE / name).read_bytes())]
    response = client.post("/v2/deployments", {"resources": files}, format="multipart")
    assert response.status_code == 200, response.content
    return str(response.json()["deployments"][0]["processDefinition"]["processDefinitionKey"])


def start(client: Any, process_id: str, **variables: Any) -> str:
    body = {"processDefinitionId": process_id, "variables": variables}
    response = client.post("/v2/process-instances", body, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["processInstanceKey"])


def elements(client: Any, key: str) -> list[tuple[str, str]]:
    body = {"filter": {"processInstanceKey": key}, "sort": [{"field": "startDate"}], "page": {"limit": 100}}
    response = client.post("/v2/element-instances/search", body, format="json")
    assert response.status_code == 200, response.content
    return [(i["elementId"], i["state"]) for i in response.json()["items"]]


def element_key(client: Any, key: str, element_id: str) -> str:
    body = {"filter": {"processInstanceKey": key, "elementId": element_id, "state": "ACTIVE"}}
    [item] = client.post("/v2/element-instances/search", body, format="json").json()["items"]
    return str(item["elementInstanceKey"])


def unchanged(key: str) -> tuple[Any, ...]:
    """What a refused command must not change."""
    row = m.ProcessInstance.objects.get(key=int(key))
    return (
        row.state,
        row.status,
        row.process_definition_id,
        m.History.objects.filter(process_instance_key=int(key)).count(),
        sorted(m.Job.objects.filter(process_instance_key=int(key)).values_list("key", "state", "element_id")),
        sorted(m.UserTask.objects.filter(process_instance_key=int(key)).values_list("key", "state")),
    )


def assert_problem(response: Any, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    for fragment in fragments:
        assert fragment in detail, detail


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    return api("Developer", username="dev")


def test_modification_moves_the_token_and_sets_variables(dev) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "modification.bpmn")
    key = start(dev, "modification")
    task_a = element_key(dev, key, "task_a")
    body = {
        "activateInstructions": [
            {
                "elementId": "task_c",
                "ancestorElementInstanceKey": "-1",
                "variableInstructions": [
                    {"variables": {"fixed": True}},
                    {"variables": {"attempt": 2}, "scopeId": "sub"},
                ],
            }
        ],
        "terminateInstructions": [{"elementInstanceKey": task_a}],
        "operationReference": 7,
    }
    response = dev.post(f"/v2/process-instances/{key}/modification", body, format="json")
    assert response.status_code == 204, response.content
    assert elements(dev, key) == [
        ("modification", "ACTIVE"),
        ("start", "COMPLETED"),
        ("task_a", "TERMINATED"),
        ("sub", "ACTIVE"),
        ("task_c", "ACTIVE"),
    ]
    assert m.Job.objects.get(element_id="task_a").state == "CANCELED"
    variables = dict(m.Variable.objects.filter(process_instance_key=int(key)).values_list("name", "value"))
    assert variables == {"fixed": True, "attempt": 2}
    # the job of the activated task is there for workers
    jobs = dev.post(
        "/v2/jobs/activation",
        {"type": "c", "timeout": 10_000, "maxJobsToActivate": 5, "worker": "w", "requestTimeout": -1},
        format="json",
    ).json()["jobs"]
    assert [(j["elementId"], j["variables"]) for j in jobs] == [("task_c", {"fixed": True, "attempt": 2})]


def test_move_and_terminate_by_element_id(dev) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "modification.bpmn")
    key = start(dev, "modification")
    body = {
        "moveInstructions": [
            {
                "sourceElementInstruction": {"sourceType": "byId", "sourceElementId": "task_a"},
                "targetElementId": "task_d",
                "ancestorScopeInstruction": {"ancestorScopeType": "sourceParent"},
            }
        ]
    }
    assert dev.post(f"/v2/process-instances/{key}/modification", body, format="json").status_code == 204
    assert ("task_d", "ACTIVE") in elements(dev, key)
    body = {"terminateInstructions": [{"elementId": "task_d"}]}
    assert dev.post(f"/v2/process-instances/{key}/modification", body, format="json").status_code == 204
    assert dev.get(f"/v2/process-instances/{key}").json()["state"] == "TERMINATED"


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"activateInstructions": [{"elementId": "nope"}]}, ("could not be found: 'nope'",)),
        ({"activateInstructions": [{"elementId": "start"}]}, ("START_EVENT",)),
        ({"terminateInstructions": [{"elementInstanceKey": "42"}]}, ("could not be found: '42'",)),
        ({"activateInstructions": [{"elementId": "mi_task"}]}, ("multi-instance element 'mi_sub'",)),
        (
            {"activateInstructions": [{"elementId": "task_d", "ancestorElementInstanceKey": "77"}]},
            ("ancestor scope key that does not exist",),
        ),
        ({"terminateInstructions": [{"elementInstanceKey": "1", "elementId": "x"}]}, ("exactly one",)),
        ({"activateInstructions": [{"ancestorElementInstanceKey": "1"}]}, ("elementId",)),
        ({"terminateInstructions": [{"elementInstanceKey": "abc"}]}, ("expected a key",)),
        ({}, ("no instructions",)),
    ],
)
def test_refused_modifications_are_problems_and_change_nothing(dev, body, fragments) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "modification.bpmn")
    key = start(dev, "modification")
    before = unchanged(key)
    response = dev.post(f"/v2/process-instances/{key}/modification", body, format="json")
    assert_problem(response, 400, *fragments)
    assert unchanged(key) == before


def test_unknown_instance_is_404(dev) -> None:  # type: ignore[no-untyped-def]
    body = {"activateInstructions": [{"elementId": "task_d"}]}
    assert_problem(dev.post("/v2/process-instances/123456789/modification", body, format="json"), 404)
    body = {"targetProcessDefinitionKey": "1", "mappingInstructions": []}
    assert_problem(dev.post("/v2/process-instances/123456789/migration", body, format="json"), 404)


@pytest.mark.parametrize(("role", "allowed"), [("Analyst", False), ("Employee", False), ("Operator", True)])
def test_modification_needs_operate(api, dev, role, allowed) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "modification.bpmn")
    key = start(dev, "modification")
    before = unchanged(key)
    body = {"terminateInstructions": [{"elementId": "task_a"}]}
    response = api(role).post(f"/v2/process-instances/{key}/modification", body, format="json")
    if allowed:
        assert response.status_code == 204, response.content
        assert dev.get(f"/v2/process-instances/{key}").json()["state"] == "TERMINATED"
    else:
        assert_problem(response, 403)
        assert unchanged(key) == before


MAPPING = [
    {"sourceElementId": "task_a", "targetElementId": "task_a2"},
    {"sourceElementId": "sub", "targetElementId": "sub2"},
    {"sourceElementId": "task_b", "targetElementId": "task_b2"},
    {"sourceElementId": "sub_cancel", "targetElementId": "sub_cancel2"},
]


def test_migration_to_a_new_version(dev) -> None:  # type: ignore[no-untyped-def]
    v1 = deploy(dev, "migration_v1.bpmn")
    key = start(dev, "migration", key="k-9")
    v2 = deploy(dev, "migration_v2.bpmn")
    assert v1 != v2
    job = m.Job.objects.get(process_instance_key=int(key))
    task = m.UserTask.objects.get(process_instance_key=int(key))
    body = {"targetProcessDefinitionKey": v2, "mappingInstructions": MAPPING}
    response = dev.post(f"/v2/process-instances/{key}/migration", body, format="json")
    assert response.status_code == 204, response.content
    got = dev.get(f"/v2/process-instances/{key}").json()
    assert (got["processDefinitionKey"], got["processDefinitionVersion"]) == (v2, 2)
    job.refresh_from_db()
    task.refresh_from_db()
    assert (job.element_id, job.process_definition_key) == ("task_a2", int(v2))
    assert (task.element_id, task.process_definition_key) == ("task_b2", int(v2))
    assert sorted(e for e, state in elements(dev, key) if state == "ACTIVE") == [
        "migration",
        "sub2",
        "task_a2",
        "task_b2",
    ]
    # the user task is still the same one for Tasklist, now on v2
    response = dev.get(f"/v2/user-tasks/{task.key}")
    assert response.status_code == 200, response.content
    assert response.json()["elementId"] == "task_b2"


@pytest.mark.parametrize(
    ("mapping", "status", "fragments"),
    [
        # what the instance's state does not allow is Zeebe's INVALID_STATE: 409 in Camunda's REST API
        (MAPPING[1:], 409, ("no mapping instruction defined for active element with id 'task_a'",)),
        (
            [{"sourceElementId": "task_a", "targetElementId": "task_a_user"}, *MAPPING[1:]],
            409,
            ("'task_a'", "different type 'USER_TASK'"),
        ),
        (
            [*MAPPING[:3], {"sourceElementId": "sub_cancel", "targetElementId": "canceled2"}],
            409,
            ("catch event with id 'sub_cancel' that is mapped to 'canceled2'",),
        ),
        ([*MAPPING, {"sourceElementId": "task_a", "targetElementId": "review"}], 400, ("duplicate",)),
        ([{"sourceElementId": "task_a"}], 400, ("targetElementId",)),
    ],
)
def test_refused_migrations_change_nothing(dev, mapping, status, fragments) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "migration_v1.bpmn")
    key = start(dev, "migration", key="k-9")
    v2 = deploy(dev, "migration_v2.bpmn")
    before = unchanged(key)
    body = {"targetProcessDefinitionKey": v2, "mappingInstructions": mapping}
    assert_problem(
        dev.post(f"/v2/process-instances/{key}/migration", body, format="json"), status, *fragments
    )
    assert unchanged(key) == before


def test_migration_to_an_unknown_definition_is_404_and_needs_operate(api, dev) -> None:  # type: ignore[no-untyped-def]
    deploy(dev, "migration_v1.bpmn")
    key = start(dev, "migration", key="k-9")
    v2 = deploy(dev, "migration_v2.bpmn")
    before = unchanged(key)
    body = {"targetProcessDefinitionKey": "987654321", "mappingInstructions": MAPPING}
    assert_problem(dev.post(f"/v2/process-instances/{key}/migration", body, format="json"), 404)
    body = {"targetProcessDefinitionKey": v2, "mappingInstructions": MAPPING}
    assert_problem(api("Employee").post(f"/v2/process-instances/{key}/migration", body, format="json"), 403)
    assert unchanged(key) == before


def test_instances_and_targets_of_restricted_definitions_are_404(api, admin_api) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    deploy(admin_api, "modification.bpmn")
    key = start(admin_api, "modification")
    payroll = Group.objects.create(name="Payroll")
    assign_perm(
        "engine.view_processdefinition",
        payroll,
        m.ProcessDefinition.objects.get(bpmn_process_id="modification"),
    )
    outsider = api("Operator", username="outsider")
    before = unchanged(key)
    body = {"terminateInstructions": [{"elementId": "task_a"}]}
    assert_problem(outsider.post(f"/v2/process-instances/{key}/modification", body, format="json"), 404)
    assert unchanged(key) == before
    # a migration target the caller may not see is 404 as well
    deploy(admin_api, "migration_v1.bpmn")
    other = start(admin_api, "migration", key="k-1")
    v2 = deploy(admin_api, "migration_v2.bpmn")
    assign_perm("engine.view_processdefinition", payroll, m.ProcessDefinition.objects.get(key=int(v2)))
    before = unchanged(other)
    body = {"targetProcessDefinitionKey": v2, "mappingInstructions": MAPPING}
    assert_problem(outsider.post(f"/v2/process-instances/{other}/migration", body, format="json"), 404)
    assert unchanged(other) == before
    # an Admin sees everything
    body = {"terminateInstructions": [{"elementId": "task_a"}]}
    assert admin_api.post(f"/v2/process-instances/{key}/modification", body, format="json").status_code == 204


def test_element_statistics_follow_a_migrated_instance(dev) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine.selectors import list_element_statistics

    v1 = deploy(dev, "migration_v1.bpmn")
    key = start(dev, "migration", key="k-9")
    v2 = deploy(dev, "migration_v2.bpmn")
    assert list_element_statistics(process_definition_key=int(v1))["task_a"]["active"] == 1
    body = {"targetProcessDefinitionKey": v2, "mappingInstructions": MAPPING}
    assert dev.post(f"/v2/process-instances/{key}/migration", body, format="json").status_code == 204
    before, after = (list_element_statistics(process_definition_key=int(v)) for v in (v1, v2))
    assert [before[e]["active"] for e in ("task_a", "sub", "task_b")] == [0, 0, 0]
    assert [after[e]["active"] for e in ("task_a2", "sub2", "task_b2")] == [1, 1, 1]
