"""REST API access matrix: every role (and an outsider) against every command and read on foreign objects.

A caller lacking the role capability gets 403, an object it may not see 404; either way the engine's rows
are exactly as before.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from bizdevops.api.permissions import ROLE_CAPABILITIES, Can
from tests.security.conftest import ALL_ROLES, PASSWORD
from tests.security.engine_fixtures import Target, deploy_target, engine_snapshot

pytestmark = pytest.mark.django_db


def _client(username: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION="Basic " + token)
    return client


@pytest.fixture
def target(db) -> Target:  # type: ignore[no-untyped-def]
    return deploy_target()


Call = Callable[[APIClient, Target], Any]


def _post(url: str, body: dict[str, Any] | None = None) -> Call:
    def call(c: APIClient, t: Target) -> Any:
        data = json.loads(json.dumps(body or {}).replace("{t.instance.key}", str(t.instance.key)))
        return c.post(url.format(t=t), data, format="json")

    return call


DEPLOY_BODY = b"""<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
 id="d" targetNamespace="x"><bpmn:process id="evil" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
</bpmn:definitions>"""

# name -> (capabilities any of which allow it, call)
COMMANDS: dict[str, tuple[set[Can], Call]] = {
    "deploy": (
        {Can.DEPLOY},
        lambda c, t: c.post(
            "/v2/deployments",
            {"resources": ("evil.bpmn", DEPLOY_BODY, "application/xml")},
            format="multipart",
        ),
    ),
    "cancel instance": ({Can.OPERATE}, _post("/v2/process-instances/{t.instance.key}/cancellation")),
    "modify instance": (
        {Can.OPERATE},
        _post(
            "/v2/process-instances/{t.instance.key}/modification",
            {"activateInstructions": [{"elementId": "end"}]},
        ),
    ),
    "set variables": (
        {Can.OPERATE},
        lambda c, t: c.put(
            f"/v2/element-instances/{t.instance.key}/variables",
            {"variables": {"salary": 1}},
            format="json",
        ),
    ),
    "resolve incident": ({Can.OPERATE}, _post("/v2/incidents/{t.incident.key}/resolution")),
    "activate ad-hoc elements": (
        {Can.OPERATE},
        _post(
            "/v2/element-instances/ad-hoc-activities/{t.instance.key}/activation",
            {"elements": [{"elementId": "end"}]},
        ),
    ),
    "activate jobs": (
        {Can.WORK_JOBS},
        _post("/v2/jobs/activation", {"type": "sec-job", "maxJobsToActivate": 5, "timeout": 60000}),
    ),
    "complete job": ({Can.WORK_JOBS}, _post("/v2/jobs/{t.job.key}/completion", {"variables": {"salary": 0}})),
    "fail job": ({Can.WORK_JOBS}, _post("/v2/jobs/{t.job.key}/failure", {"retries": 0})),
    "throw job error": ({Can.WORK_JOBS}, _post("/v2/jobs/{t.job.key}/error", {"errorCode": "X"})),
    "update job": (
        {Can.WORK_JOBS, Can.OPERATE},
        lambda c, t: c.patch(f"/v2/jobs/{t.job.key}", {"changeset": {"retries": 9}}, format="json"),
    ),
    "publish message": (
        {Can.MESSAGE},
        _post("/v2/messages/publication", {"name": "m", "correlationKey": "k"}),
    ),
    "correlate message": (
        {Can.MESSAGE},
        _post("/v2/messages/correlation", {"name": "m", "correlationKey": "k"}),
    ),
    "broadcast signal": ({Can.MESSAGE}, _post("/v2/signals/broadcast", {"signalName": "s"})),
    "evaluate conditionals": (
        {Can.START},
        _post("/v2/conditionals/evaluation", {"variables": {"salary": 1}}),
    ),
    "pin clock": (
        {Can.CLOCK},
        lambda c, t: c.put("/v2/clock", {"timestamp": 1_900_000_000_000}, format="json"),
    ),
    "c7 fetch and lock": (
        {Can.WORK_JOBS},
        _post(
            "/engine-rest/external-task/fetchAndLock",
            {"workerId": "w", "maxTasks": 5, "topics": [{"topicName": "sec-job", "lockDuration": 60000}]},
        ),
    ),
    "c7 complete": (
        {Can.WORK_JOBS},
        _post("/engine-rest/external-task/{t.job.key}/complete", {"workerId": "w"}),
    ),
    "c7 message": ({Can.MESSAGE}, _post("/engine-rest/message", {"messageName": "m"})),
    "evaluate decision": (
        {Can.EVALUATE},
        _post("/v2/decision-definitions/evaluation", {"decisionDefinitionId": "sec_decision"}),
    ),
}

READS: dict[str, tuple[set[Can], Call]] = {
    "instance": ({Can.READ}, lambda c, t: c.get(f"/v2/process-instances/{t.instance.key}")),
    "instance search": ({Can.READ}, _post("/v2/process-instances/search")),
    "definition xml": (
        {Can.READ},
        lambda c, t: c.get(f"/v2/process-definitions/{t.instance.process_definition_id}/xml"),
    ),
    "variable": ({Can.READ}, lambda c, t: c.get(f"/v2/variables/{t.variable.key}")),
    "variable search": ({Can.READ}, _post("/v2/variables/search")),
    "job search": ({Can.READ}, _post("/v2/jobs/search")),
    "incident": ({Can.READ}, lambda c, t: c.get(f"/v2/incidents/{t.incident.key}")),
    "incident search": ({Can.READ}, _post("/v2/incidents/search")),
    "decision": ({Can.READ}, lambda c, t: c.get(f"/v2/decision-definitions/{t.decision.key}")),
    "decision xml": ({Can.READ}, lambda c, t: c.get(f"/v2/decision-definitions/{t.decision.key}/xml")),
    "element instances": (
        {Can.READ},
        _post("/v2/element-instances/search", {"filter": {"processInstanceKey": "{t.instance.key}"}}),
    ),
}


def _caps(role: str) -> frozenset[Can]:
    return ROLE_CAPABILITIES.get(role, frozenset())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_commands_without_the_capability_are_403_and_change_nothing(role_user, target, name) -> None:  # type: ignore[no-untyped-def]
    # given a running instance with a job, a task and an incident, and every role lacking the capability
    allowed, call = COMMANDS[name]
    denied = [role for role in ALL_ROLES if not allowed & _caps(role)]
    assert "outsider" in denied
    before = engine_snapshot()
    for role in denied:
        # when a caller in that role (or none) sends the command
        response = call(_client(role_user(role).username), target)
        # then it is refused as forbidden, in problem+json, and the engine is untouched
        assert response.status_code == 403, (role, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json"), role
        assert engine_snapshot() == before, role


@pytest.mark.parametrize("name", sorted(READS))
def test_reads_need_the_read_capability(role_user, target, name) -> None:  # type: ignore[no-untyped-def]
    allowed, call = READS[name]
    for role in ALL_ROLES:
        response = call(_client(role_user(role).username), target)
        if allowed & _caps(role):
            assert response.status_code == 200, (role, response.content[:300])
        else:
            assert response.status_code == 403, (role, response.content[:300])
            assert b"victim only" not in response.content


TASK_CALLS: dict[str, Call] = {
    "get": lambda c, t: c.get(f"/v2/user-tasks/{t.task.key}"),
    "form": lambda c, t: c.get(f"/v2/user-tasks/{t.task.key}/form"),
    "variables": lambda c, t: c.post(f"/v2/user-tasks/{t.task.key}/variables/search", {}, format="json"),
    "complete": lambda c, t: c.post(
        f"/v2/user-tasks/{t.task.key}/completion", {"variables": {"salary": 1}}, format="json"
    ),
    "claim": lambda c, t: c.post(
        f"/v2/user-tasks/{t.task.key}/assignment", {"assignee": "sec-employee"}, format="json"
    ),
    "unassign": lambda c, t: c.delete(f"/v2/user-tasks/{t.task.key}/assignee"),
    "update": lambda c, t: c.patch(
        f"/v2/user-tasks/{t.task.key}", {"changeset": {"priority": 99}}, format="json"
    ),
}


@pytest.mark.parametrize("name", sorted(TASK_CALLS))
def test_a_task_for_someone_else_is_hidden_from_workers(role_user, target, name) -> None:  # type: ignore[no-untyped-def]
    # given a user task whose only candidate is "victim"
    before = engine_snapshot()
    for role in ("Employee", "Analyst", "outsider"):
        # when another worker (or a caller without task rights) touches it by key
        response = TASK_CALLS[name](_client(role_user(role).username), target)
        # then it does not exist for them (404) or they may not work on tasks at all (403); nothing changes
        assert response.status_code == (404 if role == "Employee" else 403), (role, response.content[:300])
        assert b"victim only" not in response.content
        assert engine_snapshot() == before, role


@pytest.mark.parametrize("role", ["Employee", "outsider"])
def test_task_search_does_not_leak_foreign_tasks(role_user, target, role) -> None:  # type: ignore[no-untyped-def]
    user = role_user(role)
    response = _client(user.username).post("/v2/user-tasks/search", {"page": {"limit": 100}}, format="json")
    if role == "outsider":
        assert response.status_code == 403
        return
    payload = response.json()
    assert str(target.task.key) not in json.dumps(payload)
    assert payload["page"]["totalItems"] == 0


def test_api_start_respects_candidate_starter_groups(role_user, target) -> None:  # type: ignore[no-untyped-def]
    # given a process only Managers may start (zeebe:property candidateStarterGroups=Manager)
    user = role_user("Employee")
    count = type(target.instance).objects.count()
    # when an Employee starts it through the API with their own password
    response = _client(user.username).post(
        "/v2/process-instances", {"processDefinitionId": "sec_proc"}, format="json"
    )
    # then it is refused as in the Tasklist, and no instance is created
    assert response.status_code == 403
    assert type(target.instance).objects.count() == count
